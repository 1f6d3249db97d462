// cvchat's page: plain JS, no build step. It speaks the public API only (the same one the SDKs use).
//
// A run's events arrive over EventSource with the run's short-lived stream token. Every event carries its seq:
// the page applies seq n only after n-1, so a reconnect (the browser's own, with Last-Event-ID, or ours, with a
// fresh token and ?after=) never repeats or skips text. A reload finds the thread in the URL and reattaches to a
// running run by replaying its log from the start.

const KEY_STORAGE = "cvchat.apiKey";
const EVENT_TYPES = ["state", "tool_start", "tool_end", "token", "final", "error", "canceled"];
const TERMINAL = new Set(["done", "error", "canceled"]);
const STATUS_TEXT = { queued: "Queued…", running: "Thinking…", done: "", error: "Failed", canceled: "Canceled" };
const TOOL_LABELS = { search_cvs: "Searching the CVs", get_cv: "Reading a CV" };
const MAX_STREAM_FAILURES = 6;
const CV_LINK = /\/api\/cvs\/([0-9a-f-]{36})(?:\/pdf)?/g;

const $ = (selector) => document.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

// --- the API ----------------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, problem) {
    const title = problem.title || (status ? `HTTP ${status}` : "Network error");
    super(problem.detail ? `${title}: ${problem.detail}` : title);
    this.status = status;
    this.problem = problem;
  }
}

const state = { key: localStorage.getItem(KEY_STORAGE), user: null, threadId: null, active: null };

async function api(path, { method = "GET", body, headers = {}, blob = false } = {}) {
  const sent = { ...headers };
  if (state.key) sent.Authorization = `Bearer ${state.key}`;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { title: "Network error", detail: "the service could not be reached; check the connection" });
  }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON: keep the status */ }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && state.user) signOut("Your API key was refused (revoked or unknown). Sign in again.");
    throw error;
  }
  if (blob) return response.blob();
  return response.status === 204 ? null : response.json();
}

// --- errors and status, shown to the person ---------------------------------------------------------------------

function showError(error) {
  const text = error instanceof Error ? error.message : String(error);
  $("#alert-text").textContent = text;
  $("#alert").hidden = false;
  console.error(error);
}

function clearError() { $("#alert").hidden = true; }

function setConnection(stateName, text) {
  const conn = $("#conn");
  conn.dataset.state = stateName;
  conn.textContent = text;
}

// --- signing in -------------------------------------------------------------------------------------------------

async function signInWith(key) {
  state.key = key;
  try {
    state.user = await api("/api/users/me");
  } catch (error) {
    state.key = null;
    throw error;
  }
  localStorage.setItem(KEY_STORAGE, key);
  $("#who").textContent = state.user.name;
  $("#auth").hidden = true;
  $("#tabs").hidden = false;
  $("#account").hidden = false;
  await route();
  // An empty corpus answers every question with "nobody": say so, and how to fill it.
  api("/api/cvs?limit=1").then((corpus) => { emptyCorpus.hidden = corpus.items.length > 0; }, showError);
}

function signOut(message) {
  closeActiveStream();
  localStorage.removeItem(KEY_STORAGE);
  Object.assign(state, { key: null, user: null, threadId: null });
  for (const id of ["#chat", "#cvs", "#tabs", "#account", "#key-reveal"]) $(id).hidden = true;
  $("#auth").hidden = false;
  $("#thread-list").replaceChildren();
  $("#cv-list").replaceChildren();
  threads.loaded = cvs.loaded = false;
  if (message) showError(message);
}

$("#signup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const button = $("#signup-submit");
  button.disabled = true;
  try {
    const created = await api("/api/users", { method: "POST", body: { name: $("#signup-name").value.trim() } });
    state.pendingKey = created.api_key;
    $("#new-key").textContent = created.api_key;
    $("#key-reveal").hidden = false;
    $("#key-continue").focus();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
});

$("#key-continue").addEventListener("click", async () => {
  $("#key-reveal").hidden = true;
  try { await signInWith(state.pendingKey); } catch (error) { showError(error); }
  state.pendingKey = null;
});

$("#key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  try {
    await signInWith($("#key-input").value.trim());
    $("#key-input").value = "";
  } catch (error) {
    showError(error);
  }
});

$("#sign-out").addEventListener("click", () => signOut());
$("#alert-close").addEventListener("click", clearError);

// --- routing: #chat, #thread=<id>, #cvs -------------------------------------------------------------------------

async function route() {
  if (!state.user) return;
  const hash = location.hash.slice(1);
  const onCvs = hash === "cvs";
  $("#chat").hidden = onCvs;
  $("#cvs").hidden = !onCvs;
  for (const [tab, current] of [["#tab-chat", !onCvs], ["#tab-cvs", onCvs]]) {
    if (current) $(tab).setAttribute("aria-current", "page");
    else $(tab).removeAttribute("aria-current");
  }
  try {
    if (onCvs) {
      if (!cvs.loaded) await cvs.load();
      return;
    }
    if (!threads.loaded) await threads.load();
    const threadId = hash.startsWith("thread=") ? hash.slice(7) : null;
    if (threadId !== state.threadId) await openThread(threadId);
  } catch (error) {
    showError(error);
  }
}

window.addEventListener("hashchange", route);

// --- threads ----------------------------------------------------------------------------------------------------

const threads = {
  loaded: false,
  cursor: null,
  async load(more = false) {
    const query = new URLSearchParams({ limit: "30" });
    if (more && this.cursor) query.set("cursor", this.cursor);
    const page = await api(`/api/threads?${query}`);
    if (!more) $("#thread-list").replaceChildren();
    for (const thread of page.items) $("#thread-list").append(this.item(thread));
    this.cursor = page.next_cursor;
    $("#more-threads").hidden = !page.next_cursor;
    this.loaded = true;
    this.mark();
  },
  item(thread) {
    const link = el("a", { href: `#thread=${thread.thread_id}`, textContent: thread.title || "Untitled thread" });
    link.dataset.threadId = thread.thread_id;
    return el("li", {}, link);
  },
  prepend(thread) {
    $("#thread-list").prepend(this.item(thread));
    this.mark();
  },
  mark() {
    for (const link of document.querySelectorAll("#thread-list a")) {
      link.setAttribute("aria-current", String(link.dataset.threadId === state.threadId));
    }
  },
};

$("#more-threads").addEventListener("click", () => threads.load(true).catch(showError));
$("#new-thread").addEventListener("click", () => {
  if (location.hash === "#chat") openThread(null);
  else location.hash = "chat";
  $("#question").focus();
});

async function openThread(threadId) {
  closeActiveStream();
  state.threadId = threadId;
  threads.mark();
  const messages = $("#messages");
  messages.replaceChildren();
  if (!threadId) {
    messages.append(emptyState);
    setBusy(null);
    return;
  }
  const thread = await api(`/api/threads/${threadId}`);
  if (state.threadId !== threadId) return; // another thread was opened meanwhile
  const answers = new Map(thread.messages.filter((m) => m.role === "assistant" && m.run_id).map((m) => [m.run_id, m]));
  const runs = [];
  for (const message of thread.messages) {
    if (message.role !== "user") continue;
    messages.append(userBubble(message.content));
    if (message.run_id) {
      const view = new RunView(message.run_id);
      messages.append(view.node);
      runs.push({ view, answer: answers.get(message.run_id) });
    }
  }
  if (!thread.messages.length) messages.append(emptyState);
  // Finished runs are replayed from their JSON log; a run still going is followed live (reattach after reload).
  await Promise.all(runs.map(({ view, answer }) => restoreRun(view, answer, threadId)));
  scrollToEnd(true);
}

async function restoreRun(view, answer, threadId) {
  try {
    const run = await api(`/api/runs/${view.runId}`);
    if (state.threadId !== threadId) return; // the person moved on to another thread meanwhile
    if (TERMINAL.has(run.status)) await view.catchUp();
    else follow(view, run.stream_url);
  } catch (error) {
    if (answer) view.showStored(answer.content);
    else view.setStatusText(`Could not load this answer: ${error.message}`);
  }
}

const emptyState = $("#empty-thread"); // detached while a thread is open, so kept by reference
const emptyCorpus = $("#empty-corpus");
for (const button of document.querySelectorAll(".example")) {
  button.addEventListener("click", () => {
    $("#question").value = button.textContent;
    $("#question").focus();
  });
}

function userBubble(text) {
  return el("div", { className: "msg user", textContent: text });
}

function scrollToEnd(force = false) {
  const box = $("#messages");
  const nearEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
  if (force || nearEnd) box.scrollTop = box.scrollHeight;
}

// --- one run: its events, in order ------------------------------------------------------------------------------

class RunView {
  constructor(runId) {
    this.runId = runId;
    this.lastSeq = 0;
    this.text = "";
    this.status = "queued";
    this.reconnects = 0;
    this.steps = el("ol", { className: "steps" });
    this.answer = el("div", { className: "answer" });
    this.sources = el("div", { className: "sources", hidden: true });
    this.statusLine = el("div", { className: "run-status", textContent: "Queued…" });
    this.node = el("article", { className: "msg assistant" }, this.steps, this.answer, this.sources, this.statusLine);
    this.node.dataset.runId = runId;
    this.sync();
  }

  get finished() { return TERMINAL.has(this.status); }

  sync() {
    Object.assign(this.node.dataset, { status: this.status, lastSeq: this.lastSeq, reconnects: this.reconnects });
  }

  // Returns false when seq is not the next one (the caller then fetches what is missing).
  apply(seq, type, data) {
    if (seq <= this.lastSeq) return true; // already shown: a resumed stream never repeats text
    if (seq !== this.lastSeq + 1) return false;
    this.lastSeq = seq;
    switch (type) {
      case "state":
        this.status = data.status;
        // The terminal state follows its `error` or `canceled` event: keep that event's words on the status line.
        if (!(this.finished && this.detail)) this.setStatusText(STATUS_TEXT[data.status] ?? data.status);
        break;
      case "tool_start": {
        const step = el("li", { id: `step-${this.runId}-${data.call_id}`, textContent: describeToolStart(data) });
        step.dataset.label = step.textContent;
        this.steps.append(step);
        break;
      }
      case "tool_end": {
        const step = document.getElementById(`step-${this.runId}-${data.call_id}`);
        if (step) {
          step.classList.add("done");
          step.textContent = `${step.dataset.label} ${describeToolEnd(data)}`;
        }
        break;
      }
      case "token":
        this.text += data.text;
        this.answer.textContent = this.text;
        break;
      case "final":
        if (data.text && data.text !== this.text) this.text = data.text; // a provider that did not stream
        this.renderAnswer();
        this.renderSources(data.sources || []);
        break;
      case "error":
        this.detail = `Error (${data.code}): ${data.error}${data.retryable ? " — you can ask again." : ""}`;
        this.setStatusText(this.detail);
        break;
      case "canceled":
        this.detail = `Canceled (${data.reason})`;
        this.setStatusText(this.detail);
        break;
    }
    if (this.finished) this.renderAnswer();
    this.sync();
    scrollToEnd();
    return true;
  }

  setStatusText(text) { this.statusLine.textContent = text; }

  renderAnswer() {
    // The same text, with links to the CVs it cites opening their PDF.
    const parts = [];
    let last = 0;
    for (const match of this.text.matchAll(CV_LINK)) {
      parts.push(this.text.slice(last, match.index));
      const link = el("a", { href: `/api/cvs/${match[1]}/pdf`, textContent: match[0] });
      link.addEventListener("click", (event) => { event.preventDefault(); openPdf(match[1], "CV"); });
      parts.push(link);
      last = match.index + match[0].length;
    }
    parts.push(this.text.slice(last));
    this.answer.replaceChildren(...parts);
  }

  renderSources(sources) {
    if (!sources.length) return;
    const list = el("ul");
    for (const source of sources) {
      const link = el("a", { href: `/api/cvs/${source.cv_id}/pdf`, textContent: source.name, className: "source" });
      link.dataset.cvId = source.cv_id;
      link.addEventListener("click", (event) => { event.preventDefault(); openPdf(source.cv_id, source.name); });
      list.append(el("li", {}, link));
    }
    this.sources.replaceChildren(el("strong", { textContent: "Candidates cited" }), list);
    this.sources.hidden = false;
  }

  showStored(text) {
    this.text = text;
    this.status = "done";
    this.renderAnswer();
    this.setStatusText("");
    this.sync();
  }

  // Everything after lastSeq from the JSON log (finished runs, and gaps).
  async catchUp() {
    for (;;) {
      const page = await api(`/api/runs/${this.runId}/events/page?after=${this.lastSeq}&limit=1000`);
      for (const item of page.events) this.apply(item.seq, item.event.type, item.event);
      if (!page.events.length || this.lastSeq >= page.last_seq) return page;
    }
  }
}

function describeToolStart(data) {
  const label = TOOL_LABELS[data.tool] || `Calling ${data.tool}`;
  const input = data.input || {};
  if (input.query) return `${label}: “${input.query}”`;
  if (input.cv_id) return `${label} (${input.cv_id.slice(0, 8)})`;
  return label;
}

function describeToolEnd(data) {
  const output = data.output || {};
  const took = `${Math.round(data.duration_ms)} ms`;
  if (Array.isArray(output.results)) return `— ${output.results.length} CV${output.results.length === 1 ? "" : "s"} found (${took})`;
  if (output.cv && output.cv.name) return `— ${output.cv.name} (${took})`;
  return `— done (${took})`;
}

// --- following a run live ---------------------------------------------------------------------------------------

class RunStream {
  constructor(view, url) {
    this.view = view;
    this.source = null;
    this.closed = false;
    this.failures = 0;
    this.offline = 0;
    this.open(url);
  }

  open(url) {
    if (this.source) this.source.close();
    const source = new EventSource(url);
    this.source = source;
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        // A connection failure is also an `error` event, but without data: only frames are applied here.
        if (source !== this.source || typeof event.data !== "string") return;
        this.failures = 0;
        const ok = this.view.apply(Number(event.lastEventId), type, JSON.parse(event.data));
        if (!ok) this.resync(); // a gap: fetch what is missing from the log
        if (this.view.finished) this.end();
      });
    }
    source.addEventListener("done", () => this.end());
    source.addEventListener("open", () => {
      if (source !== this.source) return;
      if (this.reconnecting) {
        this.view.reconnects += 1;
        this.view.sync();
      }
      this.reconnecting = false;
      this.offline = 0;
      setConnection("live", this.view.reconnects ? "Live (resumed)" : "Live");
    });
    source.addEventListener("error", (event) => {
      if (source !== this.source || this.closed || typeof event.data === "string") return;
      this.reconnecting = true;
      if (source.readyState === EventSource.CONNECTING) {
        // The browser reconnects by itself and sends Last-Event-ID: the server resumes after it.
        setConnection("reconnecting", "Connection lost — reconnecting…");
        return;
      }
      // The browser gave up (an HTTP error such as an expired token): ask the API where the run is.
      source.close();
      this.recover();
    });
  }

  // Where is the run? Finished: read the rest of its log. Still going: a new stream with a fresh token, after the
  // last seq shown. Retried with backoff while the service is unreachable; a stream that keeps failing is reported.
  async recover() {
    if (this.closed) return;
    this.failures += 1;
    if (this.failures > MAX_STREAM_FAILURES) {
      this.view.setStatusText("Lost the connection to this answer. Reload the page to try again.");
      setConnection("offline", "Disconnected");
      this.end();
      return;
    }
    if (this.failures > 1) {
      await new Promise((resolve) => { this.timer = setTimeout(resolve, Math.min(500 * 2 ** this.failures, 10000)); });
      if (this.closed) return;
    }
    setConnection("reconnecting", "Reconnecting…");
    try {
      const run = await api(`/api/runs/${this.view.runId}`);
      if (this.closed) return;
      if (TERMINAL.has(run.status) || !run.stream_url) {
        await this.view.catchUp();
        this.end();
        return;
      }
      this.open(`${run.stream_url}&after=${this.view.lastSeq}`);
    } catch (error) {
      if ([401, 404, 410].includes(error.status)) {
        this.view.setStatusText(error.message); // revoked key, deleted run, or events pruned: retrying cannot help
        this.end();
        return;
      }
      setConnection("offline", "Offline — retrying…");
      this.failures -= 1; // an unreachable service is waited for, not counted as a failing stream
      this.offline = (this.offline || 0) + 1;
      this.timer = setTimeout(() => this.recover(), Math.min(1000 * 2 ** this.offline, 10000));
    }
  }

  async resync() {
    this.source.close();
    try { await this.view.catchUp(); } catch (error) { showError(error); }
    if (this.view.finished) this.end();
    else this.recover();
  }

  end() {
    this.close();
    setConnection("idle", "");
    if (state.active === this) state.active = null;
    setBusy(null);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.source) this.source.close();
  }
}

function follow(view, streamUrl) {
  closeActiveStream();
  const stream = new RunStream(view, streamUrl);
  state.active = stream;
  setBusy(view);
  return stream;
}

function closeActiveStream() {
  if (state.active) state.active.close();
  state.active = null;
  setConnection("idle", "");
}

function setBusy(view) {
  $("#cancel").hidden = !view;
  $("#cancel").disabled = false;
  $("#ask").disabled = Boolean(view);
}

// --- asking and cancelling --------------------------------------------------------------------------------------

$("#composer").addEventListener("submit", async (event) => {
  event.preventDefault();
  const content = $("#question").value.trim();
  if (!content || state.active) return;
  clearError();
  $("#ask").disabled = true;
  try {
    if (!state.threadId) {
      const thread = await api("/api/threads", { method: "POST", body: { title: content.slice(0, 80) } });
      threads.prepend(thread);
      state.threadId = thread.thread_id;
      history.replaceState(null, "", `#thread=${thread.thread_id}`);
      threads.mark();
      $("#messages").replaceChildren();
    }
    emptyState.remove();
    // One key per question: a retried POST (flaky network) returns the same run, never a second one.
    const accepted = await api(`/api/threads/${state.threadId}/messages`, {
      method: "POST",
      body: { content },
      headers: { "Idempotency-Key": crypto.randomUUID() },
    });
    $("#question").value = "";
    $("#messages").append(userBubble(content));
    const view = new RunView(accepted.run_id);
    $("#messages").append(view.node);
    scrollToEnd(true);
    follow(view, accepted.stream_url);
  } catch (error) {
    showError(error);
    $("#ask").disabled = false;
  }
});

$("#question").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $("#composer").requestSubmit();
  }
});

$("#cancel").addEventListener("click", async () => {
  const stream = state.active;
  if (!stream) return;
  $("#cancel").disabled = true;
  try {
    const result = await api(`/api/runs/${stream.view.runId}/cancel`, { method: "POST" });
    // The answer comes once the run has stopped; if it had not stopped in time, let the person try again.
    if (!TERMINAL.has(result.status) && state.active === stream) $("#cancel").disabled = false;
  } catch (error) {
    showError(error);
    $("#cancel").disabled = false;
  }
});

// --- PDFs (the API needs the key, so they are fetched, then shown) ----------------------------------------------

async function openPdf(cvId, title) {
  try {
    const blob = await api(`/api/cvs/${cvId}/pdf`, { blob: true });
    const url = URL.createObjectURL(blob);
    const dialog = $("#pdf-dialog");
    if (dialog.dataset.url) URL.revokeObjectURL(dialog.dataset.url);
    dialog.dataset.url = url;
    dialog.dataset.cvId = cvId;
    $("#pdf-title").textContent = title;
    $("#pdf-download").href = url;
    $("#pdf-download").download = `${title.replace(/[^\p{L}\p{N} ._-]/gu, "") || "cv"}.pdf`;
    $("#pdf-frame").src = url;
    dialog.showModal();
  } catch (error) {
    showError(error);
  }
}

$("#pdf-close").addEventListener("click", () => $("#pdf-dialog").close());

// --- the CV browser ---------------------------------------------------------------------------------------------

const cvs = {
  loaded: false,
  cursor: null,
  filters() {
    const form = new FormData($("#cv-filters"));
    const query = new URLSearchParams();
    for (const [name, value] of form) if (String(value).trim()) query.set(name, String(value).trim());
    return query;
  },
  async load(more = false) {
    const query = this.filters();
    const list = $("#cv-list");
    if (query.has("q")) {
      // Hybrid search: the best CVs for a question, with the lines that match.
      const found = await api(`/api/cvs/search?${new URLSearchParams({ q: query.get("q"), k: "20" })}`);
      list.replaceChildren(...found.results.map((hit) => this.item(hit.cv_id, hit.name, null, hit.snippets[0])));
      $("#cv-count").textContent = `${found.results.length} best matches for “${found.query}”`;
      $("#more-cvs").hidden = true;
    } else {
      query.set("limit", "30");
      if (more && this.cursor) query.set("cursor", this.cursor);
      const page = await api(`/api/cvs?${query}`);
      const items = page.items.map((cv) => this.item(cv.cv_id, cv.name || cv.source_filename, cv.profile));
      if (more) list.append(...items);
      else list.replaceChildren(...items);
      this.cursor = page.next_cursor;
      $("#more-cvs").hidden = !page.next_cursor;
      const shown = list.children.length;
      $("#cv-count").textContent = shown ? `${shown}${page.next_cursor ? "+" : ""} CV${shown === 1 ? "" : "s"}` : "No CV matches these filters.";
    }
    this.loaded = true;
  },
  item(cvId, name, profile, snippet) {
    const lines = [el("span", { className: "name", textContent: name })];
    if (profile) {
      const where = [profile.location?.city, profile.location?.country].filter(Boolean).join(", ");
      const meta = [profile.title, where, profile.years_experience != null ? `${Math.round(profile.years_experience)} yrs` : null];
      lines.push(el("span", { className: "meta", textContent: meta.filter(Boolean).join(" · ") }));
      lines.push(el("span", { className: "chips" }, ...profile.skills.slice(0, 6).map((s) => el("span", { className: "chip", textContent: s }))));
    }
    if (snippet) lines.push(el("span", { className: "snippet", textContent: snippet }));
    const button = el("button", { type: "button" }, ...lines);
    button.dataset.cvId = cvId;
    button.addEventListener("click", () => this.show(cvId).catch(showError));
    return el("li", {}, button);
  },
  async show(cvId) {
    for (const b of document.querySelectorAll("#cv-list button")) b.setAttribute("aria-current", String(b.dataset.cvId === cvId));
    const cv = await api(`/api/cvs/${cvId}`);
    const p = cv.profile;
    const rows = [
      ["Title", p.title],
      ["Seniority", p.seniority],
      ["Location", [p.location?.city, p.location?.country].filter(Boolean).join(", ")],
      ["Experience", p.years_experience != null ? `${p.years_experience.toFixed(1)} years` : null],
      ["Degree", p.highest_degree],
      ["Languages", p.languages.map((l) => (l.level ? `${l.code} (${l.level})` : l.code)).join(", ")],
      ["Skills", p.skills.join(", ")],
      ["Certifications", p.certifications.join(", ")],
      ["Companies", p.companies.join(", ")],
      ["Education", p.institutions.join(", ")],
      ["CV language", p.cv_language],
      ["File", `${cv.source_filename} · ${cv.pages} page${cv.pages === 1 ? "" : "s"}`],
    ].filter(([, value]) => value);
    const dl = el("dl", {}, ...rows.flatMap(([k, v]) => [el("dt", { textContent: k }), el("dd", { textContent: v })]));
    const open = el("button", { type: "button", textContent: "Open PDF" });
    open.addEventListener("click", () => openPdf(cvId, cv.name || cv.source_filename));
    const frame = el("iframe", { title: `PDF of ${cv.name || cv.source_filename}` });
    const detail = $("#cv-detail");
    detail.replaceChildren(el("h2", { textContent: cv.name || cv.source_filename }), dl, el("div", {}, open), frame);
    detail.dataset.cvId = cvId;
    detail.hidden = false;
    const blob = await api(`/api/cvs/${cvId}/pdf`, { blob: true });
    if (detail.dataset.cvUrl) URL.revokeObjectURL(detail.dataset.cvUrl);
    detail.dataset.cvUrl = URL.createObjectURL(blob);
    frame.src = detail.dataset.cvUrl;
    detail.scrollIntoView({ block: "nearest" });
  },
};

$("#cv-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  cvs.load().catch(showError);
});
$("#cv-filters").addEventListener("reset", () => setTimeout(() => cvs.load().catch(showError)));
$("#more-cvs").addEventListener("click", () => cvs.load(true).catch(showError));

// --- start ------------------------------------------------------------------------------------------------------

if (state.key) {
  signInWith(state.key).catch((error) => {
    if (error.status === 401) {
      signOut("The saved API key was refused (revoked or unknown). Sign in again.");
      return;
    }
    $("#auth").hidden = false; // the key stays saved: reload once the service is reachable
    showError(error);
  });
} else {
  $("#auth").hidden = false;
}

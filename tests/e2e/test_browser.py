"""The chat page in a real headless Chromium (Debian's chromium + chromium-driver) against `cvchat serve` (Granian).

The browser reaches the service through a TCP proxy on loopback, so the test can cut every connection mid-answer,
as a network drop does. What the page shows is checked against the run's stored log through the API: the text on
screen is exactly the tokens of the log, in order, once each. Screenshots of the main states are written to
SCREENSHOT_DIR (default build/screenshots, not committed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import IN_CI
from tests.support.processes import BIN, ServeProcess, serve_env

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "build" / "screenshots"))
# A broad question: several candidates, so the answer streams for a few seconds at the local provider's pace.
BROAD_QUESTION = "Which candidates know Python?"


if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    message = f"needs Debian's chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER}); .ci/run installs them"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


# --- a proxy that can drop the network ---------------------------------------------------------------------------


class DroppableProxy:
    """Forwards 127.0.0.1:<port> to the service; `drop(s)` resets every open connection and refuses new ones for s."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.drops = 0
        self._down_until = 0.0
        self._transports: set[asyncio.BaseTransport] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DroppableProxy:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            for transport in list(self._transports):
                transport.abort()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        self._loop.call_soon_threadsafe(lambda: self._loop.create_task(shutdown()))
        self._thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if time.monotonic() < self._down_until:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        pair = {writer.transport, up_writer.transport}
        self._transports |= pair

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            with contextlib.suppress(OSError):
                dst.close()

        with contextlib.suppress(asyncio.CancelledError):  # cancelled at shutdown: end quietly
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._transports -= pair

    def drop(self, seconds: float) -> None:
        def cut() -> None:
            self._down_until = time.monotonic() + seconds
            for transport in list(self._transports):
                transport.abort()  # a reset, not a clean close: the browser sees the network fail
            self.drops += 1

        self._loop.call_soon_threadsafe(cut)


# --- fixtures: corpus, service, browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """`cvchat serve` on SQLite with the local provider and 12 generated CVs ingested with the CLI."""
    work = tmp_path_factory.mktemp("browser")
    db_url = f"sqlite+aiosqlite:///{work / 'cvchat.db'}"
    settings = {
        "LLM_PROVIDER": "local",
        "EMBEDDING_MODEL": "none",
        "LOCAL_PACE_MS": 60,  # slow enough to cancel, cut and reload mid-answer
        "SSE_RETRY_MS": 300,
    }
    env = serve_env(db_url, 0, settings)
    corpus = work / "cvs"
    subprocess.run(
        [str(BIN / "python"), "-m", "cv_generation", "--n", "12", "--seed", "7", "--out", str(corpus)],
        check=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    subprocess.run([str(BIN / "cvchat"), "migrate"], check=True, env=env, capture_output=True)
    subprocess.run([str(BIN / "cvchat"), "ingest", str(corpus)], check=True, env=env, capture_output=True)
    proc = ServeProcess.spawn(db_url, work, "browser", settings)
    try:
        asyncio.run(proc.wait_ready())
        yield proc
    finally:
        proc.close()


@pytest.fixture(scope="module")
def proxy(service: ServeProcess) -> Iterator[DroppableProxy]:
    with DroppableProxy(service.port) as p:
        yield p


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--no-first-run",
        "--window-size=1280,860",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The chat page in the browser, and the API beside it to check what the page shows."""

    def __init__(self, driver: Any, url: str, api_url: str) -> None:
        self.driver, self.url = driver, url
        self.api = httpx.Client(base_url=api_url, timeout=10)
        self.key = ""

    def wait(self, condition: Callable[[], Any], message: str, timeout: float = 20) -> Any:
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(lambda _d: condition())
        except TimeoutException:
            pytest.fail(f"timed out waiting for: {message}\nbrowser log: {self.console()}")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def find(self, css: str) -> Any:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def visible(self, css: str) -> bool:
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        return bool(found) and found[0].is_displayed()

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def console(self) -> list[str]:
        return [entry["message"] for entry in self.driver.get_log("browser")]

    # --- the conversation
    def ask(self, question: str) -> str:
        before = self.run_ids()
        box = self.find("#question")
        box.clear()
        box.send_keys(question)
        self.find("#ask").click()
        self.wait(lambda: len(self.run_ids()) > len(before), f"a run for {question!r}")
        return self.run_ids()[-1]

    def run_ids(self) -> list[str]:
        return self.js("return [...document.querySelectorAll('.msg.assistant')].map(e => e.dataset.runId)")

    def run_state(self, run_id: str) -> dict[str, Any]:
        return self.js(
            """const node = document.querySelector(`.msg.assistant[data-run-id="${arguments[0]}"]`);
            if (!node) return null;
            return {status: node.dataset.status, reconnects: Number(node.dataset.reconnects),
                    text: node.querySelector('.answer').textContent,
                    steps: [...node.querySelectorAll('.steps li')].map(li => li.textContent),
                    sources: [...node.querySelectorAll('a.source')].map(a => a.dataset.cvId),
                    statusLine: node.querySelector('.run-status').textContent}""",
            run_id,
        )

    def wait_text(self, run_id: str, min_chars: int) -> str:
        self.wait(lambda: len((self.run_state(run_id) or {}).get("text", "")) >= min_chars, f"{min_chars} chars")
        return self.run_state(run_id)["text"]

    def wait_status(self, run_id: str, *statuses: str, timeout: float = 30) -> dict[str, Any]:
        self.wait(lambda: (self.run_state(run_id) or {}).get("status") in statuses, f"run in {statuses}", timeout)
        return self.run_state(run_id)

    # --- the API's view
    def log(self, run_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        headers = {"Authorization": f"Bearer {self.key}"}
        run = self.api.get(f"/api/runs/{run_id}", headers=headers).json()
        page = self.api.get(f"/api/runs/{run_id}/events/page", params={"limit": 1000}, headers=headers).json()
        events = page["events"]
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        return run, [e["event"] for e in events]


def tokens(events: list[dict[str, Any]]) -> str:
    return "".join(e["text"] for e in events if e["type"] == "token")


def final(events: list[dict[str, Any]]) -> dict[str, Any]:
    return next(e for e in events if e["type"] == "final")


@pytest.fixture(scope="module")
def page(browser: Any, proxy: DroppableProxy, service: ServeProcess) -> Page:
    """Signed up through the page: the key it shows is the one the API knows."""
    page = Page(browser, f"http://127.0.0.1:{proxy.port}/", service.base_url)
    browser.get(page.url)
    page.wait(lambda: page.visible("#signup-form"), "the sign-up form")
    page.shot("01-sign-up")
    page.find("#signup-name").send_keys("Rita Recruiter")
    page.find("#signup-submit").click()
    page.wait(lambda: page.visible("#key-reveal"), "the new key")
    page.key = page.find("#new-key").text
    assert page.key.startswith("cvk_")
    me = page.api.get("/api/users/me", headers={"Authorization": f"Bearer {page.key}"}).json()
    assert me["name"] == "Rita Recruiter"
    page.find("#key-continue").click()
    page.wait(lambda: page.visible("#chat"), "the chat")
    assert page.find("#who").text == "Rita Recruiter"
    return page


# --- the tests ---------------------------------------------------------------------------------------------------


def test_ask_streams_tokens_then_cites_the_cvs(page: Page) -> None:
    run_id = page.ask(BROAD_QUESTION)
    seen = [page.wait_text(run_id, 1)]
    while (state := page.run_state(run_id))["status"] not in {"done", "error", "canceled"}:
        if state["text"] != seen[-1]:
            seen.append(state["text"])
            if len(seen) == 4:
                page.shot("02-streaming")
        time.sleep(0.03)
    state = page.wait_status(run_id, "done")
    page.js("document.querySelector('.msg.user').scrollIntoView()")
    page.shot("03-answer")
    run, events = page.log(run_id)
    assert run["status"] == "done"
    # Token by token: the page showed growing prefixes of the final text, which is exactly the log's tokens.
    assert len(seen) >= 5, seen
    assert all(state["text"].startswith(prefix) for prefix in seen)
    assert state["text"] == tokens(events) == final(events)["text"]
    # The tool steps and the cited candidates, linked to their PDFs.
    assert state["steps"] and state["steps"][0].startswith("Searching the CVs")
    assert "found" in state["steps"][0]
    cited = [str(s["cv_id"]) for s in final(events)["sources"]]
    assert cited and state["sources"] == cited
    page.find("a.source").click()
    page.wait(lambda: page.js("return document.querySelector('#pdf-dialog').open"), "the PDF dialog")
    pdf_bytes = page.js(
        "return fetch(document.querySelector('#pdf-frame').src).then(r => r.arrayBuffer()).then(b => b.byteLength)"
    )
    stored = page.api.get(f"/api/cvs/{cited[0]}/pdf", headers={"Authorization": f"Bearer {page.key}"})
    assert pdf_bytes == len(stored.content) > 0
    page.shot("04-cv-pdf")
    page.find("#pdf-close").click()


def test_cancel_stops_the_answer(page: Page) -> None:
    page.find("#new-thread").click()
    run_id = page.ask(BROAD_QUESTION)
    page.wait_text(run_id, 10)
    assert page.visible("#cancel")
    page.find("#cancel").click()
    state = page.wait_status(run_id, "canceled", "done")
    run, events = page.log(run_id)
    assert run["status"] == state["status"] == "canceled"
    assert state["text"] == tokens(events)  # nothing after the cancel, nothing lost before it
    assert "Canceled" in state["statusLine"]
    assert not page.visible("#cancel")
    assert page.find("#ask").is_enabled()
    page.shot("05-canceled")


def test_a_network_drop_mid_answer_resumes_with_the_text_intact(page: Page, proxy: DroppableProxy) -> None:
    page.find("#new-thread").click()
    run_id = page.ask(BROAD_QUESTION)
    before = page.wait_text(run_id, 20)
    proxy.drop(1.5)  # every connection reset; new ones refused for 1.5 s
    page.wait(lambda: page.find("#conn").get_attribute("data-state") in {"reconnecting", "offline"}, "the drop shown")
    page.shot("06-reconnecting")
    assert page.run_ids()[-1] == run_id
    state = page.wait_status(run_id, "done", timeout=40)
    run, events = page.log(run_id)
    assert run["status"] == "done"
    assert state["reconnects"] >= 1  # it did reconnect (and the run was still going: see below)
    assert len(before) < len(state["text"])
    assert state["text"] == tokens(events) == final(events)["text"]  # no repeated or missing text
    page.shot("07-resumed")


def test_a_reload_reattaches_to_the_running_answer(page: Page) -> None:
    page.find("#new-thread").click()
    run_id = page.ask(BROAD_QUESTION)
    page.wait_text(run_id, 10)
    page.driver.refresh()
    page.wait(lambda: page.run_state(run_id) is not None, "the thread restored from the URL")
    status_after_reload = page.api.get(f"/api/runs/{run_id}", headers={"Authorization": f"Bearer {page.key}"}).json()[
        "status"
    ]
    assert status_after_reload == "running", "the run ended before the page came back: nothing was reattached"
    page.wait(lambda: page.visible("#cancel"), "the page following the running run")
    state = page.wait_status(run_id, "done", timeout=40)
    _, events = page.log(run_id)
    assert state["text"] == tokens(events) == final(events)["text"]
    assert len(page.run_ids()) == 1
    page.shot("08-reattached")


def test_earlier_threads_reopen_with_their_answers(page: Page) -> None:
    links = page.driver.find_elements(By.CSS_SELECTOR, "#thread-list a")
    assert len(links) == 4  # one per test above, newest first
    links[-1].click()  # the first thread
    page.wait(lambda: len(page.run_ids()) == 1, "the first thread's run")
    run_id = page.run_ids()[0]
    state = page.wait_status(run_id, "done")
    _, events = page.log(run_id)
    assert state["text"] == final(events)["text"]
    assert state["sources"] == [str(s["cv_id"]) for s in final(events)["sources"]]


def test_the_cv_browser_filters_and_shows_a_pdf(page: Page) -> None:
    page.find("#tab-cvs").click()
    page.wait(lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "#cv-list li")) == 12, "the 12 CVs")
    headers = {"Authorization": f"Bearer {page.key}"}
    expected = page.api.get("/api/cvs", params={"language": "de"}, headers=headers).json()["items"]
    assert 0 < len(expected) < 12
    page.find("#cv-filters input[name=language]").send_keys("alemán")  # any of the four languages
    page.find("#cv-filters button[type=submit]").click()
    page.wait(lambda: len(page.driver.find_elements(By.CSS_SELECTOR, "#cv-list li")) == len(expected), "filtered")
    shown = page.js("return [...document.querySelectorAll('#cv-list button')].map(b => b.dataset.cvId)")
    assert shown == [cv["cv_id"] for cv in expected]
    page.find("#cv-list button").click()
    page.wait(lambda: page.js("return (document.querySelector('#cv-detail iframe') || {}).src || ''"), "the PDF")
    detail = page.find("#cv-detail").text
    assert expected[0]["name"] in detail
    assert "de (" in detail  # the spoken languages with their levels
    page.shot("09-cv-browser")


def test_errors_are_shown_to_the_person(page: Page) -> None:
    page.find("#sign-out").click()
    page.wait(lambda: page.visible("#key-form"), "signed out")
    page.find("#key-input").send_keys("cvk_not-a-real-key")
    page.find("#key-submit").click()
    page.wait(lambda: page.visible("#alert"), "the error")
    assert "401" in page.find("#alert").text or "Unauthorized" in page.find("#alert").text
    page.shot("10-error")
    page.find("#key-input").clear()
    page.find("#key-input").send_keys(page.key)
    page.find("#key-submit").click()
    page.wait(lambda: page.visible("#chat") or page.visible("#cvs"), "signed in again with the real key")


def test_narrow_screen(page: Page) -> None:
    page.driver.set_window_size(390, 844)
    try:
        page.driver.get(page.url + "#chat")
        page.wait(lambda: page.visible("#composer"), "the chat on a phone")
        page.wait(lambda: page.driver.find_elements(By.CSS_SELECTOR, "#thread-list a"), "the threads")
        page.find("#thread-list a").click()
        page.wait(lambda: len(page.run_ids()) == 1, "a thread")
        page.wait_status(page.run_ids()[0], "done", "canceled")
        overflow = page.js("return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the page is {overflow}px wider than a phone screen"
        assert page.visible("#question") and page.visible("#ask")
        page.shot("11-narrow")
    finally:
        page.driver.set_window_size(1280, 860)


def test_screenshots_were_written() -> None:
    names = {p.stem for p in SCREENSHOTS.glob("*.png")}
    assert {"02-streaming", "03-answer", "06-reconnecting", "09-cv-browser", "11-narrow"} <= names


def test_the_page_is_locked_down_and_broke_no_rule(page: Page) -> None:
    """The page is served with a strict Content-Security-Policy, and nothing it did in these tests was blocked."""
    served = page.api.get("/")
    policy = served.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert served.headers["x-content-type-options"] == "nosniff"
    blocked = [m for m in page.console() if "Content Security Policy" in m or "Refused to" in m]
    assert not blocked, blocked

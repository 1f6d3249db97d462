"""Issue #8: Schemathesis fuzzes every operation of the live `/schema/openapi.json` over real HTTP, on SQLite and on
PostgreSQL: no 5xx, and every status, content type, header and body is the one the document declares.

`cvchat serve` runs with the `fake` provider and an ADMIN_TOKEN, seeded with users, API keys, threads, finished runs
and ingested CV PDFs. The fuzzer sends real keys (the admin token to admin routes) and draws path ids from the
seeded resources most of the time (else random ids, which must answer 404), so handlers run past their lookups.
Destructive routes get resources of their own, and the keys they act with are not the ones the other routes use.

The schemathesis CLI does the run, configured by a generated `schemathesis.toml`: its examples, coverage (boundary
and invalid values), fuzzing (Hypothesis, at most MAX_EXAMPLES cases per operation) and stateful (chains built from
the document's inferred links) phases, with deterministic generation and one worker, so CI sends the same requests
every time. The SSE route is fuzzed too: the seeded runs are finished, so their streams end after `done`, and each
event is checked against the schema of its type. Its JSON and HAR reports give the size of the run.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from cv_generation.corpus import MANIFEST_NAME, write_corpus
from cv_generation.model import Manifest
from tests.support.processes import BIN, serving

pytest.importorskip("schemathesis")

pytestmark = pytest.mark.anyio

ADMIN_TOKEN = "fuzz-admin-token"
MAX_EXAMPLES = 50
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
# Schemathesis warnings that mean the fuzzer could not get past auth or lookups, or the config no longer fits the API.
BLIND_SPOTS = ("missing_auth", "missing_test_data", "unmatched_filter", "dictionary_mismatch", "unresolvable_reference")
SERVER_SETTINGS = {
    "admin_token": ADMIN_TOKEN,
    "llm_provider": "fake",
    "fake_llm_tokens": 3,
    "fake_llm_delay_ms": 1,
    "event_flush_ms": 5,
    "embedding_model": "none",
    "ingest_processes": 0,
    "max_concurrent_runs": 8,
    # The fuzzer sends thousands of requests from one address with a handful of keys: limits would answer most of
    # them 429 and hide the handlers from it. (0 turns each limit off.)
    "rate_limit_requests_per_minute": 0,
    "rate_limit_runs_per_minute": 0,
    "rate_limit_signups_per_hour": 0,
    "rate_limit_auth_failures_per_minute": 0,  # the fuzzer sends many bad keys on purpose
}


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _user(http: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await http.post("/api/users", json={"name": name})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _key(http: httpx.AsyncClient, api_key: str, name: str) -> dict[str, Any]:
    response = await http.post("/api/users/me/keys", json={"name": name}, headers=_bearer(api_key))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _thread(http: httpx.AsyncClient, api_key: str, title: str) -> str:
    response = await http.post("/api/threads", json={"title": title}, headers=_bearer(api_key))
    assert response.status_code == 201, response.text
    return str(response.json()["thread_id"])


async def _finished_run(http: httpx.AsyncClient, api_key: str, thread_id: str, content: str) -> str:
    response = await http.post(
        f"/api/threads/{thread_id}/messages", json={"content": content}, headers=_bearer(api_key)
    )
    assert response.status_code == 202, response.text
    run_id = str(response.json()["run_id"])
    deadline = time.monotonic() + 20
    while (run := (await http.get(f"/api/runs/{run_id}", headers=_bearer(api_key))).json())["status"] != "done":
        assert time.monotonic() < deadline, run
        await asyncio.sleep(0.02)
    return run_id


async def _ingest(http: httpx.AsyncClient, pdf: Path) -> str:
    files = {"data": (pdf.name, pdf.read_bytes(), "application/pdf")}
    response = await http.post("/api/cvs", files=files, headers=_bearer(ADMIN_TOKEN))
    assert response.status_code == 201, response.text
    return str(response.json()["cv_id"])


async def _seed(http: httpx.AsyncClient, corpus: Path) -> dict[str, Any]:
    """Real resources for the fuzzer's path ids, and the keys it acts with."""
    main = await _user(http, "fuzz-main")
    key = main["api_key"]
    thread = await _thread(http, key, "Backend hiring")
    runs = [await _finished_run(http, key, thread, q) for q in ("Who knows Rust?", "¿Quién habla alemán?")]
    doomed_thread = await _thread(http, key, "to delete")
    await _finished_run(http, key, doomed_thread, "Who has run Kubernetes?")
    manifest = msgspec.json.decode((corpus / MANIFEST_NAME).read_bytes(), type=Manifest)
    cvs = [await _ingest(http, corpus / entry.pdf) for entry in manifest.cvs]
    # Whoever revokes keys or deletes their account does it with a key the other routes never use.
    keyholder = await _user(http, "fuzz-keyholder")
    spare_keys = [(await _key(http, keyholder["api_key"], f"spare {i}"))["key_id"] for i in range(2)]
    leaver = await _user(http, "fuzz-leaver")
    victim = await _user(http, "fuzz-victim")
    victim_key = (await _key(http, victim["api_key"], "second"))["key_id"]
    return {
        "key": key,
        "user_id": main["user_id"],
        "thread_ids": [thread],
        "doomed_thread_ids": [doomed_thread],
        "run_ids": runs,
        "cv_ids": cvs[:-1],
        "doomed_cv_ids": cvs[-1:],
        "keyholder_key": keyholder["api_key"],
        "spare_key_ids": spare_keys,
        "leaver_key": leaver["api_key"],
        "victim_user_ids": [victim["user_id"]],
        "victim_key_ids": [victim_key],
    }


def _toml(value: object) -> str:
    """A TOML value (JSON's strings, numbers, booleans and arrays are valid TOML)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def _ids(dictionary: str, probability: float = 0.8) -> dict[str, object]:
    return {"dictionary": dictionary, "probability": probability}


def _config(seed: dict[str, Any]) -> str:
    """schemathesis.toml: checks, generation, the keys per route, and which seeded ids each path parameter draws."""
    dictionaries = {
        name: seed[name]
        for name in (
            "thread_ids",
            "doomed_thread_ids",
            "run_ids",
            "cv_ids",
            "doomed_cv_ids",
            "spare_key_ids",
            "victim_user_ids",
            "victim_key_ids",
        )
    }
    user, admin = f"Bearer {seed['key']}", f"Bearer {ADMIN_TOKEN}"
    # For each operation and option, the first entry that matches and sets it wins: the specific ones come first.
    operations: list[dict[str, object]] = [
        # Destructive routes act on resources kept for them, with keys the other routes never use.
        {"include-operation-id": "DeleteThread", "parameters": {"path.thread_id": _ids("doomed_thread_ids")}},
        {
            "include-operation-id": "DeleteCv",
            "headers": {"Authorization": admin},
            "parameters": {"path.cv_id": _ids("doomed_cv_ids")},
        },
        {
            "include-operation-id": ["RevokeApiKey", "CreateApiKey", "ListApiKeys"],
            "headers": {"Authorization": f"Bearer {seed['keyholder_key']}"},
            "parameters": {"path.key_id": _ids("spare_key_ids")},
        },
        {"include-operation-id": "DeleteCurrentUser", "headers": {"Authorization": f"Bearer {seed['leaver_key']}"}},
        {"include-operation-id": "IngestCv", "headers": {"Authorization": admin}},
        {
            "include-path-regex": "^/api/admin/users/",
            "headers": {"Authorization": admin},
            "parameters": {"path.user_id": _ids("victim_user_ids")},
        },
        {
            "include-path-regex": "^/api/admin/keys/",
            "headers": {"Authorization": admin},
            "parameters": {"path.key_id": _ids("victim_key_ids")},
        },
        {"include-path-regex": "^/api/admin/", "headers": {"Authorization": admin}},
        {"include-path-regex": "^/api/threads/", "parameters": {"path.thread_id": _ids("thread_ids")}},
        {"include-path-regex": "^/api/runs/", "parameters": {"path.run_id": _ids("run_ids")}},
        {"include-path-regex": "^/api/cvs/", "parameters": {"path.cv_id": _ids("cv_ids")}},
        {"include-path-regex": "^/api/", "headers": {"Authorization": user}},
    ]
    lines = [
        "workers = 1",
        "request-timeout = 15",
        # A finished run's stream ends by itself after `done`; this bounds the streams of runs the fuzzer starts.
        "max-stream-events = 200",
        "[generation]",
        f"max-examples = {MAX_EXAMPLES}",
        "deterministic = true",
        'database = "none"',
    ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml(values)}"]
    for operation in operations:
        lines.append("[[operations]]")
        lines += [f"{json.dumps(k)} = {_toml(v)}" for k, v in operation.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-corpus")
    write_corpus(folder, 3, seed=11)
    return folder


# Pruning deletes the events of every finished run at once, which would leave the event routes nothing but 410s to
# answer: it goes in a pass of its own, after the first pass, with the event routes (whose 410s it then checks).
PASSES = {
    "main": ["--exclude-operation-id", "PruneRunEvents"],
    "prune": [f"--include-operation-id={op}" for op in ("PruneRunEvents", "ListRunEvents", "StreamRunEvents")],
}


async def _schemathesis(base_url: str, config: Path, pass_name: str) -> subprocess.CompletedProcess[str]:
    folder = config.parent
    command = [str(BIN / "st"), "--config-file", str(config), "run", f"{base_url}/schema/openapi.json"]
    command += ["--checks", ",".join(CHECKS), *PASSES[pass_name], "--no-color", "--report", "json,har"]
    command += [f"--report-json-path={folder / pass_name}.json", f"--report-har-path={folder / pass_name}.har"]
    result = await asyncio.to_thread(subprocess.run, command, cwd=folder, capture_output=True, text=True, timeout=300)
    (folder / f"{pass_name}.out").write_text(result.stdout + result.stderr)
    return result


async def test_every_operation_answers_as_the_openapi_document_says(
    database_url: str, tmp_path: Path, corpus: Path
) -> None:
    async with serving(database_url, tmp_path, "fuzz", SERVER_SETTINGS) as proc:
        async with httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http:
            seed = await _seed(http, corpus)
        config = tmp_path / "schemathesis.toml"
        config.write_text(_config(seed))
        started = time.monotonic()
        results = {name: await _schemathesis(proc.base_url, config, name) for name in PASSES}
        elapsed = time.monotonic() - started
        crashes = [_crash(line) for line in proc.log_text().splitlines() if '"unhandled_error"' in line]
    print(_size(tmp_path, elapsed), file=sys.stderr)
    for name, result in results.items():
        assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
        # The run reached the handlers: keys accepted, seeded ids found, every config entry matched something.
        warnings = json.loads((tmp_path / f"{name}.json").read_text())["warnings"]
        assert not any(warnings[w] for w in BLIND_SPOTS), {w: warnings[w] for w in BLIND_SPOTS if warnings[w]}
    # A response that failed after its status line went out (a stream) is no 5xx, but the server logs it.
    assert not crashes, crashes


def _crash(line: str) -> str:
    """An `unhandled_error` log line, shortened to the error and the innermost frame."""
    entry = json.loads(line)
    frames = [f for f in entry.get("exception", "").splitlines() if f.strip().startswith("File ")]
    return f"{entry.get('error')}: {frames[-1].strip() if frames else '?'}"


def _size(folder: Path, elapsed: float) -> str:
    """The size of the run, for the test's output: operations, cases, requests and their statuses, per pass."""
    lines = [f"schemathesis: {elapsed:.1f} s"]
    for name in PASSES:
        summary = json.loads((folder / f"{name}.json").read_text())
        entries = json.loads((folder / f"{name}.har").read_text())["log"]["entries"]
        statuses = Counter(entry["response"]["status"] for entry in entries)
        lines.append(
            f"  {name}: {summary['operations']['tested']} operations, {summary['test_cases']['generated']} cases, "
            f"{len(entries)} requests, {summary['test_cases']['unique_failures']} failures; "
            f"statuses {dict(sorted(statuses.items()))}"
        )
    return "\n".join(lines)

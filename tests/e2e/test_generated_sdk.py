"""Issue #7: a standard generator (openapi-python-client) turns the live /schema/openapi.json into a typed client,
with no hand edits, and that client runs the README's flow. A breaking change to the schema fails here."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import anyio
import pytest

from tests.support.live import LiveServer
from tests.support.sdk import GeneratedSdk, generated_sdk

pytest.importorskip("openapi_python_client")

TOKENS = 30
# One database is enough: the generated client and the schema do not depend on it.
pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

EVENT_TYPES = {
    "state": "StateChanged",
    "token": "Token",
    "tool_start": "ToolStart",
    "tool_end": "ToolEnd",
    "final": "Final",
    "error": "RunFailed",
    "canceled": "Canceled",
}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # ~0.6 s per run: the first one is awaited to its end, the second one is cancelled while it streams.
    return {"llm_provider": "fake", "fake_llm_tokens": TOKENS, "fake_llm_delay_ms": 20.0}


@pytest.fixture
async def sdk(server: LiveServer, tmp_path: Path) -> AsyncIterator[GeneratedSdk]:
    """The client generated from the document the running server serves."""
    response = await server.http.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    async with generated_sdk(response.json(), tmp_path) as generated:
        yield generated


def _snake(operation_id: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation_id).lstrip("_")


def _operations(document: dict[str, Any]) -> dict[str, str]:
    return {
        op["operationId"]: f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }


async def test_the_generator_reads_the_whole_document_without_warnings(sdk: GeneratedSdk) -> None:
    if sdk.problems:
        listed = "\n".join(f"- {p}" for p in sdk.problems)
        pytest.fail(f"openapi-python-client could not use parts of the schema:\n{listed}", pytrace=False)

    # A typed model for every component schema (requests, responses, events) ...
    models = sdk.models
    missing = [name for name in sdk.document["components"]["schemas"] if not hasattr(models, name)]
    assert not missing, f"no generated model for {missing}"
    # ... and a module for every operation.
    generated = sdk.operations()
    absent = {op: where for op, where in _operations(sdk.document).items() if _snake(op) not in generated}
    assert not absent, f"no generated endpoint for {absent}"


async def test_the_event_union_is_one_typed_model_per_event_type(sdk: GeneratedSdk) -> None:
    models = sdk.models
    schemas = sdk.document["components"]["schemas"]
    members = [ref["$ref"].rpartition("/")[2] for ref in schemas["EventEnvelope"]["properties"]["event"]["oneOf"]]
    tags = {schemas[name]["properties"]["type"]["const"]: name for name in members}
    assert tags == EVENT_TYPES

    namespace = vars(models)  # the generated modules import their siblings only under TYPE_CHECKING
    hints = typing.get_type_hints(models.EventEnvelope, localns=namespace)
    assert set(typing.get_args(hints["event"])) == {getattr(models, name) for name in EVENT_TYPES.values()}
    for tag, name in EVENT_TYPES.items():
        model = getattr(models, name)
        assert typing.get_type_hints(model, localns=namespace)["type_"] == typing.Literal[tag], name
    # The union is parsed by tag, even where two members have the same fields (text).
    token = models.EventEnvelope.from_dict({"seq": 3, "event": {"type": "token", "text": "a"}}).event
    final = models.EventEnvelope.from_dict({"seq": 4, "event": {"type": "final", "text": "a"}}).event
    assert (type(token), type(final)) == (models.Token, models.Final)
    with pytest.raises((ValueError, KeyError, TypeError)):
        models.EventEnvelope.from_dict({"seq": 5, "event": {"type": "nope", "text": "a"}})


async def _wait_terminal(sdk: GeneratedSdk, client: Any, run_id: UUID) -> Any:
    get_run = sdk.operation("get_run")
    terminal = {sdk.models.RunStatus.DONE, sdk.models.RunStatus.ERROR, sdk.models.RunStatus.CANCELED}
    with anyio.fail_after(20):
        while True:
            run = await get_run.asyncio(run_id, client=client)
            assert isinstance(run, sdk.models.RunRead)
            if run.status in terminal:
                return run
            await anyio.sleep(0.05)


async def _all_events(sdk: GeneratedSdk, client: Any, run_id: UUID) -> list[Any]:
    list_run_events = sdk.operation("list_run_events")
    envelopes: list[Any] = []
    after = 0
    while True:
        page = await list_run_events.asyncio(run_id, client=client, after=after, limit=7)
        assert isinstance(page, sdk.models.EventsPage)
        if not page.events:
            return envelopes
        envelopes += page.events
        after = page.next_after


async def test_the_readme_flow_runs_with_the_generated_client(server: LiveServer, sdk: GeneratedSdk) -> None:
    m, op = sdk.models, sdk.operation
    package = sdk.package

    # A user and their API key (no auth needed to sign up).
    async with package.Client(base_url=server.base_url, timeout=20) as anonymous:
        created = await op("create_user").asyncio_detailed(client=anonymous, body=m.UserCreate(name="sdk-alice"))
    assert created.status_code == 201, created.content
    user = created.parsed
    assert isinstance(user, m.UserCreated)
    assert user.name == "sdk-alice" and isinstance(user.user_id, UUID) and user.api_key

    async with package.AuthenticatedClient(base_url=server.base_url, token=user.api_key, timeout=20) as client:
        me = await op("get_current_user").asyncio(client=client)
        assert isinstance(me, m.UserRead) and me.user_id == user.user_id

        # A thread, and a question: the answer is a run, queued at once (202).
        made = await op("create_thread").asyncio_detailed(client=client, body=m.ThreadCreate(title="Backend hiring"))
        assert made.status_code == 201, made.content
        thread = made.parsed
        assert isinstance(thread, m.ThreadRead) and thread.user_id == user.user_id
        assert thread.title == "Backend hiring"

        asked = await op("post_message").asyncio_detailed(
            thread.thread_id, client=client, body=m.MessageCreate(content="Who has run Kubernetes in production?")
        )
        assert asked.status_code == 202, asked.content
        accepted = asked.parsed
        assert isinstance(accepted, m.MessageAccepted)
        assert accepted.thread_id == thread.thread_id and isinstance(accepted.run_id, UUID)
        assert isinstance(accepted.status, m.RunStatus)
        assert accepted.stream_url.startswith(f"/api/runs/{accepted.run_id}/events?token=")

        # The run itself, once it has finished.
        run = await _wait_terminal(sdk, client, accepted.run_id)
        assert run.status == m.RunStatus.DONE, run
        assert run.provider == "fake" and run.model == "fake-1"
        assert isinstance(run.usage, m.Usage) and run.usage.output_tokens == TOKENS
        assert run.last_seq > TOKENS

        # Its events as JSON pages, decoded into the typed event union.
        first = await op("list_run_events").asyncio(accepted.run_id, client=client, after=0, limit=5)
        assert isinstance(first, m.EventsPage)
        assert [e.seq for e in first.events] == [1, 2, 3, 4, 5] and first.next_after == 5
        assert first.status == m.RunStatus.DONE and first.last_seq == run.last_seq
        envelopes = await _all_events(sdk, client, accepted.run_id)
        assert [e.seq for e in envelopes] == list(range(1, run.last_seq + 1))
        events = [e.event for e in envelopes]
        assert all(isinstance(e, tuple(getattr(m, n) for n in EVENT_TYPES.values())) for e in events)
        assert isinstance(events[0], m.StateChanged) and events[0].status == m.RunStatus.QUEUED
        assert isinstance(events[-1], m.StateChanged) and events[-1].status == m.RunStatus.DONE
        tokens = [e for e in events if isinstance(e, m.Token)]
        assert len(tokens) == TOKENS and all(e.type_ == "token" for e in tokens)
        finals = [e for e in events if isinstance(e, m.Final)]
        assert len(finals) == 1
        final = finals[0]
        assert final.text.split() == [f"tok{i}" for i in range(TOKENS)]
        assert isinstance(final.sources, list) and all(isinstance(s, m.Source) for s in final.sources)
        assert isinstance(final.usage, m.Usage) and final.usage.output_tokens == TOKENS

        # The thread holds the question and the answer; the lists know the thread and the run.
        detail = await op("get_thread").asyncio(thread.thread_id, client=client)
        assert isinstance(detail, m.ThreadDetail)
        assert [msg.role for msg in detail.messages] == [m.MessageRole.USER, m.MessageRole.ASSISTANT]
        assert detail.messages[1].content == final.text
        threads = await op("list_threads").asyncio(client=client, limit=10)
        assert isinstance(threads, m.ThreadPage) and [t.thread_id for t in threads.items] == [thread.thread_id]
        runs = await op("list_runs").asyncio(thread.thread_id, client=client)
        assert isinstance(runs, m.RunPage) and [r.run_id for r in runs.items] == [accepted.run_id]

        # Ask again and cancel straight away: the answer comes once the run has stopped.
        again = await op("post_message").asyncio(
            thread.thread_id, client=client, body=m.MessageCreate(content="And who speaks German?")
        )
        assert isinstance(again, m.MessageAccepted)
        canceled = await op("cancel_run").asyncio_detailed(again.run_id, client=client)
        assert canceled.status_code == 200, canceled.content
        assert isinstance(canceled.parsed, m.CancelResult)
        assert canceled.parsed.run_id == again.run_id and canceled.parsed.status == m.RunStatus.CANCELED
        stopped = await op("get_run").asyncio(again.run_id, client=client)
        assert isinstance(stopped, m.RunRead) and stopped.status == m.RunStatus.CANCELED
        events = [e.event for e in await _all_events(sdk, client, again.run_id)]
        assert any(isinstance(e, m.Canceled) for e in events)
        assert not any(isinstance(e, m.Final) for e in events)
        assert isinstance(events[-1], m.StateChanged) and events[-1].status == m.RunStatus.CANCELED

        # Another user's run, or none, is a 404 problem.
        missing = await op("get_run").asyncio_detailed(uuid4(), client=client)
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")


async def test_errors_are_typed_problem_details(server: LiveServer, sdk: GeneratedSdk) -> None:
    """RFC 9457 problems are documented responses, so the client parses them instead of dropping them."""
    m, op = sdk.models, sdk.operation
    assert hasattr(m, "ProblemDetails"), "no ProblemDetails model: error responses are not documented"

    async with sdk.package.Client(base_url=server.base_url, timeout=20) as anonymous:
        invalid = await op("create_user").asyncio_detailed(client=anonymous, body=m.UserCreate(name=""))
        user = await op("create_user").asyncio(client=anonymous, body=m.UserCreate(name="sdk-bob"))
    assert invalid.status_code == 400
    assert isinstance(invalid.parsed, m.ProblemDetails), invalid.content
    assert invalid.parsed.type_ == "/problems/validation_error" and invalid.parsed.status == 400
    assert [issue.key for issue in invalid.parsed.errors] == ["name"]
    assert isinstance(user, m.UserCreated)

    async with sdk.package.AuthenticatedClient(base_url=server.base_url, token=user.api_key, timeout=20) as client:
        missing = await op("get_run").asyncio_detailed(uuid4(), client=client)
        assert missing.status_code == 404
        assert isinstance(missing.parsed, m.ProblemDetails) and missing.parsed.type_ == "/problems/not_found"

        thread = await op("create_thread").asyncio(client=client, body=m.ThreadCreate())
        first = await op("post_message").asyncio(thread.thread_id, client=client, body=m.MessageCreate(content="a"))
        busy = await op("post_message").asyncio_detailed(
            thread.thread_id, client=client, body=m.MessageCreate(content="b")
        )
        assert busy.status_code == 409
        assert isinstance(busy.parsed, m.ProblemDetails) and busy.parsed.type_ == "/problems/thread_busy"
        stopped = await op("cancel_run").asyncio(first.run_id, client=client)
        assert isinstance(stopped, m.CancelResult) and stopped.status == m.RunStatus.CANCELED

    async with sdk.package.AuthenticatedClient(base_url=server.base_url, token="wrong", timeout=20) as stranger:
        refused = await op("get_thread").asyncio_detailed(thread.thread_id, client=stranger)
    assert refused.status_code == 401
    assert isinstance(refused.parsed, m.ProblemDetails) and refused.parsed.type_ == "/problems/unauthorized"

"""Shared parts of the SDK provider tests: the fake LLM server, a real tool, an in-memory history and a run helper."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import msgspec
import pytest

from cvchat.application.assistant import Answer, Assistant, ToolResult
from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.events import RunEvent, Source
from cvchat.domain.ports import ChatTurn, LlmProvider, LlmRequest, LlmStreamChunk, RunStore, ToolSpec
from tests.fakes.llm import FakeLLMServer, Reply, Text

QUESTION = "Who knows Rust?"
# Accents, CJK and an emoji ZWJ sequence; with chunk_bytes=1 every UTF-8 character is cut across HTTP chunks.
TEXT_PIECES = ("Zoë — naï", "ve café, 日本", "語 and 👩", "\u200d💻 in Kraków ✓")
# Slow enough (4 s in all) that a test can stop reading while the server is still sending.
SLOW = Reply([Text("x" * 200, chunks=200)], delay_s=0.02)
ANA = Source(cv_id=UUID("00000000-0000-7000-8000-00000000000a"), name="Ana Nowak")
BO = Source(cv_id=UUID("00000000-0000-7000-8000-00000000000b"), name="Bo Lind")
CORPUS = {ANA: "Rust, 5 years, Kraków", BO: "Go and Rust, 3 years"}


class SearchCvsInput(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Find CVs matching a query."""

    query: str
    k: int = 3


@dataclass
class SearchCvs:
    """A real tool over a two-CV corpus: returns the CVs whose text mentions the query; remembers its calls."""

    name: str = "search_cvs"
    description: str = "Search the CVs; returns the best matches with their excerpts."
    input_type: type[msgspec.Struct] = SearchCvsInput
    calls: list[SearchCvsInput] = field(default_factory=list)

    async def __call__(self, arguments: Any) -> ToolResult:
        self.calls.append(arguments)
        hits = [source for source, text in CORPUS.items() if arguments.query.lower() in text.lower()][: arguments.k]
        return ToolResult(
            output={"results": [{"name": s.name, "excerpt": CORPUS[s]} for s in hits]},
            sources=hits,
        )


@dataclass
class HistoryStore:
    """The one RunStore method the assistant reads: the thread's messages up to the run's question."""

    messages: list[Message]

    async def history(self, thread_id: UUID, upto_message_id: UUID, turns: int) -> list[Message]:
        return self.messages[-(2 * turns + 1) :]


def message(role: MessageRole, content: str, thread_id: UUID) -> Message:
    return Message(id=uuid4(), thread_id=thread_id, role=role, content=content, created_at=datetime.now(UTC))


@dataclass
class AssistantRun:
    """What one assistant run produced: the answer, the events it emitted, and the provider it reported."""

    answer: Answer
    events: list[RunEvent]
    model: tuple[str, str]


async def run_assistant(
    provider: LlmProvider, *, earlier: Sequence[tuple[MessageRole, str]] = (), tools: Sequence[Any] = ()
) -> AssistantRun:
    """Answer QUESTION with the real assistant loop, after the `earlier` messages of the thread."""
    thread_id = uuid4()
    messages = [message(role, text, thread_id) for role, text in earlier]
    question = message(MessageRole.USER, QUESTION, thread_id)
    run = Run(
        id=uuid4(),
        thread_id=thread_id,
        user_id=uuid4(),
        message_id=question.id,
        status=RunStatus.RUNNING,
        created_at=question.created_at,
    )
    events: list[RunEvent] = []
    reported: list[tuple[str, str]] = []

    async def emit(event: RunEvent) -> None:
        events.append(event)

    async def on_model(provider_name: str, model: str) -> None:
        reported.append((provider_name, model))

    # The in-memory store implements only `history`, the one RunStore method the assistant calls.
    store = cast(RunStore, HistoryStore([*messages, question]))
    answer = await Assistant(lambda: provider, store, tools).answer(run, emit, on_model)
    return AssistantRun(answer=answer, events=events, model=reported[0])


async def collect(provider: LlmProvider, request: LlmRequest, into: list[LlmStreamChunk] | None = None) -> list[Any]:
    """Every chunk of one round (appended to `into` as they come, so a test can see them after a failure)."""
    chunks = [] if into is None else into
    async with contextlib.aclosing(provider.stream(request)) as stream:
        async for chunk in stream:
            chunks.append(chunk)
    return chunks


def request(*turns: ChatTurn, tools: Sequence[ToolSpec] = ()) -> LlmRequest:
    """One round's request: the question alone unless turns are given."""
    return LlmRequest(
        system="You answer about CVs.", turns=list(turns) or [ChatTurn(role="user", text=QUESTION)], tools=list(tools)
    )


def search_spec() -> ToolSpec:
    """The tool as the assistant declares it (msgspec's schema, `$ref` root and all)."""
    return ToolSpec(name="search_cvs", description="Search the CVs.", input_schema=msgspec.json.schema(SearchCvsInput))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic GC from closing leaked generators while a test checks that a connection is closed."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(name="llm_server")
async def fx_llm_server() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer() as server:
        yield server

"""The assistant loop: history and grounding in, streamed answer and tool rounds out, the same for every provider."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import msgspec

from cvchat.domain.entities import Message, MessageRole, Run, Usage
from cvchat.domain.errors import ProviderError
from cvchat.domain.events import Final, Source, Token, ToolEnd, ToolStart
from cvchat.domain.ports import (
    ChatTurn,
    Emit,
    Finish,
    LlmProvider,
    LlmRequest,
    RunStore,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    ToolSpec,
    UsageReport,
)

SYSTEM_PROMPT = (
    "You are cvchat, an assistant for recruiters. Answer questions about candidates using only the CVs that the "
    "tools return. Cite every candidate you mention. If no CV supports an answer, say so plainly."
)


class ToolResult(msgspec.Struct, frozen=True, kw_only=True):
    """What a tool gives back: its JSON-able output for the model, and the CVs it surfaced."""

    output: Any
    sources: list[Source] = []


class Tool(Protocol):
    """A tool the model may call; its input is a msgspec Struct whose JSON schema is sent to the model."""

    name: str
    description: str
    input_type: type[msgspec.Struct]

    async def __call__(self, arguments: Any) -> ToolResult: ...


class Answer(msgspec.Struct, frozen=True, kw_only=True):
    text: str
    sources: list[Source]
    usage: Usage


class _PendingCall(msgspec.Struct, kw_only=True):
    call_id: str
    name: str
    arguments_json: str = ""
    extra: dict[str, Any] = {}


class Assistant:
    """Answer the run's question: stream the provider's text as `token` events, run the tools it asks for (bounded
    rounds, each with `tool_start`/`tool_end`), and return the final answer with its sources and usage.

    Rules: the thread's last `history_turns` exchanges are sent as context; a tool call with malformed arguments or
    one round too many fails the run with a stable code; partial text already streamed stays in the log.
    """

    def __init__(
        self,
        provider_factory: Callable[[], LlmProvider],
        store: RunStore,
        tools: Sequence[Tool] = (),
        *,
        history_turns: int = 10,
        max_tool_rounds: int = 4,
    ) -> None:
        self._provider_factory, self._store, self._tools = provider_factory, store, {t.name: t for t in tools}
        self._history_turns, self._max_tool_rounds = history_turns, max_tool_rounds

    async def answer(self, run: Run, emit: Emit, on_model: Callable[[str, str], Awaitable[None]]) -> Answer:
        provider = self._provider_factory()
        await on_model(provider.name, provider.model)
        history = await self._store.history(run.thread_id, run.message_id, self._history_turns)
        turns = [_turn(m) for m in history]
        specs = [
            ToolSpec(name=t.name, description=t.description, input_schema=msgspec.json.schema(t.input_type))
            for t in self._tools.values()
        ]
        text_parts: list[str] = []
        sources: dict[str, Source] = {}
        usage = Usage()
        for round_no in range(self._max_tool_rounds + 1):
            calls: dict[str, _PendingCall] = {}
            round_text: list[str] = []
            request = LlmRequest(system=SYSTEM_PROMPT, turns=turns, tools=specs)
            # aclosing: a cancelled run closes the provider's stream (and its HTTP response) at once.
            async with contextlib.aclosing(provider.stream(request)) as stream:
                async for chunk in stream:
                    match chunk:
                        case TextDelta(text=text) if text:
                            round_text.append(text)
                            await emit(Token(text=text))
                        case ToolCallStart(call_id=call_id, name=name):
                            calls[call_id] = _PendingCall(call_id=call_id, name=name)
                        case ToolCallDelta(call_id=call_id, arguments_json=part):
                            calls[call_id].arguments_json += part
                        case ToolCallEnd(call_id=call_id, extra=extra):
                            calls[call_id].extra = extra
                        case UsageReport(input_tokens=i, output_tokens=o):
                            usage = Usage(input_tokens=usage.input_tokens + i, output_tokens=usage.output_tokens + o)
                        case Finish():
                            pass
            text_parts.extend(round_text)
            if not calls:
                break
            if round_no == self._max_tool_rounds:
                raise ProviderError(
                    f"the model asked for more than {self._max_tool_rounds} tool rounds", code="tool_round_limit"
                )
            turns.append(
                ChatTurn(
                    role="assistant",
                    text="".join(round_text),
                    tool_calls=[
                        {"id": c.call_id, "name": c.name, "arguments": c.arguments_json, "extra": c.extra}
                        for c in calls.values()
                    ],
                )
            )
            results = [await self._call_tool(call, emit, sources) for call in calls.values()]
            turns.append(ChatTurn(role="tool", tool_results=results))
        return Answer(text="".join(text_parts), sources=list(sources.values()), usage=usage)

    async def _call_tool(self, call: _PendingCall, emit: Emit, sources: dict[str, Source]) -> dict[str, Any]:
        tool = self._tools.get(call.name)
        if tool is None:
            raise ProviderError(f"the model called an unknown tool {call.name!r}", code="unknown_tool")
        try:
            arguments = msgspec.json.decode(call.arguments_json or "{}", type=tool.input_type)
        except msgspec.DecodeError as exc:
            raise ProviderError(
                f"the model sent malformed arguments for {call.name}: {exc}", code="malformed_tool_arguments"
            ) from None
        await emit(ToolStart(call_id=call.call_id, tool=call.name, input=msgspec.to_builtins(arguments)))
        started = time.perf_counter()
        result = await tool(arguments)
        for source in result.sources:
            sources.setdefault(str(source.cv_id), source)
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        await emit(ToolEnd(call_id=call.call_id, tool=call.name, output=result.output, duration_ms=duration_ms))
        return {"id": call.call_id, "name": call.name, "output": result.output, "extra": call.extra}


def _turn(message: Message) -> ChatTurn:
    return ChatTurn(role="user" if message.role is MessageRole.USER else "assistant", text=message.content)


def final_event(answer: Answer) -> Final:
    """The `final` event of an answer."""
    return Final(text=answer.text, sources=answer.sources, usage=answer.usage)

"""The assistant loop: history and grounding in, streamed answer and tool rounds out, the same for every provider."""

from __future__ import annotations

import contextlib
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, runtime_checkable

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
GROUNDING_PROMPT = (
    " The first search_cvs result was run for you on the user's question (a follow-up is combined with the "
    "question before it); call search_cvs or get_cv again only if you need more. Never state a fact the tool "
    "results do not contain. Name each candidate you rely on by their full name, say why they match with the "
    "evidence, and link their CV (cv_url). When nobody matches, say that you found no candidate. Answer in the "
    "language of the question."
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


@runtime_checkable
class GroundingTool(Tool, Protocol):
    """A tool the assistant runs itself on every question, before the model's first round (`search_cvs`)."""

    def grounding_input(self, query: str) -> msgspec.Struct:
        """The tool's input for a question already resolved against the thread's history."""


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

    Grounding: when a GroundingTool (`search_cvs`) is configured, every run first runs it on the question (a
    follow-up is combined with the question before it, `resolve_question`), with `tool_start`/`tool_end` under the
    call id `search_<run>_0`, and hands it to the model as a completed tool round (the assistant's call, then its
    result), so every provider sees the grounding the same way. The model's own tool rounds follow, bounded by
    `max_tool_rounds`. Sources are the CVs the answer names (`cited_sources`).
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
        self._grounding = next((t for t in tools if isinstance(t, GroundingTool)), None)
        self._system = SYSTEM_PROMPT + (GROUNDING_PROMPT if self._grounding is not None else "")

    @property
    def history_turns(self) -> int:
        """How many exchanges before the question are sent as context."""
        return self._history_turns

    async def answer(
        self,
        run: Run,
        emit: Emit,
        on_model: Callable[[str, str], Awaitable[None]],
        history: list[Message] | None = None,
    ) -> Answer:
        """`history` is the run's question and the exchanges before it (`history_turns`); read here when None."""
        provider = self._provider_factory()
        await on_model(provider.name, provider.model)
        if history is None:
            history = await self._store.history(run.thread_id, run.message_id, self._history_turns)
        turns = [_turn(m) for m in history]
        specs = [
            ToolSpec(name=t.name, description=t.description, input_schema=msgspec.json.schema(t.input_type))
            for t in self._tools.values()
        ]
        text_parts: list[str] = []
        usage = Usage()
        # Every CV a tool returned in this run (in order), and those of the latest tool round.
        last_round = await self._ground(run, history, turns, emit)
        surfaced = {str(source.cv_id): source for source in last_round}
        for round_no in range(self._max_tool_rounds + 1):
            calls: dict[str, _PendingCall] = {}
            round_text: list[str] = []
            # A copy: the turns grow after this round, and a provider may keep its request.
            request = LlmRequest(system=self._system, turns=list(turns), tools=specs)
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
                ChatTurn(role="assistant", text="".join(round_text), tool_calls=[_call_dict(c) for c in calls.values()])
            )
            results: list[dict[str, Any]] = []
            last_round = []
            for call in calls.values():
                result, found = await self._call_tool(call, emit)
                results.append(result)
                last_round.extend(found)
            for source in last_round:
                surfaced.setdefault(str(source.cv_id), source)
            turns.append(ChatTurn(role="tool", tool_results=results))
        text = "".join(text_parts)
        return Answer(text=text, sources=cited_sources(text, list(surfaced.values()), last_round), usage=usage)

    async def _ground(self, run: Run, history: list[Message], turns: list[ChatTurn], emit: Emit) -> list[Source]:
        """Run the grounding tool on the resolved question and append it to `turns` as a completed tool round."""
        if self._grounding is None:
            return []
        query = resolve_question([m.content for m in history if m.role is MessageRole.USER])
        if not query:
            return []
        call = _PendingCall(
            call_id=f"search_{run.id.hex[-12:]}_0",
            name=self._grounding.name,
            arguments_json=msgspec.json.encode(self._grounding.grounding_input(query)).decode(),
        )
        turns.append(ChatTurn(role="assistant", tool_calls=[_call_dict(call)]))
        result, sources = await self._call_tool(call, emit)
        turns.append(ChatTurn(role="tool", tool_results=[result]))
        return sources

    async def _call_tool(self, call: _PendingCall, emit: Emit) -> tuple[dict[str, Any], list[Source]]:
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
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        await emit(ToolEnd(call_id=call.call_id, tool=call.name, output=result.output, duration_ms=duration_ms))
        return {"id": call.call_id, "name": call.name, "output": result.output, "extra": call.extra}, result.sources


def _call_dict(call: _PendingCall) -> dict[str, Any]:
    return {"id": call.call_id, "name": call.name, "arguments": call.arguments_json, "extra": call.extra}


def _turn(message: Message) -> ChatTurn:
    return ChatTurn(role="user" if message.role is MessageRole.USER else "assistant", text=message.content)


def final_event(answer: Answer) -> Final:
    """The `final` event of an answer."""
    return Final(text=answer.text, sources=answer.sources, usage=answer.usage)


# --- follow-ups ----------------------------------------------------------------------------------------------------
# A question is a follow-up when it opens with a connective ("and …", "what about …") or refers back to earlier
# candidates ("which of them", "cuáles de ellos", "wer davon", "lesquels d'entre eux"). Matched on folded text.
_FOLLOW_UP_OPENING = re.compile(
    r"^(?:and|also|what about|how about|same for|y|y que hay de|que tal|und|und was ist mit|wie sieht es mit|"
    r"et|et pour|et qu'en est-il|qu'en est-il|quid de)(?!\w)"
)
_FOLLOW_UP_REFERENCE = re.compile(
    r"(?<!\w)(?:of them|of those|of these|among them|among those|which ones?|those candidates|these candidates|"
    r"the same candidates|de ellos|de ellas|de esos|de esas|de estos|de estas|entre ellos|entre ellas|"
    r"esos candidatos|estos candidatos|davon|von ihnen|unter ihnen|von denen|diese kandidaten|dieser kandidaten|"
    r"d'entre eux|d'entre elles|parmi eux|parmi elles|parmi ceux|lesquels|lesquelles|lequel|laquelle|"
    r"ces candidats|ceux-ci|celles-ci)(?!\w)"
)
_FOLLOW_UP_PRONOUN = re.compile(
    r"(?<!\w)(?:them|they|those|these|ellos|ellas|esos|esas|estos|estas|ihnen|denen|sie|eux|elles|ceux|celles|ils)"
    r"(?!\w)"
)
_SHORT_QUESTION_WORDS = 12


def fold_text(text: str) -> str:
    """Case- and accent-free text, with typographic apostrophes made plain (¿Cuáles? -> ¿cuales?)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def is_follow_up(question: str) -> bool:
    """Whether a question only makes sense with the one before it, in en, es, de or fr."""
    folded = fold_text(question).strip().lstrip("¿¡\"'«„“ ").strip()
    if _FOLLOW_UP_OPENING.match(folded) or _FOLLOW_UP_REFERENCE.search(folded):
        return True
    return len(folded.split()) <= _SHORT_QUESTION_WORDS and _FOLLOW_UP_PRONOUN.search(folded) is not None


def resolve_question(questions: Sequence[str]) -> str:
    """The search query for the last of a thread's user questions (oldest first).

    A follow-up is appended to the question it follows, itself resolved the same way, so that the search applies
    every constraint of the chain: "Who speaks German?", "and which of them live in Berlin?" ->
    "Who speaks German? and which of them live in Berlin?".
    """
    resolved = ""
    for question in questions:
        question = question.strip()
        if question:
            resolved = f"{resolved} {question}" if resolved and is_follow_up(question) else question
    return resolved


# --- sources -------------------------------------------------------------------------------------------------------
_NO_CANDIDATE = re.compile(
    r"(?<!\w)(?:no (?:matching |suitable )?(?:candidates?|cvs?|profiles?|one)|nobody|none of|found none|found no|"
    r"(?:could not|couldn't|did not|didn't|cannot|can't) find|"
    r"ningun(?:a|o)? (?:candidat[oa]s?|cv|perfil)|nadie|no (?:he )?encontr|no hay candidat|"
    r"keine[nm]? (?:passenden )?(?:kandidat|lebenslauf|lebenslaufe|profil)|niemand|nicht gefunden|"
    r"aucun(?:e)? (?:candidat|cv|profil)|personne ne|pas trouve|n'ai trouve aucun)"
)


def says_no_candidate(text: str) -> bool:
    """Whether an answer says that nobody matches (en, es, de, fr)."""
    return _NO_CANDIDATE.search(fold_text(text)) is not None


def _mentions(folded_text: str, phrase: str) -> bool:
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded_text) is not None


def cited_sources(text: str, surfaced: Sequence[Source], last_round: Sequence[Source]) -> list[Source]:
    """The CVs an answer relied on, among those the tools returned (`surfaced`, in order).

    1. The CVs whose id (a CV link) or full name the text contains; a name of three words or more also counts
       by its first two ("Jorge Romero" for Jorge Romero Vázquez). Case and accents are ignored.
    2. Else the CVs whose first name the text contains, when no other surfaced CV shares it ("Ana is in Kraków").
    3. Else nothing when the answer says that nobody matches (or is empty): citing CVs it rejected would mislead.
    4. Else the CVs of the last tool round: the answer names nobody but was written from those results.
    """
    if not text.strip():
        return []
    folded = fold_text(text)

    def named(source: Source) -> bool:
        words = fold_text(source.name).split()
        return (
            str(source.cv_id) in folded
            or _mentions(folded, " ".join(words))
            or (len(words) >= 3 and _mentions(folded, " ".join(words[:2])))
        )

    cited = [source for source in surfaced if named(source)]
    if cited:
        return cited
    first_names = Counter(source.name.split()[0] for source in surfaced if len(source.name.split()) >= 2)
    cited = [
        source
        for source in surfaced
        if len(source.name.split()) >= 2
        and first_names[first := source.name.split()[0]] == 1
        and re.search(rf"(?<!\w){re.escape(first)}(?!\w)", text)
    ]
    if cited:
        return cited
    return [] if says_no_candidate(text) else list(last_round)

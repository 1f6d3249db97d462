"""The assistant on a real in-memory CV search: the first search, grounded local answers, follow-ups, sources."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

import msgspec
import pytest

from cv_generation.evaluate import build_corpus
from cv_generation.generate import REFERENCE_DATE
from cv_generation.model import CV
from cv_generation.render_pdf import render_pdf
from cvchat.application.assistant import (
    Answer,
    Assistant,
    cited_sources,
    is_follow_up,
    resolve_question,
    says_no_candidate,
)
from cvchat.application.tools import (
    CV_TEXT_CHARS,
    TOP_SKILLS,
    GetCvInput,
    GetCvTool,
    SearchCvsInput,
    SearchCvsTool,
    cv_url,
)
from cvchat.domain.cvs import Cv, CvHit
from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.events import RunEvent, Source, Token, ToolEnd, ToolStart
from cvchat.domain.ports import (
    CvSearch,
    Finish,
    LlmProvider,
    LlmRequest,
    LlmStreamChunk,
    RunStore,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageReport,
)
from cvchat.infrastructure.cvs.pdf_text import extract_pdf_text
from cvchat.infrastructure.cvs.profile import extract_profile
from cvchat.infrastructure.cvs.search import CvDocument, SearchIndex
from cvchat.infrastructure.llm.local import MAX_NAMED, LocalProvider

pytestmark = pytest.mark.anyio

TODAY = date.fromisoformat(REFERENCE_DATE)
GERMAN_IN_MUNICH = "German native speakers in Munich with at least 5 years of experience"


# --- a real CvSearch in memory -------------------------------------------------------------------------------------
class MemoryCvSearch:
    """CvSearch on the real SearchIndex over CVs held in memory: what the service does, without the database."""

    def __init__(self, cvs: Sequence[Cv]) -> None:
        self._cvs = {cv.id: cv for cv in cvs}
        self._index = SearchIndex()
        self._index.add_many(
            CvDocument(cv_id=str(cv.id), source_filename=cv.source_filename, text=cv.text, profile=cv.profile)
            for cv in cvs
        )

    async def search(self, query: str, k: int) -> list[CvHit]:
        return [
            CvHit(
                cv_id=UUID(hit.cv_id),
                name=hit.name,
                source_filename=hit.source_filename,
                score=hit.score,
                snippets=hit.snippets,
                profile=self._cvs[UUID(hit.cv_id)].profile,
            )
            for hit in self._index.search(query, k)
        ]

    async def get(self, cv_id: UUID) -> Cv | None:
        return self._cvs.get(cv_id)


@dataclass
class Corpus:
    """Generated CVs (the JSON ground truth, by CV id) and the search over what ingestion reads of their PDFs."""

    truth: dict[UUID, CV]
    search: MemoryCvSearch

    def ids(self, rule: Callable[[CV], bool]) -> list[UUID]:
        return [cv_id for cv_id, cv in self.truth.items() if rule(cv)]


@pytest.fixture(name="corpus", scope="module")
def fx_corpus() -> Corpus:
    """30 CVs in four languages and five layouts: PDF text and extracted profile, as ingestion makes them."""
    truth: dict[UUID, CV] = {}
    cvs: list[Cv] = []
    for generated in build_corpus(30, 7):
        text = extract_pdf_text(render_pdf(generated)).text
        cv_id = uuid5(NAMESPACE_URL, generated.id)
        truth[cv_id] = generated
        cvs.append(
            Cv(
                id=cv_id,
                source_filename=f"{generated.id}.pdf",
                content_hash=generated.id,
                text=text,
                profile=extract_profile(text, today=TODAY),
                created_at=datetime.now(UTC),
            )
        )
    return Corpus(truth=truth, search=MemoryCvSearch(cvs))


def speaks(cv: CV, code: str, level: str | None = None) -> bool:
    return any(s.language == code and (level is None or s.level == level) for s in cv.spoken_languages)


# --- running the assistant -----------------------------------------------------------------------------------------
@dataclass
class Thread:
    """The one RunStore method the assistant reads: the thread's messages up to the run's question."""

    messages: list[Message] = field(default_factory=list)

    async def history(self, thread_id: UUID, upto_message_id: UUID, turns: int) -> list[Message]:
        return self.messages[-(2 * turns + 1) :]


@dataclass
class Outcome:
    answer: Answer
    events: list[RunEvent]

    @property
    def tool_events(self) -> list[ToolStart | ToolEnd]:
        return [e for e in self.events if isinstance(e, ToolStart | ToolEnd)]

    @property
    def streamed(self) -> str:
        return "".join(e.text for e in self.events if isinstance(e, Token))


async def ask(
    search: CvSearch | None, *contents: str, provider: LlmProvider | None = None, history_turns: int = 10
) -> Outcome:
    """Answer the last of `contents` (user and assistant messages alternating, the user's first)."""
    thread_id = uuid4()
    messages = [
        Message(
            id=uuid4(),
            thread_id=thread_id,
            role=MessageRole.USER if i % 2 == 0 else MessageRole.ASSISTANT,
            content=content,
            created_at=datetime.now(UTC),
        )
        for i, content in enumerate(contents)
    ]
    run = Run(
        id=uuid4(),
        thread_id=thread_id,
        user_id=uuid4(),
        message_id=messages[-1].id,
        status=RunStatus.RUNNING,
        created_at=messages[-1].created_at,
    )
    events: list[RunEvent] = []

    async def emit(event: RunEvent) -> None:
        events.append(event)

    async def on_model(provider_name: str, model: str) -> None:
        pass

    tools = [] if search is None else [SearchCvsTool(search), GetCvTool(search)]
    chosen = provider or LocalProvider()
    store = cast(RunStore, Thread(messages))  # the in-memory thread implements `history`, all the assistant reads
    assistant = Assistant(lambda: chosen, store, tools, history_turns=history_turns)
    return Outcome(answer=await assistant.answer(run, emit, on_model), events=events)


def named_ids(text: str, corpus: Corpus) -> set[UUID]:
    """The corpus CVs whose link the answer gives."""
    return {cv_id for cv_id in corpus.truth if cv_url(cv_id) in text}


# --- the first search ----------------------------------------------------------------------------------------------
async def test_every_run_searches_first_with_the_question_and_reports_the_cv_ids_found(corpus: Corpus) -> None:
    outcome = await ask(corpus.search, GERMAN_IN_MUNICH)

    start, end = outcome.events[0], outcome.events[1]
    assert isinstance(start, ToolStart) and isinstance(end, ToolEnd)
    assert (start.tool, start.input) == ("search_cvs", {"query": GERMAN_IN_MUNICH, "k": 8})
    assert re.fullmatch(r"search_[0-9a-f]{12}_0", start.call_id) and end.call_id == start.call_id
    found = [UUID(result["cv_id"]) for result in end.output["results"]]
    assert len(found) == 8 and set(found) <= set(corpus.truth)
    assert all(isinstance(e, Token) for e in outcome.events[2:])
    assert outcome.streamed == outcome.answer.text


async def test_structured_question_names_exactly_the_matching_candidates_with_evidence_and_links(
    corpus: Corpus,
) -> None:
    expected = corpus.ids(
        lambda cv: cv.location.city == "Munich" and speaks(cv, "de", "native") and cv.years_experience >= 5
    )
    assert 2 <= len(expected) <= MAX_NAMED

    outcome = await ask(corpus.search, GERMAN_IN_MUNICH)

    text = outcome.answer.text
    assert text.startswith(f"{len(expected)} candidates match “{GERMAN_IN_MUNICH}”:")
    assert named_ids(text, corpus) == set(expected)
    assert {source.cv_id for source in outcome.answer.sources} == set(expected)
    assert [s.name for s in outcome.answer.sources] == sorted(
        (s.name for s in outcome.answer.sources), key=text.index
    )  # in the answer's order
    others = [cv.name for cv_id, cv in corpus.truth.items() if cv_id not in expected]
    assert not [name for name in others if name in text]
    for position, block in enumerate(text.split("\n\n")[1:], 1):
        (cv_id,) = named_ids(block, corpus)
        cv = corpus.truth[cv_id]
        assert block.startswith(f"{position}. {cv.name} — ")
        assert "Why: speaks German (native); based in Munich, Germany;" in block
        assert f"{cv.years_experience} years of experience" in block
        assert "“" in block  # the search's evidence lines, quoted
    assert outcome.answer.usage.output_tokens == len(text.split())


async def test_question_matching_nobody_gets_the_no_candidate_answer_and_no_sources(corpus: Corpus) -> None:
    outcome = await ask(corpus.search, "Who knows COBOL and speaks German?")

    assert outcome.answer.text == "I found no candidate who knows COBOL and speaks German."
    assert outcome.answer.sources == []
    assert [type(e) for e in outcome.tool_events] == [ToolStart, ToolEnd]


async def test_follow_up_narrows_the_previous_candidates_to_one_city(corpus: Corpus) -> None:
    first_question = "Who speaks German natively?"
    first = await ask(corpus.search, first_question)
    natives = set(corpus.ids(lambda cv: speaks(cv, "de", "native")))
    assert first.answer.sources and {s.cv_id for s in first.answer.sources} <= natives

    def residents(city: str) -> set[UUID]:
        return set(corpus.ids(lambda cv: cv.location.city == city))

    # A city of the first answer where not everyone is a native speaker, so the follow-up has to keep that constraint.
    city = next(
        city
        for city in (corpus.truth[s.cv_id].location.city for s in first.answer.sources)
        if residents(city) - natives
    )
    expected = residents(city) & natives
    follow_up = f"And which of them live in {city}?"

    outcome = await ask(corpus.search, first_question, first.answer.text, follow_up)

    start = outcome.events[0]
    assert isinstance(start, ToolStart) and start.input["query"] == f"{first_question} {follow_up}"
    assert {s.cv_id for s in outcome.answer.sources} == expected == named_ids(outcome.answer.text, corpus)


async def test_a_chain_of_follow_ups_keeps_every_constraint(corpus: Corpus) -> None:
    outcome = await ask(
        corpus.search,
        "Who speaks German natively?",
        "…",
        "and which of them live in Munich?",
        "…",
        "and at least 5 years?",
    )

    expected = corpus.ids(
        lambda cv: speaks(cv, "de", "native") and cv.location.city == "Munich" and cv.years_experience >= 5
    )
    assert {s.cv_id for s in outcome.answer.sources} == set(expected)


@pytest.mark.parametrize(
    ("question", "lead", "why"),
    [
        (
            "¿Quién habla alemán como lengua materna y vive en Múnich?",
            "{n} candidatos coinciden con «",
            "Por qué: habla alemán (nativo)",
        ),
        (
            "Wer spricht Deutsch als Muttersprache und wohnt in München?",
            "{n} Kandidaten passen zu „",
            "Warum: spricht Deutsch (Muttersprache)",
        ),
        (
            "Qui parle allemand langue maternelle et habite à Munich ?",
            "{n} candidats correspondent à « ",
            "Pourquoi : parle allemand (langue maternelle)",
        ),
    ],
)
async def test_questions_in_spanish_german_and_french_get_answers_in_their_language(
    corpus: Corpus, question: str, lead: str, why: str
) -> None:
    expected = corpus.ids(lambda cv: cv.location.city == "Munich" and speaks(cv, "de", "native"))
    assert 2 <= len(expected) <= MAX_NAMED

    outcome = await ask(corpus.search, question)

    text = outcome.answer.text
    assert text.startswith(lead.format(n=len(expected)) + question)
    assert text.count(why) == len(expected)
    assert {s.cv_id for s in outcome.answer.sources} == set(expected) == named_ids(text, corpus)


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("¿Quién sabe COBOL?", "No encontré ningún candidato que cumpla «¿Quién sabe COBOL?»."),
        ("Wer kann COBOL?", "Ich habe keinen Kandidaten gefunden, der zu „Wer kann COBOL?“ passt."),
        ("Qui connaît COBOL ?", "Je n'ai trouvé aucun candidat qui corresponde à « Qui connaît COBOL ? »."),
    ],
)
async def test_no_candidate_answers_are_localized(corpus: Corpus, question: str, answer: str) -> None:
    outcome = await ask(corpus.search, question)

    assert (outcome.answer.text, outcome.answer.sources) == (answer, [])


async def test_without_a_cv_search_the_run_has_no_tool_events(corpus: Corpus) -> None:
    outcome = await ask(None, GERMAN_IN_MUNICH)

    assert all(isinstance(e, Token) for e in outcome.events)
    assert outcome.answer.text.startswith("I found no candidate for that: no CVs have been indexed yet")
    assert outcome.answer.sources == []


# --- the model's own tool rounds -----------------------------------------------------------------------------------
@dataclass
class ReadTopCv:
    """An LlmProvider that reads the grounding search, calls `get_cv` on its best CV, then names that candidate."""

    name: str = "scripted"
    model: str = "read-top-cv"
    requests: list[LlmRequest] = field(default_factory=list)

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        self.requests.append(request)
        result = request.turns[-1].tool_results[0]
        if result["name"] == "search_cvs":
            top = result["output"]["results"][0]["cv_id"]
            yield ToolCallStart(call_id="call_1", name="get_cv")
            yield ToolCallDelta(call_id="call_1", arguments_json=json.dumps({"cv_id": top}))
            yield ToolCallEnd(call_id="call_1")
            yield Finish(reason="tool_use")
            return
        cv = result["output"]["cv"]
        yield TextDelta(text=f"{cv['name']} is the best match ({cv['cv_url']}).")
        yield UsageReport(input_tokens=10, output_tokens=7)
        yield Finish()


async def test_the_model_sees_the_first_search_as_a_completed_tool_round_and_may_call_tools_again(
    corpus: Corpus,
) -> None:
    provider = ReadTopCv()

    outcome = await ask(corpus.search, GERMAN_IN_MUNICH, provider=provider)

    first = provider.requests[0]
    assert [t.role for t in first.turns] == ["user", "assistant", "tool"]
    call, result = first.turns[1].tool_calls[0], first.turns[2].tool_results[0]
    assert call["name"] == "search_cvs" and json.loads(call["arguments"]) == {"query": GERMAN_IN_MUNICH, "k": 8}
    assert result["id"] == call["id"] and result["name"] == "search_cvs"
    assert {spec.name for spec in first.tools} == {"search_cvs", "get_cv"}
    assert "search_cvs result was run for you" in first.system
    assert [(type(e).__name__, e.tool) for e in outcome.tool_events] == [
        ("ToolStart", "search_cvs"),
        ("ToolEnd", "search_cvs"),
        ("ToolStart", "get_cv"),
        ("ToolEnd", "get_cv"),
    ]
    top = UUID(result["output"]["results"][0]["cv_id"])
    assert outcome.answer.sources == [Source(cv_id=top, name=corpus.truth[top].name)]


# --- follow-ups and sources ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question",
    [
        "and which of them live in Berlin?", "And Python?", "What about Madrid?", "Which of those have a PhD?",
        "¿Y cuáles de ellos viven en Berlín?", "y en Madrid?", "¿Cuáles de ellos tienen un máster?",
        "Und wer davon wohnt in Berlin?", "Welche von ihnen sprechen Englisch?", "und in Hamburg?",
        "Et lesquels d'entre eux habitent à Berlin ?", "Et à Paris ?", "Parmi eux, qui a un doctorat ?",
    ],
)  # fmt: skip
def test_follow_ups_are_recognised_in_four_languages(question: str) -> None:
    assert is_follow_up(question)
    assert resolve_question(["Who speaks German?", question]) == f"Who speaks German? {question}"


@pytest.mark.parametrize(
    "question",
    [
        "Who knows Kubernetes in Berlin?", "¿Quién habla alemán?", "Wer hat einen Master?",
        "Qui parle allemand ?", "Senior data scientists with Python and at least 5 years of experience",
    ],
)  # fmt: skip
def test_standalone_questions_are_searched_alone(question: str) -> None:
    assert not is_follow_up(question)
    assert resolve_question(["Who speaks German?", question]) == question


def test_sources_are_the_candidates_the_answer_names() -> None:
    ana = Source(cv_id=uuid4(), name="Ana Nowak")
    bo = Source(cv_id=uuid4(), name="Bo Lind")
    jorge = Source(cv_id=uuid4(), name="Jorge Romero Vázquez")
    ben_a, ben_b = Source(cv_id=uuid4(), name="Ben Smith"), Source(cv_id=uuid4(), name="Ben Robinson")
    surfaced = [ana, bo, jorge, ben_a, ben_b]

    assert cited_sources("ANA NOWAK knows Rust.", surfaced, [bo]) == [ana]
    assert cited_sources(f"See {cv_url(bo.cv_id)}; also jorge romero.", surfaced, []) == [bo, jorge]
    assert cited_sources("Bo knows Go; Ana is in Kraków.", surfaced, []) == [ana, bo]
    assert cited_sources("Ben knows Go.", surfaced, [bo]) == [bo]  # two Bens: the first name is no proof
    assert cited_sources("I found no candidate who knows COBOL.", surfaced, [ana, bo]) == []
    assert cited_sources("Ninguno de ellos: no encontré ningún candidato.", surfaced, [ana]) == []
    assert cited_sources("", surfaced, [ana]) == []


@pytest.mark.parametrize(
    "text",
    [
        "I found no candidate who knows COBOL.", "Nobody in the CVs speaks Icelandic.",
        "No encontré ningún candidato que cumpla eso.", "Ich habe keinen Kandidaten gefunden.",
        "Je n'ai trouvé aucun candidat.",
    ],
)  # fmt: skip
def test_no_candidate_answers_are_recognised_in_four_languages(text: str) -> None:
    assert says_no_candidate(text)


# --- the tools -----------------------------------------------------------------------------------------------------
async def test_search_cvs_output_is_compact_and_cites_every_hit(corpus: Corpus) -> None:
    result = await SearchCvsTool(corpus.search)(SearchCvsInput(query="Who knows Kubernetes?", k=3))

    results = result.output["results"]
    assert len(results) == 3 and [s.cv_id for s in result.sources] == [UUID(r["cv_id"]) for r in results]
    top = results[0]
    assert set(top) <= {
        "cv_id", "name", "source_filename", "cv_url", "score", "snippets", "title", "seniority", "location",
        "languages", "skills", "years_experience", "highest_degree", "certifications", "companies", "institutions",
    }  # fmt: skip
    assert top["cv_url"] == f"/api/cvs/{top['cv_id']}/pdf"
    assert top["skills"][0] == "Kubernetes" and len(top["skills"]) <= TOP_SKILLS
    assert all(len(json.dumps(r, ensure_ascii=False)) < 1500 for r in results)  # it goes into every later prompt
    assert msgspec.json.decode(msgspec.json.encode(result.output)) == result.output  # plain JSON


@pytest.mark.parametrize("arguments", ['{"query": "Rust", "k": 0}', '{"query": "Rust", "k": 21}', '{"query": ""}'])
def test_search_cvs_input_is_bounded(arguments: str) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(arguments, type=SearchCvsInput)


async def test_get_cv_returns_the_profile_and_a_bounded_excerpt(corpus: Corpus) -> None:
    cv_id, truth = next(iter(corpus.truth.items()))

    result = await GetCvTool(corpus.search)(GetCvInput(cv_id=cv_id))

    output: dict[str, Any] = result.output
    assert output["found"] is True and output["cv"]["name"] == truth.name
    assert output["cv"]["cv_url"] == cv_url(cv_id) and output["cv"]["location"]["city"] == truth.location.city
    assert 0 < len(output["text"]) <= CV_TEXT_CHARS
    assert result.sources == [Source(cv_id=cv_id, name=truth.name)]


async def test_get_cv_with_an_unknown_id_says_not_found(corpus: Corpus) -> None:
    unknown = uuid4()

    result = await GetCvTool(corpus.search)(GetCvInput(cv_id=unknown))

    assert result.output == {"found": False, "cv_id": str(unknown), "message": "no CV has this id"}
    assert result.sources == []

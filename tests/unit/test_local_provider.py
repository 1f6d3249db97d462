"""The offline `local` provider: grounded answers from the last tool results, streamed word by word, localized."""

from __future__ import annotations

import contextlib
import time
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from cvchat.application.tools import CvSummary, GetCvOutput, SearchCvsInput, SearchCvsOutput, cv_url
from cvchat.domain.cvs import DegreeLevel, LanguageLevel, Location, SpokenLanguage
from cvchat.domain.ports import (
    ChatTurn,
    Finish,
    LlmRequest,
    LlmStreamChunk,
    TextDelta,
    ToolCallStart,
    ToolSpec,
    UsageReport,
)
from cvchat.infrastructure.llm.local import LocalProvider, detect_language

pytestmark = pytest.mark.anyio

ANA_ID = UUID("00000000-0000-7000-8000-00000000000a")
BO_ID = UUID("00000000-0000-7000-8000-00000000000b")
ANA = CvSummary(
    cv_id=ANA_ID,
    name="Ana Nowak",
    source_filename="ana.pdf",
    cv_url=cv_url(ANA_ID),
    score=0.9,
    snippets=["ana@example.org · +49 170 1234567 · Berlin, Deutschland", "Rust · Tokio · Kubernetes"],
    title="Senior Backend Engineer",
    seniority="senior",
    location=Location(city="Berlin", country="Germany"),
    languages=[SpokenLanguage(code="de", level=LanguageLevel.NATIVE), SpokenLanguage(code="en")],
    skills=["Rust", "Tokio", "Kubernetes"],
    years_experience=7.4,
    highest_degree=DegreeLevel.MASTER,
    certifications=["Certified Kubernetes Administrator (CKA)"],
)
BO = CvSummary(
    cv_id=BO_ID,
    name="Bo Lind",
    source_filename="bo.pdf",
    cv_url=cv_url(BO_ID),
    score=0.4,
    snippets=["Go and Rust services"],
    title="Backend Engineer",
    location=Location(city="Madrid", country="Spain"),
    skills=["Go", "Rust"],
    years_experience=3.0,
)


def search_round(query: str, *results: CvSummary, k: int = 8, call_id: str = "search_1_0") -> list[ChatTurn]:
    """The completed `search_cvs` round the assistant puts before the model's first round."""
    arguments = msgspec.json.encode(SearchCvsInput(query=query, k=k)).decode()
    output = msgspec.to_builtins(SearchCvsOutput(query=query, k=k, results=list(results)))
    return [
        ChatTurn(role="assistant", tool_calls=[{"id": call_id, "name": "search_cvs", "arguments": arguments}]),
        ChatTurn(role="tool", tool_results=[{"id": call_id, "name": "search_cvs", "output": output}]),
    ]


def get_cv_round(output: GetCvOutput) -> list[ChatTurn]:
    arguments = msgspec.json.encode({"cv_id": output.cv_id}).decode()
    return [
        ChatTurn(role="assistant", tool_calls=[{"id": "call_9", "name": "get_cv", "arguments": arguments}]),
        ChatTurn(role="tool", tool_results=[{"id": "call_9", "name": "get_cv", "output": msgspec.to_builtins(output)}]),
    ]


async def stream(*turns: ChatTurn, tools: list[ToolSpec] | None = None, pace_ms: float = 0.0) -> list[Any]:
    request = LlmRequest(system="You answer about CVs.", turns=list(turns), tools=tools or [])
    chunks: list[LlmStreamChunk] = []
    async with contextlib.aclosing(LocalProvider(pace_ms=pace_ms).stream(request)) as chunk_stream:
        async for chunk in chunk_stream:
            chunks.append(chunk)
    return chunks


def text_of(chunks: list[Any]) -> str:
    return "".join(c.text for c in chunks if isinstance(c, TextDelta))


def ask(question: str) -> ChatTurn:
    return ChatTurn(role="user", text=question)


async def test_the_answer_streams_word_by_word_with_usage_and_a_finish() -> None:
    chunks = await stream(ask("Who speaks German?"), *search_round("Who speaks German?", ANA, BO))

    words = [c for c in chunks if isinstance(c, TextDelta)]
    assert isinstance(chunks[0], UsageReport) and chunks[0].input_tokens > 0
    assert len(words) > 10 and all(len(w.text.split()) == 1 for w in words)
    assert chunks[-2] == UsageReport(output_tokens=len(words))
    assert chunks[-1] == Finish(reason="end")


async def test_only_candidates_meeting_every_constraint_are_named_with_quoted_evidence_and_their_link() -> None:
    question = "Who speaks German natively with at least 5 years of Kubernetes in Berlin?"

    text = text_of(await stream(ask(question), *search_round(question, ANA, BO)))

    assert text.startswith(f"One candidate matches “{question}”:\n\n1. Ana Nowak — Senior Backend Engineer, Berlin")
    assert (
        "Why: speaks German (native); based in Berlin, Germany; 7 years of experience; skills: Kubernetes; "
        "“Berlin, Deutschland”; “Rust · Tokio · Kubernetes”"
    ) in text
    assert text.endswith(f"CV: {cv_url(ANA_ID)}")
    assert "Bo Lind" not in text


async def test_contact_details_are_never_quoted() -> None:
    text = text_of(await stream(ask("Who lives in Berlin?"), *search_round("Who lives in Berlin?", ANA)))

    assert "Berlin, Deutschland" in text
    assert "@" not in text and "1234567" not in text


async def test_an_unknown_profile_field_is_not_taken_for_a_match() -> None:
    silent = msgspec.structs.replace(ANA, languages=[], snippets=["Rust · Tokio"])

    text = text_of(await stream(ask("Who speaks German?"), *search_round("Who speaks German?", silent)))

    assert text == "I found no candidate who speaks German."


async def test_words_the_question_needs_must_show_in_the_evidence() -> None:
    question = "Who knows COBOL and Rust?"

    text = text_of(await stream(ask(question), *search_round(question, ANA, BO)))

    assert text == "I found no candidate who knows COBOL and Rust."


async def test_the_lead_says_when_more_candidates_match_than_are_listed() -> None:
    many = [
        msgspec.structs.replace(BO, cv_id=(cv_id := uuid4()), name=f"Bo Lind {i}", cv_url=cv_url(cv_id))
        for i in range(7)
    ]

    text = text_of(await stream(ask("Who knows Go?"), *search_round("Who knows Go?", *many, k=7)))

    assert text.startswith("At least 7 candidates match “Who knows Go?”; here are the 5 best:")
    assert text.count(" — Backend Engineer, Madrid, Spain") == 5


async def test_the_last_search_is_the_one_answered() -> None:
    chunks = await stream(
        ask("Who knows Rust?"),
        *search_round("Who knows Rust?", ANA, BO),
        ChatTurn(role="assistant", text="Ana Nowak and Bo Lind."),
        ask("Who knows Haskell?"),
        *search_round("Who knows Haskell?", call_id="search_2_0"),
    )

    assert text_of(chunks) == "I found no candidate who knows Haskell."


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        (
            "Who knows Rust?",
            "I found no candidate for that: no CVs have been indexed yet, so there is nothing to search.",
        ),
        (
            "¿Quién sabe Rust?",
            "No encontré ningún candidato: todavía no hay CVs indexados, así que no hay nada que buscar.",
        ),
        (
            "Wer kann Rust?",
            "Ich habe keinen Kandidaten gefunden: Es sind noch keine Lebensläufe indexiert, es gibt nichts zu "
            "durchsuchen.",
        ),
        (
            "Qui connaît Rust ?",
            "Je n'ai trouvé aucun candidat : aucun CV n'est encore indexé, il n'y a rien à chercher.",
        ),
    ],
)
async def test_without_any_tool_result_it_says_there_is_nothing_to_search(question: str, answer: str) -> None:
    assert text_of(await stream(ask(question))) == answer


async def test_it_never_calls_tools_and_ignores_results_it_cannot_read() -> None:
    foreign = ChatTurn(
        role="tool",
        tool_results=[{"id": "t1", "name": "search_cvs", "output": {"results": [{"name": "Ana", "excerpt": "Rust"}]}}],
    )
    spec = ToolSpec(name="search_cvs", description="Search.", input_schema={"type": "object"})

    chunks = await stream(ask("Who knows Rust?"), foreign, tools=[spec])

    assert not [c for c in chunks if isinstance(c, ToolCallStart)]
    assert text_of(chunks).startswith("I found no candidate for that: no CVs have been indexed yet")


@pytest.mark.parametrize(
    ("question", "lead", "why", "cv"),
    [
        (
            "¿Quién habla alemán?",
            "Un candidato coincide con «¿Quién habla alemán?»:",
            "Por qué: habla alemán (nativo)",
            "CV:",
        ),
        (
            "Wer spricht Deutsch?",
            "Ein Kandidat passt zu „Wer spricht Deutsch?“:",
            "Warum: spricht Deutsch (Muttersprache)",
            "Lebenslauf:",
        ),
        (
            "Qui parle allemand ?",
            "Un candidat correspond à « Qui parle allemand ? » :",
            "Pourquoi : parle allemand (langue maternelle)",
            "CV :",
        ),
    ],
)
async def test_the_fixed_phrases_follow_the_question_language(question: str, lead: str, why: str, cv: str) -> None:
    text = text_of(await stream(ask(question), *search_round(question, ANA, BO)))

    assert text.startswith(lead) and why in text and f"{cv} {cv_url(ANA_ID)}" in text


async def test_a_follow_up_is_answered_in_its_own_language_on_the_combined_search() -> None:
    query = "Who speaks German? ¿Y cuáles de ellos viven en Berlín?"

    text = text_of(await stream(ask("¿Y cuáles de ellos viven en Berlín?"), *search_round(query, ANA, BO)))

    assert text.startswith("Un candidato coincide con «")
    assert "Por qué: habla alemán (nativo); vive en Berlin, Germany" in text


async def test_a_get_cv_result_is_summarised_with_its_link() -> None:
    read = GetCvOutput(found=True, cv_id=ANA_ID, cv=ANA, text="Ana Nowak\nSenior Backend Engineer")

    text = text_of(await stream(ask("Tell me about Ana Nowak"), *get_cv_round(read)))

    assert text.startswith("Here is what the CV of Ana Nowak says:\nSenior Backend Engineer, Berlin, Germany")
    assert "- languages: German (native), English" in text and "- highest degree: master's degree" in text
    assert text.endswith(f"CV: {cv_url(ANA_ID)}")


async def test_an_unknown_cv_id_is_reported_as_not_found() -> None:
    missing = uuid4()

    text = text_of(await stream(ask("Tell me about this CV"), *get_cv_round(GetCvOutput(found=False, cv_id=missing))))

    assert text == f"I found no CV with the id {missing}."


async def test_pace_spaces_the_words_out() -> None:
    started = time.perf_counter()
    chunks = await stream(ask("Who knows Rust?"), pace_ms=5)

    assert time.perf_counter() - started >= 0.005 * len([c for c in chunks if isinstance(c, TextDelta)])


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Who speaks German fluently?", "en"), ("and in Berlin?", "en"), ("¿Quién habla alemán con fluidez?", "es"),
        ("y en Madrid?", "es"), ("Wer spricht fließend Deutsch?", "de"), ("und in Hamburg?", "de"),
        ("Qui parle couramment allemand ?", "fr"), ("Et lesquels d'entre eux habitent à Lyon ?", "fr"), ("", "en"),
    ],
)  # fmt: skip
def test_the_question_language_is_detected(text: str, lang: str) -> None:
    assert detect_language(text) == lang

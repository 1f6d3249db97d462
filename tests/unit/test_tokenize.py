"""The search tokeniser: folding, punctuation, tech names, one-letter skills, stop words and chunking."""

from __future__ import annotations

import pytest

from cvchat.infrastructure.cvs.embeddings import chunk_text
from cvchat.infrastructure.cvs.tokenize import fold, tokenize


def test_fold_removes_case_and_accents_in_every_cv_language() -> None:
    assert fold("München Ñandú STRASSE Straße Œuvre Élodie") == "munchen nandu strasse strasse oeuvre elodie"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C++, C# and .NET", ["c++", "c#", ".net"]),
        ("Node.js / Vue.js; ASP.NET", ["node.js", "vue.js", "asp.net"]),
        ("CI/CD, scikit-learn, Backend-Entwickler", ["ci", "cd", "scikit", "learn", "backend", "entwickler"]),
        ("WCAG 2.1", ["wcag", "2.1"]),
        ("Python.Django", ["python", "django"]),
        ("B.Sc. Informatik, Ph.D. Physics", ["bsc", "informatik", "phd", "physics"]),
    ],
)
def test_splits_on_punctuation_but_keeps_tech_names(text: str, expected: list[str]) -> None:
    assert tokenize(text) == expected


def test_keeps_one_letter_skills_r_and_c_but_no_other_letters() -> None:
    assert tokenize("Statistics in R and C, a b x") == ["statistics", "r", "c"]


def test_french_elisions_do_not_produce_the_skill_c() -> None:
    assert tokenize("C'est l'équipe d'ingénieurs") == ["equipe", "ingenieurs"]


@pytest.mark.parametrize(
    "question",
    [
        "Who has the most experience with it?",
        "¿Quién tiene más experiencia?",
        "Wer hat mehr Erfahrung?",
        "Qui a le plus d'expérience ?",
    ],
)
def test_question_words_and_function_words_are_dropped_in_four_languages(question: str) -> None:
    assert tokenize(question) == []


def test_aliases_meet_their_canonical_skill() -> None:
    assert tokenize("k8s, Postgres, Golang, NodeJS, dotnet") == ["kubernetes", "postgresql", "go", "node.js", ".net"]
    assert tokenize("GCP") == tokenize("Google Cloud Platform")


def test_light_stemming_is_optional() -> None:
    assert tokenize("teams pipelines") == ["teams", "pipelines"]
    assert tokenize("teams pipelines", stem=True) == ["team", "pipeline"]


def test_chunks_pack_whole_lines_up_to_about_500_characters() -> None:
    lines = [f"Line {i}: " + "word " * 18 for i in range(40)]
    chunks = chunk_text("\n".join(lines))
    assert len(chunks) > 1
    assert all(len(chunk) <= 500 for chunk in chunks)
    assert "\n".join(chunks).split("\n") == [line.strip() for line in lines]


def test_a_long_line_is_cut_at_sentence_ends() -> None:
    text = " ".join(f"Sentence number {i} is about Kubernetes and Python." for i in range(30))
    chunks = chunk_text(text)
    assert len(chunks) >= 3
    assert all(len(chunk) <= 500 for chunk in chunks)
    assert all(chunk.endswith(".") for chunk in chunks)

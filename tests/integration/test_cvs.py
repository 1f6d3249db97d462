"""The CV corpus over HTTP on both databases: ingest, bad files, filters, search, PDFs, delete."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from cv_generation.corpus import MANIFEST_NAME, decode_cv, write_corpus
from cv_generation.model import CV, Manifest
from cvchat.infrastructure.db.models import CvChunkModel, CvModel
from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio
ADMIN = {"Authorization": "Bearer admin-secret"}
LEVELS = {"basic": 1, "professional": 2, "fluent": 3, "native": 4}


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[CV, Path]]:
    """20 generated CVs (every layout and language), as JSON ground truth and PDF."""
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 20, seed=5)
    manifest = msgspec.json.decode((folder / MANIFEST_NAME).read_bytes(), type=Manifest)
    return [(decode_cv((folder / e.json).read_bytes()), folder / e.pdf) for e in manifest.cvs]  # type: ignore[arg-type]


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"admin_token": "admin-secret", "ingest_processes": 0, "embedding_model": "none"}


async def _ingest(server: LiveServer, pdf: Path, headers: dict[str, str] = ADMIN) -> dict:  # type: ignore[type-arg]
    response = await server.http.post(
        "/api/cvs", files={"data": (pdf.name, pdf.read_bytes(), "application/pdf")}, headers=headers
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


@pytest.fixture
async def ingested(server: LiveServer, corpus: list[tuple[CV, Path]]) -> Iterator[dict[str, CV]]:
    """The corpus ingested over HTTP: cv_id -> ground truth."""
    return {(await _ingest(server, pdf))["cv_id"]: cv for cv, pdf in corpus}  # type: ignore[return-value]


async def test_ingesting_keeps_the_pdf_extracts_the_profile_and_the_same_file_twice_is_one_cv(
    server: LiveServer, corpus: list[tuple[CV, Path]], ingested: dict[str, CV]
) -> None:
    alice = await server.user()
    assert len(ingested) == 20
    cv_id, truth = next(iter(ingested.items()))
    pdf = next(p for c, p in corpus if c.id == truth.id)
    again = await server.http.post("/api/cvs", files={"data": ("copy.pdf", pdf.read_bytes())}, headers=ADMIN)
    assert (again.status_code, again.json()["cv_id"], again.json()["created"]) == (200, cv_id, False)
    detail = (await server.http.get(f"/api/cvs/{cv_id}", headers=alice.headers)).json()
    assert detail["profile"]["name"] == truth.name
    assert detail["source_filename"] == pdf.name
    assert {lang["code"] for lang in detail["profile"]["languages"]} == {s.language for s in truth.spoken_languages}
    assert truth.name.split()[-1] in detail["text"]
    served = await server.http.get(detail["pdf_url"], headers=alice.headers)
    assert (served.status_code, served.headers["content-type"], served.content) == (
        200,
        "application/pdf",
        pdf.read_bytes(),
    )
    listed = (await server.http.get("/api/cvs", params={"limit": 100}, headers=alice.headers)).json()
    assert len(listed["items"]) == 20


async def test_filters_match_the_ground_truth_by_rule(server: LiveServer, ingested: dict[str, CV]) -> None:
    alice = await server.user()

    async def ids(**params: object) -> set[str]:
        body = (await server.http.get("/api/cvs", params={"limit": 100, **params}, headers=alice.headers)).json()
        return {item["cv_id"] for item in body["items"]}

    german_fluent = {
        i for i, cv in ingested.items() if any(s.language == "de" and LEVELS[s.level] >= 3 for s in cv.spoken_languages)
    }
    assert await ids(language="alemán", min_level="Fließend") == german_fluent
    assert await ids(language="de", min_level="fluent") == german_fluent
    some_skill = next(iter(ingested.values())).skills[0]
    assert await ids(skill=some_skill) == {i for i, cv in ingested.items() if some_skill in cv.skills}
    city = next(iter(ingested.values())).location.city
    assert await ids(location=city) == {i for i, cv in ingested.items() if cv.location.city == city}
    assert await ids(min_years=5, max_years=10) == {i for i, cv in ingested.items() if 5 <= cv.years_experience <= 10}
    masters_up = {"master", "phd"}
    assert await ids(degree="master") == {
        i for i, cv in ingested.items() if any(e.degree_level in masters_up for e in cv.education)
    }
    bad = await server.http.get("/api/cvs", params={"language": "klingon"}, headers=alice.headers)
    assert (bad.status_code, bad.json()["type"]) == (422, "/problems/invalid_input")


async def test_search_finds_by_skill_language_and_place_in_any_language_and_forgets_deleted_cvs(
    server: LiveServer, ingested: dict[str, CV]
) -> None:
    alice = await server.user()
    cv_id, truth = next((i, cv) for i, cv in ingested.items() if any(s.language == "de" for s in cv.spoken_languages))
    german = {
        i for i, cv in ingested.items() if any(s.language == "de" and s.level == "native" for s in cv.spoken_languages)
    }

    async def search(q: str) -> list[dict]:  # type: ignore[type-arg]
        response = await server.http.get("/api/cvs/search", params={"q": q, "k": 10}, headers=alice.headers)
        assert response.status_code == 200, response.text
        return list(response.json()["results"])

    for question in (
        "Who is a native German speaker?",
        "¿Quién habla alemán como lengua materna?",
        "Wer spricht Deutsch als Muttersprache?",
        "Qui parle allemand langue maternelle ?",
    ):
        top = [r["cv_id"] for r in (await search(question))[: len(german)]]
        assert set(top) == german, question
    named = await search(f"{truth.name} {truth.skills[0]}")
    assert named[0]["cv_id"] == cv_id
    assert named[0]["snippets"] and named[0]["pdf_url"] == f"/api/cvs/{cv_id}/pdf"
    assert (await server.http.delete(f"/api/cvs/{cv_id}", headers=ADMIN)).status_code == 204
    assert cv_id not in [r["cv_id"] for r in await search(f"{truth.name} {truth.skills[0]}")]
    assert (await server.http.get(f"/api/cvs/{cv_id}/pdf", headers=alice.headers)).status_code == 404
    assert (await server.http.delete(f"/api/cvs/{cv_id}", headers=ADMIN)).status_code == 404
    async with server.runtime.read_sessions() as session:
        assert (
            await session.scalar(select(func.count()).select_from(CvChunkModel).where(CvChunkModel.cv_id == cv_id)) == 0
        )


def _pdf_bytes(build: object = None) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    if build is None:
        pdf.set_font("Helvetica", size=12)
        pdf.cell(text="Jane Doe - Senior Engineer - Python, Kubernetes")
    return bytes(pdf.output())


@pytest.mark.parametrize(
    "settings_overrides",
    [{"admin_token": "admin-secret", "ingest_processes": 1, "max_cv_bytes": 200_000, "embedding_model": "none"}],
)
async def test_every_bad_file_is_refused_cleanly_and_leaves_nothing_behind(server: LiveServer) -> None:
    good = _pdf_bytes()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    writer.encrypt(user_password="secret", owner_password="owner")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    cases = [
        ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, 415, "not_a_pdf"),
        ("notes.pdf", b"just some text, not a PDF", 415, "not_a_pdf"),
        ("broken.pdf", good[: len(good) // 3], 422, None),
        ("locked.pdf", encrypted.getvalue(), 422, "encrypted_pdf"),
        ("blank.pdf", _pdf_bytes(build="blank"), 422, "pdf_without_text"),
        ("huge.pdf", b"%PDF-1.4\n" + b"0" * 300_000, 413, "payload_too_large"),
        ("empty.pdf", b"", 422, None),
    ]
    for name, data, status, code in cases:
        response = await server.http.post("/api/cvs", files={"data": (name, data, "application/pdf")}, headers=ADMIN)
        assert response.status_code == status, (name, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        if code:
            assert problem["type"] == f"/problems/{code}", (name, problem)
        assert name in problem["detail"] or problem["detail"], name
    for form in ({"file": ("jane.pdf", good, "application/pdf")}, {"data": (None, "not a file")}):  # no `data` file
        response = await server.http.post("/api/cvs", files=form, headers=ADMIN)
        assert response.status_code == 400, response.text
        assert response.json()["type"] == "/problems/validation_error"
    async with server.runtime.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CvModel)) == 0
    ok = await server.http.post("/api/cvs", files={"data": ("jane.pdf", good, "application/pdf")}, headers=ADMIN)
    assert ok.status_code == 201, ok.text  # the process pool still works after the failures


async def test_cv_writes_need_the_admin_token_and_reads_need_a_user_key(
    server: LiveServer, corpus: list[tuple[CV, Path]]
) -> None:
    pdf = corpus[0][1]
    alice = await server.user()
    as_user = await server.http.post("/api/cvs", files={"data": (pdf.name, pdf.read_bytes())}, headers=alice.headers)
    assert as_user.status_code == 401
    assert (await server.http.get("/api/cvs")).status_code == 401
    assert (await server.http.get("/api/cvs/search", params={"q": "python"})).status_code == 401


@pytest.mark.parametrize(
    "settings_overrides", [{"admin_token": None, "ingest_processes": 0, "embedding_model": "none"}]
)
async def test_uploads_are_disabled_without_an_admin_token(server: LiveServer, corpus: list[tuple[CV, Path]]) -> None:
    pdf = corpus[0][1]
    response = await server.http.post("/api/cvs", files={"data": (pdf.name, pdf.read_bytes())}, headers=ADMIN)
    assert response.status_code == 403
    assert "ADMIN_TOKEN" in response.json()["detail"]


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "admin_token": "admin-secret",
            "ingest_processes": 0,
            "embedding_model": "none",
            "llm_provider": "local",
            "local_pace_ms": 0.0,
        }
    ],
)
async def test_a_run_searches_first_and_cites_the_cvs_it_names(server: LiveServer, ingested: dict[str, CV]) -> None:
    alice = await server.user()
    natives = {
        i for i, cv in ingested.items() if any(s.language == "de" and s.level == "native" for s in cv.spoken_languages)
    }
    assert natives
    question = "Who is a native German speaker?"
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id, question)
    events = events_of(await server.frames(accepted["stream_url"]))
    kinds = [e.event for e in events]
    assert kinds[:4] == ["state", "state", "tool_start", "tool_end"]
    start, end = events[2].json(), events[3].json()
    assert (start["tool"], start["input"]["query"], end["call_id"]) == ("search_cvs", question, start["call_id"])
    found = {r["cv_id"] for r in end["output"]["results"]}
    assert natives <= found
    final = next(e.json() for e in events if e.event == "final")
    cited = {s["cv_id"] for s in final["sources"]}
    # It names (and cites) the best five of the matching candidates, and says how many match in all.
    assert cited <= natives
    assert len(cited) == min(5, len(natives))
    assert final["text"].startswith(f"{len(natives)} candidates match")
    for cv_id in cited:
        assert f"/api/cvs/{cv_id}/pdf" in final["text"]
        assert ingested[cv_id].name in final["text"]
    nobody = await server.ask(alice, await server.thread(alice), "Who knows COBOL and Fortran and Ada?")
    final = next(e.json() for e in events_of(await server.frames(nobody["stream_url"])) if e.event == "final")
    assert final["text"].startswith("I found no candidate")
    assert final["sources"] == []

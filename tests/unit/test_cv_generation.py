"""Tests of the synthetic CV generator: determinism, coverage of layouts and languages, consistency, PDF text, CLI."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from pypdf import PdfReader

from cv_generation import data, i18n
from cv_generation.corpus import MANIFEST_NAME, decode_cv, write_corpus
from cv_generation.generate import generate_cv
from cv_generation.model import CV, LANGS, LAYOUTS, SENIORITIES, Manifest
from cv_generation.render_pdf import render_pdf

REPO_ROOT = Path(__file__).resolve().parents[2]
REFERENCE_MONTH = 2026 * 12 + 10  # 2026-11, the generator's fixed "today"
YM = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ALIASES = {alias for aliases in data.SKILL_ALIASES.values() for alias in aliases}


def _months(ym: str) -> int:
    year, month = ym.split("-")
    return int(year) * 12 + int(month) - 1


def _years_worked(cv: CV) -> int:
    covered: set[int] = set()
    for job in cv.experience:
        covered.update(range(_months(job.start), REFERENCE_MONTH if job.end is None else _months(job.end)))
    return len(covered) // 12


def _pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.split()).casefold()


def _files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(name="corpus", scope="module")
def fx_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CV]]:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(out, 30, 7)
    manifest = msgspec.json.decode((out / MANIFEST_NAME).read_bytes(), type=Manifest)
    return out, [decode_cv((out / entry.json).read_bytes()) for entry in manifest.cvs]


def test_same_seed_writes_identical_files_when_run_twice(tmp_path: Path) -> None:
    write_corpus(tmp_path / "a", 12, 7)
    write_corpus(tmp_path / "b", 12, 7, jobs=2)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(first) == 12 * 2 + 1
    assert first == second


def test_different_seeds_give_different_cvs() -> None:
    assert [generate_cv(7, i) for i in range(1, 11)] != [generate_cv(8, i) for i in range(1, 11)]
    names = {generate_cv(7, i).name for i in range(1, 11)} ^ {generate_cv(8, i).name for i in range(1, 11)}
    assert names


def test_cv_depends_only_on_seed_and_index_when_corpus_sizes_differ(corpus: tuple[Path, list[CV]]) -> None:
    _, cvs = corpus
    assert cvs[4] == generate_cv(7, 5)
    assert render_pdf(cvs[4]) == (corpus[0] / "cv-0005.pdf").read_bytes()


def test_every_layout_and_language_appears_in_a_30_cv_run(corpus: tuple[Path, list[CV]]) -> None:
    _, cvs = corpus
    assert {cv.layout for cv in cvs} == set(LAYOUTS)
    assert {cv.language for cv in cvs} == set(LANGS)
    assert [cv.id for cv in cvs] == [f"cv-{i:04d}" for i in range(1, 31)]


def test_manifest_lists_every_json_and_pdf(corpus: tuple[Path, list[CV]]) -> None:
    out, cvs = corpus
    manifest = msgspec.json.decode((out / MANIFEST_NAME).read_bytes(), type=Manifest)
    assert (manifest.seed, manifest.count, manifest.reference_date) == (7, 30, "2026-11-01")
    for entry, cv in zip(manifest.cvs, cvs, strict=True):
        assert entry.pdf is not None
        assert (out / entry.pdf).read_bytes().startswith(b"%PDF-")
        assert (entry.id, entry.language, entry.layout, entry.name) == (cv.id, cv.language, cv.layout, cv.name)


def test_years_and_seniority_are_consistent_with_the_experience_dates() -> None:
    for index in range(1, 301):
        cv = generate_cv(3, index)
        assert cv.years_experience == _years_worked(cv), cv.id
        low, high = data.SENIORITY_YEARS[cv.seniority]
        assert low <= cv.years_experience <= high, (cv.id, cv.seniority, cv.years_experience)
    assert data.SENIORITY_YEARS["graduate"][1] <= 1
    assert data.SENIORITY_YEARS["principal"][0] >= 10
    lows = [data.SENIORITY_YEARS[s][0] for s in SENIORITIES]
    assert lows == sorted(lows)


def test_json_fields_follow_the_schema_and_vocabularies() -> None:
    families = set(data.ROLE_FAMILY_KEYS)
    for index in range(1, 201):
        cv = generate_cv(5, index)
        assert cv.role_family in families
        assert cv.name
        assert cv.headline
        assert cv.summary
        assert cv.skills
        assert "@" in cv.contact.email
        assert cv.contact.phone.startswith("+")
        assert cv.location.country in data.CITIES
        assert cv.location.city in dict(data.CITIES[cv.location.country])
        starts = [_months(job.start) for job in cv.experience]
        assert starts == sorted(starts, reverse=True), "experience is listed newest first"
        for number, job in enumerate(cv.experience):
            assert YM.match(job.start)
            assert job.end is None or YM.match(job.end)
            assert job.end is None or _months(job.end) > _months(job.start)
            assert job.end is not None or number == 0, "only the newest job can be ongoing"
            assert job.company
            assert job.title
            assert job.description
        for edu in cv.education:
            assert edu.degree_level in ("bachelor", "master", "phd", "vocational")
            assert edu.field in data.FIELDS
            assert 1970 < edu.start_year < edu.end_year <= 2026
            assert edu.end_year <= min(starts) // 12 + 1, "studies end before the career starts"
        assert not set(cv.skills) & ALIASES, "the JSON keeps canonical skill names"
        assert len(cv.skills) == len(set(cv.skills))
        assert 1 <= len(cv.spoken_languages) <= 4
        codes = [s.language for s in cv.spoken_languages]
        assert len(codes) == len(set(codes))
        assert all(code in i18n.LANGUAGE_NAMES["en"] for code in codes)
        own = next(s.level for s in cv.spoken_languages if s.language == cv.language)
        assert own in ("native", "fluent", "professional")
        assert set(cv.certifications) <= {c for f in data.ROLE_FAMILIES for c in f.certifications}


def test_names_usually_fit_the_language_but_not_always() -> None:
    spanish = {n for names in data.FIRST_NAMES["es"] for n in names}
    es_cvs = [cv for cv in (generate_cv(9, i) for i in range(1, 201)) if cv.language == "es"]
    matching = sum(cv.name.split()[0] in spanish for cv in es_cvs)
    assert 0.6 * len(es_cvs) < matching < len(es_cvs)


def test_all_text_fits_the_pdf_core_fonts() -> None:
    for index in range(1, 301):
        cv = generate_cv(11, index)
        msgspec.json.encode(cv).decode().encode("cp1252")  # raises if a character can't be drawn


def test_dates_are_written_in_each_language() -> None:
    assert i18n.date_range("en", "2020-01", None) == "Jan 2020 \u2013 Present"
    assert i18n.date_range("es", "2020-01", None) == "ene. 2020 \u2013 Actualidad"
    assert i18n.date_range("de", "2020-01", None) == "Jan. 2020 \u2013 heute"
    assert i18n.date_range("fr", "2020-01", None) == "janv. 2020 \u2013 aujourd'hui"
    assert i18n.date_range("de", "2019-03", "2021-12") == "März 2019 \u2013 Dez. 2021"


def test_pdf_text_has_the_name_headings_and_dates_of_its_language(corpus: tuple[Path, list[CV]]) -> None:
    out, cvs = corpus
    for cv in cvs:
        text = _pdf_text((out / f"{cv.id}.pdf").read_bytes())
        assert cv.name.casefold() in text, (cv.id, cv.layout)
        sections = ["summary", "experience", "education", "skills", "languages"]
        for section in sections + (["certifications"] if cv.certifications else []):
            variants = i18n.HEADINGS[cv.language][section]
            assert any(v.casefold() in text for v in variants), (cv.id, cv.layout, section)
        for job in cv.experience:
            assert i18n.date_range(cv.language, job.start, job.end).casefold() in text, (cv.id, cv.layout)
        for spoken in cv.spoken_languages:
            assert i18n.LANGUAGE_NAMES[cv.language][spoken.language].casefold() in text, (cv.id, spoken)
            assert i18n.LEVELS[cv.language][spoken.level].casefold() in text, (cv.id, spoken)


def test_pdfs_use_skill_aliases_while_the_json_keeps_canonical_names(corpus: tuple[Path, list[CV]]) -> None:
    out, cvs = corpus
    aliased = 0
    for cv in cvs:
        text = _pdf_text((out / f"{cv.id}.pdf").read_bytes())
        for skill in cv.skills:
            if skill in data.SKILL_ALIASES and skill.casefold() not in text:
                assert any(alias.casefold() in text for alias in data.SKILL_ALIASES[skill]), (cv.id, skill)
                aliased += 1
    assert aliased > 0


def test_pdf_metadata_does_not_depend_on_the_clock(corpus: tuple[Path, list[CV]]) -> None:
    out, _ = corpus
    reader = PdfReader(out / "cv-0001.pdf")
    assert reader.metadata is not None
    assert str(reader.metadata["/CreationDate"]).startswith("D:20261101")


def test_role_family_templates_only_use_known_slots() -> None:
    numbers = {"pct", "num", "users", "domain"}
    for family in data.ROLE_FAMILIES:
        slots = numbers | set(family.pools) | ({"main", "fw", "lib"} if family.stacks else set())
        assert set(family.titles) == set(family.activities) == set(family.focus) == set(LANGS)
        for lang in LANGS:
            for template in family.activities[lang]:
                assert set(re.findall(r"\{(\w+)\}", template)) <= slots, (family.key, template)


def _run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cv_generation", *args],
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL")) and k != "LLM_PROVIDER"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_writes_json_pdf_and_manifest_when_run_as_a_subprocess(tmp_path: Path) -> None:
    result = _run_cli("--n", "6", "--seed", "7", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    names = set(_files(tmp_path))
    assert names == {MANIFEST_NAME} | {f"cv-{i:04d}.{ext}" for i in range(1, 7) for ext in ("json", "pdf")}
    assert decode_cv((tmp_path / "cv-0003.json").read_bytes()) == generate_cv(7, 3)


def test_cli_skips_pdfs_with_no_pdf(tmp_path: Path) -> None:
    result = _run_cli("--n", "3", "--seed", "1", "--out", str(tmp_path), "--no-pdf")
    assert result.returncode == 0, result.stderr
    manifest = msgspec.json.decode((tmp_path / MANIFEST_NAME).read_bytes(), type=Manifest)
    assert [entry.pdf for entry in manifest.cvs] == [None, None, None]
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize(("provider", "setting"), [("anthropic", "ANTHROPIC_API_KEY"), ("google", "GEMINI_API_KEY")])
def test_llm_mode_without_a_key_stops_naming_the_setting_and_writes_nothing(
    tmp_path: Path, provider: str, setting: str
) -> None:
    result = _run_cli("--n", "1", "--out", str(tmp_path), "--llm", provider)
    assert result.returncode != 0
    assert setting in result.stderr
    assert not list(tmp_path.iterdir())

"""PDF text extraction: every layout reads in order, and each kind of bad upload gets its own typed error."""

from __future__ import annotations

import io

import pytest
from fpdf import FPDF
from PIL import Image
from pypdf import PdfReader, PdfWriter

from cv_generation import i18n
from cv_generation.generate import assignment, generate_cv
from cv_generation.model import CV, LAYOUTS
from cv_generation.render_pdf import render_pdf
from cvchat.domain.errors import InvalidInputError
from cvchat.infrastructure.cvs.pdf_text import (
    PAGE_BREAK,
    CorruptPdfError,
    EncryptedPdfError,
    NotAPdfError,
    NoTextError,
    PdfError,
    extract_pdf_text,
    normalize_text,
)


def _cv_in_layout(layout: str, seed: int = 7) -> CV:
    index = next(i for i in range(1, 21) if assignment(seed, i)[1] == layout)
    return generate_cv(seed, index)


@pytest.fixture(name="sample", scope="module")
def fx_sample() -> tuple[CV, bytes]:
    cv = _cv_in_layout("one_column")
    return cv, render_pdf(cv)


def _text_pdf(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _encrypted(pdf: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_name_headings_and_jobs_in_order(layout: str) -> None:
    cv = _cv_in_layout(layout)
    pdf = render_pdf(cv)
    result = extract_pdf_text(pdf)
    text = result.text.casefold()
    assert result.pages == len(PdfReader(io.BytesIO(pdf)).pages)
    assert cv.name.casefold() in text
    for section in ("experience", "education", "skills", "languages"):
        assert any(v.casefold() in text for v in i18n.HEADINGS[cv.language][section]), section
    # Reading order: the jobs come in the order they were written, the current job's title before its company.
    companies = [text.find(job.company.casefold()) for job in cv.experience]
    assert -1 not in companies and companies == sorted(companies)
    assert -1 < text.find(cv.experience[0].title.casefold()) < companies[0]


def test_text_is_normalised_to_single_spaces_and_nfc(sample: tuple[CV, bytes]) -> None:
    text = extract_pdf_text(sample[1]).text
    assert "  " not in text and "\n\n" not in text and "\r" not in text
    assert all(line == line.strip() for line in text.split("\n"))


def test_pages_are_separated_by_form_feeds() -> None:
    pdf = FPDF()
    for word in ("first page text here", "second page text here"):
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, word)
    result = extract_pdf_text(bytes(pdf.output()))
    assert (result.pages, result.text) == (2, f"first page text here{PAGE_BREAK}second page text here")


def test_pdf_with_an_empty_user_password_is_read(sample: tuple[CV, bytes]) -> None:
    cv, pdf = sample
    assert cv.name in extract_pdf_text(_encrypted(pdf, "")).text


def test_pdf_that_needs_a_password_raises_encrypted_pdf_error(sample: tuple[CV, bytes]) -> None:
    with pytest.raises(EncryptedPdfError, match="password"):
        extract_pdf_text(_encrypted(sample[1], "s3cret"))


def test_truncated_pdf_raises_corrupt_pdf_error(sample: tuple[CV, bytes]) -> None:
    pdf = sample[1]
    for cut in (20, len(pdf) // 2, len(pdf) - 40):
        with pytest.raises(CorruptPdfError):
            extract_pdf_text(pdf[:cut])


def test_garbage_after_a_pdf_header_raises_corrupt_pdf_error() -> None:
    with pytest.raises(CorruptPdfError):
        extract_pdf_text(b"%PDF-1.7\n" + bytes(range(256)) * 8)


def test_image_only_pdf_raises_no_text_error() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(_png()), x=10, y=10, w=120)
    with pytest.raises(NoTextError, match="image-only"):
        extract_pdf_text(bytes(pdf.output()))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_png(), "PNG image"),
        (b"Jane Doe\nSenior Engineer\nExperience ...\n", "no %PDF header"),
        (b"PK\x03\x04" + b"\0" * 40, "ZIP archive"),
        (b"", "empty"),
    ],
    ids=["png-renamed-pdf", "text-file", "docx", "empty"],
)
def test_files_that_are_not_pdfs_raise_not_a_pdf_error(data: bytes, message: str) -> None:
    with pytest.raises(NotAPdfError, match=message):
        extract_pdf_text(data)


def test_errors_are_invalid_input_with_distinct_codes() -> None:
    errors = (NotAPdfError, CorruptPdfError, EncryptedPdfError, NoTextError)
    assert all(issubclass(error, PdfError) and issubclass(error, InvalidInputError) for error in errors)
    assert len({error.code for error in errors}) == len(errors)


def test_accents_survive_and_whitespace_is_collapsed() -> None:
    text = extract_pdf_text(_text_pdf("Élodie   Müller   García\nIngénieure  à  Zürich, España")).text
    assert text == "Élodie Müller García\nIngénieure à Zürich, España"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("the develop-\nment team\nwith development", "the development\nteam\nwith development"),
        ("an end-to-\nend flow", "an end-to-end\nflow"),
        ("Web-\nund Mobile-Apps", "Web-\nund Mobile-Apps"),
        ("validierte\nCheckout-\nÄnderungen.", "validierte\nCheckout-Änderungen."),
        ("soft\u00ad\nhyphen", "softhyphen"),
        ("AWS Certified Developer -\nAssociate", "AWS Certified Developer -\nAssociate"),
        ("ﬁle  \u00a0name\u200b\n\n\nnext", "file name\nnext"),
        ("Cafe\u0301", "Café"),
    ],
)
def test_normalize_text_joins_broken_words_only_where_safe(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected

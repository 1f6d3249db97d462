"""Text of a PDF, in reading order, with whitespace, Unicode and line-broken words normalised; typed errors."""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Final

import msgspec
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError

from cvchat.domain.errors import InvalidInputError

PAGE_BREAK: Final = "\f"
"""Separates pages in `PdfText.text` (as pdftotext does), so that a reader can tell where a column continues."""

# PDF readers accept the header anywhere in the first 1024 bytes (mail gateways and old tools prepend junk).
_HEADER_WINDOW: Final = 1024
_MIN_TEXT_CHARS: Final = 20  # fewer letters or digits than this: a scan, a form or a blank page, not a CV
_KNOWN_FORMATS: Final[tuple[tuple[bytes, str], ...]] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (a .docx, .odt or .zip file)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (.doc)"),
    (b"{\\rtf", "an RTF document"),
)
_SPACES: Final = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE: Final = str.maketrans({"\u200b": None, "\ufeff": None, "\u2060": None, "\r": None})
_LIGATURES: Final = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
# A line ending in a letter and a hyphen (or a soft hyphen), followed by a line starting with a letter.
_BROKEN: Final = re.compile(r"(\w+)(-|\u00ad)\n([^\W\d_][\w'\u2019]*)(\S*)")
# Words after a trailing hyphen that mean it is a suspended compound ("Web- und Mobile-Apps"), never a break.
_CONJUNCTIONS: Final = frozenset({"und", "oder", "bzw", "and", "or", "et", "ou", "y", "o", "e", "bis", "to", "nor"})
_WORD: Final = re.compile(r"\w+")


class PdfText(msgspec.Struct, frozen=True, kw_only=True):
    """A PDF's text: pages joined by `PAGE_BREAK`, lines by newlines, runs of spaces collapsed."""

    text: str
    pages: int


class PdfError(InvalidInputError):
    """The upload cannot be turned into text; `code` says why."""

    code = "invalid_pdf"


class NotAPdfError(PdfError):
    """The bytes are not a PDF at all (no `%PDF-` header)."""

    code = "not_a_pdf"


class CorruptPdfError(PdfError):
    """The file claims to be a PDF but cannot be parsed (truncated, damaged)."""

    code = "corrupt_pdf"


class EncryptedPdfError(PdfError):
    """The PDF needs a password to be opened."""

    code = "encrypted_pdf"


class NoTextError(PdfError):
    """The PDF has no extractable text, e.g. a scanned, image-only document."""

    code = "pdf_without_text"


def extract_pdf_text(data: bytes) -> PdfText:
    """Extract the text of a PDF in reading order.

    Text comes in content-stream order (pypdf's plain mode), which is the order the producer wrote its blocks:
    column by column for multi-column, sidebar and table layouts. pypdf's layout mode instead interleaves the lines
    of side-by-side columns, which breaks sections apart.

    A PDF encrypted with an empty user password (a permissions-only lock) is read; one that needs a password is
    refused.

    Raises:
        NotAPdfError: the bytes are not a PDF.
        CorruptPdfError: pypdf cannot parse it.
        EncryptedPdfError: it needs a password.
        NoTextError: it has no extractable text.
    """
    _check_magic(data)
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted and _decrypt(reader) == PasswordType.NOT_DECRYPTED
        pages = [] if locked else [page.extract_text() for page in reader.pages]
    except FileNotDecryptedError:
        locked = True
    except PdfError:
        raise
    except Exception as exc:  # pypdf raises many types (PdfReadError, ValueError, KeyError...) on damaged files
        raise CorruptPdfError(f"The PDF is damaged or truncated and cannot be read ({type(exc).__name__}).") from exc
    if locked:
        raise EncryptedPdfError("The PDF is protected by a password; upload an unprotected copy.")
    text = normalize_text(PAGE_BREAK.join(pages))
    if sum(ch.isalnum() for ch in text) < _MIN_TEXT_CHARS:
        raise NoTextError(
            "The PDF has no extractable text (a scanned or image-only document?); upload a PDF with a text layer."
        )
    return PdfText(text=text, pages=len(pages))


def _check_magic(data: bytes) -> None:
    if b"%PDF-" in data[:_HEADER_WINDOW]:
        return
    kind = next((name for magic, name in _KNOWN_FORMATS if data.startswith(magic)), None)
    if not data:
        raise NotAPdfError("The file is empty; upload a PDF.")
    if kind:
        raise NotAPdfError(f"The file is {kind}, not a PDF; upload a PDF.")
    raise NotAPdfError("The file is not a PDF (it has no %PDF header); upload a PDF.")


def _decrypt(reader: PdfReader) -> PasswordType:
    try:
        return reader.decrypt("")
    except DependencyError as exc:  # AES without the `cryptography` package: we cannot open it either way
        raise EncryptedPdfError("The PDF is encrypted with a scheme this server cannot read.") from exc


def normalize_text(text: str) -> str:
    """NFC, one space between words, no blank lines, words broken across lines by a hyphen made whole where safe.

    Page breaks (`PAGE_BREAK`) are kept between pages.
    """
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE).translate(_LIGATURES))
    pages = []
    for page in text.split(PAGE_BREAK):
        lines = (_SPACES.sub(" ", line).strip() for line in page.split("\n"))
        pages.append("\n".join(line for line in lines if line))
    return PAGE_BREAK.join(_join_broken_words(page) for page in pages).replace("\u00ad", "")


def _join_broken_words(page: str) -> str:
    """`develop-\\nment` -> `development` when the document also writes `development`; `end-to-\\nend` keeps its hyphen.

    A soft hyphen always marks a break. A hard hyphen is removed only when the document has the unhyphenated word
    elsewhere; otherwise the word is kept whole with its hyphen (`Checkout-Änderungen`), which is right for the
    compounds that line breaking produces far more often than true hyphenation. Suspended compounds
    (`Web- und Mobile-Apps`) are left alone.
    """
    if "-\n" not in page and "\u00ad\n" not in page:
        return page
    words = {word.casefold() for word in _WORD.findall(page)}

    def join(match: re.Match[str]) -> str:
        head, hyphen, tail, punctuation = match.groups()
        if tail.casefold() in _CONJUNCTIONS:
            return match.group(0)
        if hyphen == "\u00ad" or (tail[0].islower() and (head + tail).casefold() in words):
            return f"{head}{tail}{punctuation}\n"
        return f"{head}-{tail}{punctuation}\n"

    joined = _BROKEN.sub(join, page)
    # The moved word leaves its line; drop the line if nothing else was on it, and the space it started with.
    return "\n".join(line.strip() for line in joined.split("\n") if line.strip())

"""Use cases for the CV corpus: ingest a PDF, read, list with filters, delete, search."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

import msgspec

from cvchat.application.common import new_id, sha256_bytes
from cvchat.domain.cvs import Cv, CvHit, CvProfile, DegreeLevel, LanguageLevel
from cvchat.domain.entities import Page
from cvchat.domain.errors import DuplicateRequestError, InvalidInputError, NotFoundError, PayloadTooLargeError
from cvchat.domain.ports import Clock, CvSearch


class ReadPdf(msgspec.Struct, frozen=True, kw_only=True):
    """What the PDF reader gives back: the text, its page count and the profile extracted from it."""

    text: str
    pages: int
    profile: CvProfile


class PdfReader(Protocol):
    """Reads a PDF's text and profile (CPU-heavy: the implementation runs it in a process pool)."""

    async def read(self, data: bytes) -> ReadPdf:
        """Raises an InvalidInputError subclass for a file that is not a readable PDF with text."""


class CvFilters(msgspec.Struct, frozen=True, kw_only=True):
    """Filters of the CV list; values are canonical (the web layer normalises what people type)."""

    skill: str | None = None
    language: str | None = None
    min_level: LanguageLevel | None = None
    city: str | None = None
    country: str | None = None
    min_years: float | None = None
    max_years: float | None = None
    degree: DegreeLevel | None = None


class CvRepository(Protocol):
    """The stored corpus."""

    async def get_by_hash(self, content_hash: str) -> Cv | None: ...

    async def add(self, cv: Cv, pdf: bytes) -> None:
        """Store the CV, its PDF, its filter rows and its search chunks, and record the change for every worker."""

    async def get(self, cv_id: UUID) -> Cv | None: ...

    async def get_pdf(self, cv_id: UUID) -> bytes | None: ...

    async def list(self, filters: CvFilters, cursor: UUID | None, limit: int) -> Page[Cv]: ...

    async def delete(self, cv_id: UUID) -> bool:
        """Remove the CV everywhere (rows, PDF, chunks) and record the change."""


class IngestCvInput(msgspec.Struct, frozen=True, kw_only=True):
    filename: str
    data: bytes


class IngestCvResult(msgspec.Struct, frozen=True, kw_only=True):
    cv: Cv
    created: bool
    """False when the same file (same content hash) was ingested before: it is one CV."""


class IngestCv:
    """Turn a PDF into a searchable CV.

    Rules: files over `max_bytes` are refused; the same bytes twice are one CV; a file that is not a PDF, is
    corrupt or encrypted, or has no extractable text is refused and leaves nothing behind; the CV, its PDF and its
    index rows are stored together.
    """

    def __init__(self, cvs: CvRepository, reader: PdfReader, clock: Clock, max_bytes: int) -> None:
        self._cvs, self._reader, self._clock, self._max_bytes = cvs, reader, clock, max_bytes

    async def __call__(self, cmd: IngestCvInput) -> IngestCvResult:
        if len(cmd.data) > self._max_bytes:
            raise PayloadTooLargeError(
                f"{cmd.filename} is {len(cmd.data):,} bytes; the limit is {self._max_bytes:,} (MAX_CV_BYTES)"
            )
        if not cmd.data:
            raise InvalidInputError(f"{cmd.filename} is empty")
        content_hash = sha256_bytes(cmd.data)
        # Read before touching the database, so no transaction is open during the slow part (and a bad file is
        # refused before anything is looked up).
        read = await self._reader.read(cmd.data)
        existing = await self._cvs.get_by_hash(content_hash)
        if existing is not None:
            return IngestCvResult(cv=existing, created=False)
        cv = Cv(
            id=new_id(),
            source_filename=cmd.filename,
            content_hash=content_hash,
            text=read.text,
            profile=read.profile,
            created_at=self._clock.now(),
            pages=read.pages,
            size_bytes=len(cmd.data),
        )
        try:
            await self._cvs.add(cv, cmd.data)
        except DuplicateRequestError:
            # The same file was ingested concurrently and won the insert: it is one CV.
            existing = await self._cvs.get_by_hash(content_hash)
            if existing is None:
                raise
            return IngestCvResult(cv=existing, created=False)
        return IngestCvResult(cv=cv, created=True)


class GetCv:
    """One CV with its profile and text."""

    def __init__(self, cvs: CvRepository) -> None:
        self._cvs = cvs

    async def __call__(self, cv_id: UUID) -> Cv:
        cv = await self._cvs.get(cv_id)
        if cv is None:
            raise NotFoundError(f"CV {cv_id} not found")
        return cv


class GetCvPdf:
    """The original PDF of a CV."""

    def __init__(self, cvs: CvRepository) -> None:
        self._cvs = cvs

    async def __call__(self, cv_id: UUID) -> tuple[Cv, bytes]:
        cv = await self._cvs.get(cv_id)
        pdf = None if cv is None else await self._cvs.get_pdf(cv_id)
        if cv is None or pdf is None:
            raise NotFoundError(f"CV {cv_id} not found")
        return cv, pdf


class ListCvs:
    """The corpus, newest first, filtered by the structured profile."""

    def __init__(self, cvs: CvRepository) -> None:
        self._cvs = cvs

    async def __call__(self, filters: CvFilters, cursor: UUID | None, limit: int) -> Page[Cv]:
        if filters.min_years is not None and filters.max_years is not None and filters.min_years > filters.max_years:
            raise InvalidInputError("min_years is greater than max_years")
        return await self._cvs.list(filters, cursor, limit)


class DeleteCv:
    """Remove a CV from the corpus and from search, everywhere."""

    def __init__(self, cvs: CvRepository) -> None:
        self._cvs = cvs

    async def __call__(self, cv_id: UUID) -> None:
        if not await self._cvs.delete(cv_id):
            raise NotFoundError(f"CV {cv_id} not found")


class SearchCvs:
    """Hybrid search over the corpus."""

    def __init__(self, search: CvSearch) -> None:
        self._search = search

    async def __call__(self, query: str, k: int) -> list[CvHit]:
        if not query.strip():
            raise InvalidInputError("the query is empty")
        return await self._search.search(query, k)

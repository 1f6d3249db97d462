"""The CV corpus on Advanced Alchemy: CVs, their PDFs, filter rows, search chunks and the change feed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import and_, delete, exists, insert, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.cvs import CvFilters
from cvchat.domain.cvs import Cv, CvProfile
from cvchat.domain.entities import Page
from cvchat.domain.errors import DuplicateRequestError
from cvchat.infrastructure.cvs.embeddings import chunk_text
from cvchat.infrastructure.db.models import (
    CvChangeModel,
    CvChunkModel,
    CvFileModel,
    CvLanguageModel,
    CvModel,
    CvSkillModel,
)
from cvchat.infrastructure.db.repositories import page_newest_first

_profile_decoder = msgspec.json.Decoder(CvProfile)
_encoder = msgspec.json.Encoder()


class _CvRows(SQLAlchemyAsyncRepository[CvModel]):
    model_type = CvModel


def to_cv(row: CvModel) -> Cv:
    return Cv(
        id=row.id,
        source_filename=row.source_filename,
        content_hash=row.content_hash,
        text=row.text,
        profile=_profile_decoder.decode(row.profile),
        created_at=row.created_at,
        pages=row.pages,
        size_bytes=row.size_bytes,
    )


class SqlCvRepository:
    """CvRepository on a session; the caller (request autocommit, CLI) owns the transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _CvRows(session=session)

    async def get_by_hash(self, content_hash: str) -> Cv | None:
        row = await self._rows.get_one_or_none(content_hash=content_hash)
        return None if row is None else to_cv(row)

    async def add(self, cv: Cv, pdf: bytes) -> None:
        profile = cv.profile
        now = datetime.now(UTC)
        try:
            self._session.add(
                CvModel(
                    id=cv.id,
                    content_hash=cv.content_hash,
                    source_filename=cv.source_filename[:255],
                    name=(profile.name or None) and profile.name[:200],
                    text=cv.text,
                    profile=_encoder.encode(profile).decode(),
                    pages=cv.pages,
                    size_bytes=cv.size_bytes,
                    years_experience=profile.years_experience,
                    degree_rank=None if profile.highest_degree is None else profile.highest_degree.rank,
                    city=profile.location.city,
                    country=profile.location.country,
                    created_at=cv.created_at,
                )
            )
            await self._session.flush()
        except IntegrityError:
            await self._session.rollback()
            raise DuplicateRequestError(f"a CV with content hash {cv.content_hash} exists") from None
        await self._session.execute(insert(CvFileModel), [{"cv_id": cv.id, "data": pdf}])
        skills = sorted({s.lower() for s in profile.skills})
        if skills:
            await self._session.execute(insert(CvSkillModel), [{"cv_id": cv.id, "skill": s} for s in skills])
        languages = {lang.code: (lang.level.rank if lang.level else 0) for lang in profile.languages}
        if languages:
            await self._session.execute(
                insert(CvLanguageModel),
                [{"cv_id": cv.id, "code": code, "level_rank": rank} for code, rank in languages.items()],
            )
        chunks = chunk_text(cv.text)
        if chunks:
            await self._session.execute(
                insert(CvChunkModel), [{"cv_id": cv.id, "ord": i, "text": text} for i, text in enumerate(chunks)]
            )
        await self._session.execute(insert(CvChangeModel), [{"cv_id": cv.id, "op": "upsert", "created_at": now}])

    async def get(self, cv_id: UUID) -> Cv | None:
        row = await self._rows.get_one_or_none(id=cv_id)
        return None if row is None else to_cv(row)

    async def get_pdf(self, cv_id: UUID) -> bytes | None:
        return await self._session.scalar(select(CvFileModel.data).where(CvFileModel.cv_id == cv_id))

    async def list(self, filters: CvFilters, cursor: UUID | None, limit: int) -> Page[Cv]:
        conditions: list[Any] = []
        if filters.skill:
            conditions.append(
                exists().where(CvSkillModel.cv_id == CvModel.id, CvSkillModel.skill == filters.skill.lower())
            )
        if filters.language:
            language = exists().where(CvLanguageModel.cv_id == CvModel.id, CvLanguageModel.code == filters.language)
            if filters.min_level is not None:
                language = language.where(CvLanguageModel.level_rank >= filters.min_level.rank)
            conditions.append(language)
        if filters.city:
            conditions.append(CvModel.city == filters.city)
        if filters.country:
            conditions.append(CvModel.country == filters.country)
        if filters.min_years is not None:
            conditions.append(CvModel.years_experience >= filters.min_years)
        if filters.max_years is not None:
            # Whole years, as people count them: "at most 10 years" includes 10 years and 4 months.
            conditions.append(CvModel.years_experience < filters.max_years + 1)
        if filters.degree is not None:
            conditions.append(CvModel.degree_rank >= filters.degree.rank)
        return await page_newest_first(self._session, CvModel, and_(true(), *conditions), cursor, limit, to_cv)

    async def delete(self, cv_id: UUID) -> bool:
        # ON DELETE CASCADE takes the PDF, filter rows and chunks with it.
        result = await self._session.execute(delete(CvModel).where(CvModel.id == cv_id))
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        await self._session.execute(
            insert(CvChangeModel), [{"cv_id": cv_id, "op": "delete", "created_at": datetime.now(UTC)}]
        )
        return True

"""The service's CV search: the in-memory hybrid index kept in step with the database's change feed.

Everything search reads lives in the database (texts, profiles, chunk vectors); each worker holds an index built
from it and, before every search, applies the changes recorded after the last one it saw, so an ingest or delete
made through any worker is visible to all of them at their next search.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from uuid import UUID

import msgspec
import numpy as np
import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cvchat.domain.cvs import Cv, CvHit, CvProfile
from cvchat.infrastructure.cvs.embeddings import Embedder
from cvchat.infrastructure.cvs.search import CvDocument, SearchIndex
from cvchat.infrastructure.db.cv_repository import SqlCvRepository
from cvchat.infrastructure.db.models import CvChangeModel, CvChunkModel, CvModel
from cvchat.infrastructure.metrics import SEARCH_LATENCY

logger = structlog.get_logger()
_profile_decoder = msgspec.json.Decoder(CvProfile)


class IndexedCvSearch:
    """CvSearch on a SearchIndex, refreshed from the `cv_changes` feed; embeds pending chunks in the background."""

    def __init__(
        self,
        read_sessions: async_sessionmaker[AsyncSession],
        write_sessions: async_sessionmaker[AsyncSession],
        embedder: Embedder,
    ) -> None:
        self._read_sessions, self._write_sessions = read_sessions, write_sessions
        self.embedder = embedder
        self.index = SearchIndex(embedder)
        self._profiles: dict[str, CvProfile] = {}
        self._seen = 0
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._embed_task: asyncio.Task[None] | None = None

    # --- reads ----------------------------------------------------------------------------------------------------
    async def search(self, query: str, k: int) -> list[CvHit]:
        started = time.perf_counter()
        await self.refresh()
        async with self._lock:  # writes (refresh) and searches never overlap; the index is not thread-safe
            hits = await asyncio.to_thread(self.index.search, query, k)
        SEARCH_LATENCY.observe(time.perf_counter() - started)
        return [
            CvHit(
                cv_id=UUID(hit.cv_id),
                name=hit.name,
                source_filename=hit.source_filename,
                score=round(float(hit.score), 4),
                snippets=list(hit.snippets),
                profile=self._profiles.get(hit.cv_id, CvProfile()),
            )
            for hit in hits
        ]

    async def get(self, cv_id: UUID) -> Cv | None:
        async with self._read_sessions() as session:
            return await SqlCvRepository(session).get(cv_id)

    # --- keeping in step with the database ---------------------------------------------------------------------
    async def refresh(self) -> int:
        """Apply the changes recorded since the last refresh; returns how many CVs changed."""
        async with self._read_sessions() as session:
            latest = await session.scalar(select(func.max(CvChangeModel.id))) or 0
        if latest <= self._seen:
            return 0
        async with self._lock:
            if latest <= self._seen:
                return 0
            async with self._read_sessions() as session:
                changes = (
                    await session.execute(
                        select(CvChangeModel.id, CvChangeModel.cv_id, CvChangeModel.op)
                        .where(CvChangeModel.id > self._seen, CvChangeModel.id <= latest)
                        .order_by(CvChangeModel.id)
                    )
                ).all()
                touched = list(dict.fromkeys(cv_id for _, cv_id, _ in changes))
                docs = await self._load(session, touched) if self._seen else await self._load(session, None)
            await asyncio.to_thread(self._apply, touched if self._seen else None, docs)
            self._seen = latest
            return len(touched)

    async def _load(
        self, session: AsyncSession, cv_ids: list[UUID] | None
    ) -> dict[str, tuple[CvDocument, np.ndarray | None]]:
        query = select(CvModel.id, CvModel.source_filename, CvModel.name, CvModel.text, CvModel.profile)
        chunk_query = select(CvChunkModel.cv_id, CvChunkModel.ord, CvChunkModel.embedding).where(
            CvChunkModel.model == self.embedder.name
        )
        if cv_ids is not None:
            query = query.where(CvModel.id.in_(cv_ids))
            chunk_query = chunk_query.where(CvChunkModel.cv_id.in_(cv_ids))
        docs: dict[str, tuple[CvDocument, np.ndarray | None]] = {}
        for cv_id, filename, name, text, profile in (await session.execute(query)).all():
            doc = CvDocument(
                cv_id=str(cv_id),
                source_filename=filename,
                text=text,
                profile=_profile_decoder.decode(profile),
                name=name,
            )
            docs[str(cv_id)] = (doc, None)
        if self.embedder.dim:
            vectors: dict[str, list[tuple[int, bytes]]] = {}
            for cv_id, ord_, blob in (await session.execute(chunk_query)).all():
                if blob is not None:
                    vectors.setdefault(str(cv_id), []).append((ord_, blob))
            for key, rows in vectors.items():
                if key in docs:
                    rows.sort()
                    matrix = np.frombuffer(b"".join(b for _, b in rows), dtype=np.float32).reshape(len(rows), -1)
                    docs[key] = (docs[key][0], matrix)
        return docs

    def _apply(self, touched: list[UUID] | None, docs: dict[str, tuple[CvDocument, np.ndarray | None]]) -> None:
        if touched is None:
            self.index = SearchIndex(self.embedder)
            self._profiles.clear()
        for cv_id in touched or []:
            if str(cv_id) not in docs:
                self.index.remove(str(cv_id))
                self._profiles.pop(str(cv_id), None)
        for key, (doc, vectors) in docs.items():
            self.index.add(doc, embed=False)
            self._profiles[key] = doc.profile
            if vectors is not None and len(vectors) == len(self.index.chunks(key)):
                self.index.set_vectors(key, vectors)

    # --- embedding in the background ------------------------------------------------------------------------------
    def start(self) -> None:
        if self.embedder.dim:
            self._embed_task = asyncio.create_task(self._embed_loop(), name="cv-embedder")

    async def stop(self) -> None:
        if self._embed_task is not None:
            self._embed_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._embed_task

    def wake(self) -> None:
        """A CV was ingested: embed its chunks soon."""
        self._wake.set()

    async def _embed_loop(self) -> None:
        while True:
            try:
                while await self.embed_pending(batch_cvs=8):
                    pass
            except Exception:
                logger.exception("embedding_failed")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await self._wake.wait()

    async def embed_pending(self, batch_cvs: int = 8) -> int:
        """Embed the chunks of up to `batch_cvs` CVs that lack vectors for this model; returns how many CVs."""
        async with self._read_sessions() as session:
            cv_ids = list(
                (
                    await session.scalars(
                        select(CvChunkModel.cv_id)
                        .where((CvChunkModel.model.is_(None)) | (CvChunkModel.model != self.embedder.name))
                        .distinct()
                        .limit(batch_cvs)
                    )
                ).all()
            )
            if not cv_ids:
                return 0
            rows = (
                await session.execute(
                    select(CvChunkModel.cv_id, CvChunkModel.ord, CvChunkModel.text)
                    .where(CvChunkModel.cv_id.in_(cv_ids))
                    .order_by(CvChunkModel.cv_id, CvChunkModel.ord)
                )
            ).all()
        vectors = await asyncio.to_thread(self.embedder.embed_passages, [text for _, _, text in rows])
        async with self._write_sessions() as session, session.begin():
            for (cv_id, ord_, _), vector in zip(rows, vectors, strict=True):
                await session.execute(
                    update(CvChunkModel)
                    .where(CvChunkModel.cv_id == cv_id, CvChunkModel.ord == ord_)
                    .values(embedding=np.asarray(vector, dtype=np.float32).tobytes(), model=self.embedder.name)
                )
            await session.execute(
                insert(CvChangeModel),
                [{"cv_id": cv_id, "op": "vectors", "created_at": datetime.now(UTC)} for cv_id in cv_ids],
            )
        logger.info("cvs_embedded", cvs=len(cv_ids), chunks=len(rows))
        return len(cv_ids)

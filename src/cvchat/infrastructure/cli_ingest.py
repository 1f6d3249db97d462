"""What `cvchat ingest` and `cvchat search` run: the same use cases as the API, outside a request."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import click
import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from cvchat.application.common import SystemClock
from cvchat.application.cvs import IngestCv, IngestCvInput, SearchCvs
from cvchat.domain.cvs import CvHit
from cvchat.domain.errors import DomainError
from cvchat.infrastructure.cvs.embeddings import make_embedder
from cvchat.infrastructure.cvs.reader import PoolPdfReader
from cvchat.infrastructure.cvs.service import IndexedCvSearch
from cvchat.infrastructure.db.config import build_alchemy_config, current_revision, head_revision
from cvchat.infrastructure.db.cv_repository import SqlCvRepository
from cvchat.infrastructure.settings import Settings


class IngestReport(msgspec.Struct, kw_only=True):
    created: int = 0
    duplicates: int = 0
    refused: list[tuple[str, str]] = []
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        done = self.created + self.duplicates + len(self.refused)
        return done / self.seconds if self.seconds else 0.0


async def _check_schema(settings: Settings) -> None:
    config = build_alchemy_config(settings)
    current = await current_revision(config)
    await config.get_engine().dispose()
    if current != head_revision():
        raise SystemExit("the database schema is behind; run `cvchat migrate` first")


async def ingest_files(settings: Settings, files: list[Path]) -> IngestReport:
    """Read PDFs in a process pool (several at once) and store each CV in its own short transaction."""
    await _check_schema(settings)
    config = build_alchemy_config(settings)
    sessions = async_sessionmaker(config.get_engine(), expire_on_commit=False)
    workers = max(1, settings.ingest_processes)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    reader = PoolPdfReader(pool)
    report = IngestReport()
    started = time.perf_counter()
    slots = asyncio.Semaphore(workers * 2)

    async def one(path: Path) -> None:
        async with slots:
            try:
                data = await asyncio.to_thread(path.read_bytes)
                async with sessions() as session, session.begin():
                    ingest = IngestCv(SqlCvRepository(session), reader, SystemClock(), settings.max_cv_bytes)
                    result = await ingest(IngestCvInput(filename=path.name, data=data))
            except DomainError as exc:
                report.refused.append((str(path), str(exc)))
            else:
                if result.created:
                    report.created += 1
                else:
                    report.duplicates += 1
            bar.update(1)

    try:
        with click.progressbar(length=len(files), label="Ingesting", show_pos=True, file=None) as bar:
            await asyncio.gather(*(one(path) for path in files))
    finally:
        pool.shutdown(cancel_futures=True)
        await config.get_engine().dispose()
    report.seconds = time.perf_counter() - started
    return report


async def search_corpus(settings: Settings, query: str, k: int) -> list[CvHit]:
    """One search, from a fresh index built from the database."""
    await _check_schema(settings)
    config = build_alchemy_config(settings)
    sessions = async_sessionmaker(config.get_engine(), expire_on_commit=False)
    try:
        search = IndexedCvSearch(sessions, sessions, make_embedder(settings.embedding_model))
        return await SearchCvs(search)(query, k)
    finally:
        await config.get_engine().dispose()

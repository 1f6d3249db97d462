"""Writes a corpus to a folder: `<id>.json`, `<id>.pdf` and `manifest.json`, optionally over several processes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

import msgspec

from cv_generation.generate import REFERENCE_DATE, generate_cv
from cv_generation.model import CV, Manifest, ManifestEntry

MANIFEST_NAME: Final = "manifest.json"
FORMAT_VERSION: Final = 1
_encoder = msgspec.json.Encoder()


def encode_json(value: msgspec.Struct) -> bytes:
    """Stable, human-readable JSON: fields in declaration order, two-space indent, UTF-8, final newline."""
    return msgspec.json.format(_encoder.encode(value), indent=2) + b"\n"


def decode_cv(raw: bytes) -> CV:
    """Read back a `<id>.json` file."""
    return msgspec.json.decode(raw, type=CV)


def _write_one(job: tuple[int, int, str, bool]) -> ManifestEntry:
    seed, index, out, with_pdf = job
    return write_cv(generate_cv(seed, index), Path(out), with_pdf)


def write_cv(cv: CV, folder: Path, with_pdf: bool) -> ManifestEntry:
    """Write one CV's JSON (and PDF) into `folder`; returns its manifest entry."""
    json_name = f"{cv.id}.json"
    (folder / json_name).write_bytes(encode_json(cv))
    pdf_name = None
    if with_pdf:
        from cv_generation.render_pdf import render_pdf  # fpdf2 is needed only for PDFs

        pdf_name = f"{cv.id}.pdf"
        (folder / pdf_name).write_bytes(render_pdf(cv))
    return ManifestEntry(
        id=cv.id,
        json=json_name,
        pdf=pdf_name,
        language=cv.language,
        layout=cv.layout,
        name=cv.name,
        role_family=cv.role_family,
        seniority=cv.seniority,
    )


def _entries(n: int, seed: int, out: Path, with_pdf: bool, jobs: int) -> Iterator[ManifestEntry]:
    work = [(seed, index, str(out), with_pdf) for index in range(1, n + 1)]
    if jobs <= 1 or n < 2:
        yield from map(_write_one, work)
        return
    # Each CV depends only on (seed, index), so workers can build them in any order; map keeps the manifest ordered.
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_write_one, work, chunksize=max(1, min(64, n // (jobs * 4))))


def write_corpus(
    out: Path, n: int, seed: int, *, with_pdf: bool = True, jobs: int = 1, llm: str | None = None
) -> Manifest:
    """Generate CVs 1..n for `seed` into `out` (created if missing) and write the manifest last.

    With `llm` ("anthropic" or "google"), the summaries are written by that LLM through cvchat's provider layer.
    """
    out.mkdir(parents=True, exist_ok=True)
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    if llm is not None:
        import asyncio

        from cv_generation.llm import rewrite_summaries

        cvs = asyncio.run(rewrite_summaries([generate_cv(seed, i) for i in range(1, n + 1)], llm))
        entries = [write_cv(cv, out, with_pdf) for cv in cvs]
    else:
        entries = list(_entries(n, seed, out, with_pdf, jobs))
    manifest = Manifest(
        generator="cv_generation",
        version=FORMAT_VERSION,
        seed=seed,
        count=n,
        reference_date=REFERENCE_DATE,
        cvs=entries,
    )
    (out / MANIFEST_NAME).write_bytes(encode_json(manifest))
    return manifest

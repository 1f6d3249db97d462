"""`python -m bench.cvs`: the CV corpus at scale, through the service's own code paths.

Generates N CVs (PDF), ingests them with what `cvchat ingest` runs (PDF text + profile in a process pool, one short
transaction per CV) into a fresh SQLite database, builds the search index from the database as a worker does at
start-up, then times searches with the evaluation's recruiter questions (four languages, every kind). Lexical +
structured legs (EMBEDDING_MODEL=none): embedding 10,000 CVs with the CPU model would take most of an hour, so the
dense leg's latency is measured separately by `python -m cv_generation.evaluate --bench N` (random vectors of the
model's shape, real query embedding). Loopback only; bounded by N.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

import msgspec
from sqlalchemy.ext.asyncio import async_sessionmaker

from cv_generation.corpus import MANIFEST_NAME, decode_cv, write_corpus
from cv_generation.evaluate import build_questions
from cv_generation.model import Manifest
from cvchat.infrastructure.cli_ingest import ingest_files
from cvchat.infrastructure.cvs.embeddings import NoEmbedder
from cvchat.infrastructure.cvs.service import IndexedCvSearch
from cvchat.infrastructure.db.config import build_alchemy_config, migrate
from cvchat.infrastructure.settings import Settings


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def run(n: int, seed: int, queries: int, folder: Path) -> dict[str, float]:
    started = time.perf_counter()
    write_corpus(folder / "cvs", n, seed, jobs=os.cpu_count() or 1)
    generated_s = time.perf_counter() - started
    settings = Settings(database_url=f"sqlite+aiosqlite:///{folder / 'bench.db'}", embedding_model="none",
                        ingest_processes=os.cpu_count() or 1)  # fmt: skip
    await migrate(settings)
    manifest = msgspec.json.decode((folder / "cvs" / MANIFEST_NAME).read_bytes(), type=Manifest)
    files = [folder / "cvs" / e.pdf for e in manifest.cvs if e.pdf]
    report = await ingest_files(settings, files)
    assert not report.refused, report.refused[:3]
    config = build_alchemy_config(settings)
    sessions = async_sessionmaker(config.get_engine(), expire_on_commit=False)
    rss_before = _rss_mib()
    search = IndexedCvSearch(sessions, sessions, NoEmbedder())
    t0 = time.perf_counter()
    await search.refresh()
    build_s = time.perf_counter() - t0
    rss_index = _rss_mib() - rss_before
    cvs = [decode_cv((folder / "cvs" / e.json).read_bytes()) for e in manifest.cvs]
    questions = [q.text for q in build_questions(cvs[:2000], seed)]
    timings = []
    for i in range(queries):
        t0 = time.perf_counter()
        await search.search(questions[i % len(questions)], 10)
        timings.append((time.perf_counter() - t0) * 1000)
    await config.get_engine().dispose()
    return {
        "cvs": n,
        "generate_s": generated_s,
        "ingest_s": report.seconds,
        "ingest_rate": report.rate,
        "index_build_s": build_s,
        "index_rss_mib": rss_index,
        "search_p50_ms": statistics.median(timings),
        "search_p99_ms": _pct(timings, 99),
        "search_max_ms": max(timings),
        "process_rss_mib": _rss_mib(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cvs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="CVs to generate and ingest (default 10,000)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cvchat-bench-") as tmp:
        r = asyncio.run(run(args.n, args.seed, args.queries, Path(tmp)))
    print(f"CV corpus on SQLite, {r['cvs']:,} generated CVs, {os.cpu_count()} cores")
    print("| metric | value | target |\n|---|---|---|")
    print(f"| generate (JSON + PDF) | {r['generate_s']:.0f} s | |")
    print(f"| ingest (`cvchat ingest`) | {r['ingest_rate']:.1f} CVs/s ({r['ingest_s']:.0f} s) | >= 10 CVs/s |")
    print(f"| index build from the database | {r['index_build_s']:.1f} s, +{r['index_rss_mib']:.0f} MiB RSS | |")
    latency = f"{r['search_p50_ms']:.1f} / {r['search_p99_ms']:.1f} / {r['search_max_ms']:.1f} ms"
    print(f"| search p50 / p99 / max | {latency} | p99 <= 100 ms |")
    print(f"| process RSS at the end | {r['process_rss_mib']:.0f} MiB | |")


if __name__ == "__main__":
    main()

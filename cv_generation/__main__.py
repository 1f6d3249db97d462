"""Command line: `python -m cv_generation --n 30 --seed 7 --out DIR [--no-pdf] [--jobs N]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from cv_generation.corpus import write_corpus


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cv_generation",
        description="Generate synthetic CVs (JSON ground truth + PDF) in English, Spanish, German and French.",
    )
    parser.add_argument("--n", type=int, default=30, help="number of CVs (default 30)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same files")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--no-pdf", action="store_true", help="write only the JSON files and the manifest")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (0: one per CPU; default 1)")
    parser.add_argument(
        "--llm",
        choices=("anthropic", "google"),
        help="write the summaries with Claude or Gemini (ANTHROPIC_API_KEY / GEMINI_API_KEY; *_BASE_URL honoured)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the generator; returns the process exit code."""
    args = _parser().parse_args(argv)
    if args.n < 1:
        print("cv_generation: --n must be at least 1", file=sys.stderr)
        return 2
    started = time.perf_counter()
    manifest = write_corpus(args.out, args.n, args.seed, with_pdf=not args.no_pdf, jobs=args.jobs, llm=args.llm)
    elapsed = time.perf_counter() - started
    kind = "JSON only" if args.no_pdf else "JSON + PDF"
    print(
        f"wrote {len(manifest.cvs)} CVs ({kind}) to {args.out} in {elapsed:.2f} s "
        f"({elapsed / len(manifest.cvs) * 1000:.1f} ms per CV)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

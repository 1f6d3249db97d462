"""Run the fake LLM server by hand: `python -m tests.fakes.llm --port 8765`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
from pathlib import Path

from tests.fakes.llm.scripts import Echo, script_from_json
from tests.fakes.llm.server import FakeLLMServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.llm",
        description=(
            "Fake Anthropic + Gemini API server. Point a service at it with ANTHROPIC_BASE_URL and GEMINI_BASE_URL "
            "set to the printed URL. Queue scripts with POST /_fake/scripts (JSON, see scripts.script_from_json), "
            "read what arrived with GET /_fake/requests, clear both with POST /_fake/reset."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument("--api-key", help="answer 401 to requests that carry another key")
    parser.add_argument("--chunks", type=int, default=3, help="deltas per default echo answer")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="pause before each delta of the echo answer")
    parser.add_argument("--scripts", type=Path, help="JSON file with a list of scripts to queue at start")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    server = FakeLLMServer(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        default=Echo(chunks=args.chunks, delay_s=args.delay_ms / 1000),
        max_records=1000,
    )
    if args.scripts is not None:
        server.enqueue(*(script_from_json(item) for item in json.loads(args.scripts.read_text())))
    async with server:
        print(f"fake LLM server listening on {server.url}", flush=True)
        print(f"  ANTHROPIC_BASE_URL={server.url}  GEMINI_BASE_URL={server.url}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    """Parse the command line and serve until interrupted."""
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(asctime)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()

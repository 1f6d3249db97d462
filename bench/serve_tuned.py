"""`cvchat serve` with Granian's per-worker backpressure raised: what the benchmark's idle-stream phase measures with
`--backpressure N`, to show what holding thousands of SSE streams needs (see docs/benchmarks.md).

Granian handles at most `backpressure` requests at once per worker (default: backlog 1024 / workers); every open SSE
stream is one of them, so `cvchat serve` holds about 1,000 streams per worker whatever the memory. Same arguments as
`cvchat serve` otherwise (HOST, PORT, WORKERS, SHUTDOWN_GRACE_S, LOG_LEVEL from the environment).
"""

from __future__ import annotations

import os
import sys

from granian.constants import Interfaces
from granian.server import Server

from cvchat.infrastructure.settings import Settings


def main() -> None:
    backpressure = int(sys.argv[1])
    settings = Settings.from_env()
    Server(
        "cvchat.infrastructure.web.app:create_app",
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),  # type: ignore[arg-type]
        workers_kill_timeout=int(settings.shutdown_grace_s) + 5,
        backlog=max(1024, backpressure),
        backpressure=backpressure,
    ).serve()


if __name__ == "__main__":
    main()

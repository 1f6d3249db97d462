"""The README's promises, run as written: `cvchat serve` under Granian on SQLite with the offline provider, and the
curl walk-through against it."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
BIN = Path(sys.executable).parent


def _walkthrough() -> str:
    text = README.read_text()
    section = text[text.index("## Walk-through with curl") :]
    return re.search(r"```bash\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`cvchat serve --migrate` in an empty folder, with no provider keys: the README's first command."""
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k not in {"DATABASE_URL", "LLM_PROVIDER"}
    }
    env |= {"PORT": str(port), "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}"}
    log = (tmp_path / "serve.log").open("wb")
    # A session of its own, so that the cleanup can end Granian's workers with their parent.
    process = subprocess.Popen(
        [BIN / "cvchat", "serve", "--migrate"], cwd=tmp_path, env=env, stdout=log, stderr=log, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail("cvchat serve did not become ready:\n" + (tmp_path / "serve.log").read_text())
        yield process, port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
        log.close()


def test_the_readme_walkthrough_works_as_written(service: tuple[subprocess.Popen[bytes], int], tmp_path: Path) -> None:
    _, port = service
    assert (tmp_path / "var" / "cvchat.db").exists()  # SQLite by default, created by --migrate
    script = _walkthrough().replace("B=http://127.0.0.1:8000", f"B=http://127.0.0.1:{port}")
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))  # the README's commands run from a clone with its .venv
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    streams = out.split("retry: 2000")
    assert len(streams) == 4  # the full stream, the resumed one, and the cancelled run's stream (+ the text before)
    full, resumed = streams[1], streams[2]
    assert "event: done" in full and '"status":"done"' in full
    full_ids = [int(i) for i in re.findall(r"^id: (\d+)", full, re.M)]
    resumed_ids = [int(i) for i in re.findall(r"^id: (\d+)", resumed, re.M)]
    assert full_ids == list(range(1, full_ids[-1] + 1))
    assert resumed_ids == list(range(11, full_ids[-1] + 1))
    assert "event: tool_start" in full and '"tool":"search_cvs"' in full  # every run searches the CVs first
    assert "candidates match" in full and "/pdf" in full  # the offline local provider answered from the CVs
    assert re.search(r'"status":"canceled"', streams[2].split("event: done")[-1])  # the cancel's answer
    cancelled = streams[3]
    assert "event: canceled" in cancelled and '"status":"canceled"' in cancelled


def test_sigterm_stops_the_service_cleanly(service: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = service
    assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(20) == 0

"""The CLI as a user runs it: generate CVs, migrate, ingest a folder (with a bad file in it), search."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LLM_PROVIDER"}}
    env |= {"EMBEDDING_MODEL": "none", "INGEST_PROCESSES": "2"}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_generate_migrate_ingest_and_search_from_the_command_line(tmp_path: Path) -> None:
    generated = _run(
        str(BIN / "python"), "-m", "cv_generation", "--n", "12", "--seed", "9", "--out", "cvs", cwd=tmp_path
    )
    assert generated.returncode == 0, generated.stderr
    (tmp_path / "cvs" / "not-a-cv.pdf").write_text("hello")
    assert _run(str(BIN / "cvchat"), "migrate", cwd=tmp_path).returncode == 0
    ingested = _run(str(BIN / "cvchat"), "ingest", "cvs", cwd=tmp_path)
    assert ingested.returncode == 1  # one file was refused
    assert "12 ingested, 0 already there, 1 refused" in ingested.stdout
    assert "refused cvs/not-a-cv.pdf" in ingested.stderr
    again = _run(str(BIN / "cvchat"), "ingest", "cvs/cv-0001.pdf", cwd=tmp_path)
    assert (again.returncode, "0 ingested, 1 already there, 0 refused" in again.stdout) == (0, True)
    truth = __import__("json").loads((tmp_path / "cvs" / "cv-0001.json").read_text())
    found = _run(str(BIN / "cvchat"), "search", truth["name"], cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines()[0].split("  (")[0].endswith(truth["name"])

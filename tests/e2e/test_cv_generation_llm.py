"""`python -m cv_generation --llm …` writes its summaries through the real SDKs (against the local fake server)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import msgspec
import pytest

from cv_generation.corpus import MANIFEST_NAME, decode_cv
from cv_generation.model import Manifest
from tests.fakes.llm import FakeLLMServer, Reply, Text

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("provider", "key", "base"), [
    ("anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"), ("google", "GEMINI_API_KEY", "GEMINI_BASE_URL"),
])  # fmt: skip
async def test_llm_mode_writes_the_summaries_the_model_returns(
    tmp_path: Path, provider: str, key: str, base: str
) -> None:
    summaries = ["Ich leite seit acht Jahren Plattform-Teams.", "I build reliable data pipelines in Python."]
    async with FakeLLMServer(api_key="test-key") as fake:
        for text in summaries:
            fake.enqueue(Reply([Text(text, chunks=4)]))
        env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_BASE_URL"))}
        env |= {key: "test-key", base: fake.url}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "cv_generation", "--n", "2", "--seed", "4", "--out", str(tmp_path), "--llm", provider,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, stderr.decode()
        prompts = [str(request.body) for request in fake.requests]  # parsed JSON: non-ASCII names unescaped
    manifest = msgspec.json.decode((tmp_path / MANIFEST_NAME).read_bytes(), type=Manifest)
    cvs = [decode_cv((tmp_path / entry.json).read_bytes()) for entry in manifest.cvs]
    assert [cv.summary for cv in cvs] == summaries
    assert all((tmp_path / entry.pdf).exists() for entry in manifest.cvs if entry.pdf)
    for cv, prompt in zip(cvs, prompts, strict=True):
        assert cv.name in prompt  # the model wrote from the CV's own facts
        assert cv.skills[0] in prompt

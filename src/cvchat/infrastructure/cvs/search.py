"""The in-memory CV search index: BM25, dense chunk vectors and the structured profile, fused per CV."""

from __future__ import annotations

import math
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import msgspec
import numpy as np
import numpy.typing as npt

from cvchat.domain.cvs import CvProfile
from cvchat.infrastructure.cvs.embeddings import Embedder, NoEmbedder, Vectors, chunk_text
from cvchat.infrastructure.cvs.query import ParsedQuery, Vocabulary, cert_phrases, parse_query, role_of_title
from cvchat.infrastructure.cvs.tokenize import fold, tokenize

CvKey = str
"""A CV's id as text: `str(uuid)` in the service (one str-like type keeps the Structs encodable and documented),
`cv-0001` in the evaluation."""

_YEAR_WORDS: Final = ("years", "year", "anos", "jahre", "jahren", "ans", "annees")
_SENIORITIES: Final = ("graduate", "junior", "mid", "senior", "staff", "principal")


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One CV in a result list, best first; `snippets` are short lines of the CV with the question's terms."""

    cv_id: CvKey
    name: str
    source_filename: str
    score: float
    snippets: list[str] = []


class CvDocument(msgspec.Struct, frozen=True, kw_only=True):
    """What the index needs of one CV: the row the service stores (text and extracted profile)."""

    cv_id: CvKey
    source_filename: str
    text: str
    profile: CvProfile
    name: str | None = None
    """Display name; the profile's name, else the file name, when None."""


class IndexStats(msgspec.Struct, frozen=True, kw_only=True):
    """Sizes for readiness checks and benchmarks."""

    cvs: int
    dead_rows: int
    chunks: int
    vectors: int
    pending_vectors: int
    memory_bytes: int


class SearchConfig(msgspec.Struct, frozen=True, kw_only=True):
    """Ranking knobs. The defaults were tuned on the evaluation corpus of seed 7 (see cv_generation/evaluate.py)."""

    lexical_unit: Literal["cv", "chunk"] = "cv"
    """BM25 over whole CVs or over chunks (a CV then scores as its best chunk)."""
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    stem: bool = False
    fusion: Literal["score", "rrf"] = "score"
    """How the lexical and dense legs are fused: normalised scores, or reciprocal ranks."""
    lexical_weight: float = 0.5
    """The lexical leg's share of the text score when both legs run."""
    rrf_k: int = 60
    text_weight: float = 0.2
    """Weight of the fused text score next to the structured score (which is in [0, 1])."""
    unknown_credit: float = 0.5
    """Credit for a constraint whose profile field is unknown (0 would treat a missing field as a mismatch)."""
    text_credit: float = 0.75
    """Credit for a skill, certificate or company found in the text but not in the profile."""
    filter_mismatches: bool = False
    """Drop CVs that contradict an explicit constraint instead of ranking them after the ones that match."""
    dense_chunks: Literal[1, 2] = 2
    """A CV's dense score: its best chunk's cosine (1), or the mean of its best two (2)."""
    snippets: int = 2
    snippet_chars: int = 200
    query_cache: int = 256
    """Question vectors kept (an LLM's tool calls often repeat a question); 0 turns the cache off."""


# --- growable numpy columns --------------------------------------------------------------------------------------
class _Column:
    """A numpy array that grows by doubling, so appends are amortised O(1) and reads need no copy."""

    def __init__(self, dtype: npt.DTypeLike, width: int | None = None, fill: float = 0) -> None:
        self._shape_tail = () if width is None else (width,)
        self._fill = fill
        self._data = np.full((64, *self._shape_tail), fill, dtype=dtype)
        self.size = 0

    def extend(self, values: npt.ArrayLike) -> int:
        values = np.asarray(values, dtype=self._data.dtype)
        count = len(values)
        if self.size + count > len(self._data):
            capacity = max(len(self._data) * 2, self.size + count)
            grown = np.full((capacity, *self._shape_tail), self._fill, dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        start = self.size
        self._data[start : start + count] = values
        self.size += count
        return start

    def append(self, value: float) -> int:
        return self.extend([value])

    @property
    def view(self) -> np.ndarray:
        return self._data[: self.size]

    def nbytes(self) -> int:
        return int(self._data.nbytes)


class _Bm25:
    """BM25 over units (whole CVs or chunks), with postings in `array`s and statistics over live units only."""

    def __init__(self, k1: float, b: float) -> None:
        self.k1, self.b = k1, b
        self._postings: dict[str, tuple[array[int], array[float]]] = {}
        self._df: Counter[str] = Counter()
        self.length = _Column(np.float32)
        self.alive = _Column(np.bool_)
        self.owner = _Column(np.int32)
        """The CV row of each unit."""
        self._total_length = 0.0
        self._live = 0

    def add(self, tokens: list[str], owner: int) -> int:
        unit = self.length.append(len(tokens))
        self.alive.append(True)
        self.owner.append(owner)
        for term, tf in Counter(tokens).items():
            rows, tfs = self._postings.setdefault(term, (array("i"), array("f")))
            rows.append(unit)
            tfs.append(tf)
            self._df[term] += 1
        self._total_length += len(tokens)
        self._live += 1
        return unit

    def remove(self, unit: int, tokens: list[str]) -> None:
        if not self.alive.view[unit]:
            return
        self.alive.view[unit] = False
        for term in set(tokens):
            self._df[term] -= 1
        self._total_length -= len(tokens)
        self._live -= 1

    def units_with_all(self, terms: Sequence[str]) -> np.ndarray:
        """Live units holding every term."""
        found: np.ndarray | None = None
        for term in terms:
            if term not in self._postings:
                return np.zeros(0, dtype=np.int32)
            rows = np.frombuffer(self._postings[term][0], dtype=np.int32)
            found = rows if found is None else np.intersect1d(found, rows, assume_unique=True)
        if found is None:
            return np.zeros(0, dtype=np.int32)
        return found[self.alive.view[found]]

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        out = np.zeros(self.length.size, dtype=np.float32)
        if not self._live:
            return out
        avg = max(self._total_length / self._live, 1.0)
        norm = self.k1 * (1 - self.b + self.b * self.length.view / avg)
        for term, qtf in Counter(terms).items():
            posting = self._postings.get(term)
            df = self._df.get(term, 0)
            if posting is None or df <= 0:
                continue
            idf = math.log(1 + (self._live - df + 0.5) / (df + 0.5))
            rows = np.frombuffer(posting[0], dtype=np.int32)
            tfs = np.frombuffer(posting[1], dtype=np.float32)
            out[rows] += qtf * idf * tfs * (self.k1 + 1) / (tfs + norm[rows])
        out[~self.alive.view] = 0
        return out

    def nbytes(self) -> int:
        postings = sum(r.itemsize * len(r) + t.itemsize * len(t) for r, t in self._postings.values())
        return postings + self.length.nbytes() + self.alive.nbytes() + self.owner.nbytes()


def _block_max(values: np.ndarray, starts: np.ndarray, top: int) -> np.ndarray:
    """Per contiguous block of `values` (beginning at `starts`): its max, or with `top` 2 the mean of its two best."""
    best = np.maximum.reduceat(values, starts)
    if top <= 1:
        return best
    lengths = np.diff(np.append(starts, len(values)))
    rest = np.where(values >= np.repeat(best, lengths), -np.inf, values)
    second = np.maximum.reduceat(rest, starts)
    return np.where(np.isfinite(second), (best + second) / 2, best).astype(np.float32)


class SearchIndex:
    """Hybrid search over CVs: lexical (BM25), dense (best chunk cosine) and the structured profile.

    Rows are appended by `add` and tombstoned by `remove` (compacted when a quarter are dead), so the service can
    build it from its stored rows at start-up and keep it in step with ingestion. A CV is searchable by the lexical
    and structured legs as soon as it is added; its vectors may follow through `set_vectors`.
    Not thread-safe for writes: the owner serialises `add`/`remove` with searches (one asyncio task, or a lock).
    """

    def __init__(self, embedder: Embedder | None = None, config: SearchConfig | None = None) -> None:
        self.embedder: Embedder = embedder or NoEmbedder()
        self.config = config or SearchConfig()
        self.vocabulary = Vocabulary()
        self._reset()

    def _reset(self) -> None:
        config = self.config
        self._docs: list[CvDocument | None] = []
        self._chunks: list[list[str]] = []
        self._row_of: dict[CvKey, int] = {}
        self._alive = _Column(np.bool_)
        self._bm25 = _Bm25(config.bm25_k1, config.bm25_b)
        self._unit_blocks = _Column(np.int32)  # first unit of each row (chunk mode: rows' chunks are contiguous)
        # dense: one matrix of chunk vectors; each CV owns a contiguous block of rows
        dim = max(self.embedder.dim, 1)
        self._matrix = _Column(np.float32, width=dim)
        self._block_start = _Column(np.int32)
        self._block_row = _Column(np.int32)
        self._block_of_row: dict[int, int] = {}
        # structured columns, one value per row
        self._years = _Column(np.float32, fill=np.nan)
        self._degree = _Column(np.int8)
        self._seniority = _Column(np.int8, fill=-1)
        self._role = _Column(np.int16, fill=-1)
        self._city = _Column(np.int32, fill=-1)
        self._country = _Column(np.int32, fill=-1)
        self._has_languages = _Column(np.bool_)
        self._language_count = _Column(np.int8)
        self._has_companies = _Column(np.bool_)
        self._has_skills = _Column(np.bool_)
        self._levels: dict[str, _Column] = {}
        self._codes: dict[str, dict[str, int]] = {"city": {}, "country": {}, "role": {}}
        self._sets: dict[str, dict[str, array[int]]] = {"skill": {}, "cert": {}, "company": {}, "institution": {}}
        self._dead = 0
        self._query_cache: OrderedDict[str, Vectors] = OrderedDict()

    # --- writes --------------------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._row_of)

    def __contains__(self, cv_id: object) -> bool:
        return cv_id in self._row_of

    def add(self, doc: CvDocument, vectors: Vectors | None = None, *, embed: bool = True) -> None:
        """Index a CV (replacing one with the same id). Without `vectors`, the embedder runs now unless `embed`
        is false; then the CV waits in `pending_vectors` and ranks on the cheap legs until `set_vectors`."""
        if doc.cv_id in self._row_of:
            self.remove(doc.cv_id)
        chunks = chunk_text(doc.text)
        row = len(self._docs)
        self._docs.append(doc)
        self._chunks.append(chunks)
        self._row_of[doc.cv_id] = row
        self._alive.append(True)
        self._index_text(row, doc, chunks)
        self._index_profile(doc.profile)
        if self.embedder.dim:
            if vectors is None and embed and chunks:
                vectors = self.embedder.embed_passages(chunks)
            if vectors is not None:
                self._attach(row, vectors)

    def add_many(self, docs: Iterable[CvDocument], *, embed: bool = True) -> None:
        """Add CVs, embedding their chunks in large batches (faster than one `add` each)."""
        pending: list[CvDocument] = []
        for doc in docs:
            self.add(doc, embed=False)
            pending.append(doc)
        if embed and self.embedder.dim:
            texts = [chunk for doc in pending for chunk in self._chunks[self._row_of[doc.cv_id]]]
            vectors = self.embedder.embed_passages(texts)
            offset = 0
            for doc in pending:
                count = len(self._chunks[self._row_of[doc.cv_id]])
                self.set_vectors(doc.cv_id, vectors[offset : offset + count])
                offset += count

    def documents(self) -> list[CvDocument]:
        """The indexed CVs, in insertion order."""
        return [doc for doc in self._docs if doc is not None]

    def cv_id_at(self, row: int) -> CvKey:
        """The id of the CV in a row of the score arrays (`lexical_scores`, `dense_scores`)."""
        doc = self._docs[row]
        if doc is None:
            raise KeyError(row)
        return doc.cv_id

    def chunks(self, cv_id: CvKey) -> list[str]:
        """The passages a CV was cut into: what `set_vectors` expects vectors for, in this order."""
        return list(self._chunks[self._row_of[cv_id]])

    def pending_vectors(self) -> list[CvKey]:
        """CVs still waiting for their chunk vectors (always empty in `none` mode)."""
        if not self.embedder.dim:
            return []
        return [cv for cv, row in self._row_of.items() if row not in self._block_of_row and self._chunks[row]]

    def set_vectors(self, cv_id: CvKey, vectors: Vectors) -> None:
        """Attach precomputed chunk vectors (stored in the database, or embedded off the request path)."""
        row = self._row_of[cv_id]
        if len(vectors) != len(self._chunks[row]):
            raise ValueError(f"{len(vectors)} vectors for {len(self._chunks[row])} chunks")
        self._attach(row, vectors)

    def remove(self, cv_id: CvKey) -> bool:
        """Forget a CV; returns whether it was there."""
        row = self._row_of.pop(cv_id, None)
        if row is None:
            return False
        doc = self._docs[row]
        assert doc is not None
        self._alive.view[row] = False
        for unit, tokens in self._units(row, doc):
            self._bm25.remove(unit, tokens)
        if (block := self._block_of_row.pop(row, None)) is not None:
            self._block_row.view[block] = -1
        self._docs[row] = None
        self._chunks[row] = []
        self._dead += 1
        if self._dead > max(64, len(self._row_of) // 4):
            self.compact()
        return True

    def compact(self) -> None:
        """Rebuild without the removed rows (their postings and vectors are only masked until then)."""
        kept = [(doc, self._vectors(row)) for row, doc in enumerate(self._docs) if doc is not None]
        self._reset()
        for doc, vectors in kept:
            self.add(doc, vectors, embed=False)

    # --- indexing internals --------------------------------------------------------------------------------------
    def _units(self, row: int, doc: CvDocument) -> list[tuple[int, list[str]]]:
        stem = self.config.stem
        first = int(self._unit_blocks.view[row])
        if self.config.lexical_unit == "cv":
            return [(first, tokenize(doc.text, stem=stem))]
        return [(first + i, tokenize(chunk, stem=stem)) for i, chunk in enumerate(chunk_text(doc.text))]

    def _index_text(self, row: int, doc: CvDocument, chunks: list[str]) -> None:
        stem = self.config.stem
        if self.config.lexical_unit == "cv":
            self._unit_blocks.append(self._bm25.add(tokenize(doc.text, stem=stem), row))
            return
        units = [self._bm25.add(tokenize(chunk, stem=stem), row) for chunk in chunks or [""]]
        self._unit_blocks.append(units[0])

    def _code(self, kind: str, value: str | None) -> int:
        if not value:
            return -1
        return self._codes[kind].setdefault(fold(value), len(self._codes[kind]))

    def _index_profile(self, profile: CvProfile) -> None:
        vocab = self.vocabulary
        vocab.add_profile(profile)
        row = self._years.append(np.nan if profile.years_experience is None else profile.years_experience)
        self._degree.append(0 if profile.highest_degree is None else profile.highest_degree.rank)
        seniority = fold(profile.seniority or "")
        self._seniority.append(_SENIORITIES.index(seniority) if seniority in _SENIORITIES else -1)
        self._role.append(self._code("role", role_of_title(profile.title, vocab)))
        self._city.append(self._code("city", vocab.canonical_city(profile.location.city)))
        country = profile.location.country or vocab.city_country.get(vocab.canonical_city(profile.location.city) or "")
        self._country.append(self._code("country", vocab.canonical_country(country)))
        self._has_languages.append(bool(profile.languages))
        self._language_count.append(len({spoken.code for spoken in profile.languages}))
        self._has_companies.append(bool(profile.companies))
        self._has_skills.append(bool(profile.skills))
        for column in self._levels.values():
            column.append(0)
        for spoken in profile.languages:
            column = self._levels.get(spoken.code)
            if column is None:
                column = self._levels[spoken.code] = _Column(np.int8)
                column.extend(np.zeros(row + 1, dtype=np.int8))
            level = -1 if spoken.level is None else spoken.level.rank
            column.view[row] = max(int(column.view[row]), level) if column.view[row] > 0 else level
        for kind, values in (
            ("skill", profile.skills),
            ("cert", profile.certifications),
            ("company", profile.companies),
            ("institution", profile.institutions),
        ):
            for value in {fold(v) for v in values}:
                self._sets[kind].setdefault(value, array("i")).append(row)

    def _vectors(self, row: int) -> Vectors | None:
        """A copy of a row's chunk vectors (for compaction), None if it has none yet."""
        block = self._block_of_row.get(row)
        if block is None:
            return None
        start = int(self._block_start.view[block])
        return self._matrix.view[start : start + len(self._chunks[row])].copy()

    def _attach(self, row: int, vectors: Vectors) -> None:
        if len(vectors) == 0:
            return
        if (old := self._block_of_row.pop(row, None)) is not None:
            self._block_row.view[old] = -1
        start = self._matrix.extend(np.asarray(vectors, dtype=np.float32))
        self._block_of_row[row] = self._block_start.append(start)
        self._block_row.append(row)

    # --- search --------------------------------------------------------------------------------------------------
    def parse(self, query: str) -> ParsedQuery:
        return parse_query(query, self.vocabulary)

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        """The `k` best CVs for a recruiter question, best first."""
        parsed = self.parse(query)
        rows, scores, dense = self._rank(parsed, k)
        return [self._hit(int(row), float(score), parsed, dense) for row, score in zip(rows, scores, strict=True)]

    def _embed_query(self, text: str) -> Vectors:
        cached = self._query_cache.get(text)
        if cached is None:
            cached = self.embedder.embed_query(text)
            self._query_cache[text] = cached
            if len(self._query_cache) > self.config.query_cache:
                self._query_cache.popitem(last=False)
        return cached

    def lexical_scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 per row (0 for removed rows)."""
        units = self._bm25.scores(terms)
        if self.config.lexical_unit == "cv":
            return units
        out = np.zeros(len(self._docs), dtype=np.float32)
        np.maximum.at(out, self._bm25.owner.view, units)
        return out

    def dense_scores(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Cosine of each row's best chunk(s), and of every chunk; None without an embedder or vectors."""
        if not self.embedder.dim or not self._block_start.size:
            return None
        query = self._embed_query(text)
        # einsum, not `@`: a BLAS matrix-vector product starts OpenBLAS threads, which fight the embedder's
        # OpenMP threads for the two cores (measured p99 1.7 s at 10k CVs); einsum runs on one core in ~2 ms.
        sims = np.einsum("ij,j->i", self._matrix.view, query)
        best = _block_max(sims, self._block_start.view, self.config.dense_chunks)
        out = np.full(len(self._docs), np.nan, dtype=np.float32)
        owners = self._block_row.view
        live = owners >= 0
        out[owners[live]] = best[live]
        return out, sims

    def _rank(self, parsed: ParsedQuery, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        config = self.config
        alive = self._alive.view
        if not len(self._row_of):
            return np.zeros(0, dtype=np.int64), np.zeros(0), None
        lexical = self.lexical_scores(parsed.terms) if parsed.terms else None
        dense_pair = self.dense_scores(parsed.text)
        dense = None if dense_pair is None else dense_pair[0]
        text = self._fuse_text(lexical, dense, alive)
        structured, mismatch = self._structured(parsed)
        if structured is None and text is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0), None
        total = np.zeros(len(alive), dtype=np.float32)
        if structured is not None:
            total += structured
        if text is not None:
            total += (config.text_weight if structured is not None else 1.0) * text
        total[~alive] = -np.inf
        if config.filter_mismatches and mismatch is not None:
            total[mismatch] = -np.inf
        count = min(k, int(np.isfinite(total).sum()))
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0), None
        top = np.argpartition(-total, count - 1)[:count] if count < len(total) else np.arange(len(total))
        top = top[np.lexsort((top, -total[top]))][:count]
        return top, total[top], None if dense_pair is None else dense_pair[1]

    def _fuse_text(self, lexical: np.ndarray | None, dense: np.ndarray | None, alive: np.ndarray) -> np.ndarray | None:
        config = self.config
        legs: list[tuple[np.ndarray, float]] = []
        if lexical is not None and float(lexical.max(initial=0)) > 0:
            legs.append((lexical, config.lexical_weight))
        if dense is not None:
            legs.append((dense, 1 - config.lexical_weight))
        if not legs:
            return None
        weight_sum = sum(w for _, w in legs)
        out = np.zeros(len(alive), dtype=np.float32)
        for values, weight in legs:
            leg = _rrf(values, alive, config.rrf_k) if config.fusion == "rrf" else _normalise(values, alive)
            out += (weight / weight_sum) * leg
        return out

    def _rows(self, kind: str, value: str) -> np.ndarray:
        rows = self._sets[kind].get(fold(value))
        return np.zeros(0, dtype=np.int32) if rows is None else np.frombuffer(rows, dtype=np.int32)

    def _text_rows(self, value: str) -> np.ndarray:
        terms = tokenize(value, stem=self.config.stem)
        if not terms:
            return np.zeros(0, dtype=np.int32)
        return self._bm25.owner.view[self._bm25.units_with_all(terms)]

    def _cert_text_rows(self, name: str) -> np.ndarray:
        """Rows whose text names a certificate in full or by its abbreviation (CKA)."""
        found = [self._text_rows(" ".join(words)) for words in cert_phrases(name)]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int32)

    def _structured(self, parsed: ParsedQuery) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Mean credit over the question's constraints per row (1 met, `unknown_credit` unknown, 0 contradicted),
        and which rows contradict at least one."""
        config = self.config
        n = len(self._docs)
        unknown = config.unknown_credit
        credits: list[np.ndarray] = []

        def from_sets(kind: str, value: str, known: np.ndarray | None) -> np.ndarray:
            credit = np.zeros(n, dtype=np.float32)
            credit[self._cert_text_rows(value) if kind == "cert" else self._text_rows(value)] = config.text_credit
            if known is not None:
                credit[~known & (credit == 0)] = unknown
            credit[self._rows(kind, value)] = 1.0
            return credit

        for skill in parsed.skills:
            credits.append(from_sets("skill", skill, self._has_skills.view))
        for cert in parsed.certifications:
            credits.append(from_sets("cert", cert, None))
        for company in parsed.companies:
            credits.append(from_sets("company", company, self._has_companies.view))
        for institution in parsed.institutions:
            credits.append(from_sets("institution", institution, None))
        has_languages = self._has_languages.view
        for need in parsed.languages:
            column = self._levels.get(need.code)
            levels = np.zeros(n, dtype=np.int8) if column is None else column.view
            minimum = 1 if need.min_level is None else need.min_level.rank
            credit = np.where(levels >= minimum, 1.0, 0.0).astype(np.float32)
            credit[levels == -1] = unknown if minimum > 1 else 1.0
            credit[~has_languages] = unknown
            credits.append(credit)
        if parsed.min_languages:
            credit = (self._language_count.view >= parsed.min_languages).astype(np.float32)
            credit[~has_languages] = unknown
            credits.append(credit)
        if parsed.cities or parsed.countries:
            cities = self._city.view
            countries = self._country.view
            credit = np.zeros(n, dtype=np.float32)
            credit[(cities < 0) & (countries < 0)] = unknown
            for city in parsed.cities:
                code = self._codes["city"].get(fold(city), -2)
                credit[cities == code] = 1.0
                country = self._codes["country"].get(fold(self.vocabulary.city_country.get(city, "")), -2)
                credit[(cities < 0) & (countries == country)] = unknown
            for country in parsed.countries:
                credit[countries == self._codes["country"].get(fold(country), -2)] = 1.0
            credits.append(credit)
        if parsed.degree is not None:
            degrees = self._degree.view
            credit = (degrees >= parsed.degree.rank).astype(np.float32)
            credit[degrees == 0] = unknown
            credits.append(credit)
        if parsed.seniorities:
            levels = self._seniority.view
            wanted = [_SENIORITIES.index(s) for s in parsed.seniorities]
            credit = np.isin(levels, wanted).astype(np.float32)
            credit[levels < 0] = unknown
            credits.append(credit)
        if parsed.roles:
            roles = self._role.view
            wanted = [self._codes["role"].get(role, -2) for role in parsed.roles]
            credit = np.isin(roles, wanted).astype(np.float32)
            credit[roles < 0] = unknown
            credits.append(credit)
        if parsed.years is not None:
            years = self._years.view
            known = ~np.isnan(years)
            credit = np.full(n, unknown, dtype=np.float32)
            credit[known] = _years_credit(parsed, years[known])
            credits.append(credit)
        if not credits:
            return None, None
        stacked = np.vstack(credits)
        return stacked.mean(axis=0), (stacked == 0).any(axis=0)

    # --- results -------------------------------------------------------------------------------------------------
    def _hit(self, row: int, score: float, parsed: ParsedQuery, chunk_sims: np.ndarray | None) -> SearchHit:
        doc = self._docs[row]
        assert doc is not None
        name = doc.name or doc.profile.name or doc.source_filename
        return SearchHit(
            cv_id=doc.cv_id,
            name=name,
            source_filename=doc.source_filename,
            score=round(score, 4),
            snippets=self._snippets(row, parsed, chunk_sims),
        )

    def _snippets(self, row: int, parsed: ParsedQuery, chunk_sims: np.ndarray | None) -> list[str]:
        config = self.config
        terms = set(parsed.snippet_terms)
        if parsed.years is not None:
            terms.update(_YEAR_WORDS)
        scored: list[tuple[float, int, str]] = []
        position = 0
        chunks = self._chunks[row]
        for chunk in chunks:
            for line in chunk.split("\n"):
                tokens = tokenize(line)
                hits = terms.intersection(tokens)
                if hits:
                    strong = len(hits.intersection(parsed.terms))
                    scored.append((len(hits) + strong, position, _clip(line, tokens, hits, config.snippet_chars)))
                position += 1
        if scored:
            best = sorted(sorted(scored, key=lambda item: (-item[0], item[1]))[: config.snippets], key=lambda x: x[1])
            merged: list[tuple[int, str]] = []
            for _, line_no, text in best:
                # Adjacent lines are one fact cut by the layout (`German` / `Fluent` in a table): join them.
                if merged and merged[-1][0] == line_no - 1:
                    merged[-1] = (line_no, f"{merged[-1][1]} {text}")
                else:
                    merged.append((line_no, text))
            return [text for _, text in merged]
        block = self._block_of_row.get(row)
        if chunk_sims is not None and block is not None and chunks:
            start = int(self._block_start.view[block])
            best_chunk = int(np.argmax(chunk_sims[start : start + len(chunks)]))
            return [_clip(chunks[best_chunk].replace("\n", " "), [], set(), config.snippet_chars)]
        return []

    def stats(self) -> IndexStats:
        return IndexStats(
            cvs=len(self._row_of),
            dead_rows=self._dead,
            chunks=sum(len(chunks) for chunks in self._chunks),
            vectors=sum(len(self._chunks[row]) for row in self._block_of_row),
            pending_vectors=len(self.pending_vectors()),
            memory_bytes=self.memory_bytes(),
        )

    def memory_bytes(self) -> int:
        """Approximate bytes held by the numpy and postings structures (not the Python objects of the docs)."""
        columns = (
            self._matrix,
            self._block_start,
            self._block_row,
            self._years,
            self._degree,
            self._seniority,
            self._role,
            self._city,
            self._country,
            self._has_languages,
            self._language_count,
            self._alive,
            self._unit_blocks,
        )
        sets = sum(len(rows) * 4 for table in self._sets.values() for rows in table.values())
        levels = sum(column.nbytes() for column in self._levels.values())
        return self._bm25.nbytes() + sum(c.nbytes() for c in columns) + sets + levels


def _normalise(values: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """Scores mapped to [0, 1] between the median and the best live value (NaN, i.e. no vectors, -> 0)."""
    live = values[alive & ~np.isnan(values)]
    if not len(live):
        return np.zeros_like(values)
    top = float(live.max())
    floor = float(np.median(live))
    if top <= floor:
        return np.where(np.isnan(values), 0, (values >= top).astype(np.float32)).astype(np.float32)
    out = np.clip((values - floor) / (top - floor), 0, 1)
    return np.nan_to_num(out, nan=0.0).astype(np.float32)


def _rrf(values: np.ndarray, alive: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal rank (scaled so the first rank gets 1); rows with no score get 0."""
    clean = np.where(alive & ~np.isnan(values), values, -np.inf)
    order = np.argsort(-clean, kind="stable")
    ranks = np.empty(len(values), dtype=np.float32)
    ranks[order] = np.arange(1, len(values) + 1)
    out = (k + 1) / (k + ranks)
    out[~np.isfinite(clean) | (clean <= 0)] = 0
    return out.astype(np.float32)


def _years_credit(parsed: ParsedQuery, years: np.ndarray) -> np.ndarray:
    wanted = parsed.years
    assert wanted is not None
    ok = np.ones(len(years), dtype=bool)
    if wanted.low is not None:
        ok &= years > wanted.low if wanted.low_strict else years >= wanted.low
    if wanted.high is not None:
        ok &= years < wanted.high if wanted.high_strict else years <= wanted.high
    return ok.astype(np.float32)


def _clip(line: str, tokens: list[str], hits: set[str], limit: int) -> str:
    """At most `limit` characters of a line, centred on its first hit when the line is longer."""
    if len(line) <= limit:
        return line
    folded = fold(line)
    first = min((folded.find(term) for term in hits if folded.find(term) >= 0), default=0)
    start = max(0, min(first - limit // 3, len(line) - limit))
    if start > 0:
        start = line.find(" ", start) + 1 or start
    text = line[start : start + limit].rsplit(" ", 1)[0] if start + limit < len(line) else line[start:]
    return ("…" if start > 0 else "") + text + ("…" if start + limit < len(line) else "")

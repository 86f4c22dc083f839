"""The Milvus backend: one collection per index, shared by its generations, through pymilvus.

Each row is a chunk: its SQLite row id (the primary key), its dense vector (inner product on unit
vectors = cosine), a `keywords` field holding the chunk's stems (index.query.index_text of the passage,
its document's title and symbol, and its headings) which Milvus's BM25 function turns into a sparse
vector, and the scalar fields the product filters on (lower-cased, as SQLite compares them NOCASE).

Why the stems and a whitespace analyzer rather than Milvus's `english` analyzer: the query analysis
(index.query) stems with Snowball plus overrides, expands acronyms and folds "co-operation"; indexing the
same stems keeps one analysis for both backends and for the highlighter.

The committed SQLite generation is the truth; the collection may hold more (see `MilvusWriter`):
- ids never repeat: each generation records the highest id it handed out (`high_water`), new chunks
  get ids above it, and a reader searches `id <= high_water` of its own generation, so what a writer is
  adding (or a killed writer left) is never seen;
- removals wait for the manifest switch (the old generation's readers still need those rows) and are
  recorded in the new generation's `engine_removals` table; readers drop ids their store does not hold;
- the next writer deletes everything above the committed `high_water` and re-applies the recorded
  removals, so a re-run after a kill -9 leaves every document in the engine once.

Milvus Lite (a local `*.db` path) cannot do `text_match`, so quoted phrases, `-word` and `title:` are
applied to the BM25 candidates here with the same rule the search applies to semantic neighbours
(QueryAnalysis.admits), after a deeper BM25 search.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.backends import BackendConfig, EngineCommit, Scored
from index.embedder import ModelInfo
from index.errors import BackendMismatch, EngineUnavailable
from index.manifest import MANIFEST_NAME, STORE_NAME, Manifest
from index.query import QueryAnalysis, index_text, stems
from index.store import Store
from index.types import Filters
from index.vectors import VectorConfig
from ingest.bodies import canonical_body
from ingest.types import Chunk, Document

MAX_TOPK = 16_384  # Milvus's limit on one search's results
RULE_DEPTH = 4  # with phrases, -words or title: terms, BM25 looks this many times deeper before the rules
UPSERT_ROWS = 512  # rows per upsert request
READY_TIMEOUT_S = 5.0  # a readiness probe's Milvus call: a load balancer's probe must not hang on a dead engine
MAX_KEYWORD_BYTES = 60_000  # VARCHAR holds 65,535 bytes; a passage's stems stay far below
REMOVALS_TABLE = "engine_removals"
_SYMBOLS_CAP, _COUNTRIES_CAP = 64, 256


def collection_name(index_dir: Path) -> str:
    """A collection name for an index folder: its name and a hash of its resolved path (Milvus: letters,
    digits and underscores, starting with a letter)."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", index_dir.resolve().name)[:40]
    digest = hashlib.sha1(str(index_dir.resolve()).encode()).hexdigest()[:8]
    return f"coopsearch_{base}_{digest}"


def connect(config: BackendConfig) -> Any:
    """The process's MilvusClient for the configured URI (a local `*.db` path starts Milvus Lite in this
    process); one per URI and token, shared by every holder and writer of the process."""
    uri = config.uri or ""
    if not uri:
        raise EngineUnavailable("the milvus backend needs COOPSEARCH_MILVUS_URI: a local file ending in .db "
                                "(Milvus Lite) or http://host:19530")
    local = "://" not in uri and not uri.startswith("unix:")
    if local and not uri.endswith(".db"):
        raise EngineUnavailable(f"COOPSEARCH_MILVUS_URI {uri!r}: a local Milvus Lite file must end in .db")
    if local:
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    try:
        return _client(str(Path(uri).resolve()) if local else uri, config.token or "")
    except Exception as exc:  # pymilvus raises MilvusException and grpc errors
        raise EngineUnavailable(f"cannot reach Milvus at {uri}: {_message(exc)}") from exc


@lru_cache(maxsize=16)
def _client(uri: str, token: str) -> Any:
    # One client (one gRPC channel) per server and process, and no keepalive pings while no call is in
    # flight: pymilvus pings every 10 s even when idle, a Milvus server allows one idle ping per 5 minutes
    # (gRPC's default) and drops the connection with GOAWAY "too_many_pings" (seen during a long embedding
    # between two writes, and with a client per search engine in the test session).
    # MilvusClient is thread-safe; the parse workers are spawned processes that never talk to Milvus.
    from pymilvus import MilvusClient

    with warnings.catch_warnings():  # milvus-lite 2.5.1 imports pkg_resources, which warns on every start
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        return MilvusClient(uri=uri, token=token, timeout=30, grpc_options=_GRPC_OPTIONS)


_GRPC_OPTIONS = {"grpc.keepalive_time_ms": 60_000, "grpc.keepalive_permit_without_calls": 0}


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def _engine_errors(action: str) -> Iterator[None]:
    try:
        yield
    except EngineUnavailable:
        raise
    except Exception as exc:
        raise EngineUnavailable(f"Milvus refused to {action}: {_message(exc)}") from exc


def _literal(value: str) -> str:
    """A string literal of Milvus's filter language."""
    return json.dumps(value, ensure_ascii=False)


class MilvusCollection:
    """The calls this backend makes to one collection; every failure is an EngineUnavailable."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def ensure(self, dimension: int, index_type: str) -> None:
        """Create the collection when missing; refuse one whose vectors have another dimension."""
        from pymilvus import DataType, Function, FunctionType

        with _engine_errors(f"create collection {self.name}"):
            if self.client.has_collection(self.name):
                self._check_dimension(dimension)
                return
            schema = self.client.create_schema(auto_id=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
            schema.add_field("keywords", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                             analyzer_params={"tokenizer": "whitespace"})  # the stems are analysed already
            schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
            for name, length in (("doc_id", 2048), ("doc_key", 2048), ("doc_type", 128), ("body", 512),
                                 ("kind", 128)):
                schema.add_field(name, DataType.VARCHAR, max_length=length)
            schema.add_field("year", DataType.INT64)
            schema.add_field("symbols", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=_SYMBOLS_CAP,
                             max_length=256)
            schema.add_field("countries", DataType.ARRAY, element_type=DataType.VARCHAR,
                             max_capacity=_COUNTRIES_CAP, max_length=16)
            schema.add_function(Function(name="keywords_bm25", function_type=FunctionType.BM25,
                                         input_field_names=["keywords"], output_field_names=["sparse"]))
            params = self.client.prepare_index_params()
            params.add_index("vector", index_type=index_type, metric_type="IP")
            params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            for name in ("doc_id", "doc_type", "body", "kind", "year"):
                params.add_index(name, index_type="INVERTED")
            self.client.create_collection(self.name, schema=schema, index_params=params, consistency_level="Strong")

    def _check_dimension(self, dimension: int) -> None:
        fields = self.client.describe_collection(self.name).get("fields", [])
        found = [f.get("params", {}).get("dim") for f in fields if f.get("name") == "vector"]
        if found and int(found[0]) != dimension:
            raise BackendMismatch(f"Milvus collection {self.name} holds {found[0]}-dimensional vectors; "
                                  f"the model gives {dimension}: name another collection "
                                  "(COOPSEARCH_MILVUS_COLLECTION)")

    def upsert(self, rows: list[dict[str, object]]) -> None:
        """Insert or replace rows by id."""
        with _engine_errors(f"write to collection {self.name}"):
            self.client.upsert(self.name, rows)

    def delete_ids(self, ids: Sequence[int]) -> None:
        """Delete rows by id (absent ids are no error)."""
        with _engine_errors(f"delete from collection {self.name}"):
            for start in range(0, len(ids), 4096):
                self.client.delete(self.name, ids=[int(i) for i in ids[start:start + 4096]])

    def delete_where(self, expression: str) -> None:
        """Delete the rows matching a filter expression."""
        with _engine_errors(f"delete from collection {self.name}"):
            self.client.delete(self.name, filter=expression)

    def flush(self) -> None:
        """Seal what was written, so it is on disk before the manifest names it."""
        with _engine_errors(f"flush collection {self.name}"):
            self.client.flush(self.name)

    def search(self, field: str, data: object, k: int, expression: str, ef: int = 0) -> Scored:
        """(id, score) of the k best rows for a sparse (text) or dense (vector) query; `ef`: HNSW's candidate
        list (COOPSEARCH_HNSW_EF_SEARCH; a flat index ignores it)."""
        limit = max(1, min(k, MAX_TOPK))
        params: dict[str, object] = {"metric_type": "BM25" if field == "sparse" else "IP"}
        if ef:
            params["params"] = {"ef": max(ef, limit)}  # Milvus refuses an ef below the limit
        with _engine_errors(f"search collection {self.name}"):
            found = self.client.search(self.name, [data], anns_field=field, limit=limit, filter=expression,
                                       search_params=params, output_fields=[])
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def vector(self, chunk_id: int) -> np.ndarray | None:
        """The stored vector of one row, or None."""
        with _engine_errors(f"read collection {self.name}"):
            rows = self.client.get(self.name, ids=[int(chunk_id)], output_fields=["vector"])
        return np.asarray(rows[0]["vector"], dtype=np.float32) if rows else None

    def check(self) -> None:
        """One primary-key lookup, bounded in time: the server answers and the collection is there and loaded
        (Milvus refuses reads of a released collection). Not the load state: Milvus Lite reports a collection
        NotLoad after a restart until its first read, which it serves."""
        with _engine_errors(f"answer for collection {self.name}"):
            self.client.get(self.name, ids=[0], output_fields=["id"], timeout=READY_TIMEOUT_S)

    def count(self, expression: str) -> int:
        """Rows matching a filter expression."""
        with _engine_errors(f"count collection {self.name}"):
            rows = self.client.query(self.name, filter=expression, output_fields=["count(*)"])
        return int(rows[0]["count(*)"])


def filter_expression(filters: Filters, high_water: int, excluded_ids: Sequence[int] = ()) -> str:
    """The Milvus filter for the product's filters (as index.store.filter_sql), within one generation's ids."""
    clauses = [f"id <= {int(high_water)}"]
    for name, value in (("doc_type", filters.doc_type), ("body", canonical_body(filters.body)),
                        ("kind", filters.kind), ("doc_key", filters.doc_id)):
        if value is not None:
            clauses.append(f"{name} == {_literal(value.lower())}")
    if filters.symbol is not None:
        clauses.append(f"array_contains(symbols, {_literal(filters.symbol.lower())})")
    if filters.year_from is not None:
        clauses.append(f"year >= {int(filters.year_from)}")
    if filters.year_to is not None:
        clauses.append(f"year >= 0 and year <= {int(filters.year_to)}")  # -1: no year, as SQL's NULL
    if filters.country is not None:
        clauses.append(f"array_contains(countries, {_literal(filters.country.upper())})")
    if excluded_ids:
        clauses.append(f"id not in [{', '.join(str(int(i)) for i in excluded_ids)}]")
    return " and ".join(clauses)


def keyword_text(analysis: QueryAnalysis) -> str:
    """The BM25 query: the words that rank in FTS5 (free words, acronyms written out, the required
    phrases' words) and the title: words, as stems."""
    ranked = [*analysis.terms, *(s for p in analysis.expansions for s in p.stems),
              *(s for group in analysis.required for p in group for s in p.stems),
              *(s for p in analysis.in_title for s in p.stems)]
    return " ".join(dict.fromkeys(ranked))


def row(document: Document, chunk: Chunk, chunk_id: int, vector: np.ndarray) -> dict[str, object]:
    """A chunk as a collection row."""
    title = " ".join(filter(None, [document.title, document.symbol]))  # what FTS5's title column holds
    keywords = " ".join(filter(None, [index_text(chunk.text), index_text(title),
                                      index_text(" ".join(chunk.heading_path))]))
    symbols = [s.lower() for s in dict.fromkeys(s for s in (document.symbol, *document.symbols) if s)]
    year = document.date[:4] if document.date else ""
    return {"id": int(chunk_id), "vector": np.asarray(vector, dtype=np.float32).tolist(),
            "keywords": keywords.encode()[:MAX_KEYWORD_BYTES].decode(errors="ignore"),
            "doc_id": document.id, "doc_key": document.id.lower(), "doc_type": (document.doc_type or "").lower(),
            "body": (document.body or "").lower(), "kind": (chunk.kind or "").lower(),
            "year": int(year) if year.isdigit() else -1, "symbols": [s[:256] for s in symbols[:_SYMBOLS_CAP]],
            "countries": [c.upper()[:16] for c in dict.fromkeys(chunk.countries)][:_COUNTRIES_CAP]}


class MilvusRetrieval:
    """One committed generation's view of the collection: ids up to its high-water mark that its store holds."""

    def __init__(self, collection: MilvusCollection, high_water: int, vectors: int, store: Callable[[], Store],
                 ef_search: int = VectorConfig.ef_search) -> None:
        self.collection = collection
        self.high_water = high_water
        self.vectors = vectors
        self._store = store
        self.ef_search = ef_search

    def keyword_search(self, analysis: QueryAnalysis, k: int, filters: Filters,
                       weights: tuple[float, float, float]) -> Scored:
        """BM25 over the stems; phrases, -words and title: terms applied to a deeper candidate list.

        `weights` (FTS5's text/title/heading column weights) do not apply: the stems of the passage, its
        title and its headings share one BM25 field (Milvus scores one field per BM25 function)."""
        text = keyword_text(analysis)
        if not text:
            return []
        rules = bool(analysis.required or analysis.excluded or analysis.in_title)
        found = self.collection.search("sparse", text, k * RULE_DEPTH if rules else k + 16,
                                       filter_expression(filters, self.high_water))
        return self._admitted(analysis, self._known(found), rules)[:k]

    def keyword_count(self, analysis: QueryAnalysis, filters: Filters) -> int:
        """Passages matching, counted up to 10,000 by the metadata store's FTS5 table over the same stems.

        Milvus has no BM25 count, and a 10,000-deep search to count took about a second a query on SciFact;
        the store (every backend's) holds the committed generation's stems, so it counts the passages
        holding a query stem (those BM25 scores above zero), with the phrase rules applied exactly."""
        return self._store().keyword_count(analysis, filters)

    def vector_search(self, vector: np.ndarray, k: int, filters: Filters,
                      excluded_ids: Sequence[int] = ()) -> Scored:
        """Inner product on unit vectors, filtered inside Milvus."""
        expression = filter_expression(filters, self.high_water, excluded_ids)
        found = self.collection.search("vector", np.asarray(vector, dtype=np.float32).reshape(-1).tolist(), k + 16,
                                       expression, ef=self.ef_search)
        return self._known(found)[:k]

    def get(self, chunk_id: int) -> np.ndarray:
        """A chunk's vector, if this generation holds the chunk."""
        if chunk_id > self.high_water or not self._store().known_chunk_ids([chunk_id]):
            raise KeyError(chunk_id)
        vector = self.collection.vector(chunk_id)
        if vector is None:
            raise KeyError(chunk_id)
        return vector

    def count(self) -> int:
        """The generation's vectors, as its manifest counts them."""
        return self.vectors

    def check(self) -> None:
        """Milvus answers for the collection (EngineUnavailable otherwise)."""
        self.collection.check()

    def _known(self, found: Scored) -> Scored:
        """Hits whose chunk this generation's store holds: removals not yet deleted from the engine drop out."""
        known = self._store().known_chunk_ids([i for i, _ in found])
        return [(i, s) for i, s in found if i in known]

    def _admitted(self, analysis: QueryAnalysis, found: Scored, rules: bool) -> Scored:
        """The hits holding the required phrases in text or headings, no excluded one, and the title: phrases."""
        if not rules or not found:
            return found
        store = self._store()
        chunks = store.get_chunks([i for i, _ in found])
        documents = store.get_documents(c.chunk.doc_id for c in chunks.values())
        kept = []
        for chunk_id, score in found:
            stored = chunks.get(chunk_id)
            if stored is None:
                continue
            passage = stems(" ".join([stored.chunk.text, *stored.chunk.heading_path]))
            document = documents.get(stored.chunk.doc_id)
            title = stems(" ".join(filter(None, [document.title, document.symbol]))) if document else []
            in_title = all(_holds(title, p.stems) for p in analysis.in_title)
            if in_title and analysis.admits(set(passage), passage):
                kept.append((chunk_id, score))
        return kept


def _holds(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(tuple(words[i:i + n]) == phrase for i in range(len(words) - n + 1))


class MilvusWriter:
    """The collection's side of one generation being written; see the module's docstring for the rules."""

    def __init__(self, collection: MilvusCollection, store: Store, previous: Manifest | None, index_type: str,
                 committed_store: Path | None = None) -> None:
        self.collection = collection
        self.committed_store = committed_store  # the published generation's SQLite file: its recorded removals
        self.store = store
        self.index_type = index_type
        self.high_water = int(str(previous.engine.get("high_water", 0))) if previous is not None else 0
        self.vectors = previous.vectors if previous is not None else 0
        self._rows: list[dict[str, object]] = []
        self._removed: list[int] = []
        store.conn.execute(f"CREATE TABLE IF NOT EXISTS {REMOVALS_TABLE} (chunk_id INTEGER PRIMARY KEY)")
        self._repair()

    def _repair(self) -> None:
        """Delete what a killed writer added (ids above the committed high-water mark) and re-apply the
        committed generation's removals; then this generation starts with none recorded."""
        self.collection.delete_where(f"id > {self.high_water}")
        # read from the published generation's own file: this writer's store may be an older generation's
        # brought forward (index.store_changes), which does not hold the latest removals
        self.collection.delete_ids(_recorded_removals(self.committed_store))
        self.store.conn.execute(f"DELETE FROM {REMOVALS_TABLE}")

    def next_id(self) -> int | None:
        """Above every id any generation handed out: an id never names two passages."""
        return self.high_water + 1

    def add(self, document: Document, chunks: Sequence[Chunk], ids: Sequence[int], vectors: np.ndarray) -> None:
        """Queue the chunks' rows; they are written in batches (unseen by readers until the switch)."""
        self._rows.extend(row(document, chunk, chunk_id, vector)
                          for chunk, chunk_id, vector in zip(chunks, ids, vectors, strict=True))
        self.high_water = max([self.high_water, *(int(i) for i in ids)])
        self.vectors += len(ids)
        if len(self._rows) >= UPSERT_ROWS:
            self._write()

    def _write(self) -> None:
        for start in range(0, len(self._rows), UPSERT_ROWS):
            self.collection.upsert(self._rows[start:start + UPSERT_ROWS])
        self._rows = []

    def remove(self, ids: Sequence[int]) -> None:
        """Record the removals in the new generation; the rows go once the manifest names it."""
        self.store.conn.executemany(f"INSERT OR IGNORE INTO {REMOVALS_TABLE} (chunk_id) VALUES (?)",
                                    [(int(i),) for i in ids])
        self._removed.extend(int(i) for i in ids)
        self.vectors -= len(ids)

    def save(self, directory: Path) -> EngineCommit:
        """Write the queued rows and flush the collection (the generation folder gets no engine file)."""
        self._write()
        self.collection.flush()
        return EngineCommit(files=(), vectors=self.vectors, describe=f"milvus-{self.index_type.lower()}",
                            record={"collection": self.collection.name, "high_water": self.high_water})

    def published(self) -> None:
        """Delete the removed chunks' rows: no reader of the new generation asks for them."""
        self.collection.delete_ids(self._removed)


def _recorded_removals(store_path: Path | None) -> list[int]:
    """The chunk ids a published generation recorded as removed (none for a new index or an older file)."""
    if store_path is None or not store_path.exists():
        return []
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        return [int(r[0]) for r in conn.execute(f"SELECT chunk_id FROM {REMOVALS_TABLE}")]
    except sqlite3.OperationalError:  # no such table: a generation written before any removal was recorded
        return []
    finally:
        conn.close()


class MilvusBackend:
    """A Milvus collection behind every generation of one index folder."""

    kind = "milvus"

    def __init__(self, config: BackendConfig) -> None:
        self.config = config
        self._client: Any = None

    @property
    def client(self) -> Any:
        """One client per backend object (a holder's, or a writer's), connected on first use."""
        if self._client is None:
            self._client = connect(self.config)
        return self._client

    def collection_for(self, index_dir: Path, manifest: Manifest | None) -> MilvusCollection:
        """The configured collection, else the one the manifest names, else one named after the folder."""
        recorded = str(manifest.engine.get("collection", "")) if manifest is not None else ""
        return MilvusCollection(self.client, self.config.collection or recorded or collection_name(index_dir))

    def reader(self, directory: Path, manifest: Manifest, store: Callable[[], Store], config: VectorConfig
               ) -> MilvusRetrieval:
        """The collection as this generation sees it."""
        index_dir = directory.parent
        collection = self.collection_for(index_dir, manifest)
        return MilvusRetrieval(collection, int(str(manifest.engine.get("high_water", 0))), manifest.vectors, store,
                               config.ef_search)

    def writer(self, index_dir: Path, previous: Manifest | None, store: Store, model: ModelInfo,
               config: VectorConfig) -> MilvusWriter:
        """The writer for the next generation, after repairing what a killed writer left."""
        collection = self.collection_for(index_dir, previous)
        collection.ensure(model.dimension, self.config.index_type)
        committed = previous.generation_dir(index_dir) / STORE_NAME if previous is not None else None
        return MilvusWriter(collection, store, previous, self.config.index_type, committed)

    def check(self, manifest: Manifest, index_dir: Path) -> None:
        """Refuse an embedded index, or one whose manifest names another collection than the settings."""
        if manifest.backend != self.kind:
            raise BackendMismatch(
                f"index at {index_dir} was built on the {manifest.backend} backend ({index_dir / MANIFEST_NAME}) "
                "but the configured backend is milvus; unset COOPSEARCH_BACKEND or rebuild into a new folder")
        recorded = str(manifest.engine.get("collection", ""))
        if self.config.collection and recorded and recorded != self.config.collection:
            raise BackendMismatch(
                f"index at {index_dir} lives in Milvus collection {recorded!r} but COOPSEARCH_MILVUS_COLLECTION "
                f"names {self.config.collection!r}; unset it or name the index's collection")

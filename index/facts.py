"""What the edges ask of an index besides searching: statistics, readiness, a document's source and hashes,
a symbol's record and the mandates.

`SearchEngine` inherits these, so an edge calls the engine once per request and never reaches into the
store; "not found" is `index.errors.NotFound`, which each edge turns into a 404 in one handler."""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass

from index.errors import CoopsearchError, IndexUnavailable, NotFound
from index.manifest import Manifest
from index.research import MandateFilters, MandateRecord, SymbolRecord, mandates, symbol_record
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters


@dataclass(frozen=True)
class ValueCount:
    """Documents and passages with one value of a field."""

    value: str
    documents: int
    passages: int


@dataclass(frozen=True)
class IndexStats:
    """Counts of one generation by type, body, year and country, with its manifest."""

    manifest: Manifest
    by_doc_type: tuple[ValueCount, ...]
    by_body: tuple[ValueCount, ...]
    by_year: tuple[ValueCount, ...]
    by_country: tuple[ValueCount, ...]


def compute_stats(snapshot: IndexSnapshot) -> IndexStats:
    """Statistics of one generation (immutable, so computed once per generation)."""
    store = snapshot.store
    facets = store.facet_counts(store.filtered_chunk_ids(Filters()).tolist())

    def counts(name: str, make: Callable[[str], Filters]) -> tuple[ValueCount, ...]:
        return tuple(ValueCount(value, store.query_documents(make(value), 0, 0)[0], passages)
                     for value, passages in facets.get(name, []))

    return IndexStats(manifest=snapshot.manifest,
                      by_doc_type=counts("doc_type", lambda v: Filters(doc_type=v)),
                      by_body=counts("body", lambda v: Filters(body=v)),
                      by_year=counts("year", lambda v: Filters(year_from=int(v), year_to=int(v))),
                      by_country=counts("country", lambda v: Filters(country=v)))


class IndexFacts:
    """The engine's non-search questions (mixed into SearchEngine, which provides `holder`)."""

    holder: IndexHolder

    def refresh(self) -> None:
        """Load the generation a write in this process just committed (index.snapshot.IndexHolder.refresh).

        A generation that cannot be loaded is not the writer's error: the next read reports it."""
        with contextlib.suppress(IndexUnavailable):
            self.holder.refresh()
    _stats: dict[str, IndexStats]
    _stats_lock = threading.Lock()

    def stats(self) -> IndexStats:
        """Statistics of the current generation (cached per generation)."""
        snapshot = self.holder.current()
        generation = snapshot.manifest.generation
        with self._stats_lock:
            cache = self.__dict__.setdefault("_stats", {})
            if generation not in cache:
                cache.clear()  # only the current generation is asked for
                cache[generation] = compute_stats(snapshot)
            return cache[generation]

    def ready(self) -> Manifest:
        """The current manifest once the index is loaded and its store and engines answer (a Milvus server that
        cannot be reached: EngineUnavailable); raises the CoopsearchError otherwise."""
        snapshot = self.holder.current()
        snapshot.store.count_documents()
        snapshot.engine.check()
        return snapshot.manifest

    def health(self) -> Manifest | None:
        """The current manifest, or None while no index can be loaded (never raises)."""
        try:
            return self.holder.current().manifest
        except CoopsearchError:
            return None

    def document_source(self, doc_id: str) -> str:
        """The stored source path of a document; NotFound when no document has this id."""
        document = self.holder.current().store.get_document(doc_id)
        if document is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return document.source

    def document_hashes(self) -> dict[str, str]:
        """Document id -> sha256 of the bytes it was built from, for the current generation."""
        return self.holder.current().store.document_hashes()

    def symbol(self, text: str) -> SymbolRecord | None:
        """A symbol that is indexed or cited (any written form): its document, what recalls it, what it recalls;
        None when the index neither holds nor cites it."""
        return symbol_record(self.holder.current().store, text)

    def mandates(self, filters: MandateFilters, offset: int = 0, limit: int = 50) -> tuple[int, list[MandateRecord]]:
        """Mandates passing the filters, newest first, a page at a time, with the total."""
        return mandates(self.holder.current().store, filters, offset, limit)

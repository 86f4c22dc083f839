"""Search: keyword (FTS5 bm25) and semantic (FAISS) retrieval, fused; similar passages; documents."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from index.embedder import Embedder
from index.errors import BadQuery
from index.fusion import FusionConfig, reciprocal_rank_fusion
from index.highlight import fragments
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import SEARCH_MODES, DocumentLinks, Filters, Hit, Link, SearchResult, StoredChunk
from ingest.types import Document

MAX_QUERY_CHARS = 1000
MAX_K = 100
CANDIDATE_DEPTH = 100  # how deep each retriever looks before fusion


@dataclass(frozen=True)
class SearchRequest:
    """A validated query."""

    query: str
    k: int = 10
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    facets: bool = False

    def __post_init__(self) -> None:
        if not self.query or not self.query.strip():
            raise BadQuery("query is empty")
        if len(self.query) > MAX_QUERY_CHARS:
            raise BadQuery(f"query is {len(self.query)} characters; the limit is {MAX_QUERY_CHARS}")
        if self.mode not in SEARCH_MODES:
            raise BadQuery(f"unknown mode {self.mode!r}; use one of {', '.join(SEARCH_MODES)}")
        if not 1 <= self.k <= MAX_K:
            raise BadQuery(f"k must be between 1 and {MAX_K}, got {self.k}")
        if self.offset < 0:
            raise BadQuery(f"offset must be 0 or more, got {self.offset}")


class SearchEngine:
    """The one search function behind the CLI, the API and the page."""

    def __init__(self, holder: IndexHolder, embedder: Embedder, fusion: FusionConfig = FusionConfig()) -> None:
        self.holder = holder
        self.embedder = embedder
        self.fusion = fusion

    def search(self, request: SearchRequest) -> SearchResult:
        """Run a query and return ranked hits with highlights."""
        started = time.perf_counter()
        snapshot = self.holder.current()
        depth = max(CANDIDATE_DEPTH, request.offset + request.k)
        allowed = None if request.filters.is_empty() else snapshot.store.filtered_chunk_ids(request.filters)
        ranked: dict[str, list[int]] = {}
        if request.mode in ("hybrid", "keyword"):
            ranked["keyword"] = [i for i, _ in snapshot.store.keyword_search(request.query, depth, request.filters)]
        if request.mode in ("hybrid", "semantic"):
            vector = self.embedder.encode_query(request.query)
            _, ids = snapshot.vectors.search(vector, depth, allowed)
            ranked["semantic"] = [int(i) for i in ids]
        weights = {"keyword": self.fusion.keyword_weight, "semantic": self.fusion.semantic_weight}
        fused = reciprocal_rank_fusion(ranked, weights, self.fusion.rrf_k)
        page = fused[request.offset:request.offset + request.k]
        hits = self._hits(snapshot, page, request.query, request.offset)
        facets = snapshot.store.facet_counts([item for item, _, _ in fused]) if request.facets else {}
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query=request.query, mode=request.mode, hits=tuple(hits), took_ms=round(took, 2),
                            total=len(fused), filters=request.filters, facets=facets)

    def similar(self, chunk_id: int, k: int = 10) -> tuple[StoredChunk, list[Hit]]:
        """Nearest passages in other documents to a stored chunk."""
        if not 1 <= k <= MAX_K:
            raise BadQuery(f"k must be between 1 and {MAX_K}, got {k}")
        snapshot = self.holder.current()
        source = snapshot.store.get_chunks([chunk_id]).get(chunk_id)
        if source is None:
            raise KeyError(chunk_id)
        vector = snapshot.vectors.reconstruct(chunk_id)
        others = snapshot.store.filtered_chunk_ids(Filters())
        same_doc = {c.id for c in snapshot.store.document_chunks(source.chunk.doc_id)}
        allowed = np.asarray([i for i in others if int(i) not in same_doc], dtype=np.int64)
        scores, ids = snapshot.vectors.search(vector, k, allowed)
        page = [(int(i), float(s), ("semantic",)) for i, s in zip(ids, scores)]
        return source, self._hits(snapshot, page, "", 0)

    def document(self, doc_id: str) -> tuple[Document, list[StoredChunk]] | None:
        """A document and its chunks in order, or None."""
        snapshot = self.holder.current()
        document = snapshot.store.get_document(doc_id)
        if document is None:
            return None
        return document, snapshot.store.document_chunks(doc_id)

    def list_documents(self, filters: Filters = Filters(), offset: int = 0, limit: int = 20
                       ) -> tuple[int, list[Document]]:
        """(total, page of documents) passing the filters."""
        return self.holder.current().store.query_documents(filters, offset, limit)

    def links(self, doc_id: str) -> DocumentLinks | None:
        """The precedent graph around a document: what it recalls and what recalls it."""
        store = self.holder.current().store
        document = store.get_document(doc_id)
        if document is None:
            return None
        targets = store.documents_with_symbols([r.symbol for r in document.references])
        found = store.get_documents(targets.values())
        recalls = tuple(Link(r.symbol, r.raw, r.label, r.chunk_ordinal, found.get(targets.get(r.symbol, "")))
                        for r in document.references)
        recalled_by: list[Link] = []
        if document.symbol:
            rows = [row for row in store.referring([document.symbol]) if row[0] != doc_id]
            sources = store.get_documents(row[0] for row in rows)
            recalled_by = [Link(symbol, raw, label, ordinal, sources.get(source))
                           for source, symbol, raw, label, ordinal in rows]
        return DocumentLinks(recalls=recalls, recalled_by=tuple(recalled_by))

    def recent(self, request: SearchRequest) -> list[tuple[Hit, str]]:
        """The query's best MAX_K matches, newest first, as (hit, added_at ISO 8601); ties keep rank order."""
        snapshot = self.holder.current()
        ranked = self.search(SearchRequest(query=request.query, k=MAX_K, mode=request.mode,
                                           filters=request.filters))
        added = snapshot.store.chunks_added_at([hit.chunk_id for hit in ranked.hits])
        dated = [(hit, added.get(hit.chunk_id, "")) for hit in ranked.hits]
        return sorted(dated, key=lambda item: item[1], reverse=True)

    def _hits(self, snapshot: IndexSnapshot, page: list[tuple[int, float, tuple[str, ...]]], query: str,
              offset: int) -> list[Hit]:
        chunks = snapshot.store.get_chunks([item for item, _, _ in page])
        documents = snapshot.store.get_documents(c.chunk.doc_id for c in chunks.values())
        hits: list[Hit] = []
        for position, (item, score, retrievers) in enumerate(page, start=offset + 1):
            stored = chunks.get(item)
            if stored is None:
                continue
            hits.append(Hit(chunk_id=item, chunk=stored.chunk, document=documents[stored.chunk.doc_id],
                            score=round(float(score), 6), rank=position,
                            highlights=fragments(stored.chunk.text, query) if query else (),
                            retrievers=retrievers))
        return hits

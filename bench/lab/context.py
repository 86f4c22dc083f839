"""Passage context and document evidence (issue 11, UN dev half only): the prototype measured by
bench/quality.py's `hybrid context …` levers.

Why: where hybrid loses to keyword on the dev half, keyword ranks the answering passage first, semantic
search does not find it, and fusion plus the sentence re-scoring push it to 3rd–8th behind passages of the
same document that are close to the question's generic words, or bare lines whose embedded text is mostly
the document's title. Three ways of using the evidence around a passage, each added to the fused scores:

- "doc-max" / "doc-sum": + b x a document score: the best (or summed) keyword score of the document's
  passages among the keyword candidates, DBSF-scaled over the documents (document–passage interpolation);
- "doc-gap": - b x (its document's best DBSF-scaled keyword score - its own): within a document the
  keyword evidence decides; "doc-best": + b to each document's best keyword passage;
- "nbr-max" / "nbr-mean": + a x the best (or mean) score of the passages just before and after it in its
  document (by ordinal), read from the DBSF-scaled keyword list ("kw") or the fused list ("fused"): evidence
  propagated from the paragraph around it;
- "own-term": a passage whose own text holds none of the query's terms (what it matches comes from its
  headings or title only) counts (1 - a) x its fused score; "title-only": the same for a passage whose
  own text holds none of the query's terms that its document's title, symbol and its headings lack.

`stage` "pre" applies it to the boosted fusion, before the head's sentence re-scoring (which then picks
its head from the re-ranked list); "post" to the final ranking, after it. The rest is the product's search.
"""
from __future__ import annotations

from collections.abc import Sequence

from index.fusion import Candidate, Fused, dbsf_scale
from index.query import QueryAnalysis, stems
from index.search import PassageReads, SearchConfig, SearchEngine
from index.snapshot import IndexHolder, IndexSnapshot
from index.types import Filters

LEVERS = ("doc-max", "doc-sum", "doc-gap", "doc-best", "nbr-max", "nbr-mean", "own-term", "title-only")


class ContextEngine(SearchEngine):
    """The product's search with one context lever applied (module docstring)."""

    def __init__(self, holder: IndexHolder, embedder, config: SearchConfig,  # type: ignore[no-untyped-def]
                 lever: str, weight: float, stage: str = "pre", source: str = "kw",
                 also: tuple[tuple[str, float, str], ...] = ()) -> None:
        super().__init__(holder, embedder, config=config)
        for name, _, origin in ((lever, weight, source), *also):
            if name not in LEVERS or stage not in ("pre", "post") or origin not in ("kw", "fused"):
                raise ValueError(f"unknown context lever {name!r} / {stage!r} / {origin!r}")
        self.lever, self.weight, self.stage, self.source = lever, weight, stage, source
        self.also = also  # more levers applied after the first, in turn (combinations)
        self._keyword_list: Sequence[tuple[int, float]] = ()
        self._analysis: QueryAnalysis | None = None

    def _boosted(self, snapshot: IndexSnapshot, analysis: QueryAnalysis,  # type: ignore[override]
                 scored: dict[str, Sequence[tuple[int, float]]], reads: PassageReads, prepared) -> Fused:  # type: ignore[no-untyped-def]
        fused = super()._boosted(snapshot, analysis, scored, reads, prepared)
        self._keyword_list, self._analysis = scored.get("keyword") or (), analysis
        return self._context(snapshot, fused) if self.stage == "pre" else fused

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters,  # type: ignore[override]
               depth: int, reads: PassageReads, page_end: int = 10, side=None) -> Fused:  # type: ignore[no-untyped-def]
        self._keyword_list, self._analysis = (), None
        fused = super()._fused(snapshot, analysis, mode, filters, depth, reads, page_end, side)
        if mode == "hybrid" and self.stage == "post" and self._analysis is not None:
            return self._context(snapshot, fused)
        return fused

    def _context(self, snapshot: IndexSnapshot, fused: Fused) -> Fused:
        for lever, weight, source in ((self.lever, self.weight, self.source), *self.also):
            fused = self._one(snapshot, fused, lever, weight, source)
        return fused

    def _one(self, snapshot: IndexSnapshot, fused: Fused, lever: str, weight: float, source: str) -> Fused:
        if not fused:
            return fused
        chunks = snapshot.store.get_chunks([c.chunk_id for c in fused])
        place = {i: (s.chunk.doc_id, s.chunk.ordinal) for i, s in chunks.items()}
        if lever == "own-term":
            terms = set(self._analysis.terms) if self._analysis else set()
            if not terms:
                return fused
            bonus = {i: -weight * c.score for c in fused
                     if (i := c.chunk_id) in chunks and not terms & set(stems(chunks[i].chunk.text))}
        elif lever == "title-only":
            terms = set(self._analysis.terms) if self._analysis else set()
            documents = snapshot.store.get_documents({s.chunk.doc_id for s in chunks.values()})
            bonus = {}
            for c in fused:
                if c.chunk_id not in chunks:
                    continue
                chunk = chunks[c.chunk_id].chunk
                document = documents.get(chunk.doc_id)
                around = " ".join([*chunk.heading_path, document.title if document else "",
                                   (document.symbol or "") if document else ""])
                beyond = terms - set(stems(around))  # the query's terms its title and headings do not hold
                if beyond and not beyond & set(stems(chunk.text)):
                    bonus[c.chunk_id] = -weight * c.score
        elif lever in ("doc-gap", "doc-best"):
            own = dict(dbsf_scale(self._keyword_list))
            keyword_places = snapshot.store.get_chunks([i for i in own if i not in place])
            place.update({i: (s.chunk.doc_id, s.chunk.ordinal) for i, s in keyword_places.items()})
            best: dict[str, tuple[float, int]] = {}
            for i, score in own.items():
                if i in place and score > best.get(place[i][0], (-1.0, -1))[0]:
                    best[place[i][0]] = (score, i)
            if lever == "doc-gap":
                bonus = {c.chunk_id: -weight * (best[doc][0] - own.get(c.chunk_id, 0.0)) for c in fused
                         if c.chunk_id in place and (doc := place[c.chunk_id][0]) in best}
            else:
                bonus = {i: weight for _, i in best.values()}
        elif lever.startswith("doc"):
            keyword_places = snapshot.store.get_chunks([i for i, _ in self._keyword_list if i not in place])
            place.update({i: (s.chunk.doc_id, s.chunk.ordinal) for i, s in keyword_places.items()})
            per_doc: dict[str, float] = {}
            for i, score in self._keyword_list:
                if i in place:
                    doc = place[i][0]
                    per_doc[doc] = (max(per_doc.get(doc, score), score) if lever == "doc-max"
                                    else per_doc.get(doc, 0.0) + score)
            scaled = dict(dbsf_scale(list(per_doc.items())))
            bonus = {c.chunk_id: weight * scaled.get(place[c.chunk_id][0], 0.0)
                     for c in fused if c.chunk_id in place}
        else:
            if source == "kw":
                evidence = dict(dbsf_scale(self._keyword_list))
                keyword_places = snapshot.store.get_chunks([i for i in evidence if i not in place])
                place.update({i: (s.chunk.doc_id, s.chunk.ordinal) for i, s in keyword_places.items()})
            else:
                evidence = {c.chunk_id: c.score for c in fused}
            at = {place[i]: score for i, score in evidence.items() if i in place}
            bonus = {}
            for c in fused:
                if c.chunk_id not in place:
                    continue
                doc, ordinal = place[c.chunk_id]
                around = [at.get((doc, ordinal - 1), 0.0), at.get((doc, ordinal + 1), 0.0)]
                value = max(around) if lever == "nbr-max" else sum(around) / 2
                bonus[c.chunk_id] = weight * value
        rescored = [Candidate(c.chunk_id, c.score + bonus.get(c.chunk_id, 0.0), c.retrievers) for c in fused]
        return sorted(rescored, key=lambda c: -c.score)

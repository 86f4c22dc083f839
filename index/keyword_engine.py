"""Keyword search on Tantivy: top-k by BM25 without scoring every match (block-max WAND).

FTS5's `bm25()` ranks every row an OR query matches: at a million passages a query of common words
scores hundreds of thousands of rows (issue 15: hybrid p50 471 ms). Tantivy's top-k collector skips
the postings blocks that cannot enter the top k, and runs the filters inside the same query.

The index holds what FTS5 held: each passage's Snowball stems (index.query.index_text), its
document's title and symbol, its headings; the whitespace tokenizer keeps our stems as they are, so
a query stem and an indexed stem match exactly when they are equal. The filter values are fields
too (lower-cased where SQLite compares them without case), so a filtered search never lists ids.

Tantivy segments are immutable files: a new generation hard-links the previous generation's files
and writes only a new segment and the delete bitsets (index.generation).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from index.errors import CorruptIndex
from index.query import Phrase, QueryAnalysis
from index.types import Filters
from ingest.bodies import canonical_body

KEYWORDS_DIR = "keywords"  # beside store.sqlite in a generation folder
ENGINES = ("fts5", "tantivy")
# Files a Tantivy writer or reader keeps for itself: never hard-linked into the next generation.
_LOCKS = (".tantivy-writer.lock", ".tantivy-meta.lock")
_TEXT_FIELDS = ("text", "title", "heading")
_SHOWN = ("text", "heading")  # where a required or excluded phrase must (not) stand, as SearchEngine checks
# The ranked words are scored in one field holding the passage text twice, then its title and headings: one
# BM25 over the whole row with the default weights 1/0.5/0.5 as term counts, as FTS5's bm25() scores a row.
# Summing a BM25 per field instead (each title match scored as a whole short field) lost 0.04 nDCG@10 on
# the UN set's keyword runs; this field is within 0.007 of FTS5 on both halves (README, "Scaling").
_ALL = "all"
_ALL_WEIGHTS = (1.0, 0.5, 0.5)  # what the repetition in _ALL stands for (index.store.FIELD_WEIGHTS)
_MAX_RANKED = 64  # the most ranked alternatives one query ORs together (as FTS5 did)
_WRITER_HEAP = 64_000_000



def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=False, indexed=True, fast=True)
    for name in (*_TEXT_FIELDS, _ALL):
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in ("doc", "doc_key", "doc_type", "body", "kind", "country", "symbol"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    return builder.build()


@dataclass(frozen=True)
class KeywordRow:
    """One passage as the keyword index holds it (stems space-separated, filter values as stored in SQLite)."""

    chunk_id: int
    doc_id: str
    text: str
    title: str
    heading: str
    doc_type: str | None
    body: str | None
    kind: str
    year: int | None
    countries: Sequence[str]
    symbols: Sequence[str]


class TantivyKeywords:
    """The keyword index of one generation (a folder of Tantivy segments)."""

    def __init__(self, path: Path, *, read_only: bool) -> None:
        self.path = path
        self.schema = _schema()
        try:
            if read_only:
                if not (path / "meta.json").exists():
                    raise CorruptIndex(f"keyword index missing: {path / 'meta.json'}")
                self.index = tantivy.Index.open(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self.index = tantivy.Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:  # tantivy reports a damaged folder as ValueError
            raise CorruptIndex(f"keyword index {path} is unreadable: {exc}") from exc
        self.read_only = read_only
        self._writer: tantivy.IndexWriter | None = None
        self._searcher = self.index.searcher()

    # -- writes ---------------------------------------------------------------------------
    @property
    def writer(self) -> tantivy.IndexWriter:
        if self.read_only:
            raise PermissionError(f"keyword index {self.path} is open for reading")
        if self._writer is None:
            self._writer = self.index.writer(_WRITER_HEAP, 1)
        return self._writer

    def add(self, rows: Sequence[KeywordRow]) -> None:
        """Add passages (visible after `commit`)."""
        for row in rows:
            doc = tantivy.Document()
            doc.add_unsigned("id", int(row.chunk_id))
            doc.add_text("doc", row.doc_id)
            doc.add_text("doc_key", row.doc_id.lower())
            for name, text in (("text", row.text), ("title", row.title), ("heading", row.heading)):
                doc.add_text(name, text)
            doc.add_text(_ALL, " ".join((row.text, row.text, row.title, row.heading)))
            for name, value in (("doc_type", row.doc_type), ("body", row.body), ("kind", row.kind)):
                if value:
                    doc.add_text(name, value.lower())
            if row.year is not None:
                doc.add_integer("year", int(row.year))
            for code in dict.fromkeys(row.countries):
                doc.add_text("country", code.upper())
            for symbol in dict.fromkeys(s.lower() for s in row.symbols if s):
                doc.add_text("symbol", symbol)
            self.writer.add_document(doc)

    def remove_document(self, doc_id: str) -> None:
        """Delete a document's passages (at `commit`)."""
        self.writer.delete_documents_by_term("doc", doc_id)

    def commit(self) -> None:
        """Write the pending adds and deletes as new segment files; merges finish before this returns."""
        if self._writer is None:
            return
        self._writer.commit()
        self._writer.wait_merging_threads()  # the writer is spent after this: the next write opens another
        self._writer = None
        self.index.reload()
        self._searcher = self.index.searcher()

    def close(self) -> None:
        """Drop uncommitted changes and the writer's lock."""
        if self._writer is not None:
            self._writer.rollback()
            self._writer = None

    # -- reads ----------------------------------------------------------------------------
    def search(self, analysis: QueryAnalysis, k: int, filters: Filters | None,
               weights: tuple[float, float, float]) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) of the best `k` passages (the same match rules as Store's FTS5 query)."""
        query = self.query(analysis, filters, weights)
        if query is None or k <= 0:
            return []
        result = self._searcher.search(query, k, count=False)  # no count: the top-k collector may skip blocks
        addresses = [address for _, address in result.hits]
        ids = self._searcher.fast_field_values("id", addresses)
        return [(int(i), float(score)) for (score, _), i in zip(result.hits, ids, strict=True) if i is not None]

    def count(self, analysis: QueryAnalysis, filters: Filters | None) -> int:
        """How many passages match (exact: Tantivy counts postings without scoring them)."""
        query = self.query(analysis, filters, (1.0, 1.0, 1.0))
        if query is None:
            return 0
        found = self._searcher.search(query, 1, count=True)
        return int(getattr(found, "count", 0) or 0)  # the type stub lacks `count`, which the result has

    def document_frequency(self, stem: str, field: str = "text") -> int:
        """How many passages hold `stem` in their text (`field="all"`: in their text, title or headings;
        deleted passages may still count until a merge)."""
        return int(self._searcher.doc_freq(field, stem))

    def passages(self) -> int:
        """How many passages the index holds (deleted ones may still count until a merge)."""
        return int(self._searcher.num_docs)

    def query(self, analysis: QueryAnalysis, filters: Filters | None, weights: tuple[float, float, float]
              ) -> Query | None:
        """The Tantivy query of an analysed query; None when nothing in it can match.

        Required phrase groups are MUST clauses (alternatives SHOULD inside), title terms MUST match the
        title; the free words, acronym expansions and phrases are scored in each field with its weight, and
        one of them must match (FTS5's `required AND (ranked OR ...)`); excluded phrases are MUST_NOT;
        filters are unscored MUST clauses. A query of plain words is one flat union of boosted term
        queries, the shape Tantivy's top-k collector prunes with block-max WAND. With the default weights
        the ranked words are scored in the combined field (_ALL); other weights boost a BM25 per field.
        """
        weights = tuple(float(w) for w in weights)  # type: ignore[assignment]
        boosts = {_ALL: 1.0} if weights == _ALL_WEIGHTS else dict(zip(_TEXT_FIELDS, weights, strict=True))
        must = [Query.boolean_query([(Occur.Should, self._phrase(p, f)) for p in group for f in _SHOWN])
                for group in analysis.required]
        must += [self._phrase(p, "title") for p in analysis.in_title]
        ranked = [Phrase(t, (t,)) for t in analysis.terms] + list(analysis.expansions)
        ranked += [p for group in analysis.required for p in group]
        ranked = list({p.stems: p for p in ranked}.values())[:_MAX_RANKED]
        should = [Query.boost_query(self._phrase(p, name), boost) for p in ranked
                  for name, boost in boosts.items() if boost > 0]
        if not must and not should:
            return None
        rest: list[tuple[Occur, Query]] = [(Occur.MustNot, self._phrase(p, f)) for p in analysis.excluded
                                           for f in _SHOWN]
        rest += [(Occur.Must, Query.const_score_query(q, 0.0)) for q in self._filters(filters or Filters())]
        clauses: list[tuple[Occur, Query]] = [(Occur.Must, q) for q in must]
        if not must and not rest:  # plain words: one flat union of term scorers, which the top-k collector prunes
            clauses = [(Occur.Should, q) for q in should]
        elif should:  # next to MUST (NOT) clauses a SHOULD only ranks: one of the words must match, as in FTS5
            clauses.append((Occur.Must, Query.boolean_query([(Occur.Should, q) for q in should])))
        clauses += rest
        return Query.boolean_query(clauses)

    def _phrase(self, phrase: Phrase, field: str) -> Query:
        if len(phrase.stems) == 1:
            return Query.term_query(self.schema, field, phrase.stems[0])
        return Query.phrase_query(self.schema, field, list(phrase.stems))

    def _filters(self, filters: Filters) -> list[Query]:
        out: list[Query] = []
        for name, value in (("doc_type", filters.doc_type), ("body", canonical_body(filters.body)),
                            ("kind", filters.kind), ("doc_key", filters.doc_id), ("symbol", filters.symbol)):
            if value is not None:
                out.append(Query.term_query(self.schema, name, value.lower()))
        if filters.country is not None:
            out.append(Query.term_query(self.schema, "country", filters.country.upper()))
        if filters.year_from is not None or filters.year_to is not None:
            out.append(Query.range_query(self.schema, "year", tantivy.FieldType.Integer, filters.year_from,
                                         filters.year_to))
        return out


def link_files(source: Path, target: Path) -> None:
    """Hard-link a committed keyword index into a new generation's folder (its segment files never change;
    Tantivy replaces meta.json by a rename, so the previous generation keeps its own)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        if path.is_file() and path.name not in _LOCKS:
            os.link(path, target / path.name)

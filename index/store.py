"""SQLite store: documents, chunks, references and an FTS5 table for keyword search."""
from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import CorruptIndex
from index.keyword_engine import KEYWORDS_DIR, KeywordRow, TantivyKeywords
from index.passage_features import PassageFeatures, features_of_text
from index.passage_features import from_blob as features_from_blob
from index.passage_features import to_blob as features_to_blob
from index.query import QueryAnalysis, analyse, index_text, token_list, words
from index.sentences import STORED_DTYPE
from index.sentences import from_blob as vectors_from_blob
from index.sentences import to_blob as vectors_to_blob
from index.types import Filters, StoredChunk
from ingest.bodies import canonical_body
from ingest.types import Chunk, Document, Reference

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, sha256 TEXT NOT NULL, title TEXT NOT NULL,
    doc_type TEXT, symbol TEXT, body TEXT, date TEXT, year INTEGER, language TEXT,
    countries TEXT NOT NULL DEFAULT '[]', pages INTEGER, size_bytes INTEGER, session TEXT,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id), ordinal INTEGER NOT NULL,
    text TEXT NOT NULL, kind TEXT NOT NULL, label TEXT, heading_path TEXT NOT NULL DEFAULT '[]',
    page_start INTEGER, page_end INTEGER, char_start INTEGER, char_end INTEGER,
    added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
    features BLOB,
    UNIQUE (doc_id, ordinal)
);
CREATE INDEX IF NOT EXISTS chunks_kind ON chunks(kind);
CREATE TABLE IF NOT EXISTS doc_countries (doc_id TEXT NOT NULL, country TEXT NOT NULL, PRIMARY KEY (doc_id, country));
CREATE TABLE IF NOT EXISTS doc_references (
    doc_id TEXT NOT NULL, symbol TEXT NOT NULL, raw TEXT NOT NULL, label TEXT, chunk_ordinal INTEGER
);
CREATE INDEX IF NOT EXISTS doc_references_symbol ON doc_references(symbol);
CREATE INDEX IF NOT EXISTS doc_references_doc ON doc_references(doc_id);
CREATE INDEX IF NOT EXISTS documents_symbol ON documents(symbol);
CREATE TABLE IF NOT EXISTS doc_symbols (doc_id TEXT NOT NULL, symbol TEXT NOT NULL, PRIMARY KEY (doc_id, symbol));
CREATE INDEX IF NOT EXISTS doc_symbols_symbol ON doc_symbols(symbol COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS chunk_countries (chunk_id INTEGER NOT NULL, country TEXT NOT NULL,
                                            PRIMARY KEY (country, chunk_id));
CREATE TABLE IF NOT EXISTS doc_participants (
    doc_id TEXT NOT NULL, country TEXT NOT NULL, PRIMARY KEY (doc_id, country)
);
CREATE TABLE IF NOT EXISTS mandates (
    doc_id TEXT NOT NULL, chunk_ordinal INTEGER NOT NULL, label TEXT, verb TEXT NOT NULL, who TEXT NOT NULL,
    what TEXT NOT NULL, due TEXT, due_year INTEGER, source_symbol TEXT, reporting INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS mandates_doc ON mandates(doc_id);
CREATE INDEX IF NOT EXISTS mandates_source ON mandates(source_symbol);
CREATE TABLE IF NOT EXISTS doc_responses (
    doc_id TEXT NOT NULL, chunk_ordinal INTEGER, symbol TEXT NOT NULL, paragraph TEXT
);
CREATE INDEX IF NOT EXISTS doc_responses_symbol ON doc_responses(symbol);
CREATE TABLE IF NOT EXISTS vocabulary (word TEXT PRIMARY KEY, passages INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunk_sentences (
    chunk_id INTEGER PRIMARY KEY, sentences INTEGER NOT NULL, vectors BLOB NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, title, heading, tokenize = 'unicode61 remove_diacritics 2'
);
"""
# chunks_fts holds each passage's stems (index.query.index_text), not its words: FTS5 then matches
# exactly what the query analysis stems, and no tokenizer of its own (porter) disagrees with it.

# bm25 weights of the FTS5 columns: passage text, document title (and symbol), heading path.
FIELD_WEIGHTS = (1.0, 0.5, 0.5)


def fts_expression(query: QueryAnalysis) -> str | None:
    """The FTS5 MATCH expression of an analysed query; None when nothing in it can match.

    Required phrases are AND-ed (alternatives OR-ed inside a group); the free words, acronym
    expansions and the phrases themselves are OR-ed after them, so bm25 weighs every one of them
    while only the required ones filter; excluded phrases are NOT-ed; title terms use the title column.
    """
    # Required and excluded phrases look in the passage and its headings, as SearchEngine checks them.
    required = [_SHOWN + " : (" + " OR ".join(_fts_phrase(p.stems) for p in group) + ")" for group in query.required]
    required += ["title : " + _fts_phrase(p.stems) for p in query.in_title]
    ranked = [_fts_phrase((t,)) for t in query.terms]
    ranked += [_fts_phrase(p.stems) for p in query.expansions]
    ranked += [_fts_phrase(p.stems) for group in query.required for p in group]
    ranked = list(dict.fromkeys(ranked))[:64]
    parts = [f"({r})" for r in required] + ([f"({' OR '.join(ranked)})"] if ranked and required else [])
    expression = " AND ".join(parts) if required else " OR ".join(ranked)
    if not expression:
        return None
    if query.excluded:
        excluded = " OR ".join(_fts_phrase(p.stems) for p in query.excluded)
        expression = f"({expression}) NOT {_SHOWN} : ({excluded})"
    return expression


_SHOWN = "{text heading}"  # the columns a page shows a passage with


def _fts_phrase(stems: tuple[str, ...]) -> str:
    return '"' + " ".join(stems).replace('"', '""') + '"'


def fts_query(text: str) -> str | None:
    """The FTS5 MATCH expression for a query as typed (see `fts_expression`)."""
    return fts_expression(analyse(text))


class Store:
    """One SQLite file. Writers use one connection in one thread; readers open their own."""

    def __init__(self, path: Path, *, read_only: bool = False, keyword_engine: str | None = None) -> None:
        """`keyword_engine`: "tantivy" keeps the keyword index in a Tantivy folder beside the file
        (index.keyword_engine), "fts5" in the file's FTS5 table; None: whichever the folder holds."""
        self.path = path
        keywords_dir = path.parent / KEYWORDS_DIR
        engine = keyword_engine or ("tantivy" if keywords_dir.is_dir() else "fts5")
        self.keywords = TantivyKeywords(keywords_dir, read_only=read_only) if engine == "tantivy" else None
        # A writer's list of its changes (index.store_changes records and replays it); False while replaying
        # one, when the keyword index (hard-linked from the generation that made the change) has it already.
        self.changes: list[tuple[Any, ...]] | bool | None = None
        try:
            if read_only:
                self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
                _add_missing_tables(self.conn)
            else:
                self.conn = sqlite3.connect(str(path))
                self.conn.executescript(SCHEMA)
                _add_missing_columns(self.conn)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("SELECT count(*) FROM documents").fetchone()
            # a store built before passages' features were kept (a reader computes them: chunk_features)
            self._has_features = "features" in {row[1] for row in self.conn.execute("PRAGMA table_info(chunks)")}
        except sqlite3.DatabaseError as exc:
            raise CorruptIndex(f"database file {path} is unreadable: {exc}") from exc

    def close(self) -> None:
        """Close the connection."""
        if self.keywords is not None:
            self.keywords.close()
        self.conn.close()

    # -- writes -------------------------------------------------------------------------
    def add_document(self, document: Document, chunks: Sequence[Chunk], ids: Sequence[int] | None = None,
                     first_id: int | None = None, sentences: Sequence[np.ndarray | None] | None = None) -> list[int]:
        """Insert a document and its chunks; returns the chunks' row ids (their vector ids).

        `ids`: the row ids to give the chunks (a replayed change, index.store_changes); `first_id`: the
        chunks take ids from there on (a shared engine needs ids never used before); neither: new row ids.
        `sentences`: per chunk, its sentences' vectors (index.sentences; None: none stored for that chunk).
        """
        if sentences is not None and len(sentences) != len(chunks):
            raise ValueError(f"{len(sentences)} sentence matrices for {len(chunks)} chunks of {document.id}")
        if ids is None and first_id is not None:
            ids = range(first_id, first_id + len(chunks))
        c = self.conn
        c.execute(
            "INSERT INTO documents (id, source, sha256, title, doc_type, symbol, body, date, year, language,"
            " countries, pages, size_bytes, session) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (document.id, document.source, document.sha256, document.title, document.doc_type, document.symbol,
             document.body, document.date, _year(document.date), document.language,
             json.dumps(list(document.countries)), document.pages, document.size_bytes, document.session))
        # every part of a joint symbol finds the document ("E/HLPF/2025/L.1" as well as "E/2025/L.16")
        c.executemany("INSERT OR IGNORE INTO doc_symbols (doc_id, symbol) VALUES (?, ?)",
                      [(document.id, s) for s in (document.symbol, *document.symbols) if s])
        c.executemany("INSERT INTO mandates (doc_id, chunk_ordinal, label, verb, who, what, due, due_year,"
                      " source_symbol, reporting) VALUES (?,?,?,?,?,?,?,?,?,?)",
                      [(document.id, m.chunk_ordinal, m.label, m.verb, m.who, m.what, m.due, m.due_year,
                        m.source_symbol, int(bool(re.search(r"\breport", m.what[:200])))) for m in document.mandates])
        c.executemany("INSERT INTO doc_responses (doc_id, chunk_ordinal, symbol, paragraph) VALUES (?,?,?,?)",
                      [(document.id, r.chunk_ordinal, r.symbol, r.paragraph) for r in document.responses])
        c.executemany("INSERT OR IGNORE INTO doc_participants (doc_id, country) VALUES (?, ?)",
                      [(document.id, code) for code in document.participants])
        c.executemany("INSERT INTO doc_countries (doc_id, country) VALUES (?, ?)",
                      [(document.id, code) for code in dict.fromkeys(document.countries)])
        c.executemany("INSERT INTO doc_references (doc_id, symbol, raw, label, chunk_ordinal) VALUES (?,?,?,?,?)",
                      [(document.id, r.symbol, r.raw, r.label, r.chunk_ordinal) for r in document.references])
        title = " ".join(filter(None, [document.title, document.symbol]))
        given = list(ids) if ids is not None else None
        ids = []
        for number, chunk in enumerate(chunks):
            cursor = c.execute(
                "INSERT INTO chunks (id, doc_id, ordinal, text, kind, label, heading_path, page_start, page_end,"
                " char_start, char_end, features) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (given[number] if given is not None else None, document.id, chunk.ordinal, chunk.text, chunk.kind,
                 chunk.label, json.dumps(list(chunk.heading_path)), chunk.page_start, chunk.page_end,
                 chunk.char_start, chunk.char_end, features_to_blob(features_of_text(chunk.text, chunk.heading_path))))
            assert cursor.lastrowid is not None  # an INSERT into a rowid table always sets it
            rowid = int(cursor.lastrowid)
            ids.append(rowid)
            c.executemany("INSERT OR IGNORE INTO chunk_countries (chunk_id, country) VALUES (?, ?)",
                          [(rowid, code) for code in chunk.countries])
            if self.keywords is None:
                c.execute("INSERT INTO chunks_fts (rowid, text, title, heading) VALUES (?,?,?,?)",
                          (rowid, index_text(chunk.text), index_text(title), index_text(" ".join(chunk.heading_path))))
        if sentences is not None:
            c.executemany("INSERT OR REPLACE INTO chunk_sentences (chunk_id, sentences, vectors) VALUES (?, ?, ?)",
                          [(rowid, len(matrix), vectors_to_blob(matrix))
                           for rowid, matrix in zip(ids, sentences, strict=True) if matrix is not None and len(matrix)])
        if isinstance(self.changes, list):
            kept = None if sentences is None else tuple(None if m is None else np.asarray(m, dtype=STORED_DTYPE)
                                                        for m in sentences)  # float16: half the bytes of the record
            self.changes.append(("add", document, tuple(chunks), tuple(ids), kept))
        if self.keywords is not None and self.changes is not False:
            symbols = (document.symbol, *document.symbols)
            self.keywords.add([KeywordRow(
                rowid, document.id, index_text(chunk.text), index_text(title), index_text(" ".join(chunk.heading_path)),
                document.doc_type, document.body, chunk.kind, _year(document.date), chunk.countries,
                [s for s in symbols if s]) for rowid, chunk in zip(ids, chunks, strict=True)])
        self._count_words([chunk.text for chunk in chunks], +1)
        return ids

    def _count_words(self, texts: Sequence[str], sign: int) -> None:
        """Add (or take away) the passages' words in `vocabulary`, which spelling suggestions read."""
        counts: dict[str, int] = {}
        for text in texts:
            for word in {w for _, _, w in words(text) if len(w) > 2 and not w.isdigit()}:
                counts[word] = counts.get(word, 0) + 1
        self.conn.executemany("INSERT INTO vocabulary (word, passages) VALUES (?, ?) ON CONFLICT (word)"
                              " DO UPDATE SET passages = passages + excluded.passages",
                              [(w, sign * n) for w, n in counts.items()])
        if sign < 0:
            self.conn.execute("DELETE FROM vocabulary WHERE passages <= 0")

    def similar_words(self, first: str, shortest: int, longest: int) -> list[tuple[str, int]]:
        """(word, passages) of the indexed words starting with `first`, of a length in [shortest, longest]."""
        rows = self.conn.execute("SELECT word, passages FROM vocabulary WHERE word >= ? AND word < ?"
                                 " AND length(word) BETWEEN ? AND ?", (first, first + "\uffff", shortest, longest))
        return [(row[0], int(row[1])) for row in rows]

    def term_rarity(self, terms: Sequence[str]) -> dict[str, float]:
        """Each stem's inverse document frequency over the passages, log(1 + passages / passages holding it)."""
        passages = self.count_chunks()
        out = {}
        for term in terms:
            if self.keywords is not None:
                out[term] = math.log(1 + passages / max(1, self.keywords.document_frequency(term)))
                continue
            holding = self.conn.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                        [_fts_phrase((term,))]).fetchone()[0]
            out[term] = math.log(1 + passages / max(1, int(holding)))
        return out

    def stem_frequencies(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(passages, how many passages hold each stem in their text, title or headings): BM25's statistics
        (index.bm25), from the keyword engine."""
        if self.keywords is not None:
            return self.keywords.passages(), {t: self.keywords.document_frequency(t, "all") for t in terms}
        out = {}
        for term in terms:
            out[term] = int(self.conn.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?",
                                              [_fts_phrase((term,))]).fetchone()[0])
        return self.count_chunks(), out

    def headings_and_titles(self, chunk_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """(how many words its headings hold, its document's title and symbol) of these chunks, for BM25's
        fields (index.bm25): the stored stems hold the headings' stems first."""
        ids = [int(i) for i in chunk_ids]
        out: dict[int, tuple[int, str]] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            rows = self.conn.execute("SELECT c.id, c.heading_path, d.title, d.symbol FROM chunks c JOIN documents d"
                                     f" ON d.id = c.doc_id WHERE c.id IN ({','.join('?' * len(part))})", part)
            for chunk_id, headings, title, symbol in rows:
                out[int(chunk_id)] = (len(token_list(" ".join(_json_tuple(headings)))),
                                      " ".join(filter(None, [title, symbol])))
        return out

    def sample_chunk_ids(self, count: int) -> list[int]:
        """Up to `count` chunk ids spread evenly over the range of ids (a sample for collection statistics;
        two index lookups and one IN list, whatever the store's size)."""
        low, high = self.conn.execute("SELECT min(id), max(id) FROM chunks").fetchone()
        if low is None:
            return []
        wanted = sorted({int(i) for i in np.linspace(int(low), int(high), num=max(1, count))})
        return sorted(self.known_chunk_ids(wanted))

    def keyword_count(self, query: QueryAnalysis, filters: Filters | None = None, cap: int = 10_000) -> int:
        """How many passages the analysed query matches by keyword (counted up to `cap`)."""
        if self.keywords is not None:  # Tantivy counts postings without scoring them: exact, and cheap
            return self.keywords.count(query, filters)
        expression = fts_expression(query)
        if expression is None:
            return 0
        where, params = filter_sql(filters or Filters())
        sql = ("SELECT count(*) FROM (SELECT chunks_fts.rowid FROM chunks_fts"
               " JOIN chunks ON chunks.id = chunks_fts.rowid JOIN documents d ON d.id = chunks.doc_id"
               f" WHERE chunks_fts MATCH ? {('AND ' + where) if where else ''} LIMIT ?)")
        return int(self.conn.execute(sql, [expression, *params, cap]).fetchone()[0])

    def remove_document(self, doc_id: str) -> list[int]:
        """Delete a document with its chunks and keyword rows; returns the removed chunk ids."""
        c = self.conn
        if isinstance(self.changes, list):
            self.changes.append(("remove", doc_id))
        ids = [row[0] for row in c.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
        self._count_words([row[0] for row in c.execute("SELECT text FROM chunks WHERE doc_id = ?", (doc_id,))], -1)
        if self.keywords is not None:
            if self.changes is not False:
                self.keywords.remove_document(doc_id)
        else:
            c.executemany("DELETE FROM chunks_fts WHERE rowid = ?", [(i,) for i in ids])
        c.executemany("DELETE FROM chunk_countries WHERE chunk_id = ?", [(i,) for i in ids])
        c.executemany("DELETE FROM chunk_sentences WHERE chunk_id = ?", [(i,) for i in ids])
        c.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM doc_countries WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM doc_symbols WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM doc_participants WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM mandates WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM doc_responses WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM doc_references WHERE doc_id = ?", (doc_id,))
        c.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return ids

    def commit(self) -> None:
        """Commit the open transaction (and the keyword index's pending changes)."""
        self.conn.commit()
        if self.keywords is not None:
            self.keywords.commit()

    # -- reads --------------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        """doc id -> sha256 of the bytes it was built from."""
        return {row[0]: row[1] for row in self.conn.execute("SELECT id, sha256 FROM documents")}

    def document_sources(self) -> dict[str, str]:
        """doc id -> source path."""
        return {row[0]: row[1] for row in self.conn.execute("SELECT id, source FROM documents")}

    def count_documents(self) -> int:
        """Number of documents."""
        return int(self.conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def count_chunks(self) -> int:
        """Number of chunks."""
        return int(self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def get_document(self, doc_id: str) -> Document | None:
        """One document with its references, or None."""
        row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return self._document(row) if row else None

    def get_documents(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """Several documents by id."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT * FROM documents WHERE id IN ({marks})", ids).fetchall()
        return {document.id: document for document in self._documents(rows)}

    def list_documents(self) -> list[Document]:
        """All documents, ordered by title."""
        rows = self.conn.execute("SELECT * FROM documents ORDER BY title").fetchall()
        return self._documents(rows)

    def get_chunks(self, chunk_ids: Sequence[int]) -> dict[int, StoredChunk]:
        """Chunks by row id."""
        ids = [int(i) for i in chunk_ids]
        out: dict[int, StoredChunk] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for row in self.conn.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE id IN ({marks})", part):
                out[row["id"]] = StoredChunk(row["id"], _chunk(row))
        return out

    def chunk_features(self, chunk_ids: Sequence[int]) -> dict[int, PassageFeatures]:
        """The search features of these chunks (unknown ids left out): those stored at ingest, or computed
        from the text where the store holds none (a store built before they were kept)."""
        ids = [int(i) for i in chunk_ids]
        out: dict[int, PassageFeatures] = {}
        column = "features" if self._has_features else "NULL"
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            for chunk_id, blob in self.conn.execute(f"SELECT id, {column} FROM chunks WHERE id IN ({marks})", part):
                found = features_from_blob(blob)
                if found is not None:
                    out[chunk_id] = found
            unstored = [i for i in part if i not in out]
            if unstored:  # read the text of only those: most stores hold every passage's features
                marks = ",".join("?" * len(unstored))
                for chunk_id, text, headings in self.conn.execute(
                        f"SELECT id, text, heading_path FROM chunks WHERE id IN ({marks})", unstored):
                    out[chunk_id] = features_of_text(text, json.loads(headings or "[]"))
        return out

    def fill_features(self, batch: int = 2000) -> int:
        """Store the features of every chunk that has none (or an outdated version), for a store built
        before they were kept; returns how many were filled. Writers only; commits each batch."""
        return fill_features(self.conn, batch)

    def sentence_vectors(self, chunk_ids: Sequence[int], dimension: int) -> dict[int, np.ndarray]:
        """The stored sentence vectors of these chunks (index.sentences), float32; chunks without any
        (one sentence, or stored before sentences were) are left out."""
        ids = [int(i) for i in chunk_ids][:500]  # one query: the head of a ranking, never more
        if not ids:
            return {}
        rows = self.conn.execute(f"SELECT chunk_id, vectors FROM chunk_sentences WHERE chunk_id IN"
                                 f" ({','.join('?' * len(ids))})", ids)
        return {int(row[0]): vectors_from_blob(row[1], dimension) for row in rows}

    def count_sentence_vectors(self) -> tuple[int, int]:
        """(passages with stored sentence vectors, sentence vectors stored)."""
        row = self.conn.execute("SELECT count(*), coalesce(sum(sentences), 0) FROM chunk_sentences").fetchone()
        return int(row[0]), int(row[1])

    def known_chunk_ids(self, chunk_ids: Sequence[int]) -> set[int]:
        """The ids among `chunk_ids` that this store holds."""
        ids = [int(i) for i in chunk_ids]
        out: set[int] = set()
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            out.update(row[0] for row in self.conn.execute(
                f"SELECT id FROM chunks WHERE id IN ({','.join('?' * len(part))})", part))
        return out

    def document_chunks(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks in reading order."""
        rows = self.conn.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        return [StoredChunk(row["id"], _chunk(row)) for row in rows]

    def keyword_search(self, query: QueryAnalysis | str, k: int, filters: Filters | None = None,
                       weights: tuple[float, float, float] = FIELD_WEIGHTS) -> list[tuple[int, float]]:
        """(chunk id, bm25 score, higher is better) for the FTS5 match of the analysed query.

        `weights` weigh a match in the passage text, its document's title and symbol, and its headings.
        """
        if self.keywords is not None:
            return self.keywords.search(query if isinstance(query, QueryAnalysis) else analyse(query), k, filters,
                                        weights)
        expression = fts_expression(query if isinstance(query, QueryAnalysis) else analyse(query))
        if expression is None:
            return []
        where, params = filter_sql(filters or Filters())
        w_text, w_title, w_heading = (float(w) for w in weights)
        sql = (f"SELECT chunks_fts.rowid, bm25(chunks_fts, {w_text!r}, {w_title!r}, {w_heading!r}) AS s FROM chunks_fts"
               " JOIN chunks ON chunks.id = chunks_fts.rowid JOIN documents d ON d.id = chunks.doc_id"
               f" WHERE chunks_fts MATCH ? {('AND ' + where) if where else ''} ORDER BY s LIMIT ?")
        rows = self.conn.execute(sql, [expression, *params, k]).fetchall()
        return [(int(row[0]), -float(row[1])) for row in rows]

    def symbol_chunk_ids(self, symbols: Sequence[str], filters: Filters | None = None) -> list[int]:
        """Chunks, in reading order, of the documents whose own symbol is one of `symbols` (any case)."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return []
        where, params = filter_sql(filters or Filters())
        sql = (f"SELECT chunks.id FROM chunks JOIN documents d ON d.id = chunks.doc_id"
               f" WHERE (d.symbol COLLATE NOCASE IN ({','.join('?' * len(wanted))}) OR d.id IN"
               f" (SELECT doc_id FROM doc_symbols WHERE symbol COLLATE NOCASE IN ({','.join('?' * len(wanted))})))"
               f" {('AND ' + where) if where else ''} ORDER BY d.symbol, chunks.doc_id, chunks.ordinal")
        return [int(row[0]) for row in self.conn.execute(sql, [*wanted, *wanted, *params])]

    def labelled_chunk_ids(self, symbol: str, label: str, filters: Filters | None = None) -> list[int]:
        """Chunks labelled `label` ("op. 4") in the documents carrying `symbol`, in reading order; its
        sub-paragraphs ("op. 4 (a)") when no passage carries the label itself."""
        where, params = filter_sql(filters or Filters())
        sql = ("SELECT chunks.id, chunks.label FROM chunks JOIN documents d ON d.id = chunks.doc_id"
               " WHERE (d.symbol = ? COLLATE NOCASE OR d.id IN (SELECT doc_id FROM doc_symbols WHERE symbol = ?"
               " COLLATE NOCASE)) AND (chunks.label = ? OR chunks.label LIKE ?)"
               f" {('AND ' + where) if where else ''} ORDER BY chunks.doc_id, chunks.ordinal")
        rows = self.conn.execute(sql, [symbol, symbol, label, label + " (%", *params]).fetchall()
        exact = [int(row[0]) for row in rows if row[1] == label]
        return exact or [int(row[0]) for row in rows]

    def citing_chunk_ids(self, symbols: Sequence[str], filters: Filters | None = None) -> list[int]:
        """Chunks, in reading order, that recall or cite one of `symbols` (from `doc_references`)."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return []
        where, params = filter_sql(filters or Filters())
        sql = ("SELECT DISTINCT chunks.id, chunks.doc_id, chunks.ordinal FROM doc_references r"
               " JOIN chunks ON chunks.doc_id = r.doc_id AND chunks.ordinal = r.chunk_ordinal"
               " JOIN documents d ON d.id = chunks.doc_id"
               f" WHERE r.symbol COLLATE NOCASE IN ({','.join('?' * len(wanted))})"
               f" {('AND ' + where) if where else ''} ORDER BY chunks.doc_id, chunks.ordinal")
        return [int(row[0]) for row in self.conn.execute(sql, [*wanted, *params])]

    def filtered_chunk_ids(self, filters: Filters) -> np.ndarray:
        """Ids of all chunks that pass the filters (for the FAISS id selector)."""
        where, params = filter_sql(filters)
        sql = "SELECT chunks.id FROM chunks JOIN documents d ON d.id = chunks.doc_id"
        rows = self.conn.execute(sql + (f" WHERE {where}" if where else ""), params).fetchall()
        return np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))

    def facet_counts(self, chunk_ids: Sequence[int]) -> dict[str, list[tuple[str, int]]]:
        """Passage counts by doc_type, body, year, country and chunk kind over the given chunks."""
        ids = [int(i) for i in chunk_ids]
        facets: dict[str, dict[str, int]] = {"doc_type": {}, "body": {}, "year": {}, "country": {}, "kind": {}}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(
                f"SELECT d.doc_type, d.body, d.year, chunks.kind FROM chunks"
                f" JOIN documents d ON d.id = chunks.doc_id WHERE chunks.id IN ({marks})", part).fetchall()
            for doc_type, body, year, kind in rows:
                for name, value in (("doc_type", doc_type), ("body", body), ("year", year), ("kind", kind)):
                    if value is not None:
                        facets[name][str(value)] = facets[name].get(str(value), 0) + 1
            # a country counts the passages that name it
            for code, count in self.conn.execute(f"SELECT country, count(*) FROM chunk_countries WHERE chunk_id IN"
                                                 f" ({marks}) GROUP BY country", part):
                facets["country"][code] = facets["country"].get(code, 0) + int(count)
        return {name: sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                for name, counts in facets.items()}

    def query_documents(self, filters: Filters, offset: int, limit: int) -> tuple[int, list[Document]]:
        """Documents passing the filters (chunk-kind filters ignored), ordered by date then title."""
        where, params = filter_sql(Filters(**{**filters.__dict__, "kind": None}), documents_only=True)
        clause = f" WHERE {where}" if where else ""
        # filter_sql names the chunk table only for `kind`, which is cleared above.
        total = self.conn.execute(f"SELECT count(*) FROM documents d{clause}", params).fetchone()[0]
        rows = self.conn.execute(f"SELECT * FROM documents d{clause} ORDER BY d.date DESC, d.title LIMIT ? OFFSET ?",
                                 [*params, limit, offset]).fetchall()
        return int(total), self._documents(rows)

    def documents_with_symbols(self, symbols: Sequence[str]) -> dict[str, str]:
        """symbol -> doc id for documents in the index carrying one of these symbols."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return {}
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(f"SELECT symbol, id FROM documents WHERE symbol IN ({marks})"
                                 f" UNION SELECT symbol, doc_id FROM doc_symbols WHERE symbol IN ({marks})",
                                 [*wanted, *wanted]).fetchall()
        return {row[0]: row[1] for row in rows}

    def referring(self, symbols: Sequence[str]) -> list[tuple[str, str, str, str | None, int | None]]:
        """(doc id, symbol, raw, label, chunk ordinal) of every reference to one of these symbols."""
        wanted = list(dict.fromkeys(symbols))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self.conn.execute(
            f"SELECT doc_id, symbol, raw, label, chunk_ordinal FROM doc_references WHERE symbol IN ({marks})"
            " ORDER BY doc_id, chunk_ordinal", wanted).fetchall()
        return [(row[0], row[1], row[2], row[3], row[4]) for row in rows]

    def chunk_ids_for(self, doc_id: str, ordinals: Sequence[int]) -> dict[int, int]:
        """ordinal -> chunk id within a document."""
        rows = self.conn.execute("SELECT ordinal, id FROM chunks WHERE doc_id = ?", (doc_id,)).fetchall()
        wanted = set(ordinals)
        return {row[0]: row[1] for row in rows if row[0] in wanted}

    def chunks_added_at(self, chunk_ids: Sequence[int]) -> dict[int, str]:
        """chunk id -> when the chunk was added (ISO 8601, UTC), for feeds of new passages."""
        ids = [int(i) for i in chunk_ids]
        out: dict[int, str] = {}
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            marks = ",".join("?" * len(part))
            rows = self.conn.execute(f"SELECT id, added_at FROM chunks WHERE id IN ({marks})", part)
            out.update((int(row[0]), str(row[1])) for row in rows)
        return out

    def _document(self, row: sqlite3.Row) -> Document:
        return self._documents([row])[0]

    def _documents(self, rows: Sequence[sqlite3.Row]) -> list[Document]:
        """Documents of `documents` rows, their references, symbols and participants read in one query
        each for all of them (a page of hits with its duplicates names ~100 documents: three queries
        per document cost 10 ms at 1M chunks)."""
        ids = [row["id"] for row in rows]
        refs = self._by_document("SELECT rowid, doc_id, symbol, raw, label, chunk_ordinal FROM doc_references", ids)
        symbols = self._by_document("SELECT rowid, doc_id, symbol FROM doc_symbols", ids)
        participants = self._by_document("SELECT rowid, doc_id, country FROM doc_participants", ids)
        out = []
        for row in rows:
            doc_id = row["id"]
            out.append(Document(
                id=doc_id, source=row["source"], sha256=row["sha256"], title=row["title"],
                doc_type=row["doc_type"] or "other", symbol=row["symbol"], body=row["body"], date=row["date"],
                language=row["language"], countries=_json_tuple(row["countries"]),
                references=tuple(Reference(r[0], r[1], r[2], r[3]) for r in refs.get(doc_id, ())),
                pages=row["pages"] or 0, size_bytes=row["size_bytes"] or 0,
                # all parts of the symbol, its own symbol first
                symbols=tuple(dict.fromkeys([*([row["symbol"]] if row["symbol"] else []),
                                             *(r[0] for r in symbols.get(doc_id, ()))])),
                # sqlite3.Row's `in` looks at values, not column names: keys() is the column test
                session=row["session"] if "session" in row.keys() else None,  # noqa: SIM118
                participants=tuple(r[0] for r in participants.get(doc_id, ()))))
        return out

    def _by_document(self, select: str, doc_ids: Sequence[str]) -> dict[str, list[tuple]]:
        """The rows of `select` (doc_id first) for these documents, by document, each in rowid order."""
        found: list[tuple] = []
        for start in range(0, len(doc_ids), 500):
            part = list(doc_ids[start:start + 500])
            # sorted here, not by ORDER BY rowid, which may lead SQLite to scan the whole table in rowid order
            found += self.conn.execute(f"{select} WHERE doc_id IN ({','.join('?' * len(part))})", part)
        out: dict[str, list[tuple]] = {}
        for row in sorted(found, key=lambda r: r[0]):
            out.setdefault(row[1], []).append(tuple(row)[2:])
        return out


# Tables added after indexes were first built (issue 12). An index built before lacks them; a reader
# gets them empty as TEMP tables (a read-only connection can create those), so it keeps working.
_LATER_TABLES = ("doc_symbols", "chunk_countries", "doc_participants", "mandates", "doc_responses",
                 "chunk_sentences")  # chunk_sentences: issue 11, sentence vectors stored at ingest


def _add_missing_columns(conn: sqlite3.Connection) -> None:
    """Columns added after indexes were first built (issue 12: a document's session)."""
    if "session" not in {row[1] for row in conn.execute("PRAGMA table_info(documents)")}:
        conn.execute("ALTER TABLE documents ADD COLUMN session TEXT")
    # issue 15: each passage's search features (index.passage_features), NULL for passages added before
    if "features" not in {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}:
        conn.execute("ALTER TABLE chunks ADD COLUMN features BLOB")


def _add_missing_tables(conn: sqlite3.Connection) -> None:
    have = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for name in _LATER_TABLES:
        if name not in have and (create := re.search(rf"CREATE TABLE IF NOT EXISTS {name} \(.*?\);", SCHEMA, re.S)):
            conn.execute(create.group(0).replace("CREATE TABLE", "CREATE TEMP TABLE").rstrip(";"))


def filter_sql(filters: Filters, *, documents_only: bool = False) -> tuple[str, list[object]]:
    """A WHERE clause over `chunks` and `documents d` for the filters (over `documents d` alone with
    `documents_only`: a country is then one the document's body text names)."""
    clauses: list[str] = []
    params: list[object] = []
    # a body filter may name the body by any alias ("ECOSOC", "GA", "HLC")
    simple = (("d.doc_type", filters.doc_type), ("d.body", canonical_body(filters.body)), ("chunks.kind", filters.kind),
              ("d.id", filters.doc_id))
    for column, value in simple:
        if value is not None:
            clauses.append(f"{column} = ? COLLATE NOCASE")
            params.append(value)
    if filters.symbol is not None:
        clauses.append("(d.symbol = ? COLLATE NOCASE OR d.id IN"
                       " (SELECT doc_id FROM doc_symbols WHERE symbol = ? COLLATE NOCASE))")
        params.extend([filters.symbol, filters.symbol])
    if filters.year_from is not None:
        clauses.append("d.year >= ?")
        params.append(filters.year_from)
    if filters.year_to is not None:
        clauses.append("d.year <= ?")
        params.append(filters.year_to)
    if filters.country is not None and documents_only:
        clauses.append("d.id IN (SELECT doc_id FROM doc_countries WHERE country = ? COLLATE NOCASE)")
        params.append(filters.country)
    elif filters.country is not None:  # the passages that name the country
        clauses.append("chunks.id IN (SELECT chunk_id FROM chunk_countries WHERE country = ?)")
        params.append(filters.country.upper())
    return " AND ".join(clauses), params


def _year(date: str | None) -> int | None:
    return int(date[:4]) if date and date[:4].isdigit() else None


def fill_features(conn: sqlite3.Connection, batch: int = 2000) -> int:
    """Store the features (index.passage_features) of every chunk of the store on `conn` that has none or an
    outdated version (version 1 too: it lacks the answer types), adding the column to a store that predates
    it; commits each batch; returns how many were filled. `Store.fill_features`, and bench/fill_features.py
    on the bench's cached indexes."""
    if "features" not in {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}:
        conn.execute("ALTER TABLE chunks ADD COLUMN features BLOB")
    filled, last = 0, -1
    while True:
        rows = conn.execute("SELECT id, text, heading_path, features FROM chunks WHERE id > ? ORDER BY id LIMIT ?",
                            (last, batch)).fetchall()
        if not rows:
            return filled
        last = rows[-1][0]
        updates = [(_features_blob(text, headings), chunk_id)
                   for chunk_id, text, headings, blob in rows if _outdated(blob)]
        conn.executemany("UPDATE chunks SET features = ? WHERE id = ?", updates)
        conn.commit()
        filled += len(updates)


def _outdated(blob: bytes | None) -> bool:
    """Whether a stored features blob is missing, unreadable, or readable without its answer types (version 1)."""
    features = features_from_blob(blob)
    return features is None or features.answers is None


@lru_cache(maxsize=32_768)
def _features_blob(text: str, headings: str | None) -> bytes:
    """A passage's stored features, computed once per distinct text while filling (the bench's synthetic
    indexes hold 50 copies of each text)."""
    return features_to_blob(features_of_text(text, json.loads(headings or "[]")))


@lru_cache(maxsize=65_536)
def _json_tuple(text: str | None) -> tuple[str, ...]:
    """A stored JSON list as a tuple, decoded once per distinct text: a page reads ~100 passages and
    documents whose heading paths and country lists repeat (the passages of one section share theirs)."""
    return tuple(json.loads(text or "[]"))


# what a Chunk is read from: not the features blob (chunk_features), as large as the text
_CHUNK_COLUMNS = ("id, doc_id, ordinal, text, kind, label, heading_path, page_start, page_end, char_start, char_end")


def _chunk(row: sqlite3.Row) -> Chunk:
    return Chunk(doc_id=row["doc_id"], ordinal=row["ordinal"], text=row["text"], kind=row["kind"], label=row["label"],
                 heading_path=_json_tuple(row["heading_path"]), page_start=row["page_start"] or 1,
                 page_end=row["page_end"] or 1, char_start=row["char_start"] or 0, char_end=row["char_end"] or 0)

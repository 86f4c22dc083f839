"""Chunking invariants on the default corpus and on long synthetic paragraphs."""
from __future__ import annotations

import re
from collections import Counter
import unicodedata

import pytest

from ingest.chunking import MAX_WORDS, chunk_blocks, split_long
from ingest.pipeline import parse_file
from ingest.types import Block
from support import CORPUS

CORPUS_FILES = sorted(CORPUS.glob("*.txt"))


def _words(text: str) -> list[str]:
    text = re.sub(r"[\u00b9\u00b2\u00b3\u2070-\u2079]", "", text)  # footnote markers are dropped
    return re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower())


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_chunks_are_small_ordered_and_lose_no_words(path) -> None:  # type: ignore[no-untyped-def]
    parsed = parse_file(path)
    assert [c.ordinal for c in parsed.chunks] == list(range(len(parsed.chunks)))
    assert all(len(c.text.split()) <= MAX_WORDS for c in parsed.chunks)
    assert all(c.doc_id == parsed.document.id and c.page_start >= 1 for c in parsed.chunks)
    source_text = re.sub(r"-\s*\n\s*", "", path.read_text(encoding="utf-8"))  # hyphenation mended
    source_words = Counter(_words(source_text))
    chunk_words = Counter(w for c in parsed.chunks for w in _words(c.text))
    invented = sum((chunk_words - source_words).values())
    assert invented <= 0.01 * sum(chunk_words.values()), chunk_words - source_words
    covered = sum((chunk_words & source_words).values())
    assert covered >= 0.9 * sum(source_words.values())  # headings go to the heading path, little else is left out


def test_long_paragraph_is_split_at_sentence_ends() -> None:
    sentence = "Developing countries share knowledge and skills through concerted efforts in many fields."
    text = " ".join([sentence] * 40)
    pieces = split_long(text, max_words=60)
    assert len(pieces) > 1
    assert all(len(p.split()) <= 60 for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_overlong_sentence_is_split_at_clauses_not_lost() -> None:
    text = ", ".join(f"clause number {i} about cooperation" for i in range(100)) + "."
    pieces = split_long(text, max_words=50)
    assert all(len(p.split()) <= 50 for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_short_plain_paragraphs_merge_labelled_ones_do_not() -> None:
    blocks = [Block("paragraph", "Short one.", 1, 1), Block("paragraph", "Short two.", 1, 1),
              Block("operative", "1. Urges all parties.", 2, 2, label="op. 1"),
              Block("operative", "2. Invites countries.", 2, 2, label="op. 2")]
    chunks = chunk_blocks("doc", blocks)
    assert [c.text for c in chunks] == ["Short one.\nShort two.", "1. Urges all parties.", "2. Invites countries."]
    assert [c.label for c in chunks] == [None, "op. 1", "op. 2"]

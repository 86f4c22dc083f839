"""Turn blocks into chunks: a paragraph or a few, never cut mid-sentence, small enough to embed whole."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ingest.types import KIND_HEADING, KIND_PARAGRAPH, Block, Chunk

# all-MiniLM-L6-v2 reads 256 word pieces; UN prose runs about 1.3 pieces a word.
MAX_WORDS = 180
# Unlabelled paragraphs shorter than this are merged with their neighbours.
MIN_WORDS = 40


def chunk_blocks(doc_id: str, blocks: list[Block], max_words: int = MAX_WORDS) -> list[Chunk]:
    """Chunks in reading order. Headings become the heading path of what follows them."""
    pieces: list[Block] = []
    for block in blocks:
        if block.kind == KIND_HEADING:
            continue
        for text in split_long(block.text, max_words):
            pieces.append(_with_text(block, text))
    merged = _merge_short(pieces, max_words)
    chunks: list[Chunk] = []
    cursor = 0
    for ordinal, block in enumerate(merged):
        chunks.append(Chunk(
            doc_id=doc_id, ordinal=ordinal, text=block.text, kind=block.kind, label=block.label,
            heading_path=block.heading_path, page_start=block.page_start, page_end=block.page_end,
            char_start=cursor, char_end=cursor + len(block.text),
        ))
        cursor += len(block.text) + 2  # chunks are joined by a blank line in the document text
    return chunks


def split_long(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """Split text at sentence ends into pieces of at most `max_words` words.

    A single sentence longer than that is split at clause ends (";", ":", ","), and only as a
    last resort between words.
    """
    if len(text.split()) <= max_words:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in _sentences(text):
        for part in _fit(sentence, max_words):
            if current and len(" ".join([*current, part]).split()) > max_words:
                pieces.append(" ".join(current))
                current = []
            current.append(part)
    if current:
        pieces.append(" ".join(current))
    return pieces


@lru_cache(maxsize=1)
def _segmenter() -> Any:  # pysbd ships no types
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]


_CLAUSE_END = re.compile(r"(?<=[;:,])\s+")


def _fit(sentence: str, max_words: int) -> list[str]:
    if len(sentence.split()) <= max_words:
        return [sentence]
    out: list[str] = []
    current: list[str] = []
    for clause in _CLAUSE_END.split(sentence):
        words = clause.split()
        while len(words) > max_words:  # a clause with no punctuation at all: cut between words
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if current and len(current) + len(words) > max_words:
            out.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        out.append(" ".join(current))
    return out


def _with_text(block: Block, text: str) -> Block:
    return Block(block.kind, text, block.page_start, block.page_end, block.label, block.heading_path)


def _merge_short(blocks: list[Block], max_words: int) -> list[Block]:
    """Merge runs of short unlabelled paragraphs under the same heading."""
    out: list[Block] = []
    for block in blocks:
        previous = out[-1] if out else None
        if (previous is not None and _mergeable(previous) and _mergeable(block)
                and previous.heading_path == block.heading_path
                and (len(previous.text.split()) < MIN_WORDS or len(block.text.split()) < MIN_WORDS)
                and len(previous.text.split()) + len(block.text.split()) <= max_words):
            out[-1] = Block(previous.kind, previous.text + "\n" + block.text, previous.page_start,
                            block.page_end, None, previous.heading_path)
        else:
            out.append(block)
    return out


def _mergeable(block: Block) -> bool:
    return block.kind == KIND_PARAGRAPH and block.label is None

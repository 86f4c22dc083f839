"""One file in, one ParsedDocument out: read -> paragraphs -> structure -> metadata -> chunks."""
from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

from ingest.chunking import MAX_WORDS, chunk_blocks
from ingest.countries import split_countries, with_countries
from ingest.errors import EmptyFile, FileTooLarge
from ingest.mandates import extract_mandates, extract_responses
from ingest.metadata import extract_metadata
from ingest.paragraphs import split_paragraphs
from ingest.readers import read_bytes
from ingest.references import extract_references
from ingest.structure import parse_blocks
from ingest.types import KIND_FOOTNOTE, KIND_HEADING, KIND_PARAGRAPH, Block, Document, ExtractedText, ParsedDocument

DEFAULT_MAX_BYTES = 100 * 1024 * 1024


def document_id(path: Path) -> str:
    """A stable, readable id from the source path: the file name's slug and a short path hash."""
    resolved = str(path.resolve())
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "document"
    return f"{slug}-{hashlib.sha1(resolved.encode()).hexdigest()[:6]}"


def sha256_of(data: bytes) -> str:
    """Hex sha256 of a file's bytes, used to skip unchanged files."""
    return hashlib.sha256(data).hexdigest()


def parse_file(path: Path, *, password: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
               max_words: int = MAX_WORDS) -> ParsedDocument:
    """Read and understand one file. Raises an IngestError subclass naming the problem."""
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(f"file is {size:,} bytes, over the limit of {max_bytes:,}", path=str(path))
    data = path.read_bytes()
    return parse_bytes(data, path, password=password, max_words=max_words)


def parse_bytes(data: bytes, path: Path, *, password: str | None = None,
                max_words: int = MAX_WORDS) -> ParsedDocument:
    """Like parse_file, for bytes already read (uploads, worker processes)."""
    return parse_extracted(read_bytes(data, path.suffix, password), data, path, max_words=max_words)


def parse_extracted(extracted: ExtractedText, data: bytes, path: Path, *, max_words: int = MAX_WORDS) -> ParsedDocument:
    """Understand text a reader has extracted from `data` (the file's bytes, named `path`)."""
    paragraphs = split_paragraphs(extracted)
    if not paragraphs:
        raise EmptyFile("no text found", path=str(path))
    blocks = with_footnotes(parse_blocks(paragraphs), extracted)
    metadata = extract_metadata(paragraphs, path.name, extracted.title_hint, blocks=blocks,
                                masthead=extracted.masthead)
    doc_id = document_id(path)
    chunks = chunk_blocks(doc_id, blocks, max_words=max_words)
    if not chunks:  # a document of title-like lines only ("Example"): its lines are its text
        blocks = [replace(b, kind=KIND_PARAGRAPH) if b.kind == KIND_HEADING else b for b in blocks]
        chunks = chunk_blocks(doc_id, blocks, max_words=max_words)
    if not chunks:
        raise EmptyFile("no passages found", path=str(path))
    speaker = metadata.countries[0] if metadata.doc_type == "speech" and metadata.countries else None
    chunks = with_countries(chunks, speaker)
    # a document's countries are those its body text names; its lists of participants are kept apart
    body_countries, participants = split_countries(chunks, metadata.title)
    countries = metadata.countries if speaker else body_countries
    references = tuple(extract_references(chunks, metadata.symbol, body=metadata.body, own_symbols=metadata.symbols,
                                          context=metadata.title))
    document = Document(
        id=doc_id, source=str(path.resolve()), sha256=sha256_of(data), title=metadata.title,
        doc_type=metadata.doc_type, symbol=metadata.symbol, symbols=metadata.symbols, body=metadata.body,
        date=metadata.date, session=metadata.session,
        language=metadata.language, countries=countries, participants=participants,
        references=references, mandates=tuple(extract_mandates(chunks, metadata.symbol, metadata.body)),
        responses=tuple(extract_responses(chunks, references)),
        pages=len(extracted.pages), size_bytes=len(data),
    )
    return ParsedDocument(document=document, chunks=tuple(chunks))


def with_footnotes(blocks: list[Block], extracted: ExtractedText) -> list[Block]:
    """Place the footnotes a reader set aside after the last body block of their page."""
    if not extracted.footnotes:
        return blocks
    out = list(blocks)
    for footnote in sorted(extracted.footnotes, key=lambda f: f.page, reverse=True):
        position = next((i + 1 for i in range(len(out) - 1, -1, -1) if out[i].page_start <= footnote.page), 0)
        heading = out[position - 1].heading_path if position else ()
        text = f"{footnote.marker} {footnote.text}".strip() if footnote.marker else footnote.text
        out.insert(position, Block(KIND_FOOTNOTE, text, footnote.page, footnote.page,
                                   label=f"fn. {footnote.marker}" if footnote.marker else "fn.",
                                   heading_path=heading))
    return out

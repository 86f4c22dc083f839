"""Indexes built from documents made in the test, written through the product's own store and vectors."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from index.backends import BackendConfig
from index.build import embedding_text
from index.generation import GenerationWriter
from ingest.countries import find_countries
from ingest.types import Chunk, Document, Reference


def document(doc_id: str, texts: Sequence[str], *, title: str | None = None, kinds: Sequence[str] | None = None,
             references: Sequence[Reference] = (), **metadata: object) -> tuple[Document, list[Chunk]]:
    """A document and its chunks, one chunk per text; a chunk's countries are those its text names, as in ingest."""
    doc = Document(id=doc_id, source=f"/docs/{doc_id}.txt", sha256=doc_id, title=title or doc_id.replace("-", " "),
                   references=tuple(references), **metadata)  # type: ignore[arg-type]
    chunks = [Chunk(doc_id=doc_id, ordinal=i, text=text, kind=(kinds[i] if kinds else "paragraph"),
                    label=f"para. {i + 1}", countries=find_countries(text)) for i, text in enumerate(texts)]
    return doc, chunks


def build(index_dir: Path, embedder, documents: Sequence[tuple[Document, list[Chunk]]],  # type: ignore[no-untyped-def]
          backend: BackendConfig = BackendConfig()) -> Path:
    """Write the documents into a new index folder (on `backend`), as an ingest would, and return the folder."""
    writer = GenerationWriter(index_dir, embedder.info, backend=backend)
    for doc, chunks in documents:
        writer.add_document(doc, chunks, embedder.encode([embedding_text(doc, c) for c in chunks]))
    writer.commit()
    return index_dir

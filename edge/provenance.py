"""Where a document came from: the corpus folder, another folder given to `coopsearch ingest`, or an upload
(by which key, when, and whether it claimed a symbol another document holds).

Uploads' details are kept in a small JSON file beside the index (`uploads-provenance.json`, so that the
uploads folder holds only the files the index holds), written by the upload worker after the index has
committed the files and read by both edges."""
from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Provenance:
    """A document's origin as the API and the page show it."""

    origin: Literal["corpus", "upload", "folder"]
    folder: str  # the folder's name (never the server's full path)
    key_id: str | None = None
    key_name: str | None = None
    uploaded_at: str | None = None
    symbol_conflict: bool = False  # the file carried a symbol another document holds: stored without it
    symbol_note: str | None = None


class ProvenanceBook:
    """The uploads' provenance file (one JSON object keyed by the file name in the uploads folder)."""

    def __init__(self, path: Path, uploads: Path, corpus: Path) -> None:
        self.path = path
        self.uploads = uploads
        self.corpus = corpus
        self._lock = threading.Lock()

    def record(self, entries: dict[str, dict[str, object]]) -> None:
        """Add or replace the entries of uploaded files (written atomically)."""
        with self._lock:
            book = self._read()
            book.update(entries)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(book, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)

    def of(self, source: str) -> Provenance:
        """The provenance of a document from its stored source path."""
        path = Path(source)
        if _inside(path, self.uploads):
            entry = self._read().get(path.name, {})
            return Provenance(origin="upload", folder=self.uploads.name, **{
                k: v for k, v in entry.items() if k in Provenance.__dataclass_fields__})  # type: ignore[arg-type]
        if _inside(path, self.corpus):
            return Provenance(origin="corpus", folder=self.corpus.name)
        return Provenance(origin="folder", folder=path.parent.name)

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return False


def as_dict(provenance: Provenance) -> dict[str, object]:
    """JSON-ready."""
    return asdict(provenance)

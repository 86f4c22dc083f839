"""An Embedder that remembers every vector it computed, on disk, keyed by model and text.

Benchmarks rebuild indexes whenever ingest code changes; only the passages whose text changed
are embedded again.
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embedder import Embedder


class CachedEmbedder(Embedder):
    """Wraps a loaded Embedder; `encode` reads known vectors from an SQLite file and embeds the rest."""

    def __init__(self, inner: Embedder, cache_file: Path) -> None:  # noqa: D107 - no super(): reuse `inner`
        self.__dict__.update(inner.__dict__)  # the same model, settings and info as `inner`
        self.inner = inner
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(cache_file), check_same_thread=False)
        self.conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self.computed = 0

    def _key(self, text: str) -> str:
        return hashlib.sha1(f"{self.info.fingerprint}\0{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, embedding only those not seen before."""
        keys = [self._key(t) for t in texts]
        known: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            rows = self.conn.execute(f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})",
                                     part).fetchall()
            known.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        first = {k: t for k, t in zip(keys, texts)}
        for start in range(0, len(missing), 1024):  # saved batch by batch: an interrupted run keeps its work
            part = missing[start:start + 1024]
            vectors = self.inner.encode([first[k] for k in part], show_progress=show_progress)
            self.conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                  [(k, v.astype(np.float32).tobytes()) for k, v in zip(part, vectors)])
            self.conn.commit()
            known.update(zip(part, vectors))
            self.computed += len(part)
        if not keys:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.ascontiguousarray(np.stack([known[k] for k in keys]), dtype=np.float32)

"""Lever trial (issue 11, UN dev half only): semantic neighbours whose own text is under W words count F x
their cosine before fusion.

Why: on the dev half's worst hybrid losses against keyword, bare lines such as "The Economic and Social
Council," or "41st plenary meeting 30 July 1992" reach the first page: their embedded text is mostly the
document title and headings, so any question about the document finds them close.

    TINY_W=6 TINY_F=0.3 PYTHONPATH=. python bench/lab/tiny_passages.py

Prints bench/quality.py's semantic and hybrid rows for the UN dev half (the embedded backend only).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import quality

from index.backends import embedded
from index.types import Filters

WORDS = int(os.environ.get("TINY_W", "6"))
FACTOR = float(os.environ.get("TINY_F", "0.3"))
_plain = embedded.EmbeddedRetrieval.vector_search


def _discounted(self: embedded.EmbeddedRetrieval, vector, k: int, filters: Filters,  # type: ignore[no-untyped-def]
                excluded_ids=()) -> list[tuple[int, float]]:
    found = _plain(self, vector, k, filters, excluded_ids)
    chunks = self._store().get_chunks([i for i, _ in found])
    out = [(i, s * (FACTOR if i in chunks and len(chunks[i].chunk.text.split()) < WORDS else 1.0)) for i, s in found]
    return sorted(out, key=lambda item: -item[1])


if __name__ == "__main__":
    embedded.EmbeddedRetrieval.vector_search = _discounted  # type: ignore[method-assign]
    quality.main(["--only", "un", "--half", "dev", "--variant", "semantic", "--variant", "hybrid",
                  "--output", "/tmp/tiny_passages.json"])

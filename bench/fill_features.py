"""Store the passages' search features in a bench index built before they were kept (index.passage_features).

Product stores get them at ingest (index.store.Store.add_document); `Store.fill_features` fills an older
store. This runs the same fill (`index.store.fill_features`, each distinct text computed once) on the
current generation of a bench index in place, compacts the file and records its new size and checksum.

    PYTHONPATH=. .venv/bin/python bench/fill_features.py bench/.cache/speed/full/synthetic-1000000
"""
from __future__ import annotations

import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

from index.manifest import STORE_NAME, file_record, read_manifest, write_manifest
from index.store import fill_features


def fill(index_dir: Path, batch: int = 20_000) -> int:
    """Fill every chunk's features in the index's current generation; returns how many were filled."""
    manifest = read_manifest(index_dir)
    path = manifest.generation_dir(index_dir) / STORE_NAME
    started = time.perf_counter()
    conn = sqlite3.connect(path)
    filled = fill_features(conn, batch)
    print(f"{filled} filled, {time.perf_counter() - started:.0f} s", flush=True)
    if filled:
        conn.execute("VACUUM")  # rows grown in place leave pages part-empty: compact them
    conn.close()
    # the store changed in place: the manifest records its new size and checksum
    write_manifest(index_dir, replace(manifest, files={**manifest.files, STORE_NAME: file_record(path)}))
    return filled


if __name__ == "__main__":
    print(fill(Path(sys.argv[1])))

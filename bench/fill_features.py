"""Store the passages' search features in an index built before they were kept (index.passage_features).

Only for the bench's synthetic indexes, whose every text has many copies: each distinct text is computed
once. Product stores get them at ingest (index.store.Store.add_document); `Store.fill_features` fills an
older store in the same way, one passage at a time.

    PYTHONPATH=. .venv/bin/python bench/fill_features.py bench/.cache/speed/full/synthetic-1000000
"""
from __future__ import annotations

import json
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path

from index.manifest import STORE_NAME, file_record, read_manifest, write_manifest
from index.passage_features import features_of_text, from_blob, to_blob


def fill(index_dir: Path, batch: int = 20_000) -> int:
    """Fill every chunk's features in the index's current generation; returns how many were filled."""
    manifest = read_manifest(index_dir)
    path = manifest.generation_dir(index_dir) / STORE_NAME
    conn = sqlite3.connect(path)
    if "features" not in {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}:
        conn.execute("ALTER TABLE chunks ADD COLUMN features BLOB")
    done: dict[tuple[str, str], bytes] = {}
    filled, last, started = 0, -1, time.perf_counter()
    while True:
        rows = conn.execute("SELECT id, text, heading_path, features FROM chunks WHERE id > ? ORDER BY id LIMIT ?",
                            (last, batch)).fetchall()
        if not rows:
            break
        last = rows[-1][0]
        updates = []
        for chunk_id, text, headings, blob in rows:
            if from_blob(blob) is None:
                key = (text, headings or "[]")
                if key not in done:
                    done[key] = to_blob(features_of_text(text, json.loads(key[1])))
                updates.append((done[key], chunk_id))
        conn.executemany("UPDATE chunks SET features = ? WHERE id = ?", updates)
        conn.commit()
        filled += len(updates)
        print(f"{last}: {filled} filled, {len(done)} distinct, {time.perf_counter() - started:.0f} s", flush=True)
    conn.execute("VACUUM")  # rows grown in place leave pages part-empty: compact them
    conn.close()
    # the store changed in place: the manifest records its new size and checksum
    write_manifest(index_dir, replace(manifest, files={**manifest.files, STORE_NAME: file_record(path)}))
    return filled


if __name__ == "__main__":
    print(fill(Path(sys.argv[1])))

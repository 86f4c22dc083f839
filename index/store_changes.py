"""A new generation's SQLite file without copying the whole file: the older file brought forward.

Copying a million-passage store for each ingest writes its whole size again (about 1 GB: 8 s of fsynced
writes on this machine). Instead each generation records the changes it made to its store (the documents
added with their chunks and row ids, the documents removed, in order) in `changes.pickle`. When a commit
deletes the generations older than the previous one, the newest of them leaves its store behind as the
spare (`spare-gen-N.sqlite`), which no reader is promised any more (readers hold the current or the
previous generation). The next writer moves the spare into its new folder and replays the changes of the
generations after it (the previous and the current one's): it writes only the pages those touch.

When there is no spare or a record on the way is missing (a new index, a crashed writer took the spare,
a big ingest that kept no record) the writer copies the current store as before. A record is kept only
for changes of at most `MAX_RECORDED_CHUNKS` passages: replaying a big ingest costs about what copying does.
"""
from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

from index.errors import CorruptIndex
from index.manifest import STORE_NAME
from index.store import Store

CHANGES_NAME = "changes.pickle"
SPARE_PREFIX = "spare-"
MAX_CHAIN = 4  # records replayed at most (two in the steady state: the previous and the current generation's)
MAX_RECORDED_CHUNKS = 50_000
_FORMAT = 1


def write_changes(store: Store, directory: Path, based_on: str | None) -> bool:
    """Write the store's recorded changes into `directory` (fsynced); False when none are kept."""
    changes = store.changes
    if based_on is None or not isinstance(changes, list):
        return False
    chunks = sum(len(change[2]) for change in changes if change[0] == "add")
    if chunks > MAX_RECORDED_CHUNKS:
        return False
    path = directory / CHANGES_NAME
    with open(path, "wb") as handle:
        pickle.dump({"format": _FORMAT, "based_on": based_on, "changes": changes}, handle,
                    protocol=pickle.HIGHEST_PROTOCOL)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def keep_spare(index_dir: Path, removed: list[Path]) -> None:
    """Before generations older than the previous one are deleted, keep the newest one's store as the
    spare the next writer brings forward (`spare-gen-N.sqlite` beside the generations); drop older spares."""
    spares = [p for p in (d / STORE_NAME for d in sorted(removed)) if p.exists()]
    if spares:
        os.replace(spares[-1], index_dir / f"{SPARE_PREFIX}{spares[-1].parent.name}.sqlite")
    for path in sorted(index_dir.glob(f"{SPARE_PREFIX}*.sqlite"))[:-1]:
        path.unlink(missing_ok=True)


def bring_forward(index_dir: Path, current: str, target: Path) -> bool:
    """Move the spare store to `target` and replay on it the changes recorded since its generation, up to
    `current`; False (nothing moved) when there is no spare or a record on the way is missing."""
    spares = sorted(index_dir.glob(f"{SPARE_PREFIX}*.sqlite"))
    if not spares:
        return False
    spare = spares[-1]
    if os.stat(spare).st_nlink > 1:  # shared with a hard-linked copy of this index (`cp -al`): never write into it
        spare.unlink()
        return False
    base = spare.stem.removeprefix(SPARE_PREFIX)
    records: list[dict[str, object]] = []
    generation = current
    while generation != base:
        record = _read(index_dir / generation / CHANGES_NAME)
        if record is None or len(records) >= MAX_CHAIN:
            return False
        records.append(record)
        generation = str(record["based_on"])
    os.replace(spare, target)  # older than the previous generation: no reader is promised it any more
    store = Store(target)
    try:
        store.changes = False  # the keyword index is linked from `current`, which holds these changes
        for record in reversed(records):
            for change in record["changes"]:  # type: ignore[attr-defined]
                if change[0] == "add":
                    # change[4]: the chunks' sentence vectors (a record written before them has none)
                    store.add_document(change[1], change[2], ids=change[3],
                                       sentences=change[4] if len(change) > 4 else None)
                else:
                    store.remove_document(change[1])
        store.commit()
    finally:
        store.close()
    return True


def copy_store(source: Path, target: Path) -> None:
    """A whole copy of a closed store file (the kernel copies it; no reader writes to it)."""
    shutil.copyfile(source, target)


def _read(path: Path) -> dict[str, object] | None:
    if not path.exists():
        return None
    try:
        with open(path, "rb") as handle:
            record = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
        raise CorruptIndex(f"change record {path} is unreadable: {exc}") from exc
    return record if isinstance(record, dict) and record.get("format") == _FORMAT else None

"""A writer sees its own write: while another request is loading a new generation, `current` answers
with the previous one (no request waits), but `refresh`, which the API calls after a delete or an upload
job, waits for the load, so the response that says "deleted" holds for every request after it."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from index.build import remove_documents
from index.snapshot import IndexHolder


def test_refresh_waits_for_a_load_under_way_where_current_answers_with_the_old_generation(
        tmp_path: Path, tiny_corpus_index: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    holder = IndexHolder(index_dir, tiny_embedder.info)
    before = holder.current()
    doc_id = before.store.list_documents()[0].id
    assert doc_id in remove_documents(index_dir, [doc_id], tiny_embedder).removed

    loading = threading.Event()

    def another_request_loading() -> None:  # holds the loader's lock as a request loading the generation does
        with holder._lock:
            loading.set()
            time.sleep(0.5)

    thread = threading.Thread(target=another_request_loading)
    thread.start()
    loading.wait()
    assert holder.current() is before  # not blocked: the old generation still answers
    after = holder.refresh()
    thread.join()
    assert after is not before and after.manifest.generation != before.manifest.generation
    assert after.store.get_document(doc_id) is None
    assert holder.current() is after

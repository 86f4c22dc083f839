"""Searches keep working, and stay consistent, while ingests run in another process.

On Milvus, serving while writing is covered by tests/search_api/test_two_servers_one_milvus.py (eight
clients on two servers while one uploads and deletes) and tests/index/test_milvus_writes.py."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from index.search import SearchRequest
from index.snapshot import IndexHolder
from support import CORPUS, make_engine

INGEST_SCRIPT = '''
import sys
from pathlib import Path

if __name__ == "__main__":
    from index.build import IngestOptions, ingest_paths
    from index.embedder import Embedder

    index_dir, docs, model_dir, rounds = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    embedder = Embedder(model_dir)
    for round_number in range(rounds):
        (docs / f"extra-{round_number}.txt").write_text(
            f"Round {round_number}: South-South cooperation and technical cooperation among developing "
            "countries, capacity building and knowledge sharing.\\n\\n" * 30)
        if round_number % 2:  # an update too: the chunks of an existing file are replaced
            with open(docs / "extra-0.txt", "a") as handle:
                handle.write(f"\\n\\nAmended in round {round_number}.\\n")
        report = ingest_paths(index_dir, [docs], embedder, IngestOptions(workers=1))
        print(report.manifest.generation, report.manifest.chunks, flush=True)
'''

ROUNDS = 2
READERS = 2


def test_searches_during_ingests_see_whole_generations_only(tmp_path: Path, tiny_model_dir: Path, tiny_embedder,
                                                            tiny_corpus_index: Path) -> None:  # type: ignore[no-untyped-def]
    index_dir = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, index_dir)
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    script = tmp_path / "ingest_rounds.py"
    script.write_text(INGEST_SCRIPT)
    engine = make_engine(index_dir, tiny_embedder)
    holder: IndexHolder = engine.holder
    queries = ["technical cooperation among developing countries", "capacity building", "South-South", "cooperation"]
    seen: list[dict[str, int]] = [{} for _ in range(READERS)]
    counts = [0] * READERS
    errors: list[BaseException] = []
    done = threading.Event()

    def read(reader: int) -> None:
        """Search in a loop like a server thread; every snapshot must be one whole generation."""
        try:
            while not done.is_set():
                snapshot = holder.current()
                manifest = snapshot.manifest
                assert snapshot.store.count_chunks() == manifest.chunks == snapshot.vectors.count()
                seen[reader][manifest.generation] = manifest.chunks
                mode = ("hybrid", "semantic", "keyword")[counts[reader] % 3]
                result = engine.search(SearchRequest(queries[counts[reader] % len(queries)], k=5, mode=mode))
                assert result.hits, (mode, manifest.generation)
                ids = [h.chunk_id for h in result.hits]
                assert len(ids) == len(set(ids)), ids  # a passage being replaced never shows twice
                counts[reader] += 1
                time.sleep(0.005)  # leave the ingest some CPU on a small machine
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    process = subprocess.Popen([sys.executable, str(script), str(index_dir), str(docs), str(tiny_model_dir),
                                str(ROUNDS)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=240)
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
        if process.poll() is None:
            process.kill()
            process.wait()
    if errors:
        raise errors[0]
    generations = {g: c for reader_seen in seen for g, c in reader_seen.items()}
    searches = sum(counts)
    assert process.returncode == 0, err[-3000:]
    published = [line.split() for line in out.splitlines()]
    assert len(published) == ROUNDS
    final = holder.current().manifest
    assert final.generation == published[-1][0] and final.chunks == int(published[-1][1])
    assert len(generations) >= 2, f"the reader saw only {generations} in {searches} searches"
    for generation, chunks in generations.items():  # every generation seen was one the writer published whole
        assert generation in {g for g, _ in published} | {"gen-000001"}
        if generation != "gen-000001":
            assert chunks == dict((g, int(c)) for g, c in published)[generation]

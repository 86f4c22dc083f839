"""Hybrid search with the keyword search in a worker thread answers exactly as one after the other; the
kept passage features and documents never outlive their generation."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from support import make_engine

from index.search import SearchRequest
from index.store import Store
from index.types import Filters

QUERIES = ["technical cooperation among developing countries", "talent bank database", "South-South",
           '"focal points" capacity', "resolution 1992/41 regional commissions", "training -management",
           "xyzzy qwertyuiop"]


def _answer(engine, request: SearchRequest) -> tuple:  # type: ignore[no-untyped-def]
    result = engine.search(request)
    return result.total, [(h.chunk_id, h.score, h.rank, h.retrievers, h.fragments,
                           tuple(d.chunk_id for d in h.duplicates)) for h in result.hits]


def test_parallel_and_sequential_retrieval_give_the_same_hits(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    parallel = make_engine(tiny_corpus_index, tiny_embedder)
    sequential = make_engine(tiny_corpus_index, tiny_embedder, parallel_retrieval=False)
    threads: list[str] = []
    search = Store.keyword_search

    def recorded(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return search(self, *args, **kwargs)

    monkeypatch.setattr(Store, "keyword_search", recorded)
    for query in QUERIES:
        for request in (SearchRequest(query=query, k=20), SearchRequest(query=query, k=5, offset=3),
                        SearchRequest(query=query, filters=Filters(doc_type="resolution"))):
            expected = _answer(sequential, request)
            assert _answer(parallel, request) == expected, request
            assert _answer(parallel, request) == expected  # again, from the kept features
    caller = threading.current_thread().name
    assert any(name.startswith("keyword-search") for name in threads)  # the parallel engine used the worker
    assert caller in threads  # and the sequential one the caller's thread
    keyword_only = SearchRequest(query="talent bank database", mode="keyword")
    threads.clear()
    assert _answer(parallel, keyword_only) == _answer(sequential, keyword_only)
    assert set(threads) == {caller}  # nothing to overlap with: no hand-over


def test_a_new_generation_starts_with_nothing_kept(tiny_corpus_index: Path, tiny_embedder, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from index.build import IngestOptions, ingest_paths

    index_dir = tmp_path / "index"
    shutil.copytree(tiny_corpus_index, index_dir, ignore=shutil.ignore_patterns(".lock"))
    engine = make_engine(index_dir, tiny_embedder)
    request = SearchRequest(query="zebra unicorn cooperation")
    before = engine.search(request)
    first = engine.holder.current()
    assert engine._cached(first).features.misses > 0
    note = tmp_path / "new" / "zebra-note.txt"
    note.parent.mkdir()
    note.write_text("Zebra unicorn cooperation: a new note on zebra unicorn cooperation among institutions.\n")
    report = ingest_paths(index_dir, [note], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed
    after = engine.search(request)
    second = engine.holder.current()
    assert second is not first
    assert engine._cached(second).features.misses > 0  # computed afresh for the new generation
    assert any(hit.document.source.endswith("zebra-note.txt") for hit in after.hits)
    assert not any(hit.document.source.endswith("zebra-note.txt") for hit in before.hits)


def test_warm_up_computes_the_features_the_searches_then_find(tiny_corpus_index: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(tiny_corpus_index, tiny_embedder)
    snapshot = engine.holder.current()
    assert engine.warm_up() == snapshot.manifest.chunks
    cache = engine._cached(snapshot).features
    misses, hits = cache.misses, cache.hits
    engine.search(SearchRequest(query="technical cooperation among developing countries"))
    assert cache.misses == misses and cache.hits > hits


def test_the_app_warms_the_passage_features_at_start_up(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                         tiny_model_dir: Path) -> None:
    from support import CORPUS

    from search_api.app import create_app
    from search_api.settings import Settings

    app = create_app(Settings(index=tiny_corpus_index, model=tiny_model_dir, corpus=CORPUS, rate_limit_per_s=0),
                     tiny_embedder)
    for thread in threading.enumerate():
        if thread.name == "search-warm-up":
            thread.join(60)
    engine = app.state.engine
    snapshot = engine.holder.current()
    assert engine._cached(snapshot).features.misses == snapshot.manifest.chunks  # all computed, each once


OVERLAP_QUERIES = [*QUERIES, "what did the Council request the regional commissions to do",
                   "Economic and Social Council decides technical cooperation"]


def test_the_keyword_thread_prepares_the_rest_and_the_answers_stay_the_same(  # type: ignore[no-untyped-def]
        tiny_corpus_index: Path, tiny_embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    from index import search

    overlapped = make_engine(tiny_corpus_index, tiny_embedder, depth=5)  # a shallow depth: the total counts
    beside = make_engine(tiny_corpus_index, tiny_embedder, depth=5, overlap=False)
    sequential = make_engine(tiny_corpus_index, tiny_embedder, depth=5, parallel_retrieval=False)
    calls: list[tuple[str, str]] = []

    def recorded(name, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            calls.append((name, threading.current_thread().name))
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(Store, "term_rarity", recorded("rarity", Store.term_rarity))
    monkeypatch.setattr(Store, "keyword_count", recorded("count", Store.keyword_count))
    monkeypatch.setattr(search, "fragments", recorded("fragments", search.fragments))
    monkeypatch.setattr(search, "evidences", recorded("evidence", search.evidences))
    monkeypatch.setattr(search, "near_duplicates", recorded("near duplicates", search.near_duplicates))
    monkeypatch.setattr(Store, "sentence_vectors", recorded("sentences", Store.sentence_vectors))
    for query in OVERLAP_QUERIES:
        for request in (SearchRequest(query=query, k=3), SearchRequest(query=query, k=4, offset=2)):
            expected = _answer(sequential, request)
            assert _answer(beside, request) == expected, request
            calls.clear()
            assert _answer(overlapped, request) == expected, request
            worker = {name for name, thread in calls if thread.startswith("keyword-search")}
            caller = {name for name, thread in calls if not thread.startswith("keyword-search")}
            assert "rarity" not in caller and "count" not in caller, (request, calls)
            if expected[1]:
                assert "evidence" in worker, request  # the keyword candidates' boosts, beside the embedding
                # ... their texts compared for the folding, and the likely head's sentences read
                assert "near duplicates" in worker and "sentences" in worker, request
    counted = [SearchRequest(query=q, k=3) for q in OVERLAP_QUERIES]
    calls.clear()
    totals = [overlapped.search(r).total for r in counted]
    assert max(totals) > 5  # a total beyond the depth was counted ...
    assert {thread for name, thread in calls if name == "count"} <= {t for _, t in calls if t.startswith("keyword")}


def test_the_keyword_thread_highlights_the_likely_page_until_the_vector_arrives(  # type: ignore[no-untyped-def]
        tiny_corpus_index: Path, tiny_embedder) -> None:
    from index import search
    from index.query import analyse

    engine = make_engine(tiny_corpus_index, tiny_embedder, depth=5)
    snapshot = engine.holder.current()
    analysis = analyse("technical cooperation among developing countries")
    waiting = threading.Event()
    side = engine._keyword_side(snapshot, analysis, 5, Filters(), True, 2, waiting)
    likely = [i for i, _ in side.found][:int(search.SPECULATIVE_PAGE * 2)]
    assert likely and list(side.fragments) == likely  # the best keyword candidates, highlighted
    assert all(side.fragments[i] == search.fragments(side.chunks[i].chunk.text, analysis) for i in likely)
    assert set(side.evidence) == {i for i, _ in side.found}  # the boosts' share
    assert side.count is not None and side.count >= len(side.found)  # the candidates filled the depth
    arrived = threading.Event()
    arrived.set()
    early = engine._keyword_side(snapshot, analysis, 5, Filters(), True, 2, arrived)
    assert early.fragments == {}  # the vector is here: no guessing; the search highlights its own page
    assert early.evidence == side.evidence and early.count == side.count and early.found == side.found
    request = SearchRequest(query=analysis.text, k=2)
    assert _answer(engine, request) == _answer(make_engine(tiny_corpus_index, tiny_embedder, depth=5,
                                                           parallel_retrieval=False), request)


def test_a_search_among_others_does_not_guess_at_its_page(tiny_corpus_index: Path, tiny_embedder,  # type: ignore[no-untyped-def]
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from index import search

    engine = make_engine(tiny_corpus_index, tiny_embedder)
    guesses: list[int] = []
    side = search.SearchEngine._keyword_side

    def recorded(self, snapshot, analysis, depth, filters, boosting, page_end, embedded):  # type: ignore[no-untyped-def]
        guesses.append(page_end)
        return side(self, snapshot, analysis, depth, filters, boosting, page_end, embedded)

    monkeypatch.setattr(search.SearchEngine, "_keyword_side", recorded)
    request = SearchRequest(query="technical cooperation among developing countries", k=4, offset=1)
    alone = _answer(engine, request)
    engine._in_flight += 1  # another search running
    try:
        among_others = _answer(engine, request)
    finally:
        engine._in_flight -= 1
    assert guesses == [5, 0]  # the page's end alone; nothing to guess among others
    assert among_others == alone

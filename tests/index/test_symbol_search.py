"""Symbol-aware search: a query naming a document's symbol gets that document's passages first, and a
symbol that documents recall gets the passages that recall it."""
from __future__ import annotations

from pathlib import Path

import pytest
from support import CORPUS, make_engine
from synthetic import build, document

from index.query import analyse
from index.search import SearchRequest
from index.types import Filters
from ingest.types import Reference

NOISE = [f"The Committee reviewed {n} projects of technical cooperation among developing countries in 1992 "
         f"and noted 41 new requests for information referral from national focal points." for n in range(3, 15)]


@pytest.fixture(scope="module")
def symbols_index(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, backend) -> Path:  # type: ignore[no-untyped-def]
    docs = [
        document("ecosoc-1992-41", [
            "Technical cooperation among developing countries.",
            "Requests the Administrator to improve the information referral system of the Special Unit.",
            "Urges Governments to strengthen their national focal points for technical cooperation.",
        ], symbol="E/RES/1992/41", doc_type="resolution", body="Economic and Social Council", date="1992-07-30"),
        document("eclac-591", [
            "Cooperation among developing countries and regions.",
            "Recalling the Buenos Aires Plan of Action, endorsed by the General Assembly in its resolution 33/134,",
            "Recalling also Economic and Social Council resolution 1992/41 on technical cooperation,",
        ], symbol="591(XXIX)", doc_type="resolution", body="ECLAC", date="2002",
            references=[Reference("A/RES/33/134", "resolution 33/134", "pp. 2", 1),
                        Reference("E/RES/1992/41", "resolution 1992/41", "pp. 3", 2)]),
        document("hlc-report", [
            "Report of the High-level Committee on South-South Cooperation.",
            "The Committee reaffirmed General Assembly resolution 33/134 and the Buenos Aires Plan of Action.",
            "The Committee discussed triangular cooperation and the financing of its work.",
        ], symbol="A/80/39", doc_type="report", body="General Assembly", date="2025",
            references=[Reference("A/RES/33/134", "resolution 33/134", "para. 2", 1)]),
        document("noise", NOISE, doc_type="report", date="2013"),
    ]
    return build(tmp_path_factory.mktemp("symbols"), tiny_embedder, docs, backend)


def _keys(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{h.chunk.doc_id}#{h.chunk.ordinal}" for h in hits]


@pytest.mark.parametrize("query", ["1992/41", "E/RES/1992/41", "e/res/1992/41", "ECOSOC resolution 1992/41",
                                   "resolution 1992/41"])
@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_a_symbol_query_lists_its_document_first_in_reading_order(symbols_index, backend, tiny_embedder, query, mode) -> None:  # type: ignore[no-untyped-def]
    hits = make_engine(symbols_index, tiny_embedder, backend).search(SearchRequest(query, k=6, mode=mode)).hits
    assert _keys(hits)[:3] == ["ecosoc-1992-41#0", "ecosoc-1992-41#1", "ecosoc-1992-41#2"]
    # then the passage that recalls it
    assert _keys(hits)[3] == "eclac-591#2"
    assert all("symbol" in h.retrievers for h in hits[:4])


@pytest.mark.parametrize("query, first", [("A/80/39", "hlc-report#0"), ("a/80/39", "hlc-report#0"),
                                          ("591(XXIX)", "eclac-591#0"), ("resolution 591 (XXIX)", "eclac-591#0")])
def test_document_symbols_in_other_series(symbols_index, backend, tiny_embedder, query, first) -> None:  # type: ignore[no-untyped-def]
    hits = make_engine(symbols_index, tiny_embedder, backend).search(SearchRequest(query, k=3)).hits
    assert _keys(hits)[0] == first
    assert len({h.chunk.doc_id for h in hits}) == 1


def test_a_recalled_symbol_returns_the_passages_that_recall_it(symbols_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(symbols_index, tiny_embedder, backend)
    for mode in ("hybrid", "keyword", "semantic"):
        hits = engine.search(SearchRequest("resolution 33/134", k=5, mode=mode)).hits
        assert set(_keys(hits)[:2]) == {"eclac-591#1", "hlc-report#1"}, mode
        assert "symbol" not in hits[2].retrievers


def test_words_beside_a_symbol_order_its_passages(symbols_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(symbols_index, tiny_embedder, backend)
    hits = engine.search(SearchRequest("what does resolution 1992/41 ask about the information referral system",
                                       k=5, mode="keyword")).hits
    assert _keys(hits)[0] == "ecosoc-1992-41#1"
    assert {h.chunk.doc_id for h in hits[:3]} == {"ecosoc-1992-41"}


def test_scores_fall_with_rank_and_unknown_symbols_change_nothing(symbols_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(symbols_index, tiny_embedder, backend)
    result = engine.search(SearchRequest("1992/41 information referral", k=10))
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    plain = engine.search(SearchRequest("resolution 99/999 information referral", k=10)).hits
    assert all("symbol" not in h.retrievers for h in plain)
    assert _keys(plain) == _keys(engine.search(SearchRequest("resolution 99/999 information referral", k=10)).hits)


def test_symbol_passages_obey_filters(symbols_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(symbols_index, tiny_embedder, backend)
    hits = engine.search(SearchRequest("1992/41", k=5, filters=Filters(body="ECLAC"))).hits
    assert hits and all(h.document.body == "ECLAC" for h in hits)
    assert _keys(hits)[0] == "eclac-591#2"  # the recalling passage, the resolution itself being filtered out
    reports = engine.search(SearchRequest("resolution 33/134", k=5, filters=Filters(year_from=2020))).hits
    assert _keys(reports)[0] == "hlc-report#1" and all(h.document.date == "2025" for h in reports)


@pytest.mark.parametrize("typed", ["1992/41", "E/RES/1992/41", "resolution 1992/41"])
def test_symbol_filter_accepts_any_written_form(symbols_index, backend, tiny_embedder, typed) -> None:  # type: ignore[no-untyped-def]
    hits = make_engine(symbols_index, tiny_embedder, backend).search(
        SearchRequest("technical cooperation", k=10, filters=Filters(symbol=typed))).hits
    assert len(hits) == 3 and {h.chunk.doc_id for h in hits} == {"ecosoc-1992-41"}


def test_query_analysis() -> None:
    assert analyse("E/RES/1992/41").symbols == ("E/RES/1992/41",) and analyse("E/RES/1992/41").symbol_only
    assert analyse("resolution 33/134").symbol_only
    mixed = analyse('what did "resolution 33/134" endorse and A/80/39')
    assert mixed.symbols == ("A/RES/33/134", "A/80/39") and not mixed.symbol_only
    assert mixed.phrases == ("resolution 33/134",)
    assert analyse("talent bank database").symbols == ()


def test_real_corpus_resolution_recalled_by_eclac(bundled_corpus_index, bundled_embedder) -> None:  # type: ignore[no-untyped-def]
    """On the seed corpus, as ingested: "resolution 33/134" finds the ECLAC passage recalling it."""
    engine = make_engine(bundled_corpus_index, bundled_embedder)
    top = engine.search(SearchRequest("resolution 33/134", k=3)).hits[0]
    assert "resolution 33/134" in top.chunk.text and top.document.symbol == "591(XXIX)"
    own = engine.search(SearchRequest("1992/41", k=1)).hits[0]
    assert own.document.symbol == "E/RES/1992/41" and own.chunk.ordinal == 0
    assert CORPUS.exists()

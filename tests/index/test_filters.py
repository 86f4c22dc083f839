"""Filters apply inside both retrievers: k results come back whenever k passages match, even when the
matching passages rank far below the depth an unfiltered search looks at."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from support import backend_settings, make_engine, open_snapshot
from synthetic import build, document

from index.search import SearchRequest
from index.types import Filters

QUERY = "triangular cooperation financing"
# The passages below differ only by their number: near-duplicates that search shows once
# (index.duplicates). These tests count passages through filters, so they see every copy.
NO_COLLAPSE = {"collapse_duplicates": False}
CROWD_TEXT = ("Triangular cooperation financing: the Board discussed triangular cooperation, its financing and "
              "cooperation partners, number {n}.")
# Matching passages that share one query word with the query and little else, so that unfiltered they rank
# below the 120 crowd passages (deeper than the 100 candidates each retriever collects).
TARGET_TEXT = ("The Commission heard national statistics on fisheries, rural roads and secondary schools, "
               "with a note on cooperation, item {n}: {tail}.")


def _tail(n: int) -> str:
    """Words of this item alone, so that the items are not near-duplicates (which search shows once)."""
    return " ".join(f"w{n}{letter}" for letter in "abcdefgh")


def _target(doc_id: str, count: int = 6, **metadata: object):  # type: ignore[no-untyped-def]
    return document(doc_id, [TARGET_TEXT.format(n=n, tail=_tail(n)) for n in range(count)], **metadata)


@pytest.fixture(scope="module")
def filters_index(tmp_path_factory: pytest.TempPathFactory, tiny_embedder, backend) -> Path:  # type: ignore[no-untyped-def]
    crowd = [document(f"crowd-{i}", [CROWD_TEXT.format(n=f"{i}.{n}") for n in range(15)], doc_type="report",
                      body="UNDP Executive Board", date=f"{2018 + i}", countries=("BRA",)) for i in range(8)]
    targets = [
        _target("resolution-doc", doc_type="resolution", date="2021"),
        _target("eclac-doc", body="ECLAC", date="2021"),
        _target("symbol-doc", symbol="E/RES/1992/41", date="2021"),
        _target("old-doc", date="1992-07-30"),
        # the country filter finds passages that name the country (issue 12), not every passage of the document
        document("chile-doc", [TARGET_TEXT.format(n=n, tail=_tail(n)) + " Chile reported." for n in range(6)]
                 + ["Mexico alone, item 7."], countries=("CHL", "MEX"), date="2021"),
        _target("operative-doc", kinds=["operative"] * 6, date="2021"),
        _target("small-doc", count=3, doc_type="decision", date="2021"),
    ]
    return build(tmp_path_factory.mktemp("filters"), tiny_embedder, crowd + targets, backend)


CASES = [
    (Filters(doc_type="resolution"), lambda h: h.document.doc_type == "resolution"),
    (Filters(doc_type="RESOLUTION"), lambda h: h.document.doc_type == "resolution"),
    (Filters(body="ECLAC"), lambda h: h.document.body == "ECLAC"),
    (Filters(symbol="E/RES/1992/41"), lambda h: h.document.symbol == "E/RES/1992/41"),
    (Filters(symbol="1992/41"), lambda h: h.document.symbol == "E/RES/1992/41"),
    (Filters(year_to=1995), lambda h: h.document.date.startswith("1992")),
    (Filters(year_from=1990, year_to=1992), lambda h: h.document.date.startswith("1992")),
    (Filters(country="CHL"), lambda h: "Chile" in h.chunk.text),
    (Filters(country="chl"), lambda h: "Chile" in h.chunk.text),
    (Filters(kind="operative"), lambda h: h.chunk.kind == "operative"),
    (Filters(doc_type="resolution", year_from=2020), lambda h: h.document.doc_type == "resolution"),
]


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
@pytest.mark.parametrize("filters, passes", CASES, ids=[repr(c[0]) for c in CASES])
def test_k_results_come_back_under_a_selective_filter(filters_index, backend, tiny_embedder, mode, filters, passes) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(filters_index, tiny_embedder, backend, **NO_COLLAPSE)
    unfiltered = engine.search(SearchRequest(QUERY, k=100, mode=mode)).hits
    assert sum(1 for h in unfiltered if passes(h)) < 5  # filtering after retrieval would come up short
    result = engine.search(SearchRequest(QUERY, k=5, mode=mode, filters=filters))
    assert len(result.hits) == 5, [h.document.id for h in result.hits]
    assert all(passes(h) for h in result.hits)
    assert result.total >= 5


def test_year_from_keeps_recent_documents_only(filters_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    hits = make_engine(filters_index, tiny_embedder, backend, **NO_COLLAPSE).search(
        SearchRequest(QUERY, k=100, filters=Filters(year_from=2024))).hits
    assert hits and all(int(h.document.date[:4]) >= 2024 for h in hits)
    assert {h.document.id for h in hits} == {"crowd-6", "crowd-7"}


def test_fewer_matches_than_k_returns_them_all_and_none_returns_nothing(filters_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(filters_index, tiny_embedder, backend, **NO_COLLAPSE)
    for mode in ("hybrid", "semantic", "keyword"):
        small = engine.search(SearchRequest(QUERY, k=10, mode=mode, filters=Filters(doc_type="decision")))
        assert [h.document.id for h in small.hits] == ["small-doc"] * 3 and small.total == 3
        none = engine.search(SearchRequest(QUERY, k=10, mode=mode, filters=Filters(body="nobody")))
        assert none.hits == () and none.total == 0


def test_filtered_semantic_search_equals_brute_force(filters_index, backend, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(filters_index, tiny_embedder, backend, **NO_COLLAPSE)
    filters = Filters(year_from=2019, year_to=2021)
    hits = engine.search(SearchRequest(QUERY, k=20, mode="semantic", filters=filters)).hits
    snapshot = open_snapshot(filters_index, tiny_embedder, backend)
    allowed = snapshot.store.filtered_chunk_ids(filters)
    vectors = np.stack([snapshot.engine.get(int(i)) for i in allowed])
    scores = vectors @ tiny_embedder.encode_query(QUERY)
    order = [int(allowed[i]) for i in np.argsort(-scores, kind="stable")[:20]]
    assert [h.chunk_id for h in hits] == order  # exact search inside the filter, in score order


def test_filters_through_the_http_api(filters_index, backend, tiny_embedder, tiny_model_dir) -> None:  # type: ignore[no-untyped-def]
    from search_api.app import create_app
    from search_api.settings import Settings

    settings = Settings(index=filters_index, model=tiny_model_dir, **backend_settings(backend))
    client = TestClient(create_app(settings, tiny_embedder))
    cases = [({"doc_type": "resolution"}, "resolution-doc"), ({"body": "ECLAC"}, "eclac-doc"),
             ({"symbol": "E/RES/1992/41"}, "symbol-doc"), ({"symbol": "1992/41"}, "symbol-doc"),
             ({"year_from": 1990, "year_to": 1995}, "old-doc"), ({"country": "chl"}, "chile-doc"),
             ({"kind": "operative"}, "operative-doc")]
    for params, doc_id in cases:
        response = client.get("/api/v1/search", params={"q": QUERY, "k": 5, **params})
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["document"]["id"] for r in results] == [doc_id] * 5, params


def test_filters_through_the_command_line(filters_index, backend, tiny_model_dir, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from search_api.cli import main

    monkeypatch.setenv("COOPSEARCH_BACKEND", backend.kind)
    if backend.uri:
        monkeypatch.setenv("COOPSEARCH_MILVUS_URI", backend.uri)
    code = main(["search", QUERY, "-k", "5", "--index", str(filters_index), "--model", str(tiny_model_dir),
                 "--country", "CHL", "--json"])
    assert code == 0
    import json

    results = json.loads(capsys.readouterr().out)["results"]
    assert [r["document"]["id"] for r in results] == ["chile-doc"] * 5

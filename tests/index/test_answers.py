"""What a page of answers holds: duplicates once with their other places, quoted phrases and -words kept
in every mode, an empty answer (with suggestions) when nothing matches, and a total that counts matches."""
from __future__ import annotations

from pathlib import Path

import pytest

from index.build import IngestOptions, ingest_paths
from index.duplicates import collapse
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.snapshot import IndexHolder

SHARED_PARAGRAPH = ("The Council requests the Secretary-General to strengthen the national focal points for "
                    "South-South cooperation and to report on their work to the high-level committee.")
NEAR_COPY = SHARED_PARAGRAPH.replace("their work", "the work")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, tiny_embedder) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("answers-docs")
    (folder / "draft.md").write_text(f"# Draft resolution E/2025/L.16\n\n{SHARED_PARAGRAPH}\n\n"
                                     "Capacity building in the least developed countries was discussed.\n",
                                     encoding="utf-8")
    (folder / "report.md").write_text(f"# Report of the segment E/HLS/2025/1\n\n{NEAR_COPY}\n\n"
                                      "Capacity building in the least developed countries was discussed.\n",
                                      encoding="utf-8")
    (folder / "other.md").write_text("# Notes\n\nThe focal points of the national agencies met; national plans "
                                     "were set.\n", encoding="utf-8")
    (folder / "copy.md").write_text((folder / "draft.md").read_text(encoding="utf-8"), encoding="utf-8")
    index = tmp_path_factory.mktemp("answers-index")
    report = ingest_paths(index, [folder], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return index


def _engine(index_dir: Path, embedder, **config) -> SearchEngine:  # type: ignore[no-untyped-def]
    return SearchEngine(IndexHolder(index_dir, embedder.info), embedder, config=SearchConfig(**config))


def test_collapse_groups_equal_and_nearly_equal_texts_only() -> None:
    groups = collapse([(1, SHARED_PARAGRAPH), (2, "Something else entirely, about budgets and audits."),
                       (3, SHARED_PARAGRAPH.upper() + "!"), (4, NEAR_COPY), (5, "Annex"), (6, "annex")])
    assert [(g.kept, g.duplicates) for g in groups] == [(1, (3, 4)), (2, ()), (5, (6,))]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_duplicates_appear_once_with_their_other_places(index_dir, tiny_embedder, mode) -> None:  # type: ignore[no-untyped-def]
    hits = _engine(index_dir, tiny_embedder, semantic_floor=-1.0).search(
        SearchRequest("focal points South-South", k=10, mode=mode)).hits
    holding = [h for h in hits if "Secretary-General to strengthen" in h.chunk.text]
    assert len(holding) == 1, [h.chunk.text for h in hits]
    places = {Path(d.document.source).name for d in holding[0].duplicates}
    assert places | {Path(holding[0].document.source).name} == {"draft.md", "report.md", "copy.md"}
    apart = _engine(index_dir, tiny_embedder, collapse_duplicates=False, semantic_floor=-1.0).search(
        SearchRequest("focal points South-South", k=10, mode=mode)).hits
    assert sum("Secretary-General to strengthen" in h.chunk.text for h in apart) == 3


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_quoted_phrase_and_negation_hold_in_every_mode(index_dir, tiny_embedder, mode) -> None:  # type: ignore[no-untyped-def]
    # the tiny model's random vectors can point away from a passage: no floor, every passage is a neighbour
    engine = _engine(index_dir, tiny_embedder, collapse_duplicates=False, semantic_floor=-1.0)
    hits = engine.search(SearchRequest('"national focal points"', k=10, mode=mode)).hits
    assert hits and all("national focal points" in h.chunk.text for h in hits)
    hits = engine.search(SearchRequest("national focal points -Council", k=10, mode=mode)).hits
    assert hits and all("Council" not in h.chunk.text for h in hits)


def _cosines(engine: SearchEngine, query: str) -> dict[int, float]:
    scores, ids = engine.holder.current().vectors.search(engine.embedder.encode_query(query), 100, None)
    return {int(i): float(s) for i, s in zip(ids, scores, strict=True)}


def test_semantic_floor_drops_neighbours_below_it(index_dir, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    unfloored = _engine(index_dir, tiny_embedder, semantic_floor=-1.0)
    assert unfloored.search(SearchRequest("xyzzy qwertyuiop", k=10, mode="semantic")).hits  # all are neighbours
    floor = max(_cosines(unfloored, "xyzzy qwertyuiop").values()) + 1e-4  # the tiny model is not calibrated
    engine = _engine(index_dir, tiny_embedder, semantic_floor=floor, collapse_duplicates=False)
    for mode in ("semantic", "hybrid"):
        result = engine.search(SearchRequest("xyzzy qwertyuiop", k=10, mode=mode))
        assert result.hits == () and result.total == 0
    cosine = _cosines(unfloored, "capacity building")
    middle = sorted(cosine.values())[len(cosine) // 2]
    kept = _engine(index_dir, tiny_embedder, semantic_floor=middle, collapse_duplicates=False).search(
        SearchRequest("capacity building", k=10, mode="semantic")).hits
    assert kept and {h.chunk_id for h in kept} == {i for i, c in cosine.items() if c >= middle}


def test_total_counts_matches_not_the_candidate_depth(index_dir, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    engine = _engine(index_dir, tiny_embedder, depth=1, collapse_duplicates=False)
    result = engine.search(SearchRequest("national", k=1, mode="keyword"))
    assert len(result.hits) == 1 and result.total == 4  # the shared paragraph three times, and "national plans"


def test_a_misspelt_query_gets_a_suggestion_from_the_index(index_dir, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    result = _engine(index_dir, tiny_embedder).search(SearchRequest("secretery capasity", k=10, mode="keyword"))
    assert result.hits == () and result.suggestions == ("secretary capacity",)


def test_the_api_and_the_page_list_the_folded_places(index_dir, tiny_embedder, tiny_model_dir) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from search_api.app import create_app
    from search_api.settings import Settings

    client = TestClient(create_app(Settings(index=index_dir, model=tiny_model_dir), tiny_embedder))
    body = client.get("/api/v1/search", params={"q": '"national focal points"', "mode": "keyword"}).json()
    (hit,) = [r for r in body["results"] if "Secretary-General to strengthen" in r["text"]]
    assert len(hit["also_in"]) == 2 and body["total"] == 1
    assert {place["document"]["source"] for place in hit["also_in"]} | {hit["document"]["source"]} == {
        "draft.md", "report.md", "copy.md"}
    span = hit["highlight_spans"][0]
    assert [hit["text"][a:b] for a, b in span["marks"]] == ["national focal points"]
    page = client.get("/", params={"q": '"national focal points"', "mode": "keyword"}).text
    assert "Also in" in page
    assert all(f'href="/documents/{place["document"]["id"]}#c' in page for place in hit["also_in"])
    empty = client.get("/api/v1/search", params={"q": "secretery capasity", "mode": "keyword"}).json()
    assert empty["results"] == [] and empty["total"] == 0 and empty["suggestions"] == ["secretary capacity"]

"""Ingest stays inside the folders it is given: links out of a folder (to a file, a file without an
extension, or a folder) are skipped with reason `outside_root`, and what they point to is never searchable."""
from __future__ import annotations

from pathlib import Path

from support import make_engine

from index.build import IngestOptions, ingest_paths
from index.search import SearchRequest
from ingest.roots import resolved_inside

SECRET = "Zanzibar quartermaster ledger of confidential salaries"


def test_links_out_of_the_folder_are_skipped_as_outside_root(tmp_path: Path, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    corpus, outside = tmp_path / "corpus", tmp_path / "private"
    corpus.mkdir()
    (outside / "folder").mkdir(parents=True)
    (corpus / "report.txt").write_text("Technical cooperation among developing countries.\n", encoding="utf-8")
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "secret").write_text(SECRET + "\n", encoding="utf-8")
    (outside / "folder" / "more.txt").write_text(SECRET + "\n", encoding="utf-8")
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "noext.txt").symlink_to(outside / "secret")
    (corpus / "linked").symlink_to(outside / "folder", target_is_directory=True)
    (corpus / "alias.txt").symlink_to(corpus / "report.txt")  # inside the folder: allowed

    report = ingest_paths(tmp_path / "index", [corpus], tiny_embedder, IngestOptions(workers=1))
    outside_root = sorted(Path(p.path).name for p in report.skipped if p.reason == "outside_root")
    assert {"leak.txt", "noext.txt"} <= set(outside_root), report.skipped
    assert not [p for p in report.failed], report.failed
    engine = make_engine(tmp_path / "index", tiny_embedder)
    result = engine.search(SearchRequest(query="Zanzibar quartermaster", mode="keyword", k=10))
    assert result.hits == () or all(SECRET not in hit.chunk.text for hit in result.hits)
    sources = {hit.document.source for hit in engine.search(SearchRequest(query="cooperation", mode="keyword")).hits}
    assert all(str(outside) not in source for source in sources)


def test_the_rule_is_resolve_then_contain(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    (root / "out.txt").symlink_to(tmp_path / "b.txt")
    assert resolved_inside(root / "a.txt", [root]) == (root / "a.txt").resolve()
    assert resolved_inside(root / "out.txt", [root]) is None
    assert resolved_inside(root / "missing.txt", [root]) is None
    assert resolved_inside(root / ".." / "b.txt", [root]) is None
    assert resolved_inside(root / "out.txt", [root, tmp_path]) == (tmp_path / "b.txt").resolve()

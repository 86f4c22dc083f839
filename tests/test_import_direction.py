"""Imports run one way: ingest knows nothing of index; index uses ingest; edge (the pieces both edges
share) uses index; search_api and web use edge and index; web imports nothing from search_api."""
from __future__ import annotations

import ast

from support import REPO

FORBIDDEN = {"ingest": {"index", "edge", "search_api", "web"}, "index": {"edge", "search_api", "web"},
             "edge": {"search_api", "web"}, "web": {"search_api"}}


def _imported_packages(path) -> set[str]:  # type: ignore[no-untyped-def]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_package_imports_up_the_stack_or_across_the_edges() -> None:
    found = []
    for package, forbidden in FORBIDDEN.items():
        files = sorted((REPO / package).rglob("*.py"))
        assert files, package
        for path in files:
            wrong = _imported_packages(path) & forbidden
            if wrong:
                found.append(f"{path.relative_to(REPO)} imports {sorted(wrong)}")
    assert not found, found

"""The one rule for files that must stay inside a folder: resolved (symbolic links followed), then contained.

Ingest uses it to skip files a folder links to elsewhere (reason `outside_root`); the HTTP file endpoint
uses it to serve only files inside its allowed folders."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def resolved_inside(path: Path, roots: Sequence[Path]) -> Path | None:
    """`path` resolved, if that exists and lies inside one of `roots` (also resolved); else None."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    for root in roots:
        try:
            if target.is_relative_to(root.resolve(strict=True)):
                return target
        except (OSError, RuntimeError, ValueError):
            continue
    return None

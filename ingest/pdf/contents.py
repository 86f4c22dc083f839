"""Stage 3, contents pages: drop the lines of a table of contents (dot leaders, a "Contents" heading)."""
from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pdf.types import Line

_LEADER = re.compile(r"(?:\.\s?){5,}|…{2,}|(?:\s\.){4,}")
_CONTENTS_HEADING = re.compile(r"^(?:Contents|CONTENTS|Table of contents)\b")


def has_leader(text: str) -> bool:
    """Whether a line has dot leaders, as contents entries do."""
    return bool(_LEADER.search(text))


def is_contents_page(lines: Sequence[Line]) -> bool:
    """A page made of dot-leader entries: a table of contents."""
    leaders = sum(1 for line in lines if has_leader(line.text))
    return leaders >= 3 and leaders >= 0.3 * len(lines)


def drop_contents(lines: Sequence[Line]) -> tuple[list[Line], int]:
    """A page's lines without its table of contents, and how many lines that removed.

    The contents run from a "Contents" heading (or, on a page of entries, the top of the
    page) to the last dot-leader entry; entry lines without leaders in that run go too.
    Elsewhere only dot-leader lines are dropped.
    """
    leaders = [i for i, line in enumerate(lines) if has_leader(line.text)]
    heading = next((i for i, line in enumerate(lines) if _CONTENTS_HEADING.match(line.text)), None)
    if len(leaders) >= 3 and heading is not None and heading < leaders[-1]:
        first = heading
    elif is_contents_page(lines):
        first = 0
    else:
        kept = [line for line in lines if not has_leader(line.text)]
        return kept, len(lines) - len(kept)
    kept = list(lines[:first]) + list(lines[leaders[-1] + 1:])
    return kept, len(lines) - len(kept)

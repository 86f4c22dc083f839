"""Stage 4, footnotes: find the footnote zone at the foot of a page and parse its notes."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from ingest.pdf.hyphens import Vocabulary, finish_paragraph
from ingest.pdf.types import DocStats, Line
from ingest.types import Footnote

_RULE = re.compile(r"^[_\u2014\u2013\-]{8,}$")
_FOOTNOTE_START = re.compile(r"^((?:\d{1,3}|\*{1,3}|[a-z]|[†‡§]))\s+(\S.*)$")


def _footnote_start(line: Line, expected: int | None, hanging: bool,
                    first: bool = False) -> tuple[str, str] | None:
    """(marker, text) when `line` opens a footnote, else None."""
    if line.lead:
        return line.lead, line.text
    match = _FOOTNOTE_START.match(line.text)
    if not match:
        return None
    marker = match.group(1)
    restart = first and marker == "1"  # numbering may start again in an annex
    if marker.isdigit() and (expected is None or int(marker) == expected or hanging or restart):
        return marker, match.group(2)
    if not marker.isdigit() and (hanging or marker.startswith("*")):
        return marker, match.group(2)
    return None


def _footnote_zone(lines: Sequence[Line], stats: DocStats, refs: set[str], height: float) -> int | None:
    """Index in `lines` (sorted top to bottom) where the footnotes start, if any.

    A rule line ("______") opens the zone in UN documents; without one, a block at the
    bottom, set off by a gap, whose first line starts with a marker the body refers to
    (or in a smaller font) is taken as footnotes.
    """
    for i, line in enumerate(lines):
        # A rule above notes: small print or marked lines (the first may carry on a note).
        if _RULE.match(line.text.replace(" ", "")) and any(
            later.lead or _FOOTNOTE_START.match(later.text) or later.size < 0.95 * stats.body_size
            for later in lines[i + 1:i + 4]
        ):
            return i
    for i in range(1, len(lines)):
        line, above = lines[i], lines[i - 1]
        if line.y > 0.4 * height:
            continue
        start = _footnote_start(line, None, hanging=False)
        small = line.size < 0.9 * stats.body_size
        gap = above.y - line.y > (stats.spacing + 0.3) * max(line.size, 1.0)
        if start and gap and (start[0] in refs or small) and all(
            later.size <= line.size + 1.0 for later in lines[i:]
        ):
            return i
    return None


def split_footnotes(lines: Sequence[Line], stats: DocStats, height: float) -> tuple[list[Line], list[Line]]:
    """Split a page's lines into body lines and footnote-zone lines (rule line dropped)."""
    refs = {ref for line in lines for marker in line.refs for ref in marker.split(",")}
    ordered = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    zone_at = _footnote_zone([lines[i] for i in ordered], stats, refs, height)
    if zone_at is None:
        return list(lines), []
    zone_ids = ordered[zone_at:]
    zone = [lines[i] for i in zone_ids if not _RULE.match(lines[i].text.replace(" ", ""))]
    in_zone = set(zone_ids)
    body = [line for i, line in enumerate(lines) if i not in in_zone]
    return body, zone


def parse_footnotes(zone: Sequence[Line], page: int, last_marker: int | None,
                    vocab: Vocabulary) -> tuple[list[Footnote], str]:
    """Footnotes from the lines of a footnote zone, and any text that continues the
    previous page's last footnote (lines before the first marker)."""
    if not zone:
        return [], ""
    left = min(line.x for line in zone)
    continuation_x = Counter(round(line.x) for line in zone).most_common(1)[0][0]
    notes: list[list[str]] = []
    markers: list[str] = []
    carried: list[str] = []
    expected = last_marker + 1 if last_marker is not None else None
    for i, line in enumerate(zone):
        hanging = line.x < continuation_x - 2 and line.x <= left + 1
        start = _footnote_start(line, expected, hanging, first=i == 0)
        if start:
            markers.append(start[0])
            notes.append([start[1]])
            expected = int(start[0]) + 1 if start[0].isdigit() else expected
        elif notes:
            notes[-1].append(line.text)
        else:
            carried.append(line.text)
    found = [Footnote(page, marker, finish_paragraph(parts, vocab, ()))
             for marker, parts in zip(markers, notes, strict=True)]
    return [note for note in found if note.text], finish_paragraph(carried, vocab, ())

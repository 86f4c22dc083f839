"""Stage 5, paragraphs: measure the body text, then group lines into paragraphs by indent, spacing and
the openings of numbered, lettered and bulleted items."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

from ingest.pdf.types import DocStats, Line

_NUMBERED = re.compile(r"^\d{1,3}\.(?:\d{1,2}\.?)?\s+\S")
_LETTERED = re.compile(r"^\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)\s+\S")
_BULLET = re.compile(r"^[•▪◦●■□➢►\uf0b7\uf0a7]\s*\S")
_DASH_ITEM = re.compile(r"^[-–—]\s+\S")
_HEADING = re.compile(
    r"^(?:Chapter\s+[IVXLC\d]+|Annex(?:es)?\b|Appendix\b|[IVXLC]{1,6}\.\s|[A-Z]\.\s|"
    r"(?:Decision|Resolution|Part|Section)\s+[\dIVXLC]+(?:/\d+)?)"
)
_SHORT_HEADING = re.compile(
    r"^(?:Chapter\s+[IVXLC\d]+|Annex(?:es)?(?:\s+[IVXLC\d]+)?|Appendix(?:\s+[IVXLC\d]+)?|"
    r"(?:Decision|Resolution)\s+[\dA-Z./]+|Contents|Summary|Introduction)$"
)
_PREAMBULAR = re.compile(
    r"^(?:[A-Z][a-z]+ing|Aware|Mindful|Conscious|Convinced|Concerned|Cognizant|Deeply|"
    r"Bearing|Having|Guided|Determined|Alarmed|Gravely|Acknowledging|Desirous)\b"
)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_ENDS_CLAUSE = re.compile(r"[.!?:;,][\"'”’)\]]*$")


def doc_stats(pages: Iterable[Sequence[Line]]) -> DocStats:
    """Body font size, line spacing and full line length, measured over a document."""
    sizes: Counter[float] = Counter()
    gaps: Counter[float] = Counter()
    lengths: list[int] = []
    for lines in pages:
        for prev, line in pairwise(lines):
            gap = prev.y - line.y
            if abs(prev.size - line.size) < 0.3 and 0 < gap < 3 * line.size:
                gaps[round(gap / line.size * 20) / 20] += 1
        for line in lines:
            sizes[line.size] += len(line.text)
    if not sizes:
        return DocStats()
    body = sizes.most_common(1)[0][0]
    for lines in pages:
        lengths += [len(line.text) for line in lines if abs(line.size - body) < 0.3]
    # The tightest common spacing is the one inside paragraphs; wider ones separate them.
    top = max(gaps.values(), default=0)
    spacing = min((ratio for ratio, n in gaps.items() if n >= 0.3 * top), default=1.2)
    lengths.sort()
    full = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 80
    return DocStats(body_size=body, spacing=min(max(spacing, 1.0), 1.6), line_chars=max(full, 20))


def starts_paragraph(prev: Line, line: Line, stats: DocStats) -> bool:
    """Whether `line` opens a new paragraph after `prev` (the line drawn before it)."""
    ended = bool(_ENDS_SENTENCE.search(prev.text))
    clause = bool(_ENDS_CLAUSE.search(prev.text))
    lower = line.text[:1].islower()
    if line.y > prev.y + 2:  # jumped up: a new column or a block drawn out of order
        return ended or not lower
    if line.lead:  # a note under a table or box, opened by its raised marker
        return True
    if prev.y - line.y > (stats.spacing + 0.3) * max(min(prev.size, line.size), 1.0):
        return True
    if abs(prev.size - line.size) > 0.6 or abs(prev.bold - line.bold) > 0.9:
        return True
    if lower and not ended:  # a sentence running on; hanging indents move such lines right
        return False
    if _SHORT_HEADING.match(prev.text) or _BULLET.match(line.text):
        return True
    if ended and (_HEADING.match(line.text) or _DASH_ITEM.match(line.text)):
        return True
    if clause and (_NUMBERED.match(line.text) or _LETTERED.match(line.text) or _PREAMBULAR.match(line.text)):
        return True
    if clause and (line.indented or line.x > prev.x + 4):
        return True
    return ended and len(prev.text) < 0.7 * stats.line_chars


def group_paragraphs(lines: Sequence[Line], stats: DocStats) -> list[list[str]]:
    """Lines grouped into paragraphs, each a list of line texts."""
    paragraphs: list[list[str]] = []
    prev: Line | None = None
    for line in lines:
        if not line.text:
            continue
        if prev is None or starts_paragraph(prev, line, stats):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        prev = line
    return paragraphs

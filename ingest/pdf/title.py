"""Stage 7, the title: the first page's largest lines, unless they are a symbol, a date or other junk."""
from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.pdf.hyphens import Vocabulary, clean_text, repair_split_hyphens
from ingest.pdf.running_headers import is_noise_line
from ingest.pdf.types import Line

_NOT_TITLE = re.compile(
    r"^(?:United Nations|General Assembly|Economic and Social Council|Security Council|"
    r"Human Rights Council|Distr\.|Original|Official Records|Supplement|Agenda item|Item \d|"
    r"Executive Board|UNITED|NATIONS|Convention to Combat|Desertification|"
    r"(?:\S+\s+){0,2}session(?:\s+\d{4})?$|"  # "Fifty-ninth session", "First regular session 2025"
    r"(?:\S+\s+){0,4}(?:Board|Council|Assembly|Commission|Committee)$|"  # an organ's name
    r"(?:Chapter\s|[IVXLC]+\.\s|\d+\.\s|[A-Z]\.\s))",  # numbered headings
    re.IGNORECASE,
)


def _title_blocks(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of consecutive lines in one font size, close together: title candidates."""
    blocks: list[list[Line]] = []
    for line in lines:
        last = blocks[-1][-1] if blocks else None
        if last and line.size == last.size and 0 < last.y - line.y <= 1.6 * line.size:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def find_title(lines: Sequence[Line], height: float, body_size: float = 10.0) -> str | None:
    """The document's title from its first page: the largest text block below the masthead."""
    blocks = [
        block for block in _title_blocks(lines)
        if 0.1 * height < block[0].y < 0.75 * height and block[0].size > body_size + 0.5
        and not _NOT_TITLE.match(block[0].text) and not is_noise_line(block[0].text)
        and len(" ".join(line.text for line in block).split()) >= 2
    ]
    if not blocks:
        return None
    best = max(blocks, key=lambda block: block[0].size)  # max keeps the first of equals
    text = " ".join(line.text for line in best)
    title = clean_text(repair_split_hyphens(text, Vocabulary(frozenset(), frozenset()))).rstrip("*")
    return title if 8 <= len(title) <= 300 else None


def is_junk_title(title: str | None) -> bool:
    """Metadata titles that are no title: empty, a job number, a file name, a symbol."""
    if not title or len(title.strip()) < 6:
        return True
    t = title.strip()
    return bool(
        re.fullmatch(r"[\w.\-]*\d{2}-?\d{4,}[\w.\-]*(?:\s*\(E\))?", t)
        or re.search(r"\.(?:docx?|pdf|indd|rtf)$", t, re.IGNORECASE)
        or re.match(r"Microsoft Word", t)
        or is_noise_line(t)
    )

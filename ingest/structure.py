"""Recognise the structure of a document: headings, preambular and operative paragraphs, numbered paragraphs."""
from __future__ import annotations

import re

from ingest.types import (
    KIND_HEADING, KIND_LIST_ITEM, KIND_OPERATIVE, KIND_PARAGRAPH, KIND_PREAMBULAR, Block, Paragraph,
)

# Opening words of preambular paragraphs in UN resolutions (participles and adjectives).
_PREAMBULAR = re.compile(
    r"^[*_]*(Recalling|Reaffirming|Recognizing|Recognising|Noting|Taking|Bearing|Welcoming|Concerned|"
    r"Convinced|Considering|Emphasizing|Emphasising|Stressing|Acknowledging|Affirming|Aware|Believing|"
    r"Deeply|Determined|Expressing|Guided|Having|Mindful|Reiterating|Underlining|Underscoring|Alarmed|"
    r"Appreciating|Conscious|Desiring|Encouraged|Further|Keeping|Observing|Seeking|Referring|Realizing|"
    r"Commending|Cognizant|Reviewing|Regretting|Gravely|Highlighting|Pursuant)\b"
)
_OPERATIVE = re.compile(r"^(\d{1,3})\.\s+(.+)$")
_SUB_ITEM = re.compile(r"^\(([a-z]{1,4}|[ivx]{1,6})\)\s+(.+)$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_ENDS_CLAUSE = re.compile(r"[.,;:!?]['\"”’)*_]*$")
_ADOPTING_BODY = re.compile(r"^[*_]*The (General Assembly|Economic and Social Council|Economic Commission|Security Council|"
                            r"Executive Board|Conference|Commission|Council|High-level Committee|Governing Council)\b")


def parse_blocks(paragraphs: list[Paragraph]) -> list[Block]:
    """Classify paragraphs into Blocks with labels and heading paths."""
    is_resolution = any(_ADOPTING_BODY.match(p.text) for p in paragraphs[:40])
    blocks: list[Block] = []
    headings: list[tuple[int, str]] = []
    preambular_count = 0
    operative: str | None = None
    for paragraph in paragraphs:
        text = paragraph.text
        level, heading = _heading(text)
        if heading is not None:
            headings = [h for h in headings if h[0] < level] + [(level, heading)]
            operative = None
            blocks.append(_block(KIND_HEADING, heading, paragraph, None, headings[:-1]))
            continue
        kind, label = KIND_PARAGRAPH, None
        numbered, item = _OPERATIVE.match(text), _SUB_ITEM.match(text)
        if is_resolution and _PREAMBULAR.match(text) and operative is None:
            preambular_count += 1
            kind, label = KIND_PREAMBULAR, f"pp. {preambular_count}"
        elif numbered:
            operative = numbered.group(1)
            kind = KIND_OPERATIVE if is_resolution else KIND_PARAGRAPH
            label = f"op. {operative}" if is_resolution else f"para. {operative}"
        elif item and operative is not None:
            kind = KIND_OPERATIVE if is_resolution else KIND_LIST_ITEM
            label = (f"op. {operative} ({item.group(1)})" if is_resolution
                     else f"para. {operative} ({item.group(1)})")
        blocks.append(_block(kind, text, paragraph, label, headings))
    return blocks


def _block(kind: str, text: str, p: Paragraph, label: str | None, headings: list[tuple[int, str]]) -> Block:
    return Block(kind=kind, text=text, page_start=p.page_start, page_end=p.page_end, label=label,
                 heading_path=tuple(h for _, h in headings))


def _heading(text: str) -> tuple[int, str | None]:
    """(level, heading text) when the paragraph is a heading, else (0, None)."""
    marked = _MD_HEADING.match(text)
    if marked:
        return len(marked.group(1)), marked.group(2).strip("*_ ")
    bare = text.strip("*_ ")
    words = bare.split()
    if (0 < len(words) <= 12 and not _ENDS_CLAUSE.search(bare) and bare[:1].isupper()
            and not _OPERATIVE.match(bare) and not _SUB_ITEM.match(bare)):
        return 2, bare
    return 0, None

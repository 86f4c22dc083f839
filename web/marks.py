"""Rendering the core's highlight spans as HTML: the passage escaped, each span in <mark>."""
from __future__ import annotations

import html
from collections.abc import Sequence

from index.types import Fragment


def mark_html(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """HTML-escape `text` and wrap each (start, end) span, in text order and not overlapping, in <mark>."""
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(html.escape(text[cursor:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def fragment_html(text: str, fragment: Fragment) -> str:
    """One fragment of a passage as escaped HTML with its marks, "… " where it is cut from the passage."""
    inside = [(a - fragment.start, b - fragment.start) for a, b in fragment.marks]
    prefix = "… " if fragment.start > 0 else ""
    suffix = " …" if fragment.end < len(text) else ""
    return prefix + mark_html(text[fragment.start:fragment.end], inside) + suffix

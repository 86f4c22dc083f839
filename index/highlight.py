"""Find the query's terms in a passage and cut fragments around them, HTML-escaped with <mark>."""
from __future__ import annotations

import html
import re

from index.store import STOPWORDS

_WORD = re.compile(r"\w+", re.UNICODE)


def query_terms(query: str) -> list[str]:
    """Lower-cased content words of the query."""
    words = [w.lower() for w in _WORD.findall(query)]
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1)) or words


def _stem(word: str) -> str:
    # A light suffix strip: enough for "cooperation"/"cooperative", "countries"/"country".
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ive", "ed", "es", "s", "y"):
        if len(word) - len(suffix) >= 4 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of words in `text` that match a query term (same word or same stem)."""
    stems = {_stem(t) for t in terms}
    exact = set(terms)
    spans: list[tuple[int, int]] = []
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in exact or _stem(word) in stems:
            spans.append(match.span())
    return spans


def mark(text: str, spans: list[tuple[int, int]]) -> str:
    """HTML-escape `text` and wrap each span in <mark>."""
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(html.escape(text[cursor:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def fragments(text: str, query: str, *, width: int = 220, limit: int = 3) -> tuple[str, ...]:
    """Up to `limit` escaped fragments of about `width` characters, the densest in matches first."""
    spans = match_spans(text, query_terms(query))
    if not spans:
        return ()
    windows: list[tuple[int, int, list[tuple[int, int]]]] = []
    for start, _ in spans:
        lo = max(0, start - width // 3)
        hi = min(len(text), lo + width)
        inside = [s for s in spans if s[0] >= lo and s[1] <= hi]
        windows.append((lo, hi, inside))
    windows.sort(key=lambda w: (-len({text[a:b].lower() for a, b in w[2]}), w[0]))
    chosen: list[tuple[int, int, list[tuple[int, int]]]] = []
    for window in windows:
        if all(window[1] <= c[0] or window[0] >= c[1] for c in chosen):
            chosen.append(window)
        if len(chosen) == limit:
            break
    chosen.sort()
    out = []
    for lo, hi, inside in chosen:
        lo, hi = _word_edges(text, lo, hi)
        shifted = [(a - lo, b - lo) for a, b in inside if a >= lo and b <= hi]
        prefix = "… " if lo > 0 else ""
        suffix = " …" if hi < len(text) else ""
        out.append(prefix + mark(text[lo:hi], shifted) + suffix)
    return tuple(out)


def _word_edges(text: str, lo: int, hi: int) -> tuple[int, int]:
    while 0 < lo < len(text) and text[lo - 1].isalnum():
        lo -= 1
    while hi < len(text) and text[hi].isalnum():
        hi += 1
    return lo, hi

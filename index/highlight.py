"""Find the query's terms in a passage and cut fragments around them, HTML-escaped with <mark>.

- Words match by their Porter stem, as keyword search matches them ("cooperative" marks
  "cooperation").
- A quoted phrase ("\"talent bank\"") is marked only where its words stand together, as one mark.
- A document symbol in the query is marked in any written form it takes in the passage
  ("1992/41" marks "E/RES/1992/41" and "resolution 1992/41"), as one mark; the words that make up
  the symbol ("resolution", "41") are not marked on their own.
- Fragments start at a sentence start when one is near, otherwise at a word; they end at a word
  end, never inside a word or a mark. The fragments holding the most distinct query terms, and
  query terms standing next to each other as in the query, are chosen first.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from index.porter import stem
from index.query import analyse
from index.store import STOPWORDS
from ingest.symbols import find_symbols

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_START = re.compile(r"(?:^|[.!?;:]\s+|\n\s*)(?=[\"'“(\[]?[A-Z0-9(])")


def query_terms(query: str) -> list[str]:
    """Lower-cased content words of the query."""
    words = [w.lower() for w in _WORD.findall(query)]
    return list(dict.fromkeys(w for w in words if w not in STOPWORDS and len(w) > 1)) or words


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return stem(word.lower())


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Character spans of words in `text` that match a query term (same word or same Porter stem)."""
    if not terms:
        return []
    stems = {_stem(t) for t in terms}
    exact = {t.lower() for t in terms}
    spans: list[tuple[int, int]] = []
    for match in _candidates(frozenset(stems | exact)).finditer(text):
        word = match.group().lower()
        if word in exact or _stem(word) in stems:
            spans.append(match.span())
    return spans


@lru_cache(maxsize=256)
def _candidates(keys: frozenset[str]) -> re.Pattern[str]:
    """Words that may match: a Porter stem keeps its word's first letters (but "hoping" -> "hope")."""
    prefixes = sorted({k[:4] if len(k) > 4 else k[:max(1, len(k) - 1)] for k in keys}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in prefixes) + r")\w*", re.IGNORECASE)


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    unit: str  # what it matched: a term's stem, a phrase or a symbol
    order: int  # the unit's position in the query, for adjacency


def phrase_spans(text: str, phrase: str) -> list[tuple[int, int]]:
    """Spans of the places where the phrase's words (by stem) stand together in `text`."""
    wanted = [_stem(w) for w in _WORD.findall(phrase)]
    if not wanted:
        return []
    words = list(_WORD.finditer(text))
    stems = [_stem(m.group()) for m in words]
    out = []
    for i in range(len(words) - len(wanted) + 1):
        if stems[i:i + len(wanted)] == wanted:
            out.append((words[i].start(), words[i + len(wanted) - 1].end()))
    return out


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """The spans `fragments` marks for this query: symbols, quoted phrases and words, without overlaps."""
    return [(s.start, s.end) for s in _spans(text, query)]


@dataclass(frozen=True)
class _QueryPlan:
    """What to look for in passages, worked out once per query."""

    symbols: frozenset[str]
    phrases: tuple[str, ...]
    terms: tuple[str, ...]
    order_of: dict[str, int]


@lru_cache(maxsize=256)
def _plan(query: str) -> _QueryPlan:
    analysis = analyse(query)
    loose = query
    for match in reversed(find_symbols(query)):
        loose = loose[:match.start] + " " + loose[match.end:]
    for phrase in analysis.phrases:
        loose = loose.replace(phrase, " ")
    terms = tuple(t for t in query_terms(loose) if t not in _SYMBOL_WORDS or not analysis.symbols)
    offset = len(analysis.phrases)
    order_of = {_stem(t): offset + i for i, t in enumerate(terms)}
    return _QueryPlan(frozenset(analysis.symbols), analysis.phrases, terms, order_of)


def _spans(text: str, query: str) -> list[_Span]:
    plan = _plan(query)
    found: list[_Span] = []
    if plan.symbols:
        found += [_Span(m.start, m.end, m.normalised, 0) for m in find_symbols(text) if m.normalised in plan.symbols]
    for order, phrase in enumerate(plan.phrases):
        found += [_Span(a, b, "phrase:" + phrase.lower(), order) for a, b in phrase_spans(text, phrase)]
    offset = len(plan.phrases)
    for start, end in match_spans(text, list(plan.terms)):
        key = _stem(text[start:end])
        found.append(_Span(start, end, key, plan.order_of.get(key, offset)))
    return _without_overlaps(found)


_SYMBOL_WORDS = frozenset({"resolution", "resolutions", "decision", "decisions", "ecosoc", "document"})


def _without_overlaps(spans: list[_Span]) -> list[_Span]:
    """Longest first wins a contested stretch; the result is in text order."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


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
    """Up to `limit` escaped fragments of about `width` characters, in text order, the best chosen."""
    spans = _spans(text, query)
    if not spans:
        return ()
    windows = [_window(text, spans, i, width) for i in range(len(spans))]
    windows.sort(key=lambda w: (-w[2], w[0]))
    chosen: list[tuple[int, int, float]] = []
    for window in windows:
        if all(window[1] <= c[0] or window[0] >= c[1] for c in chosen):
            chosen.append(window)
        if len(chosen) == limit:
            break
    out = []
    for lo, hi, _ in sorted(chosen):
        inside = [(s.start - lo, s.end - lo) for s in spans if s.start >= lo and s.end <= hi]
        prefix = "… " if lo > 0 else ""
        suffix = " …" if hi < len(text) else ""
        out.append(prefix + mark(text[lo:hi], inside) + suffix)
    return tuple(out)


def _window(text: str, spans: list[_Span], first: int, width: int) -> tuple[int, int, float]:
    """(start, end, score) of a fragment opening near spans[first]."""
    anchor = spans[first]
    lo = _start_near(text, anchor.start, width // 3)
    hi = _end_before(text, max(lo + width, anchor.end), anchor.end)
    for span in spans:  # never cut a mark in two
        if span.start < hi < span.end:
            hi = span.end
    inside = [s for s in spans if s.start >= lo and s.end <= hi]
    distinct = len({s.unit for s in inside})
    adjacent = sum(1 for a, b in zip(inside, inside[1:])
                   if b.order == a.order + 1 and not text[a.end:b.start].strip(" -–\n\t"))
    return lo, hi, distinct + 0.5 * adjacent + 0.01 * len(inside)


def _start_near(text: str, position: int, reach: int) -> int:
    """The first sentence start at most `reach` characters before `position`, else a word start about
    that far back (the text's start when it is that near)."""
    floor = max(0, position - reach)
    for match in _SENTENCE_START.finditer(text, floor, position + 1):
        if match.end() <= position:
            return match.end()
    if floor == 0:
        return 0
    while floor < position and (_joins(text[floor - 1]) or text[floor].isspace()):
        floor += 1  # forward to the next word start: a fragment never opens mid-word
    return floor


def _end_before(text: str, limit: int, at_least: int) -> int:
    """The last word end at or before `limit`, but not before `at_least`; the text's end if it is near."""
    if limit >= len(text):
        return len(text)
    end = limit
    while end > at_least and _joins(text[end - 1]) and _joins(text[end]):
        end -= 1  # back out of a word cut in two
    while end > at_least and text[end - 1].isspace():
        end -= 1
    return end


def _joins(char: str) -> bool:
    """Part of a word, or a hyphen or slash inside one ("South-South", "1992/41")."""
    return char.isalnum() or char in "-‐–/'’"

"""Find an analysed query's terms in a passage: character spans, and fragments around them.

The core returns spans; the edges render them (`<mark>` in HTML, spans and a rendered string in JSON).

- Words match by their stem (`index.query.stem`), as keyword search matches them ("cooperative" marks
  "cooperation"; "incoming" does not mark "income").
- A quoted phrase ("\"talent bank\"") is marked only where its words stand together, as one span.
- A document symbol in the query is marked in any written form it takes in the passage
  ("1992/41" marks "E/RES/1992/41" and "resolution 1992/41"), as one span; the words that make up
  the symbol ("resolution", "41") are not marked on their own.
- Fragments start at a sentence start when one is near, otherwise at a word; they end at a word
  end, never inside a word or a mark. The fragments holding the most distinct query terms, and
  query terms standing next to each other as in the query, are chosen first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from index.query import _TOKEN, QueryAnalysis, analyse, stem, stem_of_token, stems
from index.types import Fragment
from ingest.symbols import find_symbols

_SENTENCE_START = re.compile(r"(?:^|[.!?;:]\s+|\n\s*)(?=[\"'“(\[]?[A-Z0-9(])")
_SYMBOL_WORDS = frozenset(stem(w) for w in ("resolution", "resolutions", "decision", "decisions", "ecosoc",
                                             "document"))


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    unit: str  # what it matched: a term's stem, a phrase or a symbol
    order: int  # the unit's position in the query, for adjacency


def _as_analysis(query: QueryAnalysis | str) -> QueryAnalysis:
    return query if isinstance(query, QueryAnalysis) else analyse(query)


def mark_terms(query: QueryAnalysis) -> tuple[str, ...]:
    """The stems to mark on their own: the free words, less the words that make up a symbol."""
    if not query.symbols:
        return query.terms
    inside = {s for symbol in query.symbols for s in stems(symbol)} | _SYMBOL_WORDS
    for match in find_symbols(query.text):
        inside.update(stems(query.text[match.start:match.end]))
    return tuple(t for t in query.terms if t not in inside)


def phrase_spans(text: str, phrase_stems: tuple[str, ...]) -> list[tuple[int, int]]:
    """Spans of the places where the phrase's stems stand together in `text`."""
    if not phrase_stems:
        return []
    found = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    passage = stems(text)
    n = len(phrase_stems)
    return [(found[i][0], found[i + n - 1][1]) for i in range(len(found) - n + 1)
            if tuple(passage[i:i + n]) == phrase_stems]


def highlight_spans(text: str, query: QueryAnalysis | str) -> list[tuple[int, int]]:
    """The spans to mark for this query: symbols, quoted phrases, acronyms written out and words,
    without overlaps, in text order."""
    return [(s.start, s.end) for s in _spans(text, _as_analysis(query))]


def _spans(text: str, query: QueryAnalysis) -> list[_Span]:
    found: list[_Span] = []
    if query.symbols:
        wanted = set(query.symbols)
        found += [_Span(m.start, m.end, m.normalised, 0) for m in find_symbols(text) if m.normalised in wanted]
    phrases = [p for group in query.required for p in group] + list(query.expansions)
    for order, phrase in enumerate(phrases):
        found += [_Span(a, b, "phrase:" + " ".join(phrase.stems), order) for a, b in phrase_spans(text, phrase.stems)]
    terms = mark_terms(query)
    order_of = {t: len(phrases) + i for i, t in enumerate(terms)}
    for match in _TOKEN.finditer(text):  # the words of index.query.words, stemmed through its cache
        key = stem_of_token(match.group())
        if key in order_of:
            found.append(_Span(match.start(), match.end(), key, order_of[key]))
    return _without_overlaps(found)


def _without_overlaps(spans: list[_Span]) -> list[_Span]:
    """Longest first wins a contested stretch; the result is in text order."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def fragments(text: str, query: QueryAnalysis | str, *, width: int = 220, limit: int = 3) -> tuple[Fragment, ...]:
    """Up to `limit` fragments of about `width` characters, in text order, the best chosen."""
    spans = _spans(text, _as_analysis(query))
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
    return tuple(Fragment(lo, hi, tuple((s.start, s.end) for s in spans if s.start >= lo and s.end <= hi))
                 for lo, hi, _ in sorted(chosen))


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
    adjacent = sum(1 for a, b in pairwise(inside)
                   if b.order == a.order + 1 and not text[a.end:b.start].strip(" -\u2013\n\t"))
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
    return char.isalnum() or char in "-\u2010\u2013/'\u2019"

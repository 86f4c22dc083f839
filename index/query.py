"""Query analysis: the document symbols a query names, and its quoted phrases.

"1992/41", "E/RES/1992/41", "ECOSOC resolution 1992/41", "resolution 33/134", "A/80/39" and
"591(XXIX)" are all recognised by `ingest.symbols` and brought to one normal form, the form the
index stores documents' symbols and references under.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.symbols import find_symbols, normalise_symbol

_QUOTED = re.compile(r"[\"“”]([^\"“”]{2,200})[\"“”]")
_WORD = re.compile(r"\w+", re.UNICODE)
# Words that only introduce a symbol: "resolution 33/134", "document A/80/39", "the decision 9/2".
_FILLER = frozenset("""a an the of by in resolution resolutions decision decisions document documents report
symbol doc res dec general assembly ecosoc economic and social council""".split())


@dataclass(frozen=True)
class QueryAnalysis:
    """What a query asks for beyond its words."""

    text: str
    symbols: tuple[str, ...] = ()  # normal forms, in order of appearance
    phrases: tuple[str, ...] = ()  # text inside double quotes
    symbol_only: bool = False  # nothing but symbols (and words such as "resolution")


def analyse(query: str) -> QueryAnalysis:
    """Find the symbols and quoted phrases of a query."""
    matches = find_symbols(query)
    symbols = tuple(dict.fromkeys(m.normalised for m in matches))
    rest = query
    for match in reversed(matches):
        rest = rest[:match.start] + " " + rest[match.end:]
    leftover = [w for w in _WORD.findall(rest.lower()) if w not in _FILLER]
    phrases = tuple(p.strip() for p in _QUOTED.findall(query) if p.strip())
    return QueryAnalysis(text=query, symbols=symbols, phrases=phrases, symbol_only=bool(symbols) and not leftover)


def normalise_filter_symbol(value: str | None) -> str | None:
    """A symbol filter as typed ("1992/41") in the form documents are stored under ("E/RES/1992/41")."""
    if value is None:
        return None
    return normalise_symbol(value) or value.strip()

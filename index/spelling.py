"""Spelling suggestions for a query that found nothing, from the words of the indexed passages."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz.distance import Levenshtein

from index.query import STOPWORDS, words

MAX_EDITS = 2  # farther than this, a "correction" is another word
# (word, passages) of the index's words of about this length and first letter
Lookup = Callable[[str, int, int], Sequence[tuple[str, int]]]


def correct(word: str, lookup: Lookup) -> str | None:
    """The index word closest to `word` (fewest edits, then the most passages), or None when it is
    indexed itself or nothing is within MAX_EDITS."""
    near = lookup(word[0], len(word) - MAX_EDITS, len(word) + MAX_EDITS)
    if any(candidate == word for candidate, _ in near):
        return None
    scored = [(Levenshtein.distance(word, candidate, score_cutoff=MAX_EDITS), -count, candidate)
              for candidate, count in near]
    best = min((s for s in scored if s[0] <= MAX_EDITS), default=None)
    return best[2] if best else None


def suggestions(query: str, lookup: Lookup) -> tuple[str, ...]:
    """The query with each unknown word replaced by its nearest index word; empty when none changes."""
    changed = False
    out: list[str] = []
    cursor = 0
    for start, end, word in words(query):
        fixed = None if word in STOPWORDS or len(word) < 3 or word.isdigit() else correct(word, lookup)
        out.append(query[cursor:start] + (fixed or query[start:end]))
        cursor = end
        changed = changed or fixed is not None
    return (("".join(out) + query[cursor:]).strip(),) if changed else ()

"""Duplicate passages: the same (or nearly the same) text in several places is shown once.

UN documents repeat each other: a draft resolution (E/2025/L.16) and the report that adopts it
(E/HLS/2025/1) carry the same paragraphs, and the same file may be ingested twice under two names.
Two passages are duplicates when their normalised text (case, spacing and punctuation ignored) is
equal, or when their word shingles overlap almost entirely (Jaccard similarity at or above
`NEAR_DUPLICATE`); the better-ranked one is shown, the others are listed with it ("also in …").
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

NEAR_DUPLICATE = 0.7  # Jaccard similarity of their 3-word shingles (one word changed in 25: 0.77)
SHINGLE = 3
_WORD = re.compile(r"\w+", re.UNICODE)


class Group(NamedTuple):
    """A passage kept in the ranking and the duplicates folded into it, best first (a named tuple: a search
    makes one per candidate, and a frozen dataclass's __init__ costs five times as much)."""

    kept: int
    duplicates: tuple[int, ...]


def _shingles(words: list[str]) -> frozenset[tuple[str, ...]]:
    if len(words) < SHINGLE:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def _similar(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> bool:
    small, large = sorted((len(a), len(b)))
    if not small or small < NEAR_DUPLICATE * large:  # Jaccard cannot reach the threshold
        return False
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) >= NEAR_DUPLICATE


def collapse(ranked: Sequence[tuple[int, str]]) -> list[Group]:
    """Group (id, text) pairs, given best first, into kept passages and their duplicates, in rank order."""
    groups: list[tuple[int, str, frozenset[tuple[str, ...]], list[int]]] = []
    by_key: dict[str, int] = {}
    for item, text in ranked:
        words = [w.lower() for w in _WORD.findall(text)]
        key = " ".join(words)
        index = by_key.get(key)
        shingles = _shingles(words)
        if index is None and len(words) >= 2 * SHINGLE:  # short texts ("Annex", a title) only when equal
            index = next((n for n, group in enumerate(groups) if _similar(shingles, group[2])), None)
        if index is None:
            by_key[key] = len(groups)
            groups.append((item, key, shingles, []))
        else:
            groups[index][3].append(item)
    return [Group(kept, tuple(dups)) for kept, _, _, dups in groups]

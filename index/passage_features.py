"""What a search computes from each candidate passage's text, computed once per passage and kept.

A hybrid search looks at up to 200 candidate passages: the boosts need each one's stems (which query
terms it holds, which pairs of them stand together) and the duplicate folding its words and 3-word
shingles. Done in Python for every candidate of every query, that was 70 % of a search's time. Here each
passage's stems and words become arrays of integer ids (one shared vocabulary), kept in a bounded cache
per index generation, and the per-query work runs on those arrays: the same answers as
`index.fusion.evidence` and `index.duplicates.collapse` (tests/index/test_passage_features.py checks
both on real passages), at a fraction of the cost.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, pairwise
from typing import Generic, TypeVar

import numpy as np

from index.duplicates import _WORD, NEAR_DUPLICATE, SHINGLE, Group
from index.fusion import Evidence
from index.query import stem_of_token, token_list
from index.types import StoredChunk

# Passages whose features are kept per index generation: about 3 KB each (36 MB when full).
CACHE_PASSAGES = 12_000
_WORD_BITS = 21  # three word ids packed into one 64-bit shingle code while the vocabulary stays under 2M words
_SENTINEL = -1  # between passages in a concatenated array: no stem id equals it, so no pair spans two passages
_MISSING = -2  # a query term the vocabulary has never seen: in no passage
Key = TypeVar("Key")
Value = TypeVar("Value")


class Vocabulary:
    """Strings to dense integer ids, shared by every thread (ids are never reused or renumbered)."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._lock = threading.Lock()

    def id(self, text: str) -> int:
        """The id of `text`, given a new one on first sight."""
        found = self._ids.get(text)
        if found is None:
            with self._lock:  # two threads must not hand the same new id to two strings
                found = self._ids.setdefault(text, len(self._ids))
        return found

    def known(self, text: str) -> int:
        """The id of `text`, or _MISSING when no passage has held it."""
        return self._ids.get(text, _MISSING)

    def __len__(self) -> int:
        return len(self._ids)


VOCABULARY = Vocabulary()


@lru_cache(maxsize=262_144)
def _stem_id(token: str) -> int:
    return VOCABULARY.id(stem_of_token(token))


@lru_cache(maxsize=262_144)
def _word_id(token: str) -> int:
    return VOCABULARY.id(token.lower())


@dataclass(frozen=True)
class PassageFeatures:
    """One passage as the boosts and the duplicate folding see it."""

    stems: np.ndarray  # int32 stem ids of its headings then its text (index.query.stems order)
    words: np.ndarray  # int32 ids of its lower-cased \\w+ words (index.duplicates' words)
    shingles: np.ndarray  # sorted distinct uint64 codes of its 3-word shingles (empty under 3 words)

    @property
    def key(self) -> bytes:
        """Equal for two passages exactly when their words are equal (index.duplicates' exact key)."""
        return self.words.tobytes()


def features_of(stored: StoredChunk) -> PassageFeatures:
    """Compute a passage's features from its text and headings."""
    chunk = stored.chunk
    stems = np.fromiter(map(_stem_id, token_list(" ".join([*chunk.heading_path, chunk.text]))), dtype=np.int32)
    words = np.fromiter(map(_word_id, _WORD.findall(chunk.text)), dtype=np.int32)
    return PassageFeatures(stems, words, _shingle_codes(words))


def _shingle_codes(words: np.ndarray) -> np.ndarray:
    """Distinct codes of the 3-word shingles, sorted. Three ids under 2M pack exactly into 63 bits and the
    mix that follows is a bijection, so two codes are equal exactly when the shingles are; the mix spreads
    them so that the prefix (the smallest codes) holds rare and common shingles alike."""
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint64)
    w = words.astype(np.uint64)
    first, second, third = w[:-2], w[1:-1], w[2:]
    packed = (first << np.uint64(2 * _WORD_BITS)) | (second << np.uint64(_WORD_BITS)) | third
    wide = (first | second | third) >= np.uint64(1 << _WORD_BITS)
    if wide.any():  # a word id past 2M: a 64-bit hash of the three ids, its top bit set (packed codes lack it)
        with np.errstate(over="ignore"):
            hashed = first * np.uint64(0x9E3779B97F4A7C15) ^ second * np.uint64(0xC2B2AE3D27D4EB4F) ^ third
        packed = np.where(wide, hashed | np.uint64(1 << 63), packed)
    return np.unique(_mix(packed))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _prefix_length(count: int) -> int:
    """Prefix filtering: sets with Jaccard >= t share an element among each one's first n - ceil(t n) + 1
    (in one global order). floor(t n) in place of ceil errs towards a longer prefix, never a shorter one."""
    return min(count, count - int(NEAR_DUPLICATE * count) + 1)


class Recent(Generic[Key, Value]):
    """Values of recently used keys, least recently used dropped first; safe to share between threads."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Key, Value] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, keys: Iterable[Key], load: Callable[[list[Key]], Mapping[Key, Value]]) -> dict[Key, Value]:
        """The values of these keys, in their order (keys `load` does not know are left out); `load` is
        asked once, for the keys not kept."""
        wanted = list(dict.fromkeys(keys))
        out: dict[Key, Value] = {}
        with self._lock:
            for key in wanted:
                if key in self._items:
                    self._items.move_to_end(key)
                    out[key] = self._items[key]
        missing = [key for key in wanted if key not in out]
        self.hits += len(out)
        self.misses += len(missing)
        if missing:
            loaded = load(missing)
            out.update(loaded)
            with self._lock:
                self._items.update(loaded)
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
        return {key: out[key] for key in wanted if key in out}


class FeatureCache(Recent[int, PassageFeatures]):
    """The features of recently seen passages of one index generation, by chunk id."""

    def __init__(self, capacity: int = CACHE_PASSAGES) -> None:
        super().__init__(capacity)

    def features(self, ids: Iterable[int], read: Callable[[list[int]], Mapping[int, StoredChunk]]
                 ) -> dict[int, PassageFeatures]:
        """Features of these passages (ids the store does not know are left out); `read` fetches the
        passages whose features are not kept."""
        return self.get(ids, lambda missing: {i: features_of(stored) for i, stored in read(missing).items()})


def evidences(terms: Sequence[str], passages: Mapping[int, PassageFeatures],
              weights: Mapping[str, float] | None = None) -> dict[int, Evidence]:
    """`index.fusion.evidence` of each passage, for all of them at once on their concatenated stems."""
    if not passages:
        return {}
    ids = list(passages)
    if not terms:
        return dict.fromkeys(ids, Evidence(0.0, 0.0))
    parts: list[np.ndarray] = []
    for i in ids:
        parts.append(passages[i].stems)
        parts.append(np.array([_SENTINEL], dtype=np.int32))
    parts.append(np.array([_SENTINEL], dtype=np.int32))  # so each passage's pairs start inside the array
    flat = np.concatenate(parts)
    starts = np.zeros(len(ids), dtype=np.int64)
    starts[1:] = np.cumsum([len(passages[i].stems) + 1 for i in ids])[:-1]
    term_ids = [VOCABULARY.known(t) for t in terms]
    # present[t][p]: passage p holds term t; each passage's run ends with a sentinel, so no run is empty
    present = [np.logical_or.reduceat(flat == t, starts) for t in term_ids]
    pairs = list(pairwise(term_ids))
    adjacent = [np.logical_or.reduceat((flat[:-1] == a) & (flat[1:] == b), starts) for a, b in pairs]
    term_weights = [(weights or {}).get(t, 1.0) for t in terms]
    total = sum(term_weights)
    out: dict[int, Evidence] = {}
    for p, i in enumerate(ids):
        coverage = sum(w for w, held in zip(term_weights, present, strict=True) if held[p]) / total if total else 0.0
        if not pairs:
            out[i] = Evidence(coverage, coverage)
        else:
            out[i] = Evidence(coverage, sum(1 for held in adjacent if held[p]) / len(pairs))
    return out


def collapse(ranked: Sequence[tuple[int, PassageFeatures]]) -> list[Group]:
    """`index.duplicates.collapse` on features: the same groups, each passage compared only with the
    earlier ones that share a shingle of its prefix (the others cannot be near-duplicates of it), and
    those comparisons made all at once in numpy."""
    # Only the first passage of each exact text can open a group, so only those firsts are compared for
    # near-duplicates: an index holding many copies of a passage compares it once, not once per pair of
    # copies. A copy's near-duplicates are its first's (in both directions: a group opened between the
    # first and the copy counts for the copy).
    firsts: dict[bytes, int] = {}
    for position, (_, features) in enumerate(ranked):
        firsts.setdefault(features.key, position)
    distinct = sorted(firsts.values())
    similar: dict[int, list[int]] = {}
    for b, earlier in _near_duplicate_pairs([ranked[p] for p in distinct]).items():
        for a in earlier:
            similar.setdefault(distinct[b], []).append(distinct[a])
            similar.setdefault(distinct[a], []).append(distinct[b])
    kept: list[tuple[int, list[int]]] = []
    group_at: dict[int, int] = {}  # position in `ranked` of each kept passage -> its group
    by_key: dict[bytes, int] = {}
    for position, (item, features) in enumerate(ranked):
        key = features.key
        index = by_key.get(key)
        if index is None and len(features.words) >= 2 * SHINGLE:  # short texts only when equal
            # groups were opened in rank order, so ascending positions visit them in the original's order
            index = next((group_at[p] for p in sorted(similar.get(firsts[key], ())) if p < position and p in group_at),
                         None)
        if index is None:
            by_key[key] = group_at[position] = len(kept)
            kept.append((item, []))
        else:
            kept[index][1].append(item)
    return [Group(item, tuple(duplicates)) for item, duplicates in kept]


def _near_duplicate_pairs(ranked: Sequence[tuple[int, PassageFeatures]]) -> dict[int, list[int]]:
    """For each position, the earlier positions whose passage is a near-duplicate of its own, ascending.

    Candidates share a shingle of their prefixes (nearly all prefix shingles belong to one passage only);
    their exact overlaps are then counted for all pairs in one pass: each passage's shingles become
    ranks in one sorted vocabulary, offset by the passage's position, and a pair's overlap is how many
    of one's (offset to the other's block) are found in the other's block."""
    n = len(ranked)
    shingles = [features.shingles for _, features in ranked]
    sizes = np.array([len(codes) for codes in shingles], dtype=np.int64)
    if n < 2 or not sizes.any():
        return {}
    codes = np.concatenate(shingles)
    owners = np.repeat(np.arange(n), sizes)
    vocabulary, ranks = np.unique(codes, return_inverse=True)
    width = len(vocabulary)
    # prefixes: the first shingles of each passage (sorted codes, so the smallest ranks)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    prefix = np.arange(len(codes)) - starts[owners] < np.array([_prefix_length(int(k)) for k in sizes])[owners]
    prefix_ranks, prefix_owners = ranks[prefix], owners[prefix]
    counts = np.bincount(prefix_ranks, minlength=width)
    shared_prefix = counts[prefix_ranks] > 1
    holders: dict[int, set[int]] = {}
    for rank, owner in zip(prefix_ranks[shared_prefix].tolist(), prefix_owners[shared_prefix].tolist(), strict=True):
        holders.setdefault(rank, set()).add(owner)
    pairs = {pair for group in holders.values() for pair in combinations(sorted(group), 2)}
    if not pairs:
        return {}
    firsts, seconds = np.array(list(pairs), dtype=np.int64).T
    small = np.minimum(sizes[firsts], sizes[seconds])
    # index.duplicates._similar's length test: Jaccard cannot reach the threshold across these sizes
    fit = (small > 0) & ~(small < NEAR_DUPLICATE * np.maximum(sizes[firsts], sizes[seconds]))
    firsts, seconds = firsts[fit], seconds[fit]
    if not len(firsts):
        return {}
    keys = owners * width + ranks  # sorted: owners ascending, each block's ranks ascending
    block = np.concatenate([ranks[starts[b]:starts[b] + sizes[b]] for b in seconds.tolist()])
    probe = np.repeat(firsts, sizes[seconds]) * width + block  # the second's shingles, in the first's block
    at = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
    found = (keys[at] == probe).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(sizes[seconds])[:-1]])
    overlap = np.add.reduceat(found, bounds)
    out: dict[int, list[int]] = {}
    for a, b, shared in zip(firsts.tolist(), seconds.tolist(), overlap.tolist(), strict=True):
        # index.duplicates._similar's arithmetic, so the same answer at the threshold
        if shared / (int(sizes[a]) + int(sizes[b]) - shared) >= NEAR_DUPLICATE:
            out.setdefault(b, []).append(a)
    return {b: sorted(a) for b, a in out.items()}

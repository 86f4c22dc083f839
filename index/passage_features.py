"""What a search computes from each candidate passage's text, computed once per passage and kept.

A hybrid search looks at up to 200 candidate passages: the boosts need each one's stems (which query
terms it holds, which pairs of them stand together) and the duplicate folding its words and 3-word
shingles. Done in Python for every candidate of every query, that was 70 % of a search's time. Here each
passage's stems and words become arrays of integer ids (hashes), kept in a bounded cache
per index generation, and the per-query work runs on those arrays: the same answers as
`index.fusion.evidence` and `index.duplicates.collapse` (tests/index/test_passage_features.py checks
both on real passages), at a fraction of the cost.

At a million passages most candidates are not in the cache, and computing their features was most of a
hybrid search's time; so the store keeps each passage's features beside its text, computed once at
ingest (`to_blob`, read back by `from_blob`: a few microseconds against ~0.3 ms). For that the ids are
stable across processes: 31-bit hashes of the stems and words, not a per-process vocabulary. A store
built before holds none (or holds an older `FEATURES_VERSION`): those passages are computed as before.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from hashlib import blake2b
from itertools import pairwise
from typing import Generic, TypeVar

import numpy as np

from index.answer_types import DATE, PERSON, QUANTITY, holds
from index.duplicates import _WORD, NEAR_DUPLICATE, SHINGLE, Group
from index.fusion import Evidence
from index.query import stem_of_token, token_list
from index.types import StoredChunk

# Passages whose features are kept per index generation: about 1 KB each (12 MB when full).
CACHE_PASSAGES = 12_000
# The layout of a stored features blob, and the rules that make it (stems, words, hashes): a blob of
# another version is computed again from the text, never read. Bump it when any of them changes.
FEATURES_VERSION = 2
# Version 1 (stores built before answer types) lacks the trailing answer-type bits but is otherwise the same:
# it is still read, with `answers` unknown (None), so an older store keeps its stored features.
_READ_VERSIONS = (1, FEATURES_VERSION)
_HEADER = np.dtype("<i4")  # version, stem count, word count, shingle count; then the key, stems, shingles,
# and (version 2) one int32 of answer-type bits
# The answer types found from a passage's text alone (index.answer_types), one bit each in that order; the
# countries type also reads the countries ingest stored, so a search finds it from those.
STORED_ANSWER_TYPES = (QUANTITY, DATE, PERSON)
_KEY_BYTES = 16
_SENTINEL = -1  # between passages in a concatenated array: no stem id (0 .. 2^31 - 1) equals it
Key = TypeVar("Key")
Value = TypeVar("Value")


def term_id(text: str) -> int:
    """A stable 31-bit id of a stem or word (the same in every process, so it can be stored): how stored
    features name a query's already-stemmed terms. Two different stems share one with odds of 1 in 2^31:
    a query term then counts as held by a passage it is not in."""
    return int.from_bytes(blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).digest(), "little") & 0x7FFFFFFF


@lru_cache(maxsize=262_144)
def _stem_id(token: str) -> int:
    return term_id(stem_of_token(token))


@lru_cache(maxsize=262_144)
def _word_id(token: str) -> int:
    return term_id(token.lower())


@dataclass(frozen=True)
class PassageFeatures:
    """One passage as the boosts and the duplicate folding see it."""

    stems: np.ndarray  # int32 stem ids of its headings then its text (index.query.stems order)
    word_count: int  # its \w+ words (index.duplicates' words)
    shingles: np.ndarray  # sorted distinct uint32 codes of its 3-word shingles (empty under 3 words)
    # equal for two passages exactly when their lower-cased words are (index.duplicates' exact key)
    key: bytes
    # bit i: it holds an answer of type STORED_ANSWER_TYPES[i]; None: not known (a version-1 blob)
    answers: int | None = None

    def holds(self, kind: str) -> bool | None:
        """Whether it holds an answer of this type; None when that is not known here (a type not stored, or
        features read from a version-1 blob): the caller finds it from the text."""
        if self.answers is None or kind not in STORED_ANSWER_TYPES:
            return None
        return bool(self.answers >> STORED_ANSWER_TYPES.index(kind) & 1)


def features_of(stored: StoredChunk) -> PassageFeatures:
    """Compute a passage's features from its text and headings."""
    return features_of_text(stored.chunk.text, stored.chunk.heading_path)


def stem_ids(text: str) -> np.ndarray:
    """The int32 stem ids of a text's tokens, in order (what the boosts and BM25 compare query terms with)."""
    return np.fromiter(map(_stem_id, token_list(text)), dtype=np.int32)


def features_of_text(text: str, heading_path: Sequence[str]) -> PassageFeatures:
    """Compute the features of a passage with this text and these headings."""
    stems = stem_ids(" ".join([*heading_path, text]))
    found = _WORD.findall(text)
    words = np.fromiter(map(_word_id, found), dtype=np.int64)
    joined = "\x1f".join(map(str.lower, found)).encode("utf-8", "surrogatepass")
    key = blake2b(joined, digest_size=_KEY_BYTES).digest()
    answers = sum(1 << bit for bit, kind in enumerate(STORED_ANSWER_TYPES) if holds(kind, text))
    return PassageFeatures(stems, len(found), _shingle_codes(words), key, answers)


def to_blob(features: PassageFeatures) -> bytes:
    """The features as the store keeps them (read back by `from_blob`)."""
    header = np.array([FEATURES_VERSION, len(features.stems), features.word_count, len(features.shingles)],
                      dtype=_HEADER)
    if features.answers is None:
        raise ValueError("features without their answer types cannot be stored (compute them: features_of_text)")
    return b"".join([header.tobytes(), features.key, features.stems.astype("<i4").tobytes(),
                     features.shingles.astype("<u4").tobytes(), np.array([features.answers], dtype="<i4").tobytes()])


def from_blob(blob: bytes | None) -> PassageFeatures | None:
    """Stored features, or None when there are none or they were made by a version this one cannot read
    (version 1: read, without its answer types)."""
    if not blob or len(blob) < 16 + _KEY_BYTES:
        return None
    version, stem_count, word_count, shingle_count = np.frombuffer(blob, dtype=_HEADER, count=4).tolist()
    size = 16 + _KEY_BYTES + 4 * (stem_count + shingle_count)
    if version not in _READ_VERSIONS or len(blob) != size + (4 if version == FEATURES_VERSION else 0):
        return None
    at = 16 + _KEY_BYTES
    stems = np.frombuffer(blob, dtype="<i4", count=stem_count, offset=at).astype(np.int32, copy=False)
    shingles = np.frombuffer(blob, dtype="<u4", count=shingle_count, offset=at + 4 * stem_count)
    answers = int(np.frombuffer(blob, dtype="<i4", count=1, offset=size)[0]) if version == FEATURES_VERSION else None
    return PassageFeatures(stems, word_count, shingles.astype(np.uint32, copy=False), blob[16:at], answers)


def _shingle_codes(words: np.ndarray) -> np.ndarray:
    """Distinct 32-bit codes of the 3-word shingles, sorted. Two different shingles share a code with odds
    of 1 in 2^32, which can only nudge a Jaccard similarity by a shingle; the mix spreads the codes so
    that the prefix (the smallest codes) holds rare and common shingles alike."""
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.uint32)
    w = words.astype(np.uint64)
    first, second, third = w[:-2], w[1:-1], w[2:]
    packed = _mix((first << np.uint64(31)) | second) ^ third  # two 31-bit ids fit one 62-bit word
    return np.unique((_mix(packed) >> np.uint64(32)).astype(np.uint32))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of 64-bit integers."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _prefix_lengths(counts: np.ndarray) -> np.ndarray:
    """Prefix filtering: sets with Jaccard >= t share an element among each one's first n - ceil(t n) + 1
    (in one global order). floor(t n) in place of ceil errs towards a longer prefix, never a shorter one."""
    return np.minimum(counts, counts - (NEAR_DUPLICATE * counts).astype(np.int64) + 1)


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

    def features(self, ids: Iterable[int], load: Callable[[list[int]], Mapping[int, PassageFeatures]]
                 ) -> dict[int, PassageFeatures]:
        """Features of these passages (ids the store does not know are left out); `load` gives those not
        kept (index.store.Store.chunk_features: stored at ingest, or computed)."""
        return self.get(ids, load)


def evidences(terms: Sequence[str], passages: Mapping[int, PassageFeatures],
              weights: Mapping[str, float] | None = None) -> dict[int, Evidence]:
    """`index.fusion.evidence` of each passage, for all of them at once on their concatenated stems."""
    if not passages:
        return {}
    ids = list(passages)
    if not terms:
        return dict.fromkeys(ids, Evidence(0.0, 0.0))
    sentinel = np.array([_SENTINEL], dtype=np.int32)
    parts: list[np.ndarray] = []
    for i in ids:
        parts.append(passages[i].stems)
        parts.append(sentinel)
    parts.append(sentinel)  # so each passage's pairs start inside the array
    flat = np.concatenate(parts)
    starts = np.zeros(len(ids), dtype=np.int64)
    starts[1:] = np.cumsum([len(passages[i].stems) + 1 for i in ids])[:-1]
    term_ids = [term_id(t) for t in terms]
    # held[p][t]: passage p holds term t; each passage's run ends with a sentinel, so no run is empty
    held = zip(*[np.logical_or.reduceat(flat == t, starts).tolist() for t in term_ids], strict=True)
    pairs = list(pairwise(term_ids))
    # together[p]: how many of the query's neighbouring pairs stand together in passage p
    together = np.zeros(len(ids), dtype=np.int64)
    for a, b in pairs:
        together += np.logical_or.reduceat((flat[:-1] == a) & (flat[1:] == b), starts)
    term_weights = [(weights or {}).get(t, 1.0) for t in terms]
    total = sum(term_weights)
    out: dict[int, Evidence] = {}
    for i, flags, count in zip(ids, held, together.tolist(), strict=True):
        # the weights summed in the query's order, as index.fusion.evidence sums them
        coverage = sum(w for w, here in zip(term_weights, flags, strict=True) if here) / total if total else 0.0
        out[i] = Evidence(coverage, count / len(pairs) if pairs else coverage)
    return out


@dataclass(frozen=True)
class NearDuplicates:
    """Near-duplicate verdicts made ahead of a folding: every pair of `texts` (PassageFeatures.key) was
    compared, and `pairs` holds those that are near-duplicates. A pair's verdict depends on its two texts
    alone, so a folding of a ranking that holds these texts and others compares only the pairs with another
    text in them. A hybrid search's keyword thread makes them for the keyword candidates while the query is
    embedded (index.search)."""

    texts: tuple[bytes, ...]
    pairs: tuple[tuple[bytes, bytes], ...]
    # the texts' prefix shingles, sorted, and the text (an index into `texts`) of each: where another text's
    # prefix shingles find the decided texts it must be compared with
    prefix_codes: np.ndarray
    prefix_texts: np.ndarray


def near_duplicates(passages: Iterable[PassageFeatures]) -> NearDuplicates:
    """Compare every pair of these passages' distinct texts."""
    distinct = list({features.key: features for features in passages}.values())  # one text, one set of shingles
    found = _near_duplicate_pairs([(0, features) for features in distinct])
    codes, owners = _sorted_prefixes([features.shingles for features in distinct])
    return NearDuplicates(tuple(f.key for f in distinct),
                          tuple((distinct[a].key, distinct[b].key) for b, earlier in found.items() for a in earlier),
                          codes, owners)


def collapse(ranked: Sequence[tuple[int, PassageFeatures]], decided: NearDuplicates | None = None) -> list[Group]:
    """`index.duplicates.collapse` on features: the same groups, each passage compared only with the
    earlier ones that share a shingle of its prefix (the others cannot be near-duplicates of it), and
    those comparisons made all at once in numpy; pairs of `decided` texts are not compared again."""
    # Only the first passage of each exact text can open a group, so only those firsts are compared for
    # near-duplicates: an index holding many copies of a passage compares it once, not once per pair of
    # copies. A copy's near-duplicates are its first's (in both directions: a group opened between the
    # first and the copy counts for the copy).
    firsts: dict[bytes, int] = {}
    for position, (_, features) in enumerate(ranked):
        firsts.setdefault(features.key, position)
    distinct = sorted(firsts.values())
    similar: dict[int, list[int]] = {}
    for b, earlier in _near_duplicate_pairs([ranked[p] for p in distinct], decided).items():
        for a in earlier:
            similar.setdefault(distinct[b], []).append(distinct[a])
            similar.setdefault(distinct[a], []).append(distinct[b])
    kept: list[tuple[int, list[int]]] = []
    group_at: dict[int, int] = {}  # position in `ranked` of each kept passage -> its group
    by_key: dict[bytes, int] = {}
    for position, (item, features) in enumerate(ranked):
        key = features.key
        index = by_key.get(key)
        near = similar.get(firsts[key]) if index is None else None
        if near and features.word_count >= 2 * SHINGLE:  # short texts only when equal
            # groups were opened in rank order, so ascending positions visit them in the original's order
            index = next((group_at[p] for p in sorted(near) if p < position and p in group_at), None)
        if index is None:
            by_key[key] = group_at[position] = len(kept)
            kept.append((item, []))
        else:
            kept[index][1].append(item)
    return [Group(item, tuple(duplicates)) for item, duplicates in kept]


def _near_duplicate_pairs(ranked: Sequence[tuple[int, PassageFeatures]], decided: NearDuplicates | None = None
                          ) -> dict[int, list[int]]:
    """For each position, the earlier positions whose passage is a near-duplicate of its own, ascending
    (the passages' texts distinct). Pairs of two `decided` texts take their verdict from it.

    Candidates share a shingle of their prefixes (nearly all prefix shingles belong to one passage only);
    their exact overlaps are then counted for all pairs in one pass: each passage's shingle codes, tagged
    with its position in the high bits, form one sorted array, and a pair's overlap is how many of one's
    codes (tagged with the other's position) are found in it. All in numpy: no vocabulary of the codes,
    no loop over the shared shingles."""
    n = len(ranked)
    shingles = [features.shingles for _, features in ranked]
    sizes = np.fromiter(map(len, shingles), dtype=np.int64, count=n)
    if n < 2 or not sizes.any():
        return {}
    out: dict[int, list[int]] = {}
    if decided is None:
        firsts, seconds = _prefix_pairs(shingles)
    else:
        position = {features.key: p for p, (_, features) in enumerate(ranked)}
        for one, other in decided.pairs:
            if one in position and other in position:
                a, b = sorted((position[one], position[other]))
                out.setdefault(b, []).append(a)
        firsts, seconds = _undecided_pairs(shingles, [features.key for _, features in ranked], decided)
    small = np.minimum(sizes[firsts], sizes[seconds])
    # index.duplicates._similar's length test: Jaccard cannot reach the threshold across these sizes
    fit = (small > 0) & ~(small < NEAR_DUPLICATE * np.maximum(sizes[firsts], sizes[seconds]))
    firsts, seconds = firsts[fit], seconds[fit]
    if len(firsts):
        overlap = _overlaps(shingles, sizes, firsts, seconds)
        for a, b, shared in zip(firsts.tolist(), seconds.tolist(), overlap.tolist(), strict=True):
            # index.duplicates._similar's arithmetic, so the same answer at the threshold
            if shared / (int(sizes[a]) + int(sizes[b]) - shared) >= NEAR_DUPLICATE:
                out.setdefault(b, []).append(a)
    return {b: sorted(a) for b, a in out.items()}


def _overlaps(shingles: Sequence[np.ndarray], sizes: np.ndarray, firsts: np.ndarray, seconds: np.ndarray
              ) -> np.ndarray:
    """How many shingles each pair (firsts[i], seconds[i]) of positions shares."""
    codes = np.concatenate(shingles).astype(np.int64)
    starts = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    keys = np.repeat(np.arange(len(sizes), dtype=np.int64) << 32, sizes) | codes  # ascending: positions, codes
    lengths = sizes[seconds]
    bounds = np.zeros(len(seconds), dtype=np.int64)
    np.cumsum(lengths[:-1], out=bounds[1:])
    # the second's codes (gathered by index, pair after pair), tagged with the first's position
    block = codes[np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts[seconds] - bounds, lengths)]
    probe = np.repeat(firsts << 32, lengths) | block
    at = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
    return np.add.reduceat((keys[at] == probe).astype(np.int64), bounds)


def _sorted_prefixes(shingles: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The passages' prefix shingles (`_prefix_lengths`; the codes are sorted, so a prefix is a passage's
    smallest codes), sorted, and the position of the passage of each."""
    sizes = np.fromiter(map(len, shingles), dtype=np.int64, count=len(shingles))
    prefix = _prefix_lengths(sizes)
    codes = np.concatenate([np.zeros(0, dtype=np.uint32),
                            *(codes[:length] for codes, length in zip(shingles, prefix.tolist(), strict=True))])
    order = np.argsort(codes)
    return codes[order], np.repeat(np.arange(len(shingles), dtype=np.int64), prefix)[order]


def _prefix_pairs(shingles: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct position pairs (first < second) whose passages share a shingle of their prefixes."""
    n = len(shingles)
    codes, owners = _sorted_prefixes(shingles)
    # a passage's codes are distinct, so equal codes belong to different passages; a run of r equal codes
    # gives r (r - 1) / 2 pairs: those d apart in the run, for each d
    pairs: list[np.ndarray] = []
    d = 1
    while d < len(codes):
        same = np.flatnonzero(codes[d:] == codes[:-d])
        if not len(same):
            break  # runs are contiguous: none as long as d + 1 means none longer
        a, b = owners[same], owners[same + d]
        pairs.append(np.minimum(a, b) * n + np.maximum(a, b))
        d += 1
    return _split_pairs(pairs, n)


def _undecided_pairs(shingles: Sequence[np.ndarray], keys: Sequence[bytes], decided: NearDuplicates
                     ) -> tuple[np.ndarray, np.ndarray]:
    """`_prefix_pairs` less the pairs of two decided texts: the texts not decided among themselves, and
    each with the decided texts whose prefixes share a shingle with its own (found in decided's index)."""
    n = len(shingles)
    decided_at = {key: index for index, key in enumerate(decided.texts)}
    fresh = [p for p, key in enumerate(keys) if key not in decided_at]
    if not fresh:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    among = _prefix_pairs([shingles[p] for p in fresh])
    where = np.array(fresh, dtype=np.int64)
    pairs = [where[among[0]] * n + where[among[1]]]  # positions ascend with `fresh`: first < second
    # each decided text's position in the ranking (-1: not in it)
    ranked_at = np.full(len(decided.texts), -1, dtype=np.int64)
    for p, key in enumerate(keys):
        if key in decided_at:
            ranked_at[decided_at[key]] = p
    codes, owners = _sorted_prefixes([shingles[p] for p in fresh])
    low = np.searchsorted(decided.prefix_codes, codes, side="left")
    high = np.searchsorted(decided.prefix_codes, codes, side="right")
    for at in np.flatnonzero(high > low).tolist():
        others = ranked_at[decided.prefix_texts[low[at]:high[at]]]
        others = others[others >= 0]
        mine = where[owners[at]]
        pairs.append(np.minimum(others, mine) * n + np.maximum(others, mine))
    return _split_pairs(pairs, n)


def _split_pairs(pairs: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair codes (first * n + second) as the distinct (firsts, seconds), in ascending order."""
    found = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *pairs]))
    return found // n, found % n

"""The cached passage features give exactly what the per-passage Python gave: the boosts' evidence, the
duplicate groups, the stems; and the cache reads each passage once."""
from __future__ import annotations

import random
import re

import pytest
from support import CORPUS

from index import duplicates
from index.duplicates import NEAR_DUPLICATE
from index.fusion import evidence
from index.passage_features import (
    FeatureCache,
    PassageFeatures,
    _near_duplicate_pairs,
    collapse,
    evidences,
    features_of,
    features_of_text,
    near_duplicates,
)
from index.query import _TOKEN, _fold, stem, stems
from index.types import StoredChunk
from ingest.types import Chunk


def _paragraphs() -> list[str]:
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        out += [p.strip() for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")) if p.strip()]
    return out


def _near_copy(text: str, rng: random.Random) -> str:
    words = text.split()
    for _ in range(max(1, len(words) // 25)):  # about one word in 25 changed: above the threshold
        words[rng.randrange(len(words))] = "altered"
    return " ".join(words)


@pytest.fixture(scope="module")
def passages() -> dict[int, StoredChunk]:
    """Real paragraphs of corpus/, with exact copies (other case and spacing), near copies and short texts."""
    rng = random.Random(5)
    texts = _paragraphs()
    assert len(texts) > 50
    texts += [t.upper().replace(" ", "  ") for t in rng.sample(texts, 15)]
    texts += [_near_copy(t, rng) for t in rng.sample([t for t in texts if len(t.split()) > 30], 25)]
    texts += ["Annex", "Annex", "A B C D E F", "a b c d e f g", "co-operation Coopération ﬁnance İstanbul", ""]
    headings = [(), ("Chapter I", "Co-operation"), ("Résumé",)]
    return {n + 1: StoredChunk(n + 1, Chunk(doc_id="d", ordinal=n, text=t, heading_path=headings[n % 3]))
            for n, t in enumerate(texts)}


def test_stems_are_the_folded_stems_of_each_word() -> None:
    text = "Co-operation among ﬁnancial İstanbul organizations, incoming co-ordinators"
    assert stems(text) == [stem(_fold(m.group())) for m in _TOKEN.finditer(text)]


def test_evidence_equals_the_per_passage_computation(passages: dict[int, StoredChunk]) -> None:
    rng = random.Random(11)
    cache = FeatureCache()
    features = cache.features(passages, lambda ids: {i: features_of(passages[i]) for i in ids})
    queries = [["cooper", "develop", "countri"], ["technic"], [], ["zzzunknown", "cooper"]]
    for _ in range(30):  # terms drawn from the passages, so pairs do stand together somewhere
        words = stems(rng.choice(list(passages.values())).chunk.text)
        if len(words) > 4:
            start = rng.randrange(len(words) - 3)
            queries.append(list(dict.fromkeys(words[start:start + rng.randint(1, 4)])))
    for terms in queries:
        for weights in (None, {t: 1.0 + n for n, t in enumerate(terms)}):
            got = evidences(terms, features, weights)
            for i, stored in passages.items():
                expected = evidence(terms, stems(" ".join([*stored.chunk.heading_path, stored.chunk.text])), weights)
                assert got[i] == expected, (terms, stored.chunk.text[:80])


def test_duplicate_groups_equal_the_per_passage_computation(passages: dict[int, StoredChunk]) -> None:
    rng = random.Random(3)
    features = {i: features_of(stored) for i, stored in passages.items()}
    ids = list(passages)
    folded = 0
    for _ in range(40):
        ranked = rng.sample(ids, min(len(ids), 200))
        expected = duplicates.collapse([(i, passages[i].chunk.text) for i in ranked])
        assert collapse([(i, features[i]) for i in ranked]) == expected
        folded += sum(len(g.duplicates) for g in expected)
    assert folded > 100  # the rankings did hold copies and near copies to fold


def test_the_cache_reads_each_passage_once_and_leaves_unknown_ids_out(passages: dict[int, StoredChunk]) -> None:
    asked: list[list[int]] = []

    def read(ids: list[int]) -> dict[int, PassageFeatures]:
        asked.append(list(ids))
        return {i: features_of(passages[i]) for i in ids if i in passages}

    cache = FeatureCache(capacity=3)
    assert list(cache.features([1, 2, 999], read)) == [1, 2]
    assert list(cache.features([2, 1, 3], read)) == [2, 1, 3]
    assert asked == [[1, 2, 999], [3]]
    cache.features([4], read)  # over capacity: the least recently used (2) is dropped
    cache.features([2], read)
    assert asked[-1] == [2]


def test_duplicate_groups_with_many_exact_copies_equal_the_per_passage_computation(
        passages: dict[int, StoredChunk]) -> None:
    """Each text several times (as in the synthetic 1M index) with near copies of some between: only the
    first copy of a text is compared for near-duplicates, and its later copies must still join the group
    a near copy of it joined."""
    rng = random.Random(7)
    texts = [p.chunk.text for p in passages.values() if len(p.chunk.text.split()) > 30][:40]
    pool = [t for t in texts for _ in range(5)] + [_near_copy(t, rng) for t in texts[:20] for _ in range(2)]
    copies = {n: StoredChunk(n, Chunk(doc_id="d", ordinal=n, text=t)) for n, t in enumerate(pool)}
    features = {i: features_of(stored) for i, stored in copies.items()}
    for _ in range(20):
        ranked = rng.sample(list(copies), len(copies))
        expected = duplicates.collapse([(i, copies[i].chunk.text) for i in ranked])
        assert collapse([(i, features[i]) for i in ranked]) == expected
        assert sum(len(g.duplicates) for g in expected) > len(texts) * 4  # the copies were folded


def test_near_duplicate_pairs_equal_every_pair_compared(passages: dict[int, StoredChunk]) -> None:
    """The prefix filter and the one-pass overlap count find exactly the pairs a comparison of every pair
    finds, on variants of a few texts (many passages share each prefix shingle, so the filter's runs of
    equal shingles are long) and the passages that hold several of them."""
    rng = random.Random(13)
    texts = [p.chunk.text for p in passages.values() if 40 < len(p.chunk.text.split()) < 120][:3]
    variants = [_near_copy(t, rng) if n % 3 else " ".join(_near_copy(t, rng).split()[:-rng.randint(1, 9)])
                for t in texts for n in range(12)]
    variants += [variants[0] + " " + variants[1], " ".join(texts), texts[0]]
    ranked = [(n, features_of_text(t, ())) for n, t in enumerate(variants)]
    rng.shuffle(ranked)
    sets = [set(features.shingles.tolist()) for _, features in ranked]
    expected: dict[int, list[int]] = {}
    for b in range(len(ranked)):
        for a in range(b):
            shared = len(sets[a] & sets[b])
            if (min(len(sets[a]), len(sets[b])) >= NEAR_DUPLICATE * max(len(sets[a]), len(sets[b]))
                    and shared / (len(sets[a]) + len(sets[b]) - shared) >= NEAR_DUPLICATE):
                expected.setdefault(b, []).append(a)
    assert _near_duplicate_pairs(ranked) == expected
    assert sum(map(len, expected.values())) > 50  # the variants were near-duplicates of each other


def test_verdicts_made_ahead_for_some_passages_fold_as_comparing_every_pair(passages: dict[int, StoredChunk]) -> None:
    """A hybrid search's keyword thread compares its candidates' texts before the semantic ones arrive: the
    folding of the whole ranking with those verdicts is the folding without them."""
    rng = random.Random(17)
    texts = [p.chunk.text for p in passages.values() if len(p.chunk.text.split()) > 30][:40]
    pool = texts + [t for t in texts[:20] for _ in range(2)] + [_near_copy(t, rng) for t in texts for _ in range(2)]
    features = {n: features_of_text(t, ()) for n, t in enumerate(pool)}
    folded = 0
    for _ in range(20):
        ranked = rng.sample(list(features), len(features))
        ahead = near_duplicates(features[i] for i in rng.sample(ranked, len(ranked) // 2))
        assert ahead.pairs  # some verdicts come from ahead
        expected = collapse([(i, features[i]) for i in ranked])
        assert collapse([(i, features[i]) for i in ranked], ahead) == expected
        folded += sum(len(g.duplicates) for g in expected)
    assert folded > 20 * 40

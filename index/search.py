"""Search: keyword and semantic retrieval (the backend's engines, index.backends), fused; similar passages."""
from __future__ import annotations

import contextlib
import functools
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from index import bm25, sentences, spelling
from index.answer_types import ANSWER_TYPES, defined_terms, definition_match, holds
from index.cited_paragraph import paragraph_first
from index.embedder import Embedder
from index.errors import BadQuery, ModelLoadError, NotFound
from index.facts import IndexFacts
from index.fusion import Boosts, Candidate, Evidence, Fused, FusionConfig, boosted, dbsf_scale, fuse
from index.highlight import fragments
from index.passage_features import (
    FeatureCache,
    NearDuplicates,
    PassageFeatures,
    Recent,
    collapse,
    evidences,
    near_duplicates,
    stem_ids,
    term_id,
)
from index.query import QueryAnalysis, analyse, normalise_filter_symbol, stems
from index.snapshot import IndexHolder, IndexSnapshot
from index.store import FIELD_WEIGHTS, Store
from index.types import (
    SEARCH_MODES,
    DocumentLinks,
    Duplicate,
    Filters,
    Fragment,
    Hit,
    Link,
    SearchResult,
    StoredChunk,
)
from ingest.types import KIND_OPERATIVE, KIND_PREAMBULAR, Document

MAX_QUERY_CHARS = 1000
MAX_K = 100
CANDIDATE_DEPTH = 100  # how deep each retriever looks before fusion
# Passages holding more of the query's terms, and its neighbouring terms together, move up: +2.1 points
# of nDCG@10 on the dev half of the UN set, where adaptive keyword weights lost (README, "Search quality").
# A mandate question ("what did the Council request ...") lifts resolutions' operative and preambular
# paragraphs by 0.5: +0.7 points on that dev half, +3.0 on its mandate questions (README, "Search quality").
# A question asking for a quantity ("how many", "what share") lifts the passages holding one (a rate, an amount,
# a count) by 1: UN dev half +0.009, fact questions +0.030; the other answer types and the definition
# pattern gained nothing there and stay off (README, "Search quality"; index.answer_types).
DEFAULT_BOOSTS = Boosts(coverage=1.0, proximity=1.0, mandate=0.5, answer_type=1.0, answer_types=("quantity",))
# The paragraphs that decide, request, invite and recall: a mandate question's answer.
MANDATE_KINDS = frozenset({KIND_OPERATIVE, KIND_PREAMBULAR})
# Cosine floors by model name, calibrated on the dev half of the judged set (README, "Search quality").
SEMANTIC_FLOORS = {"all-MiniLM-L6-v2": 0.30}
# The top-2 cosine gap under which a query's semantic list counts less in hybrid fusion (FusionConfig.semantic_gap),
# by model name: a gap is in the model's own cosines. all-MiniLM-L6-v2: UN dev half +0.007, both of its folds
# up, SciFact -0.002 (README, "Search quality"). A model not named here: off.
SEMANTIC_GAPS = {"all-MiniLM-L6-v2": 0.01}
# Keyword searches running beside query embeddings; a search waits for its own when all are busy.
_RETRIEVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="keyword-search")
# The head of the fused ranking re-scored by its passages' best sentences, and the weight of that cosine
# (README, "Search quality": measured on the UN set's dev half).
SENTENCE_RERANK = 20
SENTENCE_WEIGHT = 1.0
SENTENCE_FUSION = "dbsf"
# Semantic mode: its first N passages ranked by the closer of their own vector and their best stored
# sentence (README, "Search quality": measured on the UN set's dev half).
SEMANTIC_SENTENCE_RERANK = 100
DOCUMENTS_KEPT = 2048  # documents of recent hits kept per generation (GenerationCache)
BM25_FIELDS_KEPT = 12_000  # passages whose BM25 fields (index.bm25.Fields) are kept per generation
ANSWERS_KEPT = 12_000  # passages whose answer types (index.answer_types) are kept per generation
BM25_SAMPLE = 2000  # passages whose lengths estimate BM25's average passage length, once per generation
# While the query is embedded, the keyword thread also reads and highlights its best candidates, as many as
# this x the page's end (offset + k): on the latency bench's queries 91 % of a hybrid page's hits are among
# them (98 % at 1.5 x, which measured no faster: more guessing takes the second core from the embedding on
# a loaded machine). It stops highlighting when the vector arrives; the search highlights the rest.
SPECULATIVE_PAGE = 1.0


@dataclass(frozen=True)
class SearchConfig:
    """Everything that shapes a ranking: fusion, keyword field weights, candidate depth."""

    fusion: FusionConfig = field(default_factory=FusionConfig)
    field_weights: tuple[float, float, float] = FIELD_WEIGHTS
    depth: int = CANDIDATE_DEPTH
    # Semantic neighbours less similar than this (cosine) are not matches: every passage has a nearest
    # neighbour, even for "xyzzy qwertyuiop". None: the floor calibrated for the model in use
    # (SEMANTIC_FLOORS), or no floor for a model that was not calibrated.
    semantic_floor: float | None = None
    collapse_duplicates: bool = True  # show the same text once, with its other places (index.duplicates)
    boosts: Boosts = field(default_factory=lambda: DEFAULT_BOOSTS)
    # hybrid: the keyword search in a worker thread while the query is embedded (the same hits either way)
    parallel_retrieval: bool = True
    # ... and that thread also computes what the rest of the search needs of the keyword candidates alone
    # (their boost evidence, the total's count, the likely page's passages and highlights): the same answers
    overlap: bool = True
    # Hybrid: the first N fused candidates also get sentence_weight x their best sentence's cosine, from the
    # sentence vectors stored at ingest (index.sentences; a passage without them: its own cosine; an index
    # without any: ranked as before). 0: off. Tuned on the UN set's dev half (README, "Search quality").
    sentence_rerank: int = SENTENCE_RERANK
    sentence_weight: float = SENTENCE_WEIGHT
    # "add": + weight x the cosine; "dbsf": the head's cosines as a third list, scaled as DBSF scales the
    # retrievers' lists (mean ± 3 sigma), + weight x that (measured: README, "Search quality").
    sentence_fusion: str = SENTENCE_FUSION
    # Semantic mode: its first N passages scored max(own cosine, best stored sentence's cosine), so a
    # passage answering in one sentence among others is not averaged away. 0: off. Hybrid fuses the plain
    # cosines: folding the sentences into its semantic list lost there (README, "Search quality").
    semantic_sentence_rerank: int = SEMANTIC_SENTENCE_RERANK
    # Keyword candidates re-scored by our own BM25 over their stored stems (index.bm25: k1, b, BM25+'s
    # delta, field weights); None: the keyword engine's own ranking, the default: the best setting on the
    # UN set's dev half (k1 0.6, b 0.5: hybrid +0.007) cost SciFact's hybrid 0.012 (README, "Search quality").
    bm25: bm25.Bm25Config | None = None


@dataclass(frozen=True)
class SearchRequest:
    """A validated query."""

    query: str
    k: int = 10
    mode: str = "hybrid"
    filters: Filters = field(default_factory=Filters)
    offset: int = 0
    facets: bool = False

    def __post_init__(self) -> None:
        if not self.query or not self.query.strip():
            raise BadQuery("query is empty")
        if len(self.query) > MAX_QUERY_CHARS:
            raise BadQuery(f"query is {len(self.query)} characters; the limit is {MAX_QUERY_CHARS}")
        if self.mode not in SEARCH_MODES:
            raise BadQuery(f"unknown mode {self.mode!r}; use one of {', '.join(SEARCH_MODES)}")
        if not 1 <= self.k <= MAX_K:
            raise BadQuery(f"k must be between 1 and {MAX_K}, got {self.k}")
        if self.offset < 0:
            raise BadQuery(f"offset must be 0 or more, got {self.offset}")


class PassageReads:
    """The passages one search reads, each fetched from the store once: the mandate prior, the phrase rules
    and the page look at the same candidates (the boosts and the duplicate folding read stored features)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._read: dict[int, StoredChunk] = {}

    def __call__(self, ids: Iterable[int]) -> dict[int, StoredChunk]:
        """The stored passages of these ids (unknown ids left out), reading only those not read yet."""
        wanted = list(dict.fromkeys(ids))
        missing = [i for i in wanted if i not in self._read]
        if missing:
            self._read.update(self._store.get_chunks(missing))
        return {i: self._read[i] for i in wanted if i in self._read}

    def held(self) -> dict[int, StoredChunk]:
        """Every passage read so far."""
        return dict(self._read)

    def add(self, chunks: dict[int, StoredChunk]) -> None:
        """Passages read elsewhere (another thread's connection), so they are not read again."""
        self._read.update(chunks)


@dataclass
class KeywordSide:
    """What a hybrid search's keyword thread prepares while the query is embedded: everything that does not
    depend on the semantic candidates. The search thread uses it as if it had computed it itself."""

    found: list[tuple[int, float]]
    weights: dict[str, float] | None = None  # the terms' rarity, for the boosts
    evidence: dict[int, Evidence] = field(default_factory=dict)  # the keyword candidates' boost evidence
    chunks: dict[int, StoredChunk] = field(default_factory=dict)  # passages read (mandate kinds, the page)
    count: int | None = None  # keyword matches in all, when the candidates filled the depth (the total)
    fragments: dict[int, tuple[Fragment, ...]] = field(default_factory=dict)  # highlights, by chunk id
    near_duplicates: NearDuplicates | None = None  # the keyword candidates' texts compared (the folding)
    # the best keyword candidates' stored sentence vectors (the sentence re-scoring's likely head): each id
    # read is in `sentences_read`, those with stored sentences in `sentences`
    sentences_read: frozenset[int] = frozenset()
    sentences: dict[int, np.ndarray] = field(default_factory=dict)


@dataclass
class GenerationCache:
    """Kept between searches of one index generation, whose passages and documents never change: the
    passages' features (boosts, duplicates) and the documents of recent hits (each read takes three queries)."""

    features: FeatureCache = field(default_factory=FeatureCache)
    documents: Recent[str, Document] = field(default_factory=lambda: Recent(DOCUMENTS_KEPT))
    # BM25 re-scoring (index.bm25): each passage's stems by field, and the collection's statistics
    bm25_fields: Recent[int, bm25.Fields] = field(default_factory=lambda: Recent(BM25_FIELDS_KEPT))
    collection: bm25.Collection | None = None
    # the answer-type boosts (index.answer_types), from each passage's text: whether it holds an answer of a
    # type, one cache per type (computed only for the types questions ask); the stems it defines
    answer_types: dict[str, Recent[int, bool]] = field(
        default_factory=lambda: {kind: Recent(ANSWERS_KEPT) for kind in ANSWER_TYPES})
    defined: Recent[int, frozenset[str]] = field(default_factory=lambda: Recent(ANSWERS_KEPT))


class SearchEngine(IndexFacts):
    """The one search function behind the CLI, the API and the page.

    Without an embedder (None) it answers keyword searches and document reads, and refuses the
    semantic and hybrid modes: the command line skips loading the model for those.
    """

    def __init__(self, holder: IndexHolder, embedder: Embedder | None, fusion: FusionConfig | None = None,
                 config: SearchConfig = SearchConfig()) -> None:
        self.holder = holder
        self.embedder = embedder
        self.config = config if fusion is None else replace(config, fusion=fusion)
        if self.config.fusion.semantic_gap is None:  # the gap calibrated for this model, or off
            gap = SEMANTIC_GAPS.get(embedder.info.name, 0.0) if embedder is not None else 0.0
            self.config = replace(self.config, fusion=replace(self.config.fusion, semantic_gap=gap))
        self._caches: weakref.WeakKeyDictionary[IndexSnapshot, GenerationCache] = weakref.WeakKeyDictionary()
        self._caches_lock = threading.Lock()
        self._in_flight = 0  # searches running now: a lone one's keyword thread also guesses at its page

    @property
    def semantic_floor(self) -> float:
        """The cosine under which a semantic neighbour is not a match (see SearchConfig.semantic_floor)."""
        if self.config.semantic_floor is not None:
            return self.config.semantic_floor
        if self.embedder is None:  # no model: no semantic search to hold a floor to
            return -1.0
        return SEMANTIC_FLOORS.get(self.embedder.info.name, -1.0)

    @property
    def fusion(self) -> FusionConfig:
        """The fusion settings in use."""
        return self.config.fusion

    def search(self, request: SearchRequest) -> SearchResult:
        """Run a query and return ranked hits with highlights.

        Passages of a document whose symbol the query names come first, then passages that recall
        that symbol, then the fused keyword and semantic ranking.
        """
        started = time.perf_counter()
        snapshot = self.holder.current()
        analysis = analyse(request.query)
        symbol = request.filters.symbol or analysis.symbol_filter
        filters = replace(request.filters, symbol=normalise_filter_symbol(symbol))
        depth = max(self.config.depth, request.offset + request.k)
        reads = PassageReads(snapshot.store)
        side: list[KeywordSide] = []  # filled by _fused when the keyword thread ran beside the embedding
        with self._caches_lock:
            self._in_flight += 1
            alone = self._in_flight == 1
        try:
            # Guessing at the page only pays on a core nobody else wants: with other searches in flight the
            # keyword threads (a pool of 4) and the cores are theirs too, and a wrong guess is work lost.
            fused = self._fused(snapshot, analysis, request.mode, filters, depth, reads,
                                request.offset + request.k if alone else 0, side)
        finally:
            with self._caches_lock:
                self._in_flight -= 1
        prepared = side[0] if side else None
        if analysis.required or analysis.excluded:
            fused = self._admitted(analysis, fused, reads)
        if analysis.symbols:
            fused = self._symbols_first(snapshot, analysis, fused, filters)
        fused = paragraph_first(snapshot.store, request.query, fused, filters)  # "E/RES/1992/41 op. 4"
        duplicates: dict[int, tuple[int, ...]] = {}
        if self.config.collapse_duplicates:
            fused, duplicates = self._collapsed(snapshot, fused, prepared.near_duplicates if prepared else None)
        page = fused[request.offset:request.offset + request.k]
        hits = self._hits(snapshot, page, analysis, request.offset, duplicates, reads,
                          prepared.fragments if prepared else None)
        facets = snapshot.store.facet_counts([c.chunk_id for c in fused]) if request.facets else {}
        total = self._total(snapshot, analysis, request.mode, filters, fused, depth,
                            prepared.count if prepared else None)
        suggestions = () if hits else spelling.suggestions(request.query, snapshot.store.similar_words)
        took = (time.perf_counter() - started) * 1000
        return SearchResult(query=request.query, mode=request.mode, hits=tuple(hits), took_ms=round(took, 2),
                            total=total, filters=request.filters, facets=facets, suggestions=suggestions)

    def _total(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters, fused: Fused,
               depth: int, counted: int | None = None) -> int:
        """How many passages matched: the candidates, plus keyword matches beyond the candidate depth
        (`counted`: the keyword matches, counted already)."""
        found = sum(1 for c in fused if "keyword" in c.retrievers)
        if mode == "semantic" or found < depth:
            return len(fused)
        count = snapshot.engine.keyword_count(analysis, filters) if counted is None else counted
        return len(fused) + max(0, count - depth)

    def _collapsed(self, snapshot: IndexSnapshot, fused: Fused, decided: NearDuplicates | None = None
                   ) -> tuple[Fused, dict[int, tuple[int, ...]]]:
        """The ranking with duplicate passages folded into the best-ranked copy (index.duplicates); `decided`:
        texts compared already (the keyword thread's)."""
        features = self._cached(snapshot).features.features([c.chunk_id for c in fused], snapshot.store.chunk_features)
        groups = collapse([(c.chunk_id, features[c.chunk_id]) for c in fused if c.chunk_id in features], decided)
        kept = {g.kept: g.duplicates for g in groups}
        return [c for c in fused if c.chunk_id in kept], {k: d for k, d in kept.items() if d}

    def _fused(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, mode: str, filters: Filters, depth: int,
               reads: PassageReads, page_end: int = 10, side: list[KeywordSide] | None = None) -> Fused:
        """The retrievers' candidates (filtered inside each retriever), fused. When the keyword search runs in
        a worker thread beside the query's embedding, what it prepared for the rest of the search is
        appended to `side` (its passages are added to `reads`)."""
        scored: dict[str, Sequence[tuple[int, float]]] = {}
        semantic = mode in ("hybrid", "semantic") and bool(analysis.semantic_text)
        boosting = mode == "hybrid" and self.config.boosts.any() and bool(analysis.terms)
        keyword: Future[KeywordSide] | None = None
        plain: Future[list[tuple[int, float]]] | None = None  # the keyword search alone in the worker thread
        prepared: KeywordSide | None = None
        embedded = threading.Event()  # the query's vector is here: the keyword thread stops guessing
        if mode in ("hybrid", "keyword"):
            if semantic and self.config.parallel_retrieval and self.config.overlap:
                # the keyword engine and ONNX Runtime both release the GIL: the keyword search, and the work
                # on its candidates that the semantic ones do not change, run while the query is embedded
                keyword = _RETRIEVERS.submit(self._keyword_side, snapshot, analysis, depth, filters, boosting,
                                             page_end, embedded)
            elif semantic and self.config.parallel_retrieval:
                plain = _RETRIEVERS.submit(self._keyword, snapshot, analysis, depth, filters, boosting)
            else:
                scored["keyword"] = self._keyword(snapshot, analysis, depth, filters, False)
        semantic_hits: list[tuple[int, float]] | None = None
        query_vector: np.ndarray | None = None
        near: list[tuple[int, float]] = []
        if semantic:
            if self.embedder is None:
                raise ModelLoadError(f"{mode} search needs the embedding model, and none was loaded")
            try:
                query_vector = self.embedder.encode_query(analysis.semantic_text)
            finally:
                embedded.set()
            near = snapshot.engine.vector_search(query_vector, depth, filters)
            floor = self.semantic_floor
            semantic_hits = [(i, s) for i, s in near if s >= floor]
            if mode == "semantic" and self.config.semantic_sentence_rerank:
                semantic_hits = self._by_best_sentence(snapshot, semantic_hits, query_vector)
        if plain is not None:
            scored["keyword"] = plain.result()
        if keyword is not None:
            prepared = keyword.result()
            scored["keyword"] = prepared.found
            reads.add(prepared.chunks)
            if side is not None:
                side.append(prepared)
        if semantic_hits is not None:
            scored["semantic"] = semantic_hits
        # the boosts are keyword evidence, for hybrid ranking
        fused = (self._boosted(snapshot, analysis, scored, reads, prepared) if boosting
                 else fuse(scored, self.config.fusion))
        if mode == "hybrid" and self.config.sentence_rerank and query_vector is not None:
            fused = self._sentence_scored(snapshot, fused, query_vector, dict(near), prepared)
        return fused

    def _boosted(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, scored: dict[str, Sequence[tuple[int, float]]],
                 reads: PassageReads, prepared: KeywordSide | None) -> Fused:
        """Fused with the keyword evidence of each candidate (coverage, proximity, the mandate prior) added;
        `prepared`: what the keyword thread already computed for its own candidates."""
        candidates = list(dict.fromkeys(i for items in scored.values() for i, _ in items))
        if prepared is not None:  # the keyword candidates' evidence is ready: each passage's is its own
            weights = prepared.weights
            found = {**prepared.evidence, **self._evidence(snapshot, analysis, weights, reads,
                                                           [i for i in candidates if i not in prepared.evidence])}
        else:
            weights = snapshot.store.term_rarity(analysis.terms) if self.config.boosts.rarity else None
            found = self._evidence(snapshot, analysis, weights, reads, candidates)
        return boosted(scored, self.config.fusion, self.config.boosts, found)

    def _by_best_sentence(self, snapshot: IndexSnapshot, hits: list[tuple[int, float]], query_vector: np.ndarray
                          ) -> list[tuple[int, float]]:
        """Semantic search's first `semantic_sentence_rerank` passages scored by the closer of their own
        vector and their best stored sentence (one read of the store), best first."""
        head = [i for i, _ in hits[:self.config.semantic_sentence_rerank]]
        stored = snapshot.store.sentence_vectors(head, int(np.asarray(query_vector).size))
        return sentences.closest(hits, sentences.best_sentence_cosines(query_vector, stored))

    def _sentence_scored(self, snapshot: IndexSnapshot, fused: Fused, query_vector: np.ndarray,
                         own: dict[int, float], prepared: KeywordSide | None = None) -> Fused:
        """The first `sentence_rerank` candidates re-scored by their best stored sentence's cosine (one read
        of the store; index.sentences). `own`: the passages' cosines semantic search returned; a head
        passage without stored sentences counts its own cosine. No stored sentences at all (an index built
        before them, or without them): the ranking as it was. `prepared`: the keyword thread's reads of
        the best keyword candidates' sentences, used as if read here."""
        head = [c.chunk_id for c in fused[:self.config.sentence_rerank]]
        dimension = int(np.asarray(query_vector).size)
        read = prepared.sentences_read if prepared is not None else frozenset()
        stored = snapshot.store.sentence_vectors([i for i in head if i not in read], dimension)
        if prepared is not None:
            stored.update((i, prepared.sentences[i]) for i in head if i in prepared.sentences)
        if not stored:
            return fused
        best = sentences.best_sentence_cosines(query_vector, stored)
        query = np.asarray(query_vector, dtype=np.float32).reshape(-1)
        for chunk_id in head:
            if chunk_id not in best and chunk_id not in own:
                with contextlib.suppress(KeyError):  # not in this generation's vectors: no evidence
                    own[chunk_id] = float(np.asarray(snapshot.engine.get(chunk_id), dtype=np.float32) @ query)
        found = sentences.evidence(head, best, own)
        if self.config.sentence_fusion == "dbsf":
            found = dict(dbsf_scale(list(found.items())))
        return sentences.rescored(fused, found, self.config.sentence_weight)

    def _evidence(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, weights: dict[str, float] | None,
                  reads: PassageReads, candidates: list[int]) -> dict[int, Evidence]:
        """The boosts' evidence of these candidates (index.passage_features.evidences, the mandate prior)."""
        features = self._cached(snapshot).features.features(candidates, snapshot.store.chunk_features)
        found = evidences(analysis.terms, features, weights)
        if analysis.asks_mandate and self.config.boosts.mandate:
            chunks = reads(candidates)  # only a mandate question needs the passages' kinds
            found = {i: e._replace(mandate=float(i in chunks and chunks[i].chunk.kind in MANDATE_KINDS))
                     for i, e in found.items()}
        return self._answer_evidence(snapshot, analysis, reads, found, features)

    def _answer_evidence(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, reads: PassageReads,
                         found: dict[int, Evidence], features: Mapping[int, PassageFeatures] | None = None
                         ) -> dict[int, Evidence]:
        """`found` with the answer-type evidence set (index.answer_types), when the question asks for a type
        the boosts act on or for a definition: each candidate's answer types (only those asked) and defined terms
        come from its stored features, or else its text, once per generation (GenerationCache.answer_types,
        .defined); other questions read and compute nothing. `features`: the candidates' features, if read."""
        boosts = self.config.boosts
        asked = analysis.answer_types.intersection(boosts.answer_types) if boosts.answer_type else frozenset()
        defining = analysis.asks_definition and bool(boosts.definition)
        if not (asked or defining):
            return found

        cache = self._cached(snapshot)
        out = dict(found)
        # the text's own answer types are stored with the passage's features at ingest (`features`: those the
        # evidence read already); only the others (countries, or a store built before them) need the text
        if not asked:
            features = {}
        elif features is None:
            features = cache.features.features(list(found), snapshot.store.chunk_features)
        for kind in sorted(asked):
            def holding(missing: list[int], kind: str = kind) -> dict[int, bool]:
                return {i: holds(kind, stored.chunk.text, stored.chunk.countries)
                        for i, stored in reads(missing).items()}

            held = {i: f.holds(kind) for i, f in features.items()}
            unknown = [i for i in found if held.get(i) is None]
            if unknown:
                held.update(cache.answer_types[kind].get(unknown, holding))
            for i, holds_it in held.items():
                if holds_it:  # the evidence's answer is 0 unless set here
                    out[i] = out[i]._replace(answer=1.0)
        if defining:
            defined = cache.defined.get(found, lambda missing: {i: defined_terms(stored.chunk.text)
                                                                for i, stored in reads(missing).items()})
            for i, terms in defined.items():
                share = definition_match(analysis.terms, terms)
                if share:
                    out[i] = out[i]._replace(definition=share)
        return out

    def _keyword_side(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, depth: int, filters: Filters,
                      boosting: bool, page_end: int, embedded: threading.Event) -> KeywordSide:
        """The keyword candidates and what the rest of a hybrid search needs of them alone, computed in a
        worker thread while the query is embedded: first what the search needs for sure, then guesses at
        the page (its likely passages highlighted, best first, until `embedded` is set; the search thread
        highlights the rest). `snapshot.store` is this thread's own connection (a connection belongs to the
        thread that opened it); the passages it reads are handed back as values."""
        side = KeywordSide(self._keyword(snapshot, analysis, depth, filters, False))
        ids = [i for i, _ in side.found]
        reads = PassageReads(snapshot.store)
        if boosting:
            side.weights = snapshot.store.term_rarity(analysis.terms) if self.config.boosts.rarity else None
            side.evidence = self._evidence(snapshot, analysis, side.weights, reads, ids)
        if len(ids) >= depth:  # the total counts the matches beyond the candidates (_total)
            side.count = snapshot.engine.keyword_count(analysis, filters)
        if self.config.collapse_duplicates:  # the folding then compares only pairs with a semantic candidate
            features = self._cached(snapshot).features.features(ids, snapshot.store.chunk_features)
            side.near_duplicates = near_duplicates(features.values())
        if self.config.sentence_rerank and self.embedder is not None:
            # the likely head's stored sentences, in one store read. Not their own vectors: the re-scoring
            # needs few (head passages without sentences, outside the semantic list); on Milvus each is a trip
            head = ids[:self.config.sentence_rerank]
            side.sentences = snapshot.store.sentence_vectors(head, self.embedder.dimension)
            side.sentences_read = frozenset(head)
        # the page's likely passages: read them and their documents, and highlight them (used if they are on it)
        likely = reads(ids[:int(SPECULATIVE_PAGE * page_end)])
        self._cached(snapshot).documents.get((c.chunk.doc_id for c in likely.values()), snapshot.store.get_documents)
        side.chunks = reads.held()
        for i, stored in likely.items():
            if embedded.is_set():
                break
            side.fragments[i] = fragments(stored.chunk.text, analysis)
        return side

    def _keyword(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, depth: int, filters: Filters,
                 prepare: bool) -> list[tuple[int, float]]:
        """The keyword candidates; with `prepare`, their passage features too (kept for the boosts), so a
        thread running this beside the query's embedding leaves less for the search thread to do."""
        rescoring = self.config.bm25
        found = snapshot.engine.keyword_search(analysis, max(depth, rescoring.pool) if rescoring else depth, filters,
                                               self.config.field_weights)
        if rescoring is not None:
            found = self._bm25_rescored(snapshot, analysis, found, rescoring)[:depth]
        if prepare:  # this thread's own connection: a connection belongs to the thread that opened it
            self._cached(snapshot).features.features([i for i, _ in found], snapshot.store.chunk_features)
        return found

    def _bm25_rescored(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, found: list[tuple[int, float]],
                       config: bm25.Bm25Config) -> list[tuple[int, float]]:
        """The keyword candidates ranked by our own BM25 over their stored stems (index.bm25); the same set.
        Ranked words are the query's terms and the stems of its phrases and acronym expansions."""
        terms = list(dict.fromkeys([*analysis.terms, *(s for p in analysis.expansions for s in p.stems),
                                    *(s for group in analysis.required for p in group for s in p.stems)]))
        if not found or not terms:
            return found
        cache = self._cached(snapshot)
        store = snapshot.store
        ids = [i for i, _ in found]
        fields = self._bm25_fields(cache, store, ids)
        passages, holding = store.stem_frequencies(terms)
        if cache.collection is None:
            sample = self._bm25_fields(cache, store, store.sample_chunk_ids(BM25_SAMPLE))
            cache.collection = bm25.collection_of(list(sample.values()), passages)
        idfs = [bm25.idf(passages, holding.get(t, 0)) for t in terms]
        term_ids = [term_id(t) for t in terms]  # the stored stems' ids (index.passage_features)
        return bm25.rescored(found, bm25.scores(term_ids, idfs, fields, cache.collection, config))

    def _bm25_fields(self, cache: GenerationCache, store: Store, ids: list[int]) -> dict[int, bm25.Fields]:
        def load(missing: list[int]) -> dict[int, bm25.Fields]:
            features = cache.features.features(missing, store.chunk_features)
            places = store.headings_and_titles(missing)
            return {i: bm25.Fields.of(features[i].stems, places[i][0], _title_stems(places[i][1]))
                    for i in missing if i in features and i in places}

        return cache.bm25_fields.get(ids, load)

    def warm_up(self) -> int:
        """Compute the passage features of the current generation, as many as are kept (in id order), so
        that the first searches find them ready; returns how many. The server runs it in a background
        thread at start-up (on this corpus: all 7,226 passages in about 1.5 s of one core)."""
        snapshot = self.holder.current()
        cache = self._cached(snapshot).features
        ids = snapshot.store.filtered_chunk_ids(Filters())[:cache.capacity].tolist()
        for start in range(0, len(ids), 256):
            cache.features(ids[start:start + 256], snapshot.store.chunk_features)
        return len(ids)

    def _cached(self, snapshot: IndexSnapshot) -> GenerationCache:
        """What is kept between searches for this generation (a new generation starts empty)."""
        cache = self._caches.get(snapshot)
        if cache is None:
            with self._caches_lock:
                cache = self._caches.setdefault(snapshot, GenerationCache())
        return cache

    def _admitted(self, analysis: QueryAnalysis, fused: Fused, reads: PassageReads) -> Fused:
        """The candidates whose text and headings hold every required phrase and no excluded one.

        Keyword search applies these rules inside FTS5; semantic neighbours are checked here, so a
        quoted phrase or a -word means the same in every mode.
        """
        chunks = reads([c.chunk_id for c in fused])
        kept = []
        for candidate in fused:
            stored = chunks.get(candidate.chunk_id)
            if stored is None:
                continue
            passage = stems(" ".join([*stored.chunk.heading_path, stored.chunk.text]))
            if analysis.admits(set(passage), passage):
                kept.append(candidate)
        return kept

    def _symbols_first(self, snapshot: IndexSnapshot, analysis: QueryAnalysis, fused: Fused, filters: Filters
                       ) -> Fused:
        """Move the named documents' passages, then the passages citing them, ahead of the rest.

        Within each group, passages the retrievers found keep their fused order and the others follow
        in reading order; a query that is only a symbol lists its own document in reading order.
        Their scores are set just above the best fused score so scores still fall with rank.
        """
        own = snapshot.store.symbol_chunk_ids(analysis.symbols, filters)
        citing = snapshot.store.citing_chunk_ids(analysis.symbols, filters)
        if not own and not citing:
            return fused
        position = {c.chunk_id: i for i, c in enumerate(fused)}
        found = {c.chunk_id: c.retrievers for c in fused}
        front: list[int] = []
        for group, reading_order in ((own, analysis.symbol_only), (citing, False)):
            already = set(front)
            fresh = [i for i in dict.fromkeys(group) if i not in already]
            if not reading_order:
                fresh.sort(key=lambda i: position.get(i, len(position)))  # stable: unfound ones stay in order
            front.extend(fresh)
        placed = set(front)
        top = fused[0].score if fused else 0.0
        step = max(top, 1.0) * 1e-3
        head = [Candidate(item, top + step * (len(front) - n), (*found.get(item, ()), "symbol"))
                for n, item in enumerate(front)]
        return head + [c for c in fused if c.chunk_id not in placed]

    def similar(self, chunk_id: int, k: int = 10) -> tuple[StoredChunk, list[Hit]]:
        """Nearest passages in other documents to a stored chunk."""
        if not 1 <= k <= MAX_K:
            raise BadQuery(f"k must be between 1 and {MAX_K}, got {k}")
        snapshot = self.holder.current()
        source = snapshot.store.get_chunks([chunk_id]).get(chunk_id)
        if source is None:
            raise NotFound(f"no passage with id {chunk_id}")
        vector = snapshot.engine.get(chunk_id)
        same_doc = [c.id for c in snapshot.store.document_chunks(source.chunk.doc_id)]
        found = snapshot.engine.vector_search(vector, k, Filters(), excluded_ids=same_doc)  # left out inside the engine
        page = [Candidate(i, s, ("semantic",)) for i, s in found]
        return source, self._hits(snapshot, page, None, 0)

    def document(self, doc_id: str) -> tuple[Document, list[StoredChunk]]:
        """A document and its chunks in order; NotFound when no document has this id."""
        snapshot = self.holder.current()
        document = snapshot.store.get_document(doc_id)
        if document is None:
            raise NotFound(f"no document with id {doc_id!r}")
        return document, snapshot.store.document_chunks(doc_id)

    def list_documents(self, filters: Filters = Filters(), offset: int = 0, limit: int = 20
                       ) -> tuple[int, list[Document]]:
        """(total, page of documents) passing the filters."""
        return self.holder.current().store.query_documents(filters, offset, limit)

    def links(self, doc_id: str) -> DocumentLinks:
        """The precedent graph around a document: what it recalls and what recalls it; NotFound for an unknown id."""
        store = self.holder.current().store
        document = store.get_document(doc_id)
        if document is None:
            raise NotFound(f"no document with id {doc_id!r}")
        targets = store.documents_with_symbols([r.symbol for r in document.references])
        found = store.get_documents(targets.values())
        recalls = tuple(Link(r.symbol, r.raw, r.label, r.chunk_ordinal, found.get(targets.get(r.symbol, "")))
                        for r in document.references)
        recalled_by: list[Link] = []
        if document.symbol:
            rows = [row for row in store.referring([document.symbol]) if row[0] != doc_id]
            sources = store.get_documents(row[0] for row in rows)
            recalled_by = [Link(symbol, raw, label, ordinal, sources.get(source))
                           for source, symbol, raw, label, ordinal in rows]
        return DocumentLinks(recalls=recalls, recalled_by=tuple(recalled_by))

    def recent(self, request: SearchRequest) -> list[tuple[Hit, str]]:
        """The query's best MAX_K matches, newest first, as (hit, added_at ISO 8601); ties keep rank order."""
        snapshot = self.holder.current()
        ranked = self.search(SearchRequest(query=request.query, k=MAX_K, mode=request.mode,
                                           filters=request.filters))
        added = snapshot.store.chunks_added_at([hit.chunk_id for hit in ranked.hits])
        dated = [(hit, added.get(hit.chunk_id, "")) for hit in ranked.hits]
        return sorted(dated, key=lambda item: item[1], reverse=True)

    def _hits(self, snapshot: IndexSnapshot, page: Fused, analysis: QueryAnalysis | None, offset: int,
              duplicates: dict[int, tuple[int, ...]] | None = None, reads: PassageReads | None = None,
              highlighted: dict[int, tuple[Fragment, ...]] | None = None) -> list[Hit]:
        """The page's hits; `highlighted`: fragments computed already for this analysis, by chunk id."""
        duplicates = duplicates or {}
        highlighted = highlighted or {}
        others = [d for c in page for d in duplicates.get(c.chunk_id, ())]
        chunks = (reads or PassageReads(snapshot.store))([c.chunk_id for c in page] + others)
        documents = self._cached(snapshot).documents.get((c.chunk.doc_id for c in chunks.values()),
                                                         snapshot.store.get_documents)
        hits: list[Hit] = []
        for position, candidate in enumerate(page, start=offset + 1):
            stored = chunks.get(candidate.chunk_id)
            if stored is None:
                continue
            hits.append(Hit(chunk_id=candidate.chunk_id, chunk=stored.chunk, document=documents[stored.chunk.doc_id],
                            score=round(float(candidate.score), 6), rank=position,
                            fragments=self._fragments(candidate.chunk_id, stored, analysis, highlighted),
                            retrievers=candidate.retrievers,
                            duplicates=tuple(Duplicate(d, chunks[d].chunk, documents[chunks[d].chunk.doc_id])
                                             for d in duplicates.get(candidate.chunk_id, ()) if d in chunks)))
        return hits

    @staticmethod
    def _fragments(chunk_id: int, stored: StoredChunk, analysis: QueryAnalysis | None,
                   highlighted: dict[int, tuple[Fragment, ...]]) -> tuple[Fragment, ...]:
        if analysis is None:
            return ()
        found = highlighted.get(chunk_id)
        return fragments(stored.chunk.text, analysis) if found is None else found


@functools.lru_cache(maxsize=4096)
def _title_stems(title: str) -> np.ndarray:
    """The stem ids of a document's title and symbol (index.passage_features' hashing), once per title."""
    return stem_ids(title)

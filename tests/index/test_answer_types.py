"""Question answer types and passage answer types (index.answer_types): what a question's wording asks for,
what a passage holds, and the boosts that lift a passage holding the asked type (off by default)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from index import answer_types
from index.answer_types import (
    COUNTRIES,
    DATE,
    PERSON,
    QUANTITY,
    definition_match,
    holds,
    passage_answers,
    question_answer_types,
)
from index.build import IngestOptions, ingest_paths
from index.fusion import Boosts, Evidence, FusionConfig, boosted
from index.query import analyse
from index.search import SearchConfig, SearchEngine, SearchRequest
from index.snapshot import IndexHolder


@pytest.mark.parametrize(("question", "types"), [
    ("how many people are still not connected to the internet", {QUANTITY}),
    ("How much did UN entities save through efficiency measures in 2024?", {QUANTITY}),
    ("what share of ODA goes to triangular cooperation", {QUANTITY}),
    ("number of countries that presented voluntary national reviews", {QUANTITY}),
    ("CDM share of proceeds adaptation fund percentage", {QUANTITY}),
    ("When and where did the fourth Conference of the Parties take place?", {DATE}),
    ("ECOSOC resolution 1992/41 adoption date plenary meeting", {DATE}),
    ("where and when will the eighty-second ESCAP session take place", {DATE}),
    ("Who chaired the 2025 session of the High-level Committee?", {PERSON}),
    ("vice-presidents and rapporteur-general of the 2025 UN Ocean Conference", {PERSON}),
    ("which countries presented cases on communication strategy", {COUNTRIES}),
    # no answer type: "when" as a conjunction, a body asked for, experiences, a mandate
    ("How should development cooperation be reoriented when foreign aid is being cut?", set()),
    ("Who organised the 2013 South-South cooperation management training?", set()),
    ("experiences with talent databases for cooperation staff", set()),
    ("Executive Board decision on the comprehensive review of the joint cost-recovery policy", set()),
])
def test_a_questions_wording_names_the_answer_type_it_asks_for(question: str, types: set[str]) -> None:
    assert question_answer_types(question) == frozenset(types)
    assert analyse(question).answer_types == frozenset(types)


def test_definition_questions_are_recognised_but_not_mandate_questions() -> None:
    for question in ("what is triangular cooperation", "What are the UN regional collaborative platforms?",
                     "what does OHCHR mean by a human rights economy", "Sevilla Commitment meaning",
                     "what is meant by misogyny in the Beijing+30 review", "the concept of country ownership"):
        assert analyse(question).asks_definition, question
    for question in ("What is the UN Office for South-South Cooperation invited to do on the digital divide?",
                     "how many people are not connected", "lessons on communication strategies"):
        assert not analyse(question).asks_definition, question


@pytest.mark.parametrize(("text", "types"), [
    ("Contributions rose to 45 per cent of the total.", {QUANTITY}),
    ("The Fund received US$ 3.2 million from donors.", {QUANTITY}),
    ("The Office has received 54 requests for support.", {QUANTITY}),
    ("The session was held in Bonn from 16 to 27 July 2001.", {DATE}),
    ("It met in June 2025 in Bangkok.", {DATE}),
    ("The session was chaired by H.E. Mr. Juan Pérez of Chile.", {PERSON}),
    ("Cases were presented by Brazil, India, South Africa and Türkiye.", {COUNTRIES}),
    # none: a year (in every UN passage), a symbol, paragraph numbers, two countries only
    ("Recalling resolution A/80/39 of 2025 and the 2030 Agenda for Sustainable Development,", set()),
    ("The Committee welcomed the cooperation between Brazil and Chile.", set()),
    ("Member States are encouraged to strengthen national focal points.", set()),
])
def test_a_passages_answer_types_come_from_its_text(text: str, types: set[str]) -> None:
    assert passage_answers(text).types == frozenset(types)


@pytest.mark.parametrize("text", [
    "Contributions rose to 45 per cent, or 4.5%, of US$ 3.2 billion.", "It cost USD 40 and 12 dollars.",
    "1,200 participants attended; 54. The rest", "In 2024, 16 to 27 July; A/80/39 and 1.2.3 items",
    "Goal 5 gender equality", "x5 people, _7 people, 12,34 people", "no number at all", "3 per cent", "30 million"])
def test_the_one_pass_quantity_check_answers_as_its_three_patterns(text: str) -> None:
    """has_quantity reads the numbers once; the documented patterns are the definition it must agree with."""
    patterns = [answer_types._PERCENT, answer_types._MONEY, answer_types._COUNT]
    assert answer_types.has_quantity(text) == any(p.search(text) for p in patterns)


def test_a_definitional_sentence_defines_the_words_before_its_cue_in_the_same_sentence() -> None:
    found = passage_answers("Annex. Triangular cooperation refers to partnerships in which two or more developing "
                            "countries work with a third partner. It is voluntary.")
    terms = analyse("what is triangular cooperation").terms
    assert {"triangular", "cooper"} <= found.defined
    assert definition_match(terms, found.defined) == 1.0
    other = passage_answers("The report on triangular cooperation was welcomed. Partnerships are voluntary.")
    assert definition_match(terms, other.defined) == 0.0  # the terms stand in an earlier sentence than the cue


def test_each_type_is_checked_on_its_own_and_countries_can_come_from_ingest() -> None:
    assert holds(QUANTITY, "54 requests were received") and not holds(DATE, "54 requests were received")
    # the countries ingest stored with the passage (ingest.countries) are used as given
    assert holds(COUNTRIES, "The delegations met.", ("BRA", "IND", "ZAF"))
    assert not holds(COUNTRIES, "Brazil, India and South Africa met.", ())
    with pytest.raises(ValueError, match="unknown answer type"):
        holds("colour", "red")


def test_the_answer_type_boost_lifts_a_passage_holding_the_asked_type() -> None:
    scored = {"keyword": [(1, 5.0), (2, 5.0)], "semantic": [(1, 0.6), (2, 0.6)]}
    found = {1: Evidence(0.5, 0.0), 2: Evidence(0.5, 0.0, answer=1.0, definition=0.5)}
    lifted = boosted(scored, FusionConfig(), Boosts(coverage=1.0, answer_type=0.5), found)
    assert [c.chunk_id for c in lifted] == [2, 1]
    assert lifted[0].score - lifted[1].score == pytest.approx(0.5)
    defined = boosted(scored, FusionConfig(), Boosts(coverage=1.0, definition=0.5), found)
    assert defined[0].score - defined[1].score == pytest.approx(0.25)
    assert [c.chunk_id for c in boosted(scored, FusionConfig(), Boosts(coverage=1.0), found)] == [1, 2]


WORDY = ("The national focal points for South-South cooperation met to discuss the role of the national focal "
         "points for South-South cooperation and the national focal points network.")
NUMERIC = "In 2024 there were 54 national focal points for South-South cooperation, in offices of all regions."


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory, tiny_embedder) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("answer-type-docs")
    (folder / "wordy.md").write_text(f"# Focal points\n\n{WORDY}\n", encoding="utf-8")
    (folder / "numeric.md").write_text(f"# Focal points\n\n{NUMERIC}\n", encoding="utf-8")
    (folder / "other.md").write_text("# Notes\n\nCapacity building in the least developed countries.\n",
                                     encoding="utf-8")
    index = tmp_path_factory.mktemp("answer-type-index")
    report = ingest_paths(index, [folder], tiny_embedder, IngestOptions(workers=1))
    assert not report.failed, report.failed
    return index


def test_a_quantity_question_brings_the_passage_with_a_number_up(index_dir, tiny_embedder) -> None:  # type: ignore[no-untyped-def]
    """The engine reads the candidates' answer types: off, the passage that repeats the question's words ranks
    first; on (the default, for quantities), the one holding a number does; a question asking no type is ranked
    the same."""
    holder = IndexHolder(index_dir, tiny_embedder.info)
    config = SearchConfig(semantic_floor=-1.0)
    assert config.boosts.answer_type and "quantity" in config.boosts.answer_types
    plain = SearchEngine(holder, tiny_embedder,
                         config=replace(config, boosts=replace(config.boosts, answer_type=0.0)))
    lifted = SearchEngine(holder, tiny_embedder, config=config)

    def texts(engine: SearchEngine, query: str) -> list[str]:
        return [h.chunk.text for h in engine.search(SearchRequest(query, k=10)).hits]

    question = "how many national focal points for South-South cooperation"
    assert texts(plain, question)[0] == WORDY
    assert texts(lifted, question)[0] == NUMERIC
    other = "national focal points for South-South cooperation"
    assert texts(lifted, other) == texts(plain, other)


def test_the_keyword_thread_and_the_search_thread_give_the_same_answer_evidence(  # type: ignore[no-untyped-def]
        index_dir, tiny_embedder) -> None:
    """The keyword thread computes its candidates' answer types beside the query's embedding (its own store
    connection); the ranking is the one a search computing everything in one thread gives."""
    holder = IndexHolder(index_dir, tiny_embedder.info)
    base = SearchConfig(semantic_floor=-1.0)
    config = replace(base, boosts=replace(base.boosts, answer_type=1.0, definition=0.5))
    question = "how many national focal points for South-South cooperation"

    def ranking(**settings: bool) -> list[tuple[int, float]]:
        engine = SearchEngine(holder, tiny_embedder, config=replace(config, **settings))
        return [(h.chunk_id, h.score) for h in engine.search(SearchRequest(question, k=10)).hits]

    assert ranking() == ranking(parallel_retrieval=False) == ranking(overlap=False)


def test_a_search_reads_the_stored_answer_types_and_an_older_store_finds_them_in_the_text(  # type: ignore[no-untyped-def]
        index_dir, tiny_embedder, tmp_path: Path) -> None:
    """Ingest stores each passage's quantity, date and person bits with its features: a quantity question
    reads no text for them. A store whose features are version 1 (built before) ranks the same, from the text."""
    import shutil
    import sqlite3

    from index.manifest import MANIFEST_NAME, STORE_NAME, file_record, read_manifest

    config = SearchConfig(semantic_floor=-1.0, boosts=replace(SearchConfig().boosts, answer_type=1.0,
                                                               answer_types=("quantity",)))
    question = "how many national focal points for South-South cooperation"
    stored = SearchEngine(IndexHolder(index_dir, tiny_embedder.info), tiny_embedder, config=config)
    ranked = [(h.chunk_id, h.score) for h in stored.search(SearchRequest(question, k=10)).hits]
    assert ranked and not stored._cached(stored.holder.current()).answer_types["quantity"].misses  # no text read

    older = tmp_path / "older"
    shutil.copytree(index_dir, older)
    path = read_manifest(older).generation_dir(older) / STORE_NAME
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT id, features FROM chunks").fetchall()
    conn.executemany("UPDATE chunks SET features = ? WHERE id = ?",
                     [((1).to_bytes(4, "little") + blob[4:-4], i) for i, blob in rows])
    conn.commit()
    conn.close()
    raw = json.loads((older / MANIFEST_NAME).read_text())
    raw["files"][STORE_NAME] = file_record(path)  # the reader checks the store's size and CRC-32
    (older / MANIFEST_NAME).write_text(json.dumps(raw))
    texts = SearchEngine(IndexHolder(older, tiny_embedder.info), tiny_embedder, config=config)
    assert [(h.chunk_id, h.score) for h in texts.search(SearchRequest(question, k=10)).hits] == ranked
    assert texts._cached(texts.holder.current()).answer_types["quantity"].misses  # found from the text

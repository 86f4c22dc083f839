"""The cooperation benchmark set (bench/coop_queries.jsonl, bench/judged/*.jsonl) and its helpers (bench/judgments.py).

Checks the files' shape and that every judged phrase really occurs in its document: the seed corpus
in `corpus/`, the UN PDFs in `../shared/data/un-pdfs` read with pypdf, and the General Debate
speeches in `../shared/data/ungdc-ssc` read as text (skipped when `../shared` is absent).  Only the
documents that are judged are read, the PDFs in parallel processes where `fork` exists.
"""
from __future__ import annotations

import importlib.util
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
PDF_DIR = SHARED / "data" / "un-pdfs"
SPEECH_DIR = SHARED / "data" / "ungdc-ssc"
CORPUS = ROOT / "corpus"
JUDGMENTS_FILE = ROOT / "bench" / "coop_queries.jsonl"


def _load_module():  # type: ignore[no-untyped-def]
    """bench/ is a folder of scripts, not a package: load judgments.py by path."""
    name = "coopsearch_bench_judgments"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "judgments.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


judgments = _load_module()
normalise_for_match = judgments.normalise_for_match
grade_of = judgments.grade_of
load_judgments = judgments.load_judgments
Judgment = judgments.Judgment
Query = judgments.Query


def _pdf_text(path: str) -> str:
    """What the test compares against: pypdf `extract_text()` of all pages, joined."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _extract_all(paths: list[Path]) -> dict[str, str]:
    if not paths:
        return {}
    workers = min(len(paths), os.cpu_count() or 1)
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        # Largest first, so that one big file does not finish last on its own.
        ordered = sorted(paths, key=lambda p: p.stat().st_size, reverse=True)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            texts = list(pool.map(_pdf_text, [str(p) for p in ordered]))
        return {p.name: text for p, text in zip(ordered, texts, strict=True)}
    return {p.name: _pdf_text(str(p)) for p in paths}


@pytest.fixture(scope="module")
def queries() -> list:
    return judgments.load_all()


@pytest.fixture(scope="module")
def judged_docs(queries: list) -> set[str]:
    return {j.doc for q in queries for j in q.relevant}


@pytest.fixture(scope="module")
def corpus_texts(judged_docs: set[str]) -> dict[str, str]:
    return {
        name: normalise_for_match((CORPUS / name).read_text(encoding="utf-8"))
        for name in sorted(judged_docs)
        if (CORPUS / name).is_file()
    }


@pytest.fixture(scope="module")
def pdf_texts(judged_docs: set[str], request: pytest.FixtureRequest) -> dict[str, str]:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the UN PDFs of ../shared/data/un-pdfs cannot be checked")
    pytest.importorskip("pypdf")
    paths = [PDF_DIR / name for name in sorted(judged_docs) if name.lower().endswith(".pdf")]
    missing = [p.name for p in paths if not p.is_file()]
    assert not missing, f"judged PDFs not in {PDF_DIR}: {missing}"
    # pypdf reads ~1,000 pages in minutes on a busy machine: keep each file's normalised text in
    # pytest's cache, keyed by its size and modification time, so later runs read only changed files.
    cache = request.config.cache
    keys = {p.name: f"coop_judgments/pdf/{p.name}/{p.stat().st_size}-{p.stat().st_mtime_ns}" for p in paths}
    texts = {p.name: cache.get(keys[p.name], None) if cache else None for p in paths}
    fresh = _extract_all([p for p in paths if texts[p.name] is None])
    for name, text in fresh.items():
        texts[name] = normalise_for_match(text)
        if cache:
            cache.set(keys[name], texts[name])
    return {name: text for name, text in texts.items() if text is not None}


@pytest.fixture(scope="module")
def speech_texts(judged_docs: set[str]) -> dict[str, str]:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: the speeches of ../shared/data/ungdc-ssc cannot be checked")
    names = sorted(d for d in judged_docs if judgments.is_speech(d))
    missing = [n for n in names if not (SPEECH_DIR / n).is_file()]
    assert not missing, f"judged speeches not in {SPEECH_DIR}: {missing}"
    return {n: normalise_for_match((SPEECH_DIR / n).read_text(encoding="utf-8-sig", errors="replace")) for n in names}


# ------------------------------------------------------------------------------------------ the file


def test_file_has_enough_queries_with_unique_ids(queries: list) -> None:
    assert len(queries) >= 200
    ids = [q.id for q in queries]
    assert len(ids) == len(set(ids)), "duplicate query ids"


def test_every_kind_has_forty_queries_and_both_halves(queries: list) -> None:
    for kind in judgments.KINDS:
        of_kind = [q for q in queries if q.kind == kind]
        assert len(of_kind) >= 40, f"{kind}: {len(of_kind)} queries"
        assert {judgments.half(q.id) for q in of_kind} == set(judgments.HALVES), kind


def test_half_is_fixed_by_the_id_hash() -> None:
    import hashlib

    for qid in ("c01", "ua-001", "sc-042", "x"):
        expected = "dev" if hashlib.sha256(qid.encode()).digest()[0] % 2 == 0 else "test"
        assert judgments.half(qid) == expected


def test_source_set_follows_the_judged_documents() -> None:
    speech = Query("s", "q", "fact", (Judgment("BRA_33_1978.txt", "a b c d", 2), Judgment("a.txt", "e f g h", 1)))
    pdf = Query("p", "q", "fact", (Judgment("A_80_39.en.pdf", "a b c d", 2),))
    assert judgments.source_set(speech) == "speeches" and judgments.source_set(pdf) == "un"


def test_load_all_rejects_an_id_repeated_across_files(tmp_path: Path) -> None:
    line = '{"id": "x", "query": "q", "kind": "fact", "relevant": [{"doc": "a.txt", "phrase": "a b c d", "grade": 2}]}'
    (tmp_path / "a.jsonl").write_text(line + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"also in a\.jsonl"):
        judgments.load_all([tmp_path / "a.jsonl", tmp_path / "b.jsonl"])


def test_every_query_is_well_formed(queries: list) -> None:
    problems = []
    for q in queries:
        if not 1 <= len(q.relevant) <= 10:
            problems.append(f"{q.id}: {len(q.relevant)} relevant passages (want 1-10)")
        if not any(j.grade == 2 for j in q.relevant):
            problems.append(f"{q.id}: no passage that answers it directly (grade 2)")
        keys = [(j.doc, normalise_for_match(j.phrase)) for j in q.relevant]
        if len(keys) != len(set(keys)):
            problems.append(f"{q.id}: the same passage is judged twice")
        for j in q.relevant:
            words = len(j.phrase.split())
            if not 4 <= words <= 12:
                problems.append(f"{q.id}: phrase of {words} words (want 4-12): {j.phrase!r}")
    assert not problems, "\n".join(problems)


def test_queries_cover_every_kind_and_many_documents(queries: list, judged_docs: set[str]) -> None:
    assert {q.kind for q in queries} == set(judgments.KINDS)
    assert len(judged_docs) >= 20
    seed = [q for q in queries if any((CORPUS / j.doc).is_file() for j in q.relevant)]
    assert len(seed) >= 8, "the seed corpus is under-represented"


def test_seed_corpus_documents_exist(judged_docs: set[str]) -> None:
    not_pdf = sorted(d for d in judged_docs if not d.lower().endswith(".pdf") and not judgments.is_speech(d))
    assert not_pdf, "no judged document from the seed corpus"
    missing = [d for d in not_pdf if not (CORPUS / d).is_file()]
    assert not missing, f"judged documents missing from {CORPUS}: {missing}"


def test_seed_corpus_phrases_occur_in_their_documents(queries: list, corpus_texts: dict[str, str]) -> None:
    missing = [
        f"{q.id}: {j.doc}: {j.phrase!r}"
        for q in queries
        for j in q.relevant
        if j.doc in corpus_texts and normalise_for_match(j.phrase) not in corpus_texts[j.doc]
    ]
    assert not missing, "phrases not found:\n" + "\n".join(missing)


def test_pdf_phrases_occur_in_their_documents(queries: list, pdf_texts: dict[str, str]) -> None:
    missing = [
        f"{q.id}: {j.doc}: {j.phrase!r}"
        for q in queries
        for j in q.relevant
        if j.doc.lower().endswith(".pdf") and normalise_for_match(j.phrase) not in pdf_texts[j.doc]
    ]
    assert not missing, "phrases not found in the pypdf text:\n" + "\n".join(missing)


def test_speech_phrases_occur_in_their_documents(queries: list, speech_texts: dict[str, str]) -> None:
    missing = [
        f"{q.id}: {j.doc}: {j.phrase!r}"
        for q in queries
        for j in q.relevant
        if j.doc in speech_texts and normalise_for_match(j.phrase) not in speech_texts[j.doc]
    ]
    assert not missing, "phrases not found in the speeches:\n" + "\n".join(missing)


def test_every_judged_document_is_a_seed_file_or_a_shared_pdf(judged_docs: set[str]) -> None:
    unknown = [d for d in judged_docs
               if not d.lower().endswith(".pdf") and not judgments.is_speech(d) and not (CORPUS / d).is_file()]
    assert not unknown, unknown
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: cannot check that the judged PDFs exist")
    missing = [d for d in judged_docs if d.lower().endswith(".pdf") and not (PDF_DIR / d).is_file()]
    assert not missing, f"judged PDFs missing from {PDF_DIR}: {missing}"


# ------------------------------------------------------------------------------------------ helpers


def test_normalise_for_match_ignores_extraction_noise() -> None:
    assert normalise_for_match("South-South  Co-\noperation") == "southsouthcooperation"
    assert normalise_for_match("tech\u00adnical\u00a0coop\u00ader\u00adation") == "technicalcooperation"
    assert normalise_for_match("Of\ufb01cial “Records”, 2002!") == "officialrecords2002"  # ligature fi
    assert normalise_for_match("Ｒｅｓｏｌｕｔｉｏｎ ３３/１３４") == "resolution33134"  # noqa: RUF001 - full-width on purpose
    assert normalise_for_match("Pérez-Guerrero") == "pérezguerrero"
    assert normalise_for_match("DEVELOPING\r\ncountries¹⁰¹") == "developingcountries101"
    assert normalise_for_match(" -\u2013\u2014\u00ad\n\t.,;") == ""


def _sample_query() -> Query:
    return Query(
        id="t1",
        query="experiences with talent databases",
        kind="practice",
        relevant=(
            Judgment(doc="brasilia.txt", phrase="use of talent bank database", grade=2),
            Judgment(doc="brasilia.txt", phrase="exchange of knowledge among international", grade=1),
            Judgment(doc="A_80_39.en.pdf", phrase="triangular cooperation complements and adds value", grade=1),
        ),
    )


def test_grade_of_matches_phrases_across_line_breaks_and_case() -> None:
    query = _sample_query()
    passage = ("Main lessons are the USE of talent-\nbank data-\nbase and exchange of knowledge among inter-\n"
               "national agencies.")
    assert grade_of(query, "brasilia.txt", passage) == 2  # the highest matching grade wins
    assert grade_of(query, "brasilia.txt", "... exchange of knowledge among international agencies") == 1
    assert grade_of(query, "corpus/brasilia.txt", passage) == 2  # a path is reduced to its file name
    pdf_passage = "Recalling that triangular cooperation com-\nplements and adds value to South-\nSouth cooperation"
    assert grade_of(query, "A_80_39.en.pdf", pdf_passage) == 1


def test_grade_of_is_zero_for_unjudged_passages_and_other_documents() -> None:
    query = _sample_query()
    assert grade_of(query, "brasilia.txt", "The training took place at the Palacio Itamaraty.") == 0
    assert grade_of(query, "brasilia.txt", "use of talent bank") == 0  # only part of the phrase
    assert grade_of(query, "other.txt", "the use of talent bank database") == 0  # right text, wrong document
    assert grade_of(query, "brasilia.txt", "") == 0


def test_grade_of_on_the_real_file(queries: list) -> None:
    talent = next(q for q in queries if "talent" in q.query)
    doc = talent.relevant[0].doc
    text = (CORPUS / doc).read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    grades = [grade_of(talent, doc, p) for p in paragraphs]
    assert grades.count(2) == 1 and set(grades) <= {0, 2}
    assert grade_of(talent, "what-is-technical-cooperation.txt", text) == 0


_LINE = '{"id": "x", "query": "q", "kind": "%s", "relevant": [%s]}'


@pytest.mark.parametrize(
    "line, message",
    [
        (_LINE % ("fact", '{"doc": "a.txt", "phrase": "a b c d", "grade": 3}'), "grade"),
        (_LINE % ("opinion", '{"doc": "a.txt", "phrase": "a b c d", "grade": 2}'), "kind"),
        ('{"id": "x", "query": "q", "kind": "fact", "relevant": []}', "relevant"),
        (_LINE % ("fact", '{"doc": "dir/a.txt", "phrase": "a b c d", "grade": 2}'), "doc"),
        ("not json", "invalid JSON"),
    ],
)
def test_load_judgments_rejects_malformed_lines(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_judgments(path)


def test_load_judgments_rejects_duplicate_ids_and_reads_dataclasses(tmp_path: Path) -> None:
    line = '{"id": "x", "query": "q", "kind": "fact", "relevant": [{"doc": "a.txt", "phrase": "a b c d", "grade": 2}]}'
    path = tmp_path / "dup.jsonl"
    path.write_text(line + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="duplicate"):
        load_judgments(path)
    path.write_text(line + "\n", encoding="utf-8")
    (query,) = load_judgments(path)
    assert query == Query(id="x", query="q", kind="fact", relevant=(Judgment("a.txt", "a b c d", 2),))
    with pytest.raises(AttributeError):
        query.id = "y"  # type: ignore[misc]  # frozen

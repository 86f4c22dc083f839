"""Passage-level relevance judgments ("qrels") for the cooperation benchmark set.

A judgment names a document by its file name and a distinctive phrase (4-12 consecutive words) that
the relevant passage contains.  It does not depend on how a document is chunked: any retrieved
passage of that document whose text contains the phrase is relevant with the judgment's grade.

Matching works on normalised text (see `normalise_for_match`), so hyphenation, soft hyphens, line
breaks, spacing, ligatures and punctuation introduced by PDF extraction do not matter.

Grades: 2 = the passage answers the query directly, 1 = partially relevant, 0 = not judged relevant.

Kinds: `fact` (a number, name, date or list in one sentence, asked in other words), `practice`
(experiences and good practices to reuse), `mandate` (what a body decided, requested or recalled;
symbols), `definition` (a concept explained).

Halves: each query belongs to `dev` (tune on it) or `test` (report only) by a fixed hash of its id
(`half`), computed here and never chosen by hand, so a query cannot be moved to the half that suits.

File format (`coop_queries.jsonl`, one JSON object a line):

    {"id": "c01", "query": "...", "kind": "practice",
     "relevant": [{"doc": "file-name.txt", "phrase": "four to twelve words", "grade": 2}, ...]}
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePath

DEFAULT_PATH = Path(__file__).with_name("coop_queries.jsonl")
# Judged queries written later from the documents, one file per writer (ids ua-, ub-, uc-, sc-).
MORE_DIR = Path(__file__).with_name("judged")

KINDS = ("fact", "practice", "mandate", "definition")
HALVES = ("dev", "test")
# A General Debate speech is named ISO_SESSION_YEAR.txt (shared/data/ungdc-ssc).
_SPEECH_FILE = re.compile(r"^[A-Z]{3}_\d{1,2}_\d{4}\.txt$")
GRADES = frozenset({1, 2})


@dataclass(frozen=True)
class Judgment:
    """One relevant passage: the document's file name, a phrase inside the passage, and a grade."""

    doc: str
    phrase: str
    grade: int


@dataclass(frozen=True)
class Query:
    """One benchmark query with its relevant passages."""

    id: str
    query: str
    kind: str
    relevant: tuple[Judgment, ...]


def normalise_for_match(text: str) -> str:
    """NFKC, lowercase, and keep only letters and digits.

    Hyphens, soft hyphens, spaces, line breaks and punctuation disappear, so a phrase matches a
    passage however the extractor broke or hyphenated its lines ("South-\\nSouth" == "South South").
    """
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


def _judgment(raw: object, where: str) -> Judgment:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a judgment must be an object, got {raw!r}")
    doc, phrase, grade = raw.get("doc"), raw.get("phrase"), raw.get("grade")
    if not isinstance(doc, str) or not doc or PurePath(doc).name != doc:
        raise ValueError(f"{where}: 'doc' must be a bare file name, got {doc!r}")
    if not isinstance(phrase, str) or not normalise_for_match(phrase):
        raise ValueError(f"{where}: 'phrase' must be a non-empty string, got {phrase!r}")
    if isinstance(grade, bool) or grade not in GRADES:
        raise ValueError(f"{where}: 'grade' must be 1 or 2, got {grade!r}")
    return Judgment(doc=doc, phrase=phrase, grade=grade)


def _query(raw: object, where: str) -> Query:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: a line must hold a JSON object")
    qid, text, kind, relevant = raw.get("id"), raw.get("query"), raw.get("kind"), raw.get("relevant")
    if not isinstance(qid, str) or not qid:
        raise ValueError(f"{where}: 'id' must be a non-empty string, got {qid!r}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where} ({qid}): 'query' must be a non-empty string")
    if kind not in KINDS:
        raise ValueError(f"{where} ({qid}): 'kind' must be one of {sorted(KINDS)}, got {kind!r}")
    if not isinstance(relevant, list) or not relevant:
        raise ValueError(f"{where} ({qid}): 'relevant' must be a non-empty list")
    judgments = tuple(_judgment(item, f"{where} ({qid}) relevant[{i}]") for i, item in enumerate(relevant))
    return Query(id=qid, query=text, kind=kind, relevant=judgments)


def half(query_id: str) -> str:
    """`dev` when the first byte of sha256(id) is even, else `test`: fixed by the id alone."""
    return HALVES[hashlib.sha256(query_id.encode("utf-8")).digest()[0] % 2]


def is_speech(doc: str) -> bool:
    """True for a General Debate speech's file name (ISO_SESSION_YEAR.txt)."""
    return bool(_SPEECH_FILE.match(doc))


def source_set(query: Query) -> str:
    """`speeches` when the query judges a General Debate speech, else `un` (corpus/ and the UN PDFs)."""
    return "speeches" if any(is_speech(j.doc) for j in query.relevant) else "un"


def load_judgments(path: str | Path = DEFAULT_PATH) -> list[Query]:
    """Read a JSONL judgments file; raises ValueError naming the line of any malformed entry."""
    path = Path(path)
    queries: list[Query] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{where}: invalid JSON ({exc.msg})") from exc
            query = _query(raw, where)
            if query.id in seen:
                raise ValueError(f"{where}: duplicate query id {query.id!r}")
            seen.add(query.id)
            queries.append(query)
    return queries


def load_all(paths: list[Path] | None = None) -> list[Query]:
    """Every judged query: coop_queries.jsonl, then bench/judged/*.jsonl; ids must be unique across files."""
    files = paths if paths is not None else [DEFAULT_PATH, *sorted(MORE_DIR.glob("*.jsonl"))]
    queries: list[Query] = []
    seen: dict[str, str] = {}
    for path in files:
        for query in load_judgments(path):
            if query.id in seen:
                raise ValueError(f"{path.name}: query id {query.id!r} is also in {seen[query.id]}")
            seen[query.id] = path.name
            queries.append(query)
    return queries


def grade_of(query: Query, doc_file_name: str, passage_text: str) -> int:
    """The highest grade among the query's judgments for this document whose phrase the passage
    contains (after `normalise_for_match` on both sides); 0 when none matches.

    `doc_file_name` may be a bare file name or a path; only its final component is compared.
    """
    name = PurePath(doc_file_name).name
    candidates = [j for j in query.relevant if j.doc == name]
    if not candidates:
        return 0
    passage = normalise_for_match(passage_text)
    return max((j.grade for j in candidates if normalise_for_match(j.phrase) in passage), default=0)

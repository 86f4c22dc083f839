"""Mandates read from operative paragraphs, and the passages that say they answer one."""
from __future__ import annotations

from ingest.mandates import extract_mandates, extract_responses, session_year
from ingest.references import extract_references
from ingest.types import KIND_OPERATIVE, Chunk


def _op(ordinal: int, text: str, heading: tuple[str, ...] = ()) -> Chunk:
    return Chunk("d", ordinal, text, kind=KIND_OPERATIVE, label=f"op. {ordinal}", heading_path=heading)


def test_who_what_and_when() -> None:
    chunk = _op(10, "10. *Requests* the Secretary-General to report to the Economic and Social Council at its "
                    "substantive session of 1994 on his assessment of the implementation of the present resolution.")
    [mandate] = extract_mandates([chunk], "E/RES/1992/41", "Economic and Social Council")
    assert (mandate.verb, mandate.who, mandate.due, mandate.due_year, mandate.source_symbol) == (
        "requests", "the Secretary-General", "substantive session of 1994", 1994, "E/RES/1992/41")
    assert mandate.what.startswith("report to the Economic and Social Council")


def test_several_asks_in_one_paragraph_and_parties_with_qualifiers() -> None:
    text = ("21. Recognizes the need for resources, and in this context invites all countries in a position to do "
            "so to scale up contributions; calls upon the Office, within its mandate, subject to resources, to report "
            "to the High-level Committee at its twenty-third session; notes the requests for assistance from Member "
            "States.")
    heading = ("Chapter I Decisions", "Decision 22/1 South-South cooperation")
    mandates = extract_mandates([_op(21, text, heading)], "A/80/39", "High-level Committee on South-South Cooperation")
    assert [(m.verb, m.who, m.due_year) for m in mandates] == [
        ("invites", "all countries in a position to do so", None), ("calls upon", "the Office", 2027)]
    assert {m.source_symbol for m in mandates} == {"High-level Committee decision 22/1"}


def test_only_operative_paragraphs_give_mandates() -> None:
    preamble = Chunk("d", 0, "Recalling that it requested the Secretary-General to report,", kind="preambular")
    assert extract_mandates([preamble], None, None) == []


def test_a_passage_answering_a_resolution_is_a_response() -> None:
    chunks = [Chunk("r", 0, "The present report is submitted pursuant to paragraph 10 of Economic and Social Council "
                            "resolution 1992/41."),
              Chunk("r", 1, "Recalling General Assembly resolution 33/134,")]
    responses = extract_responses(chunks, extract_references(chunks, None))
    assert [(r.chunk_ordinal, r.symbol, r.paragraph) for r in responses] == [(0, "E/RES/1992/41", "op. 10")]


def test_session_years() -> None:
    assert session_year(81, "General Assembly") == 2026
    assert session_year(23, "High-level Committee on South-South Cooperation") == 2027
    assert session_year(69, "Commission on Narcotic Drugs") == 2026
    assert session_year(5, "Some body") is None

"""Symbols: normal forms, finding them in running text and queries, aliases, and references."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunking import chunk_blocks
from ingest.metadata import extract_metadata
from ingest.paragraphs import split_paragraphs
from ingest.readers.text import read_text
from ingest.references import extract_references
from ingest.structure import parse_blocks
from ingest.symbols import find_symbols, normalise_symbol, symbol_aliases
from ingest.types import Chunk

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
ECOSOC_1992_41 = CORPUS / "ecosoc-resolution-1992-41-tcdc.txt"
ECLAC_591 = CORPUS / "eclac-resolution-591-xxix-cooperation-among-developing-countries.txt"


@pytest.mark.parametrize("text, expected", [
    ("E/RES/1992/41", "E/RES/1992/41"),
    ("ECOSOC resolution 1992/41", "E/RES/1992/41"),
    ("Economic and Social Council resolution 1992/41", "E/RES/1992/41"),
    ("1992/41", "E/RES/1992/41"),
    ("General Assembly resolution 33/134", "A/RES/33/134"),
    ("resolution 33/134", "A/RES/33/134"),
    ("Resolution 33/134", "A/RES/33/134"),
    ("A/RES/33/134", "A/RES/33/134"),
    ("33/134", "A/RES/33/134"),
    ("591(XXIX)", "591(XXIX)"),
    ("591 (XXIX)", "591(XXIX)"),
    ("resolution 591(XXIX)", "591(XXIX)"),
    ("A/80/39", "A/80/39"),
    ("a/80/39", "A/80/39"),
    ("DP/2025/20", "DP/2025/20"),
    ("E/2025/19", "E/2025/19"),
    ("E/HLPF/2025/3/Add.1", "E/HLPF/2025/3/Add.1"),
    ("e/hlpf/2025/3/add.1", "E/HLPF/2025/3/Add.1"),
    ("ICCD/COP(8)/CST/INF.1", "ICCD/COP(8)/CST/INF.1"),
    ("A/CONF.230/2025/INF/2", "A/CONF.230/2025/INF/2"),
    # the High-level Committee's and the Executive Board's decisions have no UN symbol: a readable form
    ("High-level Committee decision 22/1", "High-level Committee decision 22/1"),
    ("HLC decision 12/1 B", "High-level Committee decision 12/1 B"),
    ("the report of the High-level Committee on its ninth session, in particular decision 9/2",
     "High-level Committee decision 9/2"),
    ("decision 2025/201", "E/DEC/2025/201"),
    ("2025/201", "E/DEC/2025/201"),
    ("decision 55/443", "A/DEC/55/443"),
    ("Executive Board decision 2025/15", "UNDP Executive Board decision 2025/15"),
    ("TD/B/WG.6/Misc.8", "TD/B/WG.6/Misc.8"), ("A/AC.96/CRP.3", "A/AC.96/CRP.3"),
    ("E/CN.6/2025/3/Rev.2", "E/CN.6/2025/3/Rev.2"), ("A/80/39/Corr.1", "A/80/39/Corr.1"),
    ("A/C.2/80/L.16/Rev.1", "A/C.2/80/L.16/Rev.1"),
    ("resolution 2011/12", "E/RES/2011/12"),  # a year range only without the context word
    ("Security Council resolution 2753 (2024)", "S/RES/2753(2024)"),
    ("Human Rights Council resolution 17/4", "A/HRC/RES/17/4"),
    ("resolution 645 G (XXIII)", "645G(XXIII)"),
    ("General Assembly resolution 3201 (S-VI)", "3201(S-VI)"),
])
def test_normal_forms(text: str, expected: str) -> None:
    assert normalise_symbol(text) == expected


@pytest.mark.parametrize("text", [
    "2025/26", "the 2024/25 biennium", "1978/79", "12/05/2024", "on 14/03/2013", "24/7", "50/50", "a 60/40 split",
    "3/31", "25-09815 45/60", "US$ 33/134", "$1,000", "1 000", "3.5/4", "Goal 14 (IV)", "paragraph 3 (C)",
    "COVID-19", "Ph. +62-21-3846463", "Friday, 14 March 2014 05:04", "UNDP/UNFPA/UNOPS", "and/or", "decision 55/1",
    "", "resolution", "South-South cooperation",
])
def test_ordinary_text_is_not_a_symbol(text: str) -> None:
    assert find_symbols(text) == []
    assert normalise_symbol(text) is None


def test_lists_after_one_keyword_give_every_number() -> None:
    text = ("Recalling General Assembly resolutions 45/191 of 21 December 1990 and 46/143 of 17 December 1991, "
            "and resolutions 61/16, 68/1, 75/290 A and 76/258, and its decisions 2008/217 of 18 July 2008 and 2010/226")
    found = [m.normalised for m in find_symbols(text)]
    assert found == ["A/RES/45/191", "A/RES/46/143", "A/RES/61/16", "A/RES/68/1", "A/RES/75/290A", "A/RES/76/258",
                     "E/DEC/2008/217", "E/DEC/2010/226"]


def test_spans_point_at_the_raw_text() -> None:
    text = "endorsed by the General Assembly in its resolution 33/134 of 19 December 1978 (see A/80/39)"
    for match in find_symbols(text):
        assert text[match.start:match.end] == match.raw
    assert [m.raw for m in find_symbols(text)] == ["resolution 33/134", "A/80/39"]


def test_joint_symbols_are_two() -> None:
    assert [m.normalised for m in find_symbols("A/80/74-E/2025/53")] == ["A/80/74", "E/2025/53"]
    joint = "E/2025/L.16\u2013E/HLPF/2025/L.1"
    assert [m.normalised for m in find_symbols(joint)] == ["E/2025/L.16", "E/HLPF/2025/L.1"]


def test_decisions_are_read_with_the_citing_document_s_body_and_never_invented() -> None:
    text = "the Executive Board agreed in decision 2024/30 to review"
    assert [m.normalised for m in find_symbols(text, "UNDP Executive Board")] == [
        "UNDP Executive Board decision 2024/30"]
    assert find_symbols(text) == []  # not E/DEC/2024/30: the Council numbers its decisions from 201
    assert find_symbols("decision 9/2") == []  # whose? no series is guessed
    assert [m.normalised for m in find_symbols("decision 9/2", "High-level Committee on South-South Cooperation")] \
        == ["High-level Committee decision 9/2"]


@pytest.mark.parametrize("query, expected", [
    ("A/80/39", "A/80/39"), ("resolution 33/134", "A/RES/33/134"), ("1992/41", "E/RES/1992/41"),
    ("591(XXIX)", "591(XXIX)"),
    ("what does HLC decision 22/1 say about triangular cooperation", "High-level Committee decision 22/1"),
])
def test_symbols_in_search_queries(query: str, expected: str) -> None:
    assert [m.normalised for m in find_symbols(query)] == [expected]


@pytest.mark.parametrize("symbol", [
    "A/RES/33/134", "E/RES/1992/41", "High-level Committee decision 22/1", "High-level Committee decision 12/1 B",
    "E/DEC/2025/201", "A/DEC/55/443", "591(XXIX)", "3201(S-VI)", "S/RES/2753(2024)", "A/RES/75/290A",
    "UNDP Executive Board decision 2025/15", "A/HRC/RES/17/4", "A/80/39",
    "E/HLPF/2025/3/Add.1",
])
def test_normal_forms_are_fixed_points_and_aliases_lead_back(symbol: str) -> None:
    assert normalise_symbol(symbol) == symbol
    aliases = symbol_aliases(symbol)
    assert symbol in aliases
    for alias in aliases:
        assert normalise_symbol(alias) == symbol, alias


def test_aliases_include_the_forms_people_type() -> None:
    assert {"33/134", "resolution 33/134", "General Assembly resolution 33/134"} <= symbol_aliases("A/RES/33/134")
    assert {"1992/41", "ECOSOC resolution 1992/41"} <= symbol_aliases("E/RES/1992/41")
    assert {"591 (XXIX)", "resolution 591(XXIX)"} <= symbol_aliases("591(XXIX)")
    assert "HLC decision 22/1" in symbol_aliases("High-level Committee decision 22/1")


# ---- references --------------------------------------------------------------------------


def _references(path: Path) -> list:
    extracted = read_text(path.read_bytes())
    paragraphs = split_paragraphs(extracted)
    metadata = extract_metadata(paragraphs, path.name, extracted.title_hint)
    chunks = chunk_blocks("doc", parse_blocks(paragraphs))
    return extract_references(chunks, metadata.symbol)


def test_references_of_ecosoc_1992_41() -> None:
    references = _references(ECOSOC_1992_41)
    by_symbol = {r.symbol: r for r in references}
    assert {"A/RES/45/191", "A/RES/46/143"} <= set(by_symbol)
    assert by_symbol["A/RES/46/143"].label == "pp. 3"
    assert by_symbol["A/RES/45/191"].chunk_ordinal == by_symbol["A/RES/46/143"].chunk_ordinal
    assert "E/RES/1992/41" not in by_symbol


def test_references_of_eclac_591() -> None:
    references = _references(ECLAC_591)
    symbols = {r.symbol for r in references}
    hlc = "High-level Committee decision"
    assert {"A/RES/33/134", f"{hlc} 9/2", f"{hlc} 12/1 B", f"{hlc} 12/1", "583(XXVIII)"} <= symbols
    assert "591(XXIX)" not in symbols
    labels: dict[str, str | None] = {}
    for reference in references:  # where each symbol is first recalled
        labels.setdefault(reference.symbol, reference.label)
    assert labels["A/RES/33/134"] == "pp. 1"
    # the Buenos Aires Plan of Action, named in op. 6 (g), is linked to the resolution that endorsed it
    assert any(r.symbol == "A/RES/33/134" and r.raw == "Buenos Aires Plan of Action" for r in references)
    assert labels[f"{hlc} 12/1"] == "op. 6 (h)"


def test_references_leave_out_the_own_symbol_and_repeat_once_per_chunk() -> None:
    chunks = [
        Chunk("d", 0, "A/80/39 Recalling resolution 33/134 and again resolution 33/134", label="pp. 1"),
        Chunk("d", 1, "General Assembly resolution 33/134 and a/80/39", label="op. 1"),
    ]
    references = extract_references(chunks, "A/80/39")
    assert [(r.symbol, r.chunk_ordinal, r.label) for r in references] == [
        ("A/RES/33/134", 0, "pp. 1"), ("A/RES/33/134", 1, "op. 1")]
    assert references[0].raw == "resolution 33/134"

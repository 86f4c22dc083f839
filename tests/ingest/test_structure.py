"""Structure: preambular/operative paragraphs of resolutions, report paragraphs, headings, footnotes."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.paragraphs import split_paragraphs
from ingest.readers.text import read_text
from ingest.structure import parse_blocks
from ingest.types import (
    KIND_FOOTNOTE,
    KIND_HEADING,
    KIND_LIST_ITEM,
    KIND_OPERATIVE,
    KIND_PARAGRAPH,
    KIND_PREAMBULAR,
    Block,
    Paragraph,
)

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(__file__).resolve().parents[3] / "shared"
ECOSOC_1992_41 = REPO / "corpus" / "ecosoc-resolution-1992-41-tcdc.txt"
ECLAC_591 = REPO / "corpus" / "eclac-resolution-591-xxix-cooperation-among-developing-countries.txt"
A_80_39 = SHARED / "data" / "un-pdfs" / "A_80_39.en.pdf"


def _text_blocks(path: Path) -> list[Block]:
    return parse_blocks(split_paragraphs(read_text(path.read_bytes())))


def _blocks(*texts: str) -> list[Block]:
    return parse_blocks([Paragraph(text, 1, 1) for text in texts])


def _labels(blocks: list[Block], kind: str) -> list[str | None]:
    return [b.label for b in blocks if b.kind == kind]


def test_ecosoc_resolution_1992_41() -> None:
    blocks = _text_blocks(ECOSOC_1992_41)
    assert _labels(blocks, KIND_PREAMBULAR) == [f"pp. {n}" for n in range(1, 9)]
    assert _labels(blocks, KIND_OPERATIVE) == [f"op. {n}" for n in range(1, 11)]
    operative_4 = next(b for b in blocks if b.label == "op. 4")
    assert "developing countries so as" in operative_4.text  # "coun-" / "tries" joined again
    title = "1992/41. Technical cooperation among developing countries"
    assert all(b.heading_path == (title,) for b in blocks if b.kind in (KIND_PREAMBULAR, KIND_OPERATIVE))


def test_eclac_resolution_591_with_glued_title_and_front_matter() -> None:
    blocks = _text_blocks(ECLAC_591)
    assert _labels(blocks, KIND_PREAMBULAR) == [f"pp. {n}" for n in range(1, 6)]
    operative = _labels(blocks, KIND_OPERATIVE)
    assert [label for label in operative if "(" not in label] == [f"op. {n}" for n in range(1, 7)]
    assert [label for label in operative if "(" in label] == [f"op. 6 ({c})" for c in "abcdefghijkl"]
    title = next(b for b in blocks if b.kind == KIND_HEADING and b.text.startswith("591(XXIX)"))
    assert title.text == "591(XXIX) COOPERATION AMONG DEVELOPING COUNTRIES AND REGIONS"
    # the bold front matter ("UNITED NATIONS Santiago, Chile, 2002") heads nothing after the title
    assert all(b.heading_path == (title.text,) for b in blocks if b.label)
    assert any(b.text == "The Economic Commission for Latin America and the Caribbean," for b in blocks)


def test_eclac_footnote_in_the_middle_of_an_operative_paragraph() -> None:
    blocks = _text_blocks(ECLAC_591)
    operative_4 = next(b for b in blocks if b.label == "op. 4")
    assert operative_4.text.endswith("economic and social development policy;")
    footnotes = [b for b in blocks if b.kind == KIND_FOOTNOTE]
    assert len(footnotes) == 1 and "LC/G.2160" in footnotes[0].text


def test_report_headings_and_numbered_paragraphs() -> None:
    blocks = _blocks(
        "I. Introduction",
        "1. The present report responds to resolution 79/226.",
        "A. Progress made",
        "22. Progress was made in three areas:",
        "(a) Policy;",
        "(b) Funding.",
        "B. Challenges",
        "23. Challenges remain.",
        "II. Conclusions",
        "24. The Secretary-General concludes.",
        "Annex I",
        "List of participants",
        "Annex II",
        "1. An annex restarts its numbering.",
    )
    labelled = [(b.kind, b.label, b.heading_path) for b in blocks if b.label]
    assert labelled == [
        (KIND_PARAGRAPH, "para. 1", ("I. Introduction",)),
        (KIND_PARAGRAPH, "para. 22", ("I. Introduction", "A. Progress made")),
        (KIND_LIST_ITEM, "para. 22 (a)", ("I. Introduction", "A. Progress made")),
        (KIND_LIST_ITEM, "para. 22 (b)", ("I. Introduction", "A. Progress made")),
        (KIND_PARAGRAPH, "para. 23", ("I. Introduction", "B. Challenges")),
        (KIND_PARAGRAPH, "para. 24", ("II. Conclusions",)),
        (KIND_PARAGRAPH, "para. 1", ("Annex II",)),
    ]
    assert [b.text for b in blocks if b.kind == KIND_HEADING][-2:] == ["Annex I List of participants", "Annex II"]


def test_two_resolutions_restart_their_numbering() -> None:
    blocks = _blocks(
        "1992/41. Technical cooperation among developing countries",
        "The Economic and Social Council,",
        "Recalling its resolution 1991/1,",
        "Noting with appreciation the measures taken,",
        "1. Calls upon all parties to act;",
        "2. Requests the Secretary-General to report.",
        "1992/42. Another resolution",
        "The Economic and Social Council,",
        "Concerned that little has changed,",
        "1. Decides to act;",
        "(a) At once;",
        "(b) Together.",
    )
    rows = [(b.label, b.heading_path[-1]) for b in blocks if b.label]
    first, second = "1992/41. Technical cooperation among developing countries", "1992/42. Another resolution"
    assert rows == [("pp. 1", first), ("pp. 2", first), ("op. 1", first), ("op. 2", first),
                    ("pp. 1", second), ("op. 1", second), ("op. 1 (a)", second), ("op. 1 (b)", second)]


def test_glued_preambular_paragraphs_and_an_unnumbered_operative_are_split() -> None:
    blocks = _blocks(
        "Decision 22/2 Provisional agenda of the twenty-third session",
        "The High-level Committee, Taking into account the views expressed at its twenty-second session,1 "
        "Reaffirming its decision 21/1, Approves the following provisional agenda for its twenty-third session:",
        "1. Opening of the session.",
        "2. Other matters.",
    )
    rows = [(b.kind, b.label, b.text) for b in blocks if b.kind != KIND_HEADING]
    assert rows == [
        (KIND_PARAGRAPH, None, "The High-level Committee,"),
        (KIND_PREAMBULAR, "pp. 1", "Taking into account the views expressed at its twenty-second session,"),
        (KIND_PREAMBULAR, "pp. 2", "Reaffirming its decision 21/1,"),
        (KIND_OPERATIVE, "op. 1", "Approves the following provisional agenda for its twenty-third session:"),
        (KIND_LIST_ITEM, "item 1", "1. Opening of the session."),
        (KIND_LIST_ITEM, "item 2", "2. Other matters."),
    ]


def test_footnotes_and_running_headers_do_not_break_a_paragraph() -> None:
    blocks = _blocks(
        "The General Assembly,",
        "Recalling its resolution 33/134,",
        "1. Welcomes the measures undertaken to further institutionalize South-South cooperation, and the "
        "enhancement of staff __________________ 6 SSC/22/2.",
        "7 General Assembly resolution 70/1.",
        "A/80/39",
        "25-09815 7/31",
        "capacities, and encourages the continued expansion of system-wide efforts;",
        "2. Decides to remain seized of the matter.",
    )
    assert _labels(blocks, KIND_OPERATIVE) == ["op. 1", "op. 2"]
    operative_1 = next(b for b in blocks if b.label == "op. 1")
    assert operative_1.text.endswith("enhancement of staff capacities, and encourages the continued expansion "
                                     "of system-wide efforts;")
    assert [b.text for b in blocks if b.kind == KIND_FOOTNOTE] == ["6 SSC/22/2.", "7 General Assembly resolution 70/1."]
    assert not any(b.kind == KIND_HEADING for b in blocks)


def test_roman_sub_items_and_report_sentences_that_start_like_bodies() -> None:
    blocks = _blocks(
        "The Committee, at its 5th meeting, adopted the report.",
        "The General Assembly,",
        "Recalling its resolutions,",
        "1. Recommends the following:",
        "(a) Governments:",
        "(i) To integrate science;",
        "(ii) To establish links;",
        "(b) The private sector;",
        "(h) Something;",
        "(i) Something else.",
    )
    assert blocks[0].kind == KIND_PARAGRAPH and blocks[0].label is None
    assert _labels(blocks, KIND_OPERATIVE) == ["op. 1", "op. 1 (a)", "op. 1 (a) (i)", "op. 1 (a) (ii)", "op. 1 (b)",
                                               "op. 1 (h)", "op. 1 (i)"]


def test_plain_articles_have_no_labels() -> None:
    blocks = _text_blocks(REPO / "corpus" / "unossc-what-is-south-south-cooperation.txt")
    assert not any(b.kind in (KIND_PREAMBULAR, KIND_OPERATIVE) for b in blocks)
    assert blocks[0].kind == KIND_HEADING


@lru_cache(maxsize=1)
def _a_80_39_blocks() -> tuple[Block, ...]:
    from ingest.readers.pdf import read_pdf

    return tuple(parse_blocks(split_paragraphs(read_pdf(A_80_39.read_bytes()))))


@pytest.fixture()
def a_80_39() -> tuple[Block, ...]:
    if not A_80_39.exists():
        pytest.skip(f"shared data absent: {A_80_39} (the repo expects ../shared beside it)")
    return _a_80_39_blocks()


def test_decision_22_1_inside_the_high_level_committee_report(a_80_39: tuple[Block, ...]) -> None:
    def in_decision(block: Block, name: str) -> bool:
        return any(h.startswith(name) for h in block.heading_path)

    decision = [b for b in a_80_39 if in_decision(b, "Decision 22/1")]
    preambular = [b for b in decision if b.kind == KIND_PREAMBULAR]
    operative = {b.label for b in decision if b.kind == KIND_OPERATIVE}
    assert len(preambular) >= 10
    assert any("resolution 33/134" in b.text for b in preambular)
    assert {"op. 1", "op. 2", "op. 32", "op. 33"} <= operative
    assert not any(b.kind == KIND_PREAMBULAR for b in a_80_39 if not in_decision(b, "Decision 22/"))
    # the report's own numbering carries on after the decisions
    para_2 = next(b for b in a_80_39 if b.label == "para. 2")
    assert not in_decision(para_2, "Decision") and para_2.text.startswith("2. At its 1st meeting")
    decision_2 = [b for b in a_80_39 if in_decision(b, "Decision 22/2")]
    assert any(b.kind == KIND_OPERATIVE and b.text.startswith("Approves") for b in decision_2)

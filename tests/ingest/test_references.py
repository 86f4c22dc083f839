"""References read in context: the citing document's body, named instruments, nothing invented."""
from __future__ import annotations

from ingest.instruments import find_instruments
from ingest.references import extract_references
from ingest.symbols import is_official_symbol
from ingest.types import Chunk


def _symbols(text: str, **kwargs: str) -> list[str]:
    return [r.symbol for r in extract_references([Chunk("d", 0, text)], None, **kwargs)]


def test_a_board_decision_is_the_board_s_in_a_board_document() -> None:
    text = "4. The Executive Board agreed in decision 2024/30 to the following schedule for sessions in 2025."
    assert _symbols(text, body="UNDP Executive Board") == ["UNDP Executive Board decision 2024/30"]
    assert _symbols(text) == []  # elsewhere it is nobody's in particular, and certainly not E/DEC/2024/30


def test_a_committee_decision_keeps_a_readable_form_and_no_made_up_symbol() -> None:
    symbols = _symbols("Recalling its decision 9/2", body="High-level Committee on South-South Cooperation")
    assert symbols == ["High-level Committee decision 9/2"]
    assert not is_official_symbol(symbols[0])
    assert is_official_symbol("A/RES/33/134") and not is_official_symbol("591(XXIX)")


def test_a_commission_s_own_resolutions_are_not_the_assembly_s() -> None:
    text = "Recalling its resolution 63/4 of 6 March 2020, and General Assembly resolution 70/1,"
    assert _symbols(text, body="Commission on Narcotic Drugs") == [
        "Commission on Narcotic Drugs resolution 63/4", "A/RES/70/1"]


def test_its_resolutions_are_the_body_s_named_in_the_same_paragraph_else_the_document_s() -> None:
    text = ("Recalling also General Assembly resolutions 70/215 and 72/230,\n\n"
            "Taking note of its resolutions 69/8 of 1 May 2013 and 71/9 of 29 May 2015 on water resources,")
    assert _symbols(text, body="ESCAP") == ["A/RES/70/215", "A/RES/72/230", "ESCAP resolution 69/8",
                                            "ESCAP resolution 71/9"]
    hrc = "OHCHR organized on behalf of the Human Rights Council a panel. In its resolution 57/28, the Council"
    assert _symbols(hrc, body="Economic and Social Council") == ["A/HRC/RES/57/28"]


def test_the_buenos_aires_plan_of_action_is_told_apart_by_its_context() -> None:
    tcdc = "Reaffirming the Buenos Aires Plan of Action for Promoting and Implementing Technical Cooperation"
    climate = "The session advanced the implementation of the Buenos Aires Plan of Action."
    title = "Outcome of the sessions of the Conference of the Parties to the UNFCCC"
    assert _symbols(tcdc, context="Report of the High-level Committee on South-South Cooperation") == ["A/RES/33/134"]
    assert _symbols(climate, context=title) == ["FCCC/CP/1998/16/Add.1"]
    assert [m.instrument.symbol for m in find_instruments("the Nairobi outcome document of the Conference "
                                                          "on South-South Cooperation")] == ["A/RES/64/222"]
    assert find_instruments("the Nairobi outcome document of UNCTAD XIV") == []  # another Nairobi outcome


def test_report_numbers_and_tables_are_not_symbols() -> None:
    assert _symbols("WP/24/02, April 2024; ESCAP/2-TR/33; (ILC.112/Resolution V); 44/54 44/56 25/33 (46)") == []
    assert _symbols("A/80/74-E/2025/53") == ["A/80/74", "E/2025/53"]

"""Metadata: title, type, symbol, body, date, language, countries and session of real documents."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from ingest.countries import country_name, find_countries
from ingest.metadata import extract_metadata, ordinal_value, symbol_from_file_name
from ingest.paragraphs import split_paragraphs
from ingest.readers.text import read_text
from ingest.types import DOC_TYPES, DocumentMetadata, Paragraph

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
SHARED = Path(__file__).resolve().parents[3] / "shared"
UN_PDFS = SHARED / "data" / "un-pdfs"
SPEECHES = SHARED / "data" / "ungdc-ssc"


def _text_metadata(path: Path) -> DocumentMetadata:
    extracted = read_text(path.read_bytes())
    return extract_metadata(split_paragraphs(extracted), path.name, extracted.title_hint)


@lru_cache(maxsize=8)
def _pdf_metadata(name: str) -> DocumentMetadata:
    from ingest.readers.pdf import read_pdf

    path = UN_PDFS / name
    if not path.exists():
        pytest.skip(f"shared data absent: {path} (the repo expects ../shared beside it)")
    extracted = read_pdf(path.read_bytes())
    return extract_metadata(split_paragraphs(extracted), name, extracted.title_hint)


def test_ecosoc_resolution_1992_41() -> None:
    meta = _text_metadata(CORPUS / "ecosoc-resolution-1992-41-tcdc.txt")
    assert (meta.doc_type, meta.symbol, meta.body, meta.date) == (
        "resolution", "E/RES/1992/41", "Economic and Social Council", "1992-07-30")
    assert "Technical cooperation among developing countries" in meta.title
    assert meta.language == "en"


def test_eclac_resolution_591() -> None:
    meta = _text_metadata(CORPUS / "eclac-resolution-591-xxix-cooperation-among-developing-countries.txt")
    assert (meta.doc_type, meta.symbol, meta.body, meta.session) == ("resolution", "591(XXIX)", "ECLAC", "29")
    assert meta.date is not None and meta.date.startswith("2002")
    assert meta.title.startswith("591(XXIX)") and "UNITED NATIONS" not in meta.title
    assert {"CHL", "URY"} <= set(meta.countries)


@pytest.mark.parametrize("name", ["what-is-technical-cooperation.txt", "unossc-what-is-south-south-cooperation.txt"])
def test_explainers_are_articles(name: str) -> None:
    meta = _text_metadata(CORPUS / name)
    assert meta.doc_type == "article"
    assert meta.symbol is None and meta.body is None and meta.date is None
    assert meta.title.startswith("What Is")


def test_brasilia_training_is_an_event_report_of_2013() -> None:
    meta = _text_metadata(CORPUS / "brasilia-2013-training-management-south-south-cooperation.txt")
    assert meta.doc_type == "event report"
    assert meta.date is not None and meta.date.startswith("2013")
    assert meta.title == "Training on Management of South-South Cooperation in Brazil"
    assert {"BRA", "IDN", "CHL", "GHA", "COL", "MEX"} <= set(meta.countries)


@pytest.mark.parametrize("file_name, symbol", [
    ("A_80_39.en.pdf", "A/80/39"),
    ("E_HLPF_2025_3_Add.1.en.pdf", "E/HLPF/2025/3/Add.1"),
    ("ICCD_COP(8)_CST_INF.1.en.pdf", "ICCD/COP(8)/CST/INF.1"),
    ("A_CONF.230_2025_INF_2.en.pdf", "A/CONF.230/2025/INF/2"),
    ("DP_OPS_2025_6.en.pdf", "DP/OPS/2025/6"),
    ("E_2025_L.16.en.pdf", "E/2025/L.16"),
    ("ecosoc-resolution-1992-41-tcdc.txt", None),
    ("UNGDC_README.txt", None),
    ("report_final_2.pdf", None),
])
def test_symbols_from_file_names(file_name: str, symbol: str | None) -> None:
    assert symbol_from_file_name(file_name) == symbol


def test_first_page_symbol_wins_over_the_file_name() -> None:
    paragraphs = [Paragraph("United Nations A/80/271", 1, 1), Paragraph("General Assembly", 1, 1),
                  Paragraph("Distr.: General 28 July 2025", 1, 1), Paragraph("Note by the Secretary-General", 1, 1)]
    meta = extract_metadata(paragraphs, "A_80_999.en.pdf", None)
    assert (meta.symbol, meta.date, meta.body, meta.doc_type) == ("A/80/271", "2025-07-28", "General Assembly", "report")


def test_speech_file_names() -> None:
    paragraphs = [Paragraph("128. Mr. President, on behalf of the Government of Argentina I congratulate you. "
                            "We welcome the Buenos Aires Plan of Action and our cooperation with Brazil and Bolivia.",
                            1, 1)]
    meta = extract_metadata(paragraphs, "ARG_33_1978.txt", None)
    assert meta.title == "Argentina, General Debate, 33rd session (1978)"
    assert (meta.doc_type, meta.body, meta.session, meta.date) == ("speech", "General Assembly", "33", "1978")
    assert meta.countries[:1] == ("ARG",) and {"BRA", "BOL"} <= set(meta.countries)
    assert extract_metadata(paragraphs, "KOR_71_2016.txt", None).title.startswith("Republic of Korea, General Debate, 71st")
    assert extract_metadata(paragraphs, "YMD_33_1978.txt", None).countries[0] == "YMD"  # a historic state


def test_real_speeches() -> None:
    if not SPEECHES.exists():
        pytest.skip(f"shared data absent: {SPEECHES} (the repo expects ../shared beside it)")
    for path in sorted(SPEECHES.glob("[A-Z][A-Z][A-Z]_*_*.txt"))[:12]:
        meta = _text_metadata(path)
        code, session, year = path.stem.split("_")
        assert meta.doc_type == "speech" and meta.countries[0] == code
        assert (meta.session, meta.date, meta.language) == (str(int(session)), year, "en")


def test_high_level_committee_report() -> None:
    meta = _pdf_metadata("A_80_39.en.pdf")
    assert (meta.symbol, meta.doc_type, meta.body, meta.session) == (
        "A/80/39", "report", "High-level Committee on South-South Cooperation", "22")
    assert meta.date is not None and meta.date.startswith("2025")
    assert "High-level Committee on South-South Cooperation" in meta.title
    assert {"IND", "MAR", "COL", "BRB", "USA", "PSE"} <= set(meta.countries)


@pytest.mark.parametrize("name, symbol, date, body", [
    ("A_56_509.en.pdf", "A/56/509", "2001-10-26", "General Assembly"),
    ("TD_B_43_6.en.pdf", "TD/B/43/6", "1996-08-15", "Trade and Development Board"),
    ("ICCD_COP(8)_CST_INF.1.en.pdf", "ICCD/COP(8)/CST/INF.1", "2007-07-26", "UNCCD Conference of the Parties"),
])
def test_un_documents(name: str, symbol: str, date: str, body: str) -> None:
    meta = _pdf_metadata(name)
    assert (meta.symbol, meta.date, meta.body, meta.language) == (symbol, date, body, "en")
    assert meta.doc_type in DOC_TYPES and meta.doc_type != "other"


def test_countries_from_pycountry_names_and_un_usage() -> None:
    text = ("Brazil, Bolivia (Plurinational State of), the Republic of Korea, the Democratic People's Republic of "
            "Korea, Viet Nam, the United States, Côte d’Ivoire, Niger and Nigeria, Dominica, the Dominican Republic, "
            "South Sudan, Guinea-Bissau, the Indian Ocean, Turkey")
    assert find_countries(text) == ("BRA", "BOL", "KOR", "PRK", "VNM", "USA", "CIV", "NER", "NGA", "DMA", "DOM",
                                    "SSD", "GNB", "TUR")
    assert find_countries("Korea, New Jersey, Indian, Nigerian") == ()
    assert [country_name(c) for c in ("ARG", "BOL", "VNM", "XXX")] == ["Argentina", "Bolivia", "Viet Nam", None]


@pytest.mark.parametrize("word, value", [("Twenty-second", 22), ("eightieth", 80), ("ninth", 9),
                                         ("sixty-eighth", 68), ("regular", None), ("twenty", None)])
def test_ordinals(word: str, value: int | None) -> None:
    assert ordinal_value(word) == value


def test_an_official_resolution_masthead() -> None:
    texts = ["United Nations A/RES/79/226", "General Assembly Distr.: General 23 December 2024", "Seventy-ninth session",
             "Resolution adopted by the General Assembly on 19 December 2024",
             "[on the report of the Second Committee (A/79/L.5)]",
             "79/226. Quadrennial comprehensive policy review of operational activities for development",
             "The General Assembly,", "Recalling its resolution 75/233 of 21 December 2020,",
             "1. Takes note of the report;", "2. Requests the Secretary-General to report.",
             "50th plenary meeting 19 December 2024"]
    meta = extract_metadata([Paragraph(t, 1, 1) for t in texts], "A_RES_79_226.en.pdf", None)
    assert (meta.doc_type, meta.symbol, meta.body, meta.session, meta.date) == (
        "resolution", "A/RES/79/226", "General Assembly", "79", "2024-12-23")
    assert meta.title.startswith("79/226. Quadrennial")


def test_a_decision_of_the_high_level_committee() -> None:
    texts = ["Decision 22/1 South-South cooperation", "The High-level Committee,",
             "Reaffirming General Assembly resolution 33/134 of 19 December 1978,", "1. Stresses its role;"]
    meta = extract_metadata([Paragraph(t, 1, 1) for t in texts], "decision-22-1.txt", None)
    assert (meta.doc_type, meta.symbol, meta.body) == (
        "decision", "High-level Committee decision 22/1", "High-level Committee on South-South Cooperation")

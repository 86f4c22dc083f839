"""The 34 UN PDFs ingested under neutral names (doc-01.pdf ...): symbol, body, type, date and title
must come from the documents themselves, checked against values read by hand from their first pages.

Only the ingest path runs (reading is shared with test_un_pdfs.py; nothing is embedded).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import parse_extracted
from ingest.types import ExtractedText, ParsedDocument

GA, ECOSOC, SC = "General Assembly", "Economic and Social Council", "Security Council"
BOARD = "UNDP Executive Board"
HLPF = "High-level political forum on sustainable development"

# file -> (symbols, body, doc_type, date, words the title holds), read from each PDF's first page.
# A date is the masthead's (under "Distr."); an Official Records cover prints only its session's
# dates, so its date is checked to the year.
TRUTH: dict[str, tuple[tuple[str, ...], str, str, str, str]] = {
    "A_56_509.en.pdf": (("A/56/509",), GA, "report", "2001-10-26",
                        "Outcome of the sessions of the Conference of the Parties to the United Nations Framework"),
    "A_80_159.en.pdf": (("A/80/159",), GA, "report", "2025-07-14",
                        "Report on the work of the United Nations Open-ended Informal Consultative Process"),
    "A_80_16.en.pdf": (("A/80/16",), "Committee for Programme and Coordination", "report", "2025",
                       "Report of the Committee for Programme and Coordination"),
    "A_80_271.en.pdf": (("A/80/271",), GA, "report", "2025-07-28", "Third Industrial Development Decade for Africa"),
    "A_80_39.en.pdf": (("A/80/39",), "High-level Committee on South-South Cooperation", "report", "2025",
                       "Report of the High-level Committee on South-South Cooperation"),
    "A_80_74.en.pdf": (("A/80/74", "E/2025/53"), GA, "report", "2025-04-29",
                       "Implementation of General Assembly resolution 79/226 on the quadrennial comprehensive"),
    "A_CONF.230_2025_INF_2.en.pdf": (("A/CONF.230/2025/INF/2",), GA, "other", "2025-08-06",
                                     "List of Delegations to the 2025 United Nations Conference"),
    "A_CONF.243_2025_1_Add.1.en.pdf": (("A/CONF.243/2025/1/Add.1",), GA, "declaration", "2025-08-06",
                                       "New York Declaration on the Peaceful Settlement of the Question of Palestine"),
    "A_HRC_59_60.en.pdf": (("A/HRC/59/60",), "Human Rights Council", "report", "2025-04-22",
                           "Thirteenth session of the Forum on Business and Human Rights"),
    "DP_2025_1.en.pdf": (("DP/2025/1",), BOARD, "report", "2024-10-29", "Report of the second regular session 2024"),
    "DP_2025_20.en.pdf": (("DP/2025/20",), BOARD, "report", "2025-07-14", "Report of the annual session 2025"),
    "DP_2025_23.en.pdf": (("DP/2025/23",), BOARD, "report", "2025-06-30",
                          "UNDP integrated resources plan and integrated budget estimates, 2026-2029"),
    "DP_OPS_2025_6.en.pdf": (("DP/OPS/2025/6",), BOARD, "report", "2025-04-03",
                             "Implementation of the restated UNOPS strategic plan, 2022-2025"),
    "E_2025_19.en.pdf": (("E/2025/19",), ECOSOC, "report", "2025-05-07",
                         "Summary of the work of the Economic Commission for Latin America and the Caribbean"),
    "E_2025_28.en.pdf": (("E/2025/28", "E/CN.7/2025/11"), "Commission on Narcotic Drugs", "report", "2025",
                         "sixty-eighth session"),
    "E_2025_31.en.pdf": (("E/2025/31", "E/CN.16/2025/4"), "Commission on Science and Technology for Development",
                         "report", "2025", "twenty-eighth session"),
    "E_2025_33.en.pdf": (("E/2025/33",), "Committee for Development Policy", "report", "2025",
                         "twenty-seventh session"),
    "E_2025_39.en.pdf": (("E/2025/39", "ESCAP/81/32"), "ESCAP", "report", "2025", "Annual report"),
    "E_2025_57.en.pdf": (("E/2025/57",), ECOSOC, "report", "2025-04-15",
                         "United Nations Sustainable Development Group System-wide Evaluation Office"),
    "E_2025_60.en.pdf": (("E/2025/60",), ECOSOC, "report", "2025-05-08", "Economic, social and cultural rights"),
    "E_2025_61.en.pdf": (("E/2025/61",), ECOSOC, "report", "2025-04-29", "Development Coordination Office"),
    "E_2025_72.en.pdf": (("E/2025/72",), ECOSOC, "report", "2025-05-28",
                         "Work of the Committee of Experts on the Transport of Dangerous Goods"),
    "E_2025_8.en.pdf": (("E/2025/8",), ECOSOC, "report", "2025-01-03",
                        "Trends and progress in international development cooperation"),
    "E_2025_L.16.en.pdf": (("E/2025/L.16", "E/HLPF/2025/L.1"), ECOSOC, "draft", "2025-07-17",
                           "Draft ministerial declaration of the high-level segment of the 2025 session"),
    "E_AC.51_2025_2.en.pdf": (("E/AC.51/2025/2",), "Committee for Programme and Coordination", "report",
                              "2025-02-19", "Triennial review of the implementation of recommendations"),
    "E_CN.6_2025_3.en.pdf": (("E/CN.6/2025/3",), "Commission on the Status of Women", "report", "2024-12-27",
                             "Review and appraisal of the implementation of the Beijing Declaration"),
    "E_HLPF_2025_3_Add.1.en.pdf": (("E/HLPF/2025/3/Add.1",), HLPF, "report", "2025-05-14",
                                   "Report of the Africa Regional Forum on Sustainable Development"),
    "E_HLPF_2025_3_Add.4.en.pdf": (("E/HLPF/2025/3/Add.4",), HLPF, "report", "2025-05-02",
                                   "Report on the Twelfth Asia-Pacific Forum on Sustainable Development"),
    "E_HLPF_2025_3_Add.5.en.pdf": (("E/HLPF/2025/3/Add.5",), HLPF, "report", "2025-05-14",
                                   "Report of the Arab Forum for Sustainable Development"),
    "E_HLPF_2025_6.en.pdf": (("E/HLPF/2025/6",), HLPF, "report", "2025-06-02",
                             "Multi-stakeholder forum on science, technology and innovation"),
    "E_HLS_2025_1.en.pdf": (("E/HLS/2025/1",), ECOSOC, "declaration", "2025-08-13",
                            "Ministerial declaration of the high-level segment of the 2025 session"),
    "ICCD_COP(8)_CST_INF.1.en.pdf": (("ICCD/COP(8)/CST/INF.1",), "UNCCD Conference of the Parties", "event report",
                                     "2007-07-26", "Report of the international workshop on climate and land"),
    "S_2025_194.en.pdf": (("S/2025/194",), SC, "report", "2025-03-28", "Report of the Secretary-General on Somalia"),
    "TD_B_43_6.en.pdf": (("TD/B/43/6",), "Trade and Development Board", "report", "1996-08-15",
                         "contribution to the implementation of the United Nations New Agenda for the Development"),
}


@pytest.fixture(scope="module")
def renamed(un_pdfs: dict[str, tuple[bytes, ExtractedText]]) -> dict[str, ParsedDocument]:
    """Each UN PDF understood as if it had been uploaded as doc-NN.pdf."""
    return {name: parse_extracted(extracted, data, Path(f"doc-{index:02d}.pdf"))
            for index, (name, (data, extracted)) in enumerate(sorted(un_pdfs.items()), 1)}


def test_the_truth_table_covers_every_pdf(un_pdfs: dict[str, tuple[bytes, ExtractedText]]) -> None:
    assert sorted(TRUTH) == sorted(un_pdfs)


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_metadata_comes_from_the_document_not_its_name(renamed: dict[str, ParsedDocument], name: str) -> None:
    symbols, body, doc_type, date, title_words = TRUTH[name]
    document = renamed[name].document
    found = (document.symbols, document.body, document.doc_type)
    assert found == (symbols, body, doc_type), f"{name}: {found}"
    assert document.symbol == symbols[0]
    assert document.date is not None and document.date.startswith(date), f"{name}: date {document.date}"
    assert title_words.lower() in document.title.lower(), f"{name}: title {document.title!r}"


# Sessions as the mastheads print them (Official Records covers: the body's session in the title).
SESSIONS = {"A_80_159.en.pdf": "80", "A_80_39.en.pdf": "22", "DP_2025_1.en.pdf": "first regular session 2025",
            "E_2025_60.en.pdf": "2025", "E_2025_28.en.pdf": "68", "TD_B_43_6.en.pdf": "43",
            "E_HLPF_2025_3_Add.1.en.pdf": None}


@pytest.mark.parametrize("name", sorted(SESSIONS))
def test_sessions_come_from_the_masthead(renamed: dict[str, ParsedDocument], name: str) -> None:
    assert renamed[name].document.session == SESSIONS[name]


def test_a_document_s_own_symbols_are_not_its_references(renamed: dict[str, ParsedDocument]) -> None:
    joint = renamed["E_2025_L.16.en.pdf"].document
    assert not {"E/2025/L.16", "E/HLPF/2025/L.1"} & {r.symbol for r in joint.references}


def test_a_document_s_countries_come_from_its_body_not_its_list_of_participants(
        renamed: dict[str, ParsedDocument]) -> None:
    report = renamed["A_80_39.en.pdf"]
    document = report.document
    assert "URY" in document.participants and "URY" not in document.countries  # Uruguay only attended
    assert len(document.participants) > 100 and 10 <= len(document.countries) < 40
    assert {"IND", "BRA", "ZAF"} <= set(document.countries)  # named in the decisions and the debate
    # each passage carries the countries it names, and only those
    uruguay = [c for c in report.chunks if "URY" in c.countries]
    assert uruguay and all("Uruguay" in c.text for c in uruguay)
    delegations = renamed["A_CONF.230_2025_INF_2.en.pdf"].document
    assert delegations.countries == () and len(delegations.participants) > 100  # a list of delegations throughout

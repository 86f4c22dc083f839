"""Document metadata from text and file name: title, type, symbol, body, date, language, countries.

Where a value can come from several places the more specific wins: a speech's file name
(``ARG_33_1978.txt``) over its text; the resolution's own number ("1992/41. Technical ...") over
anything else; what the first page of a UN document says over its file name (``A_80_39.en.pdf``).
"""
from __future__ import annotations

import re
from functools import lru_cache

from ingest.countries import country_name, find_countries, is_country_code
from ingest.structure import adopting_body, is_resolution_title, parse_blocks
from ingest.symbols import find_symbols, normalise_symbol, roman_to_int
from ingest.types import (
    KIND_HEADING,
    KIND_OPERATIVE,
    KIND_PREAMBULAR,
    DocumentMetadata,
    Paragraph,
)

_HEAD = 30  # paragraphs read for front-page facts
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_MONTH = "|".join(_MONTHS)
_DATE = rf"(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})"
_SPEECH_FILE = re.compile(r"^([A-Z]{3})_(\d{1,3})_(\d{4})\.txt$")
_LANGUAGE_SUFFIX = re.compile(r"\.(?:en|fr|es|ar|ru|zh)$", re.IGNORECASE)

# Short names for bodies written out in adopting formulas and on title pages.
_BODY_NAMES = {
    "Economic Commission for Latin America and the Caribbean": "ECLAC",
    "Economic and Social Commission for Asia and the Pacific": "ESCAP",
    "Economic and Social Commission for Western Asia": "ESCWA",
    "Economic Commission for Africa": "ECA",
    "Economic Commission for Europe": "ECE",
    "High-level Committee": "High-level Committee on South-South Cooperation",
    "High-level Committee on the Review of Technical Cooperation among Developing Countries":
        "High-level Committee on South-South Cooperation",
    "Executive Board": "UNDP Executive Board",
}
# The organ behind a symbol's series, longest prefix first.
_SERIES_BODIES = (
    ("A/HRC/", "Human Rights Council"), ("A/CONF.", "General Assembly"), ("A/", "General Assembly"),
    ("E/CN.6/", "Commission on the Status of Women"), ("E/CN.7/", "Commission on Narcotic Drugs"),
    ("E/CN.16/", "Commission on Science and Technology for Development"),
    ("E/AC.51/", "Committee for Programme and Coordination"),
    ("E/HLPF/", "High-level political forum on sustainable development"), ("E/HLS/", "Economic and Social Council"),
    ("E/", "Economic and Social Council"), ("S/", "Security Council"), ("DP/", "UNDP Executive Board"),
    ("TD/B/", "Trade and Development Board"), ("TD/", "UNCTAD"), ("ICCD/", "UNCCD Conference of the Parties"),
    ("SSC/", "High-level Committee on South-South Cooperation"), ("LC/", "ECLAC"), ("ESCAP/", "ESCAP"),
)
_REPORT_OF_BODY = re.compile(
    r"^(?:United Nations\s+)?Report of the ((?:[A-Z][\w\-]*\s+)*(?:Committee|Commission|Board|Council|Forum)"
    r"(?:\s+(?:on|for|of|to|and|the|in|[A-Z][\w\-]*))*?)(?=\s+on\s+(?:its|the)\b|\s*$|\s+\()")
_ACRONYMS = frozenset({
    "ECLAC", "ESCAP", "ESCWA", "ECA", "ECE", "UNDP", "UNFPA", "UNOPS", "UNICEF", "UNCTAD", "UNEP", "UNESCO", "TCDC",
    "ECDC", "UN", "FAO", "ILO", "WHO", "OECD", "NEPAD", "SIDS", "LDC", "HIV", "AIDS", "ICT", "SDG", "UNOSSC",
})
_ORDINAL_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}
_ORDINAL_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90,
}
_HELD = re.compile(rf"\b(?:was held|took place)\b[^.]{{0,80}}?\b(?:on|from)\s+(\d{{1,2}})"
                   rf"(?:\s*(?:-|–|to|and)\s*\d{{1,2}})?\s+({_MONTH})\s+(\d{{4}})")
_SESSION = re.compile(r"\b([A-Za-z]+(?:-[a-z]+)?)\s+[Ss]ession\b")
_EVENT = re.compile(r"\b(?:training|workshop|seminar|course|webinar|study tour|expert group meeting|symposium)\b", re.IGNORECASE)
_NOT_TITLE = re.compile(
    r"^(?:United Nations|General Assembly|Economic and Social Council|Security Council|Distr|Original|English|"
    r"Limited|GENERAL|Note by|Report of the Secretary-General|Summary\b|Contents|Item\b|Agenda item|\*|\d)",
    re.IGNORECASE)
_AGENDA = re.compile(r"\b(?:provisional agenda|Agenda item|Item \d|Distr)", re.IGNORECASE)
_BODY_LINE = re.compile(r"^(?:[A-Z][\w\-]*\s+)*(?:Commission|Committee|Board|Council|Forum)\b[\w\s\-]*$",
                        re.IGNORECASE)
_SESSION_REPORT = re.compile(r"^(?:Annual report\b|Report on (?:the|its)\b.*\bsession\b)", re.IGNORECASE)


def extract_metadata(paragraphs: list[Paragraph], file_name: str, title_hint: str | None) -> DocumentMetadata:
    """Best-effort metadata; fields that cannot be found stay None."""
    if (speech := _SPEECH_FILE.match(file_name)) and is_country_code(speech.group(1)):
        return _speech_metadata(paragraphs, speech.group(1), speech.group(2), speech.group(3))
    head = [p.text for p in paragraphs[:_HEAD]]
    text = "\n".join(p.text for p in paragraphs)
    resolution = _resolution_facts(paragraphs)
    symbol = resolution.get("symbol") or _first_page_symbol(paragraphs) or symbol_from_file_name(file_name)
    title = resolution.get("title") or _title(head, title_hint, file_name)
    doc_type = _doc_type(resolution, symbol, title, head)
    return DocumentMetadata(
        title=title, doc_type=doc_type, symbol=symbol,
        body=resolution.get("body") or _issuing_body(head, symbol),
        date=_date(head, text, doc_type), language=detect_language(text), countries=find_countries(text),
        session=_session(symbol, head),
    )


# ---- speeches -------------------------------------------------------------------------------


def _speech_metadata(paragraphs: list[Paragraph], code: str, session: str, year: str) -> DocumentMetadata:
    """A General Debate speech named ISO_SESSION_YEAR.txt."""
    text = "\n".join(p.text for p in paragraphs)
    number = int(session)
    name = country_name(code) or code
    countries = (code,) + tuple(c for c in find_countries(text) if c != code)
    return DocumentMetadata(
        title=f"{name}, General Debate, {_ordinal_suffix(number)} session ({year})", doc_type="speech",
        symbol=None, body="General Assembly", date=year, language=detect_language(text), countries=countries,
        session=str(number),
    )


def _ordinal_suffix(number: int) -> str:
    """33 -> '33rd', 41 -> '41st', 12 -> '12th'."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(number % 10, 'th') }"


# ---- symbols --------------------------------------------------------------------------------


def symbol_from_file_name(file_name: str) -> str | None:
    """'A_80_39.en.pdf' -> 'A/80/39'; 'E_HLPF_2025_3_Add.1.en.pdf' -> 'E/HLPF/2025/3/Add.1'."""
    stem = _LANGUAGE_SUFFIX.sub("", re.sub(r"\.[A-Za-z]{2,4}$", "", file_name))
    if "_" not in stem or not re.match(r"^[A-Z]", stem):
        return None
    candidate = stem.replace("_", "/")
    matches = find_symbols(candidate)
    if len(matches) == 1 and matches[0].raw == candidate and "/" in matches[0].normalised:
        return matches[0].normalised
    return None


def _first_page_symbol(paragraphs: list[Paragraph]) -> str | None:
    """The document symbol printed in the masthead of page 1 ("United Nations A/80/271")."""
    for paragraph in paragraphs[:10]:
        if paragraph.page_start != 1:
            break
        words = paragraph.text.split()
        if len(words) > 8 and not (paragraph.text.startswith("United Nations") and len(words) <= 12):
            continue  # body text, a footnote or an agenda: symbols there are references
        for match in find_symbols(paragraph.text):
            before = paragraph.text[:match.start].rstrip()
            if match.raw[:1].isalpha() and "/" in match.raw and not before.endswith(("(", "*", "see", "See")):
                return match.normalised
    return None


# ---- resolutions ----------------------------------------------------------------------------


def _resolution_facts(paragraphs: list[Paragraph]) -> dict[str, str]:
    """Symbol, title and body of a document that is itself one resolution or decision."""
    blocks = parse_blocks(paragraphs[:400])
    labelled = [i for i, b in enumerate(blocks) if b.kind in (KIND_PREAMBULAR, KIND_OPERATIVE)]
    numbered = [b for b in blocks if (b.label or "").startswith("para.")]
    titles = [b.text for b in blocks if b.kind == KIND_HEADING and is_resolution_title(b.text)
              and not re.match(r"(?:Resolution|Decision) adopted by\b", b.text)]
    bodies = [body for b in blocks if (body := adopting_body(b.text))]
    # a report that holds resolutions is not one: the resolution must open the document and be alone
    if not labelled or labelled[0] > 30 or len(numbered) > len(labelled) or max(len(titles), len(bodies)) > 1:
        return {}
    facts: dict[str, str] = {"kind": "resolution"}
    if titles:
        facts["title"] = _tidy_title(titles[0])
        if re.match(r"(?:Draft\s+)?[Dd]ecision\b", titles[0]):
            facts["kind"] = "decision"
        if symbol := _title_symbol(titles[0]):
            facts["symbol"] = symbol
    if bodies:
        facts["body"] = _BODY_NAMES.get(bodies[0], bodies[0])
    return facts


def _title_symbol(title: str) -> str | None:
    """The symbol a resolution's title starts with: '1992/41. ...' -> 'E/RES/1992/41'."""
    if match := re.match(r"^(\d{4}/\d{1,3})\.", title):
        return f"E/RES/{match.group(1)}"
    if match := re.match(r"^(\d{2}/\d{1,3})\.", title):
        return f"A/RES/{match.group(1)}"
    if match := re.match(r"^((?:Draft\s+)?(?:[Rr]esolution|[Dd]ecision)\s+\S+)", title):
        return None if "Draft" in match.group(1) else normalise_symbol(match.group(1))
    if match := re.match(r"^(\d{1,4}\s?\([IVXL]+\))", title):
        return normalise_symbol(match.group(1))
    return None


# ---- title, type, body ----------------------------------------------------------------------


def _title(head: list[str], title_hint: str | None, file_name: str) -> str:
    """The reader's title if it has one, else the first title-like line on the first page."""
    if title_hint and title_hint.strip("#*_ "):
        return _tidy_title(title_hint)
    for text in head[:15]:
        plain = text.strip("#*_ ")
        if 2 <= len(plain.split()) <= 40 and not _NOT_TITLE.match(plain) and not _AGENDA.search(plain) \
                and not plain.endswith("."):
            return _tidy_title(plain)
    return _tidy_title(head[0]) if head else file_name


def _tidy_title(text: str) -> str:
    """Strip markup and 'United Nations' mastheads; give ALL-CAPS titles ordinary capitals."""
    text = re.sub(r"^United Nations\s+(?=Report\b)", "", text.strip("#*_ ")).strip()[:300]
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        text = " ".join(_recase(word, index) for index, word in enumerate(text.split()))
    return text


def _recase(word: str, index: int) -> str:
    small = {"and", "of", "the", "for", "on", "in", "to", "among", "a", "an", "by", "with", "at"}
    if re.search(r"[\d()]", word) or roman_to_int(word) is not None and len(word) > 1:
        return word
    acronym = re.fullmatch(r"(\(?)([A-Z]{2,7})(\)?)(['’][sS])?", word)
    if acronym and acronym.group(2) in _ACRONYMS:
        return word[:-1] + "s" if acronym.group(4) else word
    lower = word.lower()
    return lower if index and lower in small else lower.capitalize()


def _doc_type(resolution: dict[str, str], symbol: str | None, title: str, head: list[str]) -> str:
    if resolution.get("kind"):
        return resolution["kind"]
    if re.search(r"\b(?:Plan|Programme) of Action\b", title) and not re.search(r"\bReport\b", title):
        return "plan of action"
    if _EVENT.search(title) or (symbol is None and _EVENT.search(" ".join(head[:8])) and re.search(
            r"\bwas held\b|\btook place\b", " ".join(head[:8]))):
        return "event report"
    if any(re.match(r"(?:Draft\s+)?[Mm]inisterial declaration\b", t) for t in head[:12]):
        return "other"
    if symbol is not None and "/" in symbol:
        if re.search(r"^(?:Draft\s+)?(?:Ministerial\s+)?[Dd]eclaration\b|^[\w\s]*\bDeclaration on\b|^List of\b", title):
            return "other"
        return "report"
    prose = [t for t in head if len(t.split()) >= 40]
    return "article" if len(prose) >= 2 else "other"


def _issuing_body(head: list[str], symbol: str | None) -> str | None:
    """The body a report is of ('Report of the High-level Committee ...'), else the organ of its series."""
    for index, text in enumerate(head[:15]):
        if match := _REPORT_OF_BODY.match(text.strip("#*_ ")):
            body = match.group(1).strip()
            return _BODY_NAMES.get(body, body)
        # "Commission on Narcotic Drugs" / "Report on the sixty-eighth session"
        following = head[index + 1] if index + 1 < len(head) else ""
        if _BODY_LINE.match(text) and len(text.split()) <= 12 and _SESSION_REPORT.match(following):
            body = _tidy_title(text)
            return _BODY_NAMES.get(body, body)
    if symbol:
        for prefix, body in _SERIES_BODIES:
            if symbol.startswith(prefix):
                return body
        if re.match(r"^(?:E/RES|E/DEC)/", symbol):
            return "Economic and Social Council"
    return None


# ---- dates, sessions, language --------------------------------------------------------------


def _date(head: list[str], text: str, doc_type: str) -> str | None:
    """The date a document bears, in ISO form, or its year."""
    joined = "\n".join(head)
    finders = (
        rf"Distr?\.?:?\s*(?:General|Limited|Restricted|GENERAL|LIMITED)\.?\s+(?:[A-Z/0-9.()]+\s+)?{_DATE}",
        rf"^[A-Z]+/\S+\s+{_DATE}",  # "ICCD/COP(8)/CST/INF.1 26 July 2007"
        rf"^\[{_DATE}\]",
    )
    for pattern in finders:
        if match := re.search(pattern, joined, re.MULTILINE):
            return _iso(*match.groups()[-3:])
    if plenary := list(re.finditer(rf"\d+(?:st|nd|rd|th)\s+plenary\s+meeting\W+{_DATE}", text)):
        return _iso(*plenary[-1].groups())
    if session := re.search(rf"[Ss]ession\s+\((?:\d{{1,2}}\s*(?:{_MONTH})?\s*[–-]\s*)?{_DATE}\)", joined):
        return _iso(*session.groups()[-3:])
    if imprint := re.search(r"^[^\n]{0,60}(?:New York|Geneva|Santiago|Bangkok|Addis Ababa|Beirut|Nairobi|Vienna)"
                            r"[^\n\d]{0,20},\s*((?:19|20)\d\d)\W*$", joined, re.MULTILINE):
        return imprint.group(1)
    if held := re.search(_HELD, joined):
        return _iso(*held.groups())
    if doc_type == "event report" and (held := re.search(
            _HELD, text)):
        return _iso(*held.groups())
    return None


def _iso(day: str, month: str, year: str) -> str:
    return f"{year}-{_MONTHS.index(month) + 1:02d}-{int(day):02d}"


def _session(symbol: str | None, head: list[str]) -> str | None:
    """The session number: 'Twenty-second session' -> '22'; '591(XXIX)' -> '29'; 'A/RES/33/134' -> '33'."""
    if symbol and (match := re.fullmatch(r"\d+[A-H]?\((?:S-)?([IVXL]+)\)", symbol)):
        value = roman_to_int(match.group(1))
        return str(value) if value else None
    if symbol and (match := re.fullmatch(r"A/(?:RES|DEC)/(\d{2})/\d+[A-H]?", symbol)):
        return match.group(1)
    for text in head[:15]:
        for match in _SESSION.finditer(text):
            if (value := ordinal_value(match.group(1))) is not None:
                return str(value)
    return None


def ordinal_value(word: str) -> int | None:
    """'Twenty-second' -> 22, 'eightieth' -> 80, 'ninth' -> 9; None for anything else."""
    parts = word.lower().split("-")
    if len(parts) == 1:
        return _ORDINAL_UNITS.get(parts[0]) or (_ORDINAL_TENS.get(parts[0]) if parts[0].endswith("th") else None)
    if len(parts) == 2 and parts[0] in _ORDINAL_TENS and parts[1] in _ORDINAL_UNITS and _ORDINAL_UNITS[parts[1]] < 10:
        return _ORDINAL_TENS[parts[0]] + _ORDINAL_UNITS[parts[1]]
    return None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (langdetect, seeded so runs agree), or None."""
    sample = " ".join(text.split()[:400])
    if len(sample) < 20:
        return None
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        return _short_code(detect(sample))
    except LangDetectException:
        return None


@lru_cache(maxsize=64)
def _short_code(code: str) -> str:
    """langdetect says 'zh-cn'; ISO 639-1 is 'zh'."""
    return code.split("-")[0]

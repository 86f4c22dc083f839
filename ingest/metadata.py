"""Document metadata from text and file name: title, type, symbol, body, date, language, countries.

Where a value can come from several places the more specific wins: a speech's file name
(``ARG_33_1978.txt``) over its text; the resolution's own number ("1992/41. Technical ...") over
anything else; what the first page of a UN document says over its file name (``A_80_39.en.pdf``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from ingest.bodies import BODIES, canonical_body
from ingest.countries import country_name, find_countries, is_country_code
from ingest.masthead import Masthead, ordinal_value, parse_masthead
from ingest.structure import adopting_body, is_resolution_title, parse_blocks
from ingest.symbols import find_symbols, normalise_symbol, roman_to_int
from ingest.types import (
    KIND_FOOTNOTE,
    KIND_HEADING,
    KIND_OPERATIVE,
    KIND_PREAMBULAR,
    Block,
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
_HELD = re.compile(rf"\b(?:was held|took place)\b[^.]{{0,80}}?\b(?:on|from)\s+(\d{{1,2}})"
                   rf"(?:\s*(?:-|\u2013|to|and)\s*\d{{1,2}})?\s+({_MONTH})\s+(\d{{4}})")
_SESSION = re.compile(r"\b([A-Za-z]+(?:-[a-z]+)?)\s+[Ss]ession\b")
_EVENT = re.compile(r"\b(?:training|workshop|seminar|course|webinar|study tour|expert group meeting|symposium)\b",
                    re.IGNORECASE)
_NOT_TITLE = re.compile(
    r"^(?:United Nations|General Assembly|Economic and Social Council|Security Council|Distr|Original|English|"
    r"Limited|GENERAL|Note by|Report of the Secretary-General|Summary\b|Contents|Item\b|Agenda item|\*|\d)",
    re.IGNORECASE)
_AGENDA = re.compile(r"\b(?:provisional agenda|Agenda item|Item \d|Distr)", re.IGNORECASE)
_BODY_LINE = re.compile(r"^(?:[A-Z][\w\-]*\s+)*(?:Commission|Committee|Board|Council|Forum)\b[\w\s\-]*$",
                        re.IGNORECASE)
_AGENDA_MARKER = re.compile(r"(?:\bAgenda item \d+(?:\s*\([a-z]\))?|\bItem \d+(?:\s*\([a-z]\))? of the "
                            r"(?:provisional|preliminary) (?:agenda|list))\*{0,2}$")
_BYLINE = re.compile(r"(?:(?:Progress |Annual )?[Rr]eport (?:of|by) the (?:Secretary-General|Administrator|"
                     r"Executive|Director|High Commissioner|Chair|Office|Secretariat)|Note by\b|Letter dated\b|"
                     r"Summary$|Addendum$)")
_DOUBLED_WORD = re.compile(r"\b(\w{3,})\1\b", re.IGNORECASE)  # "UNITEDUNITED": a masthead drawn twice
_SESSION_REPORT = re.compile(r"^(?:Annual report\b|Report on (?:the|its)\b.*\bsession\b)", re.IGNORECASE)


def extract_metadata(paragraphs: list[Paragraph], file_name: str, title_hint: str | None, *,
                     blocks: Sequence[Block] | None = None, masthead: str | None = None) -> DocumentMetadata:
    """Best-effort metadata; fields that cannot be found stay None.

    `blocks` are the document's parsed blocks (parsed here when not given); `masthead` is page 1's
    text before running headers were removed (a PDF reader's `ExtractedText.masthead`). What the
    document says wins over its file name, which is read only when the text names no symbol.
    """
    if (speech := _SPEECH_FILE.match(file_name)) and is_country_code(speech.group(1)):
        return _speech_metadata(paragraphs, speech.group(1), speech.group(2), speech.group(3))
    head = [p.text for p in paragraphs[:_HEAD]]
    text = "\n".join(p.text for p in paragraphs)
    mast = parse_masthead(masthead)
    resolution = _resolution_facts(paragraphs, blocks)
    symbols = _symbols(resolution, mast, paragraphs, file_name)
    symbol = symbols[0] if symbols else None
    title = resolution.get("title") or _title(head, title_hint, file_name, mast)
    doc_type = _doc_type(resolution, symbol, title, head, mast)
    body = canonical_body(resolution.get("body") or _body_from_masthead(mast, head) or _issuing_body(head, symbol))
    return DocumentMetadata(
        title=title, doc_type=doc_type, symbol=symbol, symbols=symbols, body=body,
        date=mast.date or _date(head, text, doc_type), language=detect_language(text),
        countries=find_countries(text),
        # a UN masthead that names no session has none; "its eleventh session" in the title is another body's
        session=mast.session or (None if mast.distribution else _session(symbol, head)),
    )


def _symbols(resolution: dict[str, str], mast: Masthead, paragraphs: list[Paragraph],
             file_name: str) -> tuple[str, ...]:
    """The document's symbols, first the one it is known by: its resolution number, its masthead,
    a symbol printed alone on page 1, and only then its file name."""
    if symbol := resolution.get("symbol"):
        return (symbol,)
    if mast.symbols:
        return mast.symbols
    symbol = _first_page_symbol(paragraphs) or symbol_from_file_name(file_name)
    return (symbol,) if symbol else ()


def _body_from_masthead(mast: Masthead, head: list[str]) -> str | None:
    """The body a UN document is of: its symbol series' organ, else a subsidiary body of its session
    block, else its first organ.

    An Official Records cover ("Report of the High-level Committee ...") has no distribution line;
    its body is the one the title names, read by `_issuing_body`.
    """
    if mast.distribution is None:
        return None
    if mast.symbols and (series := _series_body(mast.symbols[0])):
        return series
    subsidiary = [organ for organ in mast.organs if organ not in mast.principal_organs]
    return subsidiary[0] if subsidiary else (mast.organs[0] if mast.organs else None)


# ---- speeches -------------------------------------------------------------------------------


def _speech_metadata(paragraphs: list[Paragraph], code: str, session: str, year: str) -> DocumentMetadata:
    """A General Debate speech named ISO_SESSION_YEAR.txt."""
    text = "\n".join(p.text for p in paragraphs)
    number = int(session)
    name = country_name(code) or code
    countries = (code, *(c for c in find_countries(text) if c != code))
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


def _resolution_facts(paragraphs: list[Paragraph], parsed: Sequence[Block] | None) -> dict[str, str]:
    """Symbol, title and body of a document that is itself one resolution or decision."""
    if parsed is None:
        blocks = parse_blocks(paragraphs[:400])
    else:  # the blocks of the first 400 paragraphs, as when parsing them here
        last_page = paragraphs[min(len(paragraphs), 400) - 1].page_end if paragraphs else 0
        blocks = [b for b in parsed if b.page_start <= last_page and b.kind != KIND_FOOTNOTE]
    labelled = [i for i, b in enumerate(blocks) if b.kind in (KIND_PREAMBULAR, KIND_OPERATIVE)]
    numbered = [b for b in blocks if (b.label or "").startswith("para.")]
    titles = [b.text for b in blocks if b.kind == KIND_HEADING and is_resolution_title(b.text)
              and not re.match(r"(?:Resolution|Decision) adopted by\b", b.text)]
    bodies = [body for b in blocks if (body := adopting_body(b.text))]
    # a report that holds resolutions is not one: the resolution must open the document and be alone
    if not labelled or labelled[0] > 30 or len(numbered) > len(labelled) or max(len(titles), len(bodies)) > 1:
        return {}
    facts: dict[str, str] = {"kind": "resolution"}
    if bodies:
        facts["body"] = _BODY_NAMES.get(bodies[0], bodies[0])
    if titles:
        facts["title"] = _tidy_title(titles[0])
        if re.match(r"(?:Draft\s+)?[Dd]ecision\b", titles[0]):
            facts["kind"] = "decision"
        if symbol := _title_symbol(titles[0], facts.get("body")):
            facts["symbol"] = symbol
    return facts


def _title_symbol(title: str, body: str | None = None) -> str | None:
    """The symbol a resolution's title starts with: '1992/41. ...' -> 'E/RES/1992/41'."""
    if match := re.match(r"^(\d{4}/\d{1,3})\.", title):
        return f"E/RES/{match.group(1)}"
    if match := re.match(r"^(\d{2}/\d{1,3})\.", title):
        return f"A/RES/{match.group(1)}"
    if match := re.match(r"^((?:Draft\s+)?(?:[Rr]esolution|[Dd]ecision)\s+\S+)", title):
        return None if "Draft" in match.group(1) else normalise_symbol(match.group(1), body)
    if match := re.match(r"^(\d{1,4}\s?\([IVXL]+\))", title):
        return normalise_symbol(match.group(1))
    return None


# ---- title, type, body ----------------------------------------------------------------------


def _title(head: list[str], title_hint: str | None, file_name: str, mast: Masthead | None = None) -> str:
    """A UN document's title under its agenda item, else the reader's title, else the first title-like line."""
    hint = title_hint if title_hint and title_hint.strip("#*_ ") and not _DOUBLED_WORD.search(title_hint) else None
    if mast is not None and mast.distribution and (hint is None or _BYLINE.match(hint)) \
            and (title := _title_after_agenda(head)):
        return _tidy_title(title)
    if hint:
        return _cover_title(_tidy_title(hint), head)
    for text in head[:15]:
        plain = text.strip("#*_ ")
        if 2 <= len(plain.split()) <= 40 and not _NOT_TITLE.match(plain) and not _AGENDA.search(plain) \
                and not plain.endswith("."):
            return _tidy_title(plain)
    return _tidy_title(head[0]) if head else file_name


def _title_after_agenda(head: list[str]) -> str | None:
    """The title a UN masthead prints after its (last) agenda item and that item's own title.

    An authorship line ("Report of the Secretary-General", "Note by the Secretariat") is not the
    title: then the line before it is (some mastheads print no agenda item title).
    """
    markers = [i for i, text in enumerate(head[:15]) if _AGENDA_MARKER.search(text)]
    if not markers:
        return None
    after = [t for t in head[markers[-1] + 1:markers[-1] + 4] if not t.startswith("[")]
    if len(after) >= 2 and not _BYLINE.match(after[1]):
        return after[1]
    return after[0] if after and not _BYLINE.match(after[0]) else None


def _cover_title(title: str, head: list[str]) -> str:
    """An Official Records cover titled by its body ("Commission on Narcotic Drugs") takes the report line too."""
    if canonical_body(title) not in BODIES:
        return title
    for index, text in enumerate(head[:12]):
        if _tidy_title(text) == title:
            following = next((t for t in head[index + 1:index + 4] if _SESSION_REPORT.match(t)), None)
            return f"{title}, {_tidy_title(following)}" if following else title
    return title


def _tidy_title(text: str) -> str:
    """Strip markup and 'United Nations' mastheads; give ALL-CAPS titles ordinary capitals."""
    text = re.sub(r"^United Nations\s+(?=Report\b)", "", text.strip("#*_ ")).strip()[:300]
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        text = " ".join(_recase(word, index) for index, word in enumerate(text.split()))
    return text


def _recase(word: str, index: int) -> str:
    small = {"and", "of", "the", "for", "on", "in", "to", "among", "a", "an", "by", "with", "at"}
    if re.search(r"[\d()]", word) or (roman_to_int(word) is not None and len(word) > 1):
        return word
    acronym = re.fullmatch(r"(\(?)([A-Z]{2,7})(\)?)(['\u2019][sS])?", word)
    if acronym and acronym.group(2) in _ACRONYMS:
        return word[:-1] + "s" if acronym.group(4) else word
    lower = word.lower()
    return lower if index and lower in small else lower.capitalize()


def _doc_type(resolution: dict[str, str], symbol: str | None, title: str, head: list[str],
              mast: Masthead | None = None) -> str:
    if resolution.get("kind"):
        return resolution["kind"]
    if mast is not None and (kind := _declaration_or_draft(symbol, title, mast)):
        return kind
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


def _declaration_or_draft(symbol: str | None, title: str, mast: Masthead) -> str | None:
    """'draft' for a text proposed for adoption (an L. symbol, a limited distribution, a 'Draft ...' title);
    'declaration' for an adopted declaration."""
    if (symbol and re.search(r"/L\.\d", symbol)) or mast.distribution == "Limited" or re.match(r"Draft\b", title):
        return "draft"
    if re.match(r"(?:[A-Z][\w-]*\s+){0,4}[Dd]eclaration\b", title):
        return "declaration"
    return None


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
    return _series_body(symbol) if symbol else None


def _series_body(symbol: str) -> str | None:
    """The organ a symbol's series belongs to: 'E/CN.6/2025/3' -> 'Commission on the Status of Women'."""
    for prefix, body in _SERIES_BODIES:
        if symbol.startswith(prefix):
            return body
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
    if session := re.search(rf"[Ss]ession\s+\((?:\d{{1,2}}\s*(?:{_MONTH})?\s*[\u2013-]\s*)?{_DATE}\)", joined):
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

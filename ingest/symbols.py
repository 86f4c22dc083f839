"""Find and normalise United Nations document symbols and resolution/decision numbers.

Normal forms (the keys documents and references are stored and matched under):

- documents: the official symbol in upper case without spaces, with the ``Add.``, ``Corr.``,
  ``Rev.`` and ``Amend.`` parts in their usual case: ``A/80/39``, ``E/HLPF/2025/3/Add.1``,
  ``ICCD/COP(8)/CST/INF.1``, ``DP/2025/20``;
- General Assembly resolutions and decisions: ``A/RES/33/134``, ``A/DEC/55/443`` (a part letter
  is kept without a space: ``A/RES/75/290A``);
- Economic and Social Council resolutions and decisions: ``E/RES/1992/41``, ``E/DEC/2025/201``;
- Security Council resolutions: ``S/RES/2753(2024)``; Human Rights Council: ``A/HRC/RES/17/4``;
- decisions of the Executive Board of UNDP/UNFPA/UNOPS and of the High-level Committee on
  South-South Cooperation (formerly on TCDC) have no UN symbol of their own, so they keep a readable
  form that is never mistaken for one (it holds spaces): ``UNDP Executive Board decision 2025/15``,
  ``High-level Committee decision 22/1``; see `is_official_symbol`;
- resolutions numbered by a Roman session, as the regional commissions and the early General
  Assembly number them: ``591(XXIX)``, ``645G(XXIII)``, ``3201(S-VI)`` — no series prefix.

Bare numbers are read only where they cannot be something else:

- ``NN/NNN`` is a General Assembly resolution when the session is 31 to 99 (the Assembly numbered
  resolutions this way from its thirty-first session, 1976), it is not a day/month pair, the two
  numbers differ ("50/50") and no UN job number (``25-09815``) stands beside it (page counters);
- ``YYYY/NNN`` is an Economic and Social Council resolution (a decision from 200 up, as the
  Council numbers them), except a year range: ``2025/26`` and ``1978/79`` are bienniums unless
  a context word says otherwise ("resolution 2011/12");
- ``NNN(ROMAN)`` needs a Roman session of at most XL, so "paragraph 3 (C)" is not one.

After "decision", ``S/N`` is a General Assembly decision from 200 up, else a High-level
Committee decision when the text or the citing document (``context_body``) names the Committee;
``YYYY/N`` is an Economic and Social Council decision from 200 up, else an Executive Board decision
when the text or the citing document names the Board. Anything else is left unresolved rather
than guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class SymbolMatch:
    """A symbol found in text: as written, normalised, and where."""

    raw: str
    normalised: str
    start: int
    end: int


_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December")
# Bodies written before "resolution"/"decision"; the group decides the series.
_BODY = (r"General Assembly|UNGA|GA|Economic and Social Council|ECOSOC|Security Council|Human Rights Council|"
         r"(?:UNDP(?:/UNFPA(?:/UNOPS)?)? )?Executive Board|High-level Committee|HLC|Assembly")
_NUMBER = (r"(?:\d{4}/\d{1,3}"  # ECOSOC, Executive Boards: 1992/41
           r"|\d{1,3}/CP\.\d{1,2}"  # UNFCCC: 1/CP.21
           r"|\d{1,3}/\d{1,3}"  # session/number: 33/134, 22/1
           r"|\d{1,4}\s?(?:[A-Z]\s?)?\((?:S-)?[IVXL]{1,7}\)"  # Roman session: 591(XXIX), 645 G (XXIII)
           r"|\d{3,4}\s?\((?:19|20)\d\d\))"  # Security Council: 2753 (2024)
           r"(?:\s[A-H](?![\w/]))?")  # part letter: 75/290 A, 12/1 B
_DATE_TAIL = rf"(?:\s+of\s+\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}})?"
_KEYWORD_LIST = re.compile(
    rf"(?:(?P<body>{_BODY})(?:'s)?\s+)?(?P<kw>[Rr]esolutions?|[Dd]ecisions?)\s+"
    rf"(?P<list>{_NUMBER}{_DATE_TAIL}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+){_NUMBER}{_DATE_TAIL})*)"
)
_ITEM = re.compile(_NUMBER)
_AFTER_BODY = re.compile(
    r"\s*,?\s+(?:of|by)\s+the\s+(?P<body>General Assembly|Economic and Social Council|Security Council|"
    r"Human Rights Council|Executive Board|High-level Committee)")

# Official document symbols: A/80/39, E/CN.6/2025/3, ICCD/COP(8)/CST/INF.1, LC/G.2160(SES.29/6).
_SEGMENT = (r"(?:Add|Corr|Rev|Amend|Misc)\.\d{1,3}|S-\d{1,2}|[A-Z]{1,8}(?:\.\d{1,4})?(?:\([A-Z0-9.\-/]{1,12}\))?"
            r"|\d{1,4}(?:[A-H](?![a-z]))?(?:\([A-Z0-9.\-/]{1,12}\))?")
_DOCUMENT = re.compile(rf"(?<![\w/.])[A-Z]{{1,6}}(?:\.\d{{1,3}})?(?:/(?:{_SEGMENT}))+(?![a-z])")
# Series roots a user may type in lower case ("a/80/39").
_ROOTS = ("A|E|S|DP|TD|ICCD|FCCC|ST|SSC|UNEP|LC|ESCAP|ECE|UNW|ICEF|HRC")
_DOCUMENT_ANY_CASE = re.compile(rf"(?<![\w/.])(?:{_ROOTS})(?:\.\d{{1,3}})?(?:/(?:{_SEGMENT}))+", re.IGNORECASE)

_BARE_GA = re.compile(r"(?<![\w/.\-$€£])(\d{2})/(\d{1,3})(?![\w/%]|[.,]\d)")
_BARE_YEAR = re.compile(r"(?<![\w/.\-$€£])((?:19[4-9]|20\d)\d)/(\d{1,3})(?![\w/%]|[.,]\d)")
_BARE_ROMAN = re.compile(r"(?<![\w/.\-])(\d{1,4})\s?(?:([A-Z])\s?)?\((S-)?([IVXL]{1,7})\)")
_JOB_NUMBER = re.compile(r"\b\d{2}-\d{5}")
_CURRENCY = re.compile(r"[$€£¥]\s?$|\b(?:USD|EUR)\s$")
# Words that number things other than resolutions: "Goal 14 (IV)", "paragraph 3 (II)".
_COUNTER_WORD = re.compile(r"\b(?:goals?|targets?|paragraphs?|paras?|chapters?|chap|articles?|art|sections?|sect|annex|"
                           r"tables?|figures?|fig|items?|parts?|box|no|page|pp?|rules?|principles?|steps?|vol)\.?\s*$",
                           re.IGNORECASE)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}


HLC_BODY = "High-level Committee"
BOARD_BODY = "Executive Board"
_HLC_DECISION = "High-level Committee decision"
_BOARD_DECISION = "UNDP Executive Board decision"


def find_symbols(text: str, context_body: str | None = None) -> list[SymbolMatch]:
    """Every symbol in `text`, in order of position, without overlaps.

    `context_body` is the body of the document the text comes from (`HLC_BODY`, `BOARD_BODY` or any
    other name): a bare "decision 2024/30" in a UNDP Executive Board document is that Board's.
    """
    found: list[SymbolMatch] = []
    finders = (lambda t: _keyword_symbols(t, context_body or ""), _document_symbols,
               lambda t: _bare_symbols(t, context_body or ""))
    for finder in finders:
        for match in finder(text):
            if not any(match.start < other.end and other.start < match.end for other in found):
                found.append(match)
    # a number after "decision" that names no series we know still blocks a bare reading of it
    return sorted((m for m in found if m.normalised), key=lambda m: m.start)


def normalise_symbol(text: str, context_body: str | None = None) -> str | None:
    """The normal form of the one symbol `text` names ("ECOSOC resolution 1992/41" -> "E/RES/1992/41").

    `context_body` is the body whose text this is, as for `find_symbols`.
    """
    matches = find_symbols(text.strip(), context_body)
    distinct = {m.normalised for m in matches}
    return distinct.pop() if len(distinct) == 1 else None


def symbol_aliases(symbol: str) -> set[str]:
    """Forms a user may type for a normalised symbol; each normalises back to `symbol`."""
    return set(_aliases(symbol))


@lru_cache(maxsize=4096)
def _aliases(symbol: str) -> frozenset[str]:
    candidates = {symbol} | set(_alias_candidates(symbol))
    return frozenset(a for a in candidates if a == symbol or normalise_symbol(a) == symbol)


def _alias_candidates(symbol: str) -> list[str]:
    if m := re.fullmatch(r"A/RES/(\d+/\d+[A-H]?)", symbol):
        n = _spaced_part(m.group(1))
        return [n, f"resolution {n}", f"General Assembly resolution {n}", f"GA resolution {n}"]
    if m := re.fullmatch(r"A/DEC/(\d+/\d+)", symbol):
        return [f"decision {m.group(1)}", f"General Assembly decision {m.group(1)}"]
    if m := re.fullmatch(r"E/(RES|DEC)/(\d{4}/\d+)", symbol):
        kw = "resolution" if m.group(1) == "RES" else "decision"
        n = m.group(2)
        return [n, f"{kw} {n}", f"ECOSOC {kw} {n}", f"Economic and Social Council {kw} {n}"]
    if m := re.fullmatch(rf"{_HLC_DECISION} (\d+/\d+(?: [A-H])?)", symbol):
        return [f"High-level Committee decision {m.group(1)}", f"HLC decision {m.group(1)}"]
    if m := re.fullmatch(rf"{_BOARD_DECISION} (\d{{4}}/\d+)", symbol):
        return [f"Executive Board decision {m.group(1)}", f"UNDP Executive Board decision {m.group(1)}"]
    if m := re.fullmatch(r"A/HRC/RES/(\d+/\d+)", symbol):
        return [f"Human Rights Council resolution {m.group(1)}"]
    if m := re.fullmatch(r"S/RES/(\d+)\((\d{4})\)", symbol):
        n, spaced = f"{m.group(1)}({m.group(2)})", f"{m.group(1)} ({m.group(2)})"
        return [f"resolution {n}", f"resolution {spaced}", f"Security Council resolution {spaced}", f"S/RES/{spaced}"]
    if m := re.fullmatch(r"(\d+)([A-H]?)\(((?:S-)?[IVXL]+)\)", symbol):
        spaced = f"{m.group(1)}{' ' + m.group(2) if m.group(2) else ''} ({m.group(3)})"
        return [spaced, f"resolution {symbol}", f"resolution {spaced}"]
    return [symbol.lower()]


def _spaced_part(number: str) -> str:
    """'75/290A' -> '75/290 A', as the part letter is written in running text."""
    return re.sub(r"(\d)([A-H])$", r"\1 \2", number)


def is_official_symbol(symbol: str) -> bool:
    """Whether `symbol` is a UN document symbol (undocs.org resolves it), not a readable form of a decision."""
    return " " not in symbol and symbol[:1].isalpha()  # not "1/CP.21" or "591(XXIX)": no UN document symbol


def _keyword_symbols(text: str, context_body: str = "") -> list[SymbolMatch]:
    out: list[SymbolMatch] = []
    for match in _KEYWORD_LIST.finditer(text):
        body = match.group("body") or ""
        if not body and (after := _AFTER_BODY.match(text, match.end())):
            body = after.group("body")
        body = body or _body_nearby(text, match.start()) or context_body
        kind = "decision" if match.group("kw").lower().startswith("decision") else "resolution"
        for index, item in enumerate(_ITEM.finditer(text, match.start("list"), match.end("list"))):
            normal = _numbered(item.group(0), kind, body) or ""
            start = match.start() if index == 0 else item.start()
            out.append(SymbolMatch(text[start:item.end()], normal, start, item.end()))
    return out


_NAMED_BODY = re.compile(r"General Assembly|Economic and Social Council|Human Rights Council|Security Council|"
                         r"High-level Committee|Executive Board|Commission\b")


def _body_nearby(text: str, start: int) -> str:
    """The body a bare number belongs to, from the words before it, else ''.

    "the report of the High-level Committee ..., in particular decision 9/2": the sentence names the
    Committee. "In its resolution 57/28" ("its"): the body last named in the paragraph before it (with none
    named, the citing document's body: "Taking note of its resolutions 69/8 and 71/9" in an ESCAP resolution).
    """
    before = text[max(0, start - 800):start].rsplit("\n", 1)[-1]  # the same paragraph only
    if re.search(r"\bits\s+$", before):
        named = _NAMED_BODY.findall(before)
        if named:  # a commission's own resolutions are read with the citing document's body
            return "" if named[-1] == "Commission" else named[-1]
    sentence = re.split(r"[.;]\s", before[-300:])[-1]
    return HLC_BODY if re.search(r"\bHigh-level Committee\b", sentence) else ""


def _numbered(number: str, kind: str, body: str) -> str | None:
    """Normal form of a resolution/decision number in the light of the body that adopted it."""
    compact = re.sub(r"\s+", "", number)
    if m := re.fullmatch(r"(\d{4})/(\d{1,3})([A-H]?)", compact):
        if kind == "resolution":
            return f"E/RES/{m.group(1)}/{int(m.group(2))}{m.group(3)}"
        if BOARD_BODY in body:
            return f"{_BOARD_DECISION} {m.group(1)}/{int(m.group(2))}"
        # the Council numbers its decisions from 201; a lower number is another body's decision
        return f"E/DEC/{m.group(1)}/{int(m.group(2))}" if int(m.group(2)) >= 200 else None
    if m := re.fullmatch(r"(\d{1,3})/(\d{1,3})([A-H]?)", compact):
        return _session_numbered(int(m.group(1)), int(m.group(2)), m.group(3), kind, body)
    if m := re.fullmatch(r"(\d{1,3})/CP\.(\d{1,2})[A-H]?", compact):
        return f"{m.group(1)}/CP.{m.group(2)}"
    if m := re.fullmatch(r"(\d{1,4})([A-H]?)\((S-)?([IVXL]+)\)[A-H]?", compact):
        return _roman_symbol(m.group(1), m.group(2), m.group(3), m.group(4))
    if kind == "resolution" and (m := re.fullmatch(r"(\d{3,4})\((\d{4})\)[A-H]?", compact)):
        return f"S/RES/{m.group(1)}({m.group(2)})"
    return None


# Commissions that number their own resolutions session/number, as the General Assembly does: in
# their documents a bare "resolution 68/4" is theirs, and keeps a readable form (no UN symbol).
COMMISSIONS = ("Commission on Narcotic Drugs", "Commission on the Status of Women", "Commission on Crime Prevention",
               "Commission for Social Development", "Commission on Population and Development", "ESCAP", "ECLAC",
               "ECA", "ESCWA", "ECE")


def _session_numbered(session: int, number: int, part: str, kind: str, body: str) -> str | None:
    if kind == "resolution" and body.startswith(COMMISSIONS):
        return f"{body} resolution {session}/{number}{' ' + part if part else ''}"
    if kind == "resolution":
        series = "A/HRC/RES" if body == "Human Rights Council" else "A/RES"
        return f"{series}/{session}/{number}{part}"
    if body == "Human Rights Council":
        return f"A/HRC/DEC/{session}/{number}"
    if body in ("General Assembly", "GA", "UNGA", "Assembly") or number >= 200:
        return f"A/DEC/{session}/{number}"
    if body.startswith(HLC_BODY) or body == "HLC":
        return f"{_HLC_DECISION} {session}/{number}{' ' + part if part else ''}"
    return None  # e.g. a functional commission's "decision 55/1": no series we can name


def _roman_symbol(number: str, part: str, special: str | None, roman: str) -> str | None:
    value = _roman_value(roman)
    if value is None or not 1 <= value <= 40:
        return None
    return f"{int(number)}{part}({special or ''}{roman})"


def roman_to_int(roman: str) -> int | None:
    """Value of a Roman numeral up to 89 in either case ("xiv" -> 14), or None if it is not one."""
    return _roman_value(roman.upper()) if re.fullmatch(r"[IVXLivxl]{1,8}", roman) else None


def _roman_value(roman: str) -> int | None:
    """Value of a Roman numeral, or None if it is not well formed."""
    total = 0
    for index, char in enumerate(roman):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[roman[index + 1]] if index + 1 < len(roman) else 0
        total += -value if value < following else value
    return total if to_roman(total) == roman else None


def to_roman(value: int) -> str:
    """Upper-case Roman numeral for 1..89."""
    out = ""
    for number, letters in ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while value >= number:
            out += letters
            value -= number
    return out


def _document_symbols(text: str) -> list[SymbolMatch]:
    out: list[SymbolMatch] = []
    for pattern in (_DOCUMENT, _DOCUMENT_ANY_CASE):
        for match in pattern.finditer(text):
            raw = match.group(0)
            if any(ch.isdigit() for ch in raw) and _plausible_document(text, match):
                out.append(SymbolMatch(raw, _document_normal(raw), match.start(), match.end()))
    return out


def _plausible_document(text: str, match: re.Match[str]) -> bool:
    """Not a report number ("WP/24/02": UN symbols never pad numbers with 0) nor the tail of one
    ("ESCAP/2-TR/33"); after a hyphen only a whole second symbol of a joint one ("A/80/74-E/2025/53")."""
    raw = match.group(0)
    if re.search(r"/0\d", raw):
        return False
    if (after := re.match(r"-(\S+)", text[match.end():match.end() + 40])) and after.group(1).count("/") < 2:
        return False  # "ESCAP/2-TR/33"
    return not (text[max(0, match.start() - 1):match.start()] == "-" and raw.count("/") < 2)


def _document_normal(raw: str) -> str:
    parts = []
    for part in raw.split("/"):
        upper = part.upper()
        parts.append(upper[0] + upper[1:].lower() if re.match(r"(ADD|CORR|REV|AMEND|MISC)\.", upper) else upper)
    return "/".join(parts)


def _bare_symbols(text: str, context_body: str = "") -> list[SymbolMatch]:
    out: list[SymbolMatch] = []
    for match in _BARE_GA.finditer(text):
        if _plausible_session_number(int(match.group(1)), int(match.group(2))) \
                and not _beside_job_number(text, match.start(), match.end()) and not _in_table(text, match) \
                and not _commission_s_own(text, match.start(), context_body):
            out.append(_bare(text, match, f"A/RES/{int(match.group(1))}/{int(match.group(2))}"))
    for match in _BARE_YEAR.finditer(text):
        year, number = int(match.group(1)), int(match.group(2))
        if number >= 1 and not _year_range(year, match.group(2)):
            out.append(_bare(text, match, f"{'E/DEC' if number >= 200 else 'E/RES'}/{year}/{number}"))
    for match in _BARE_ROMAN.finditer(text):
        normal = _roman_symbol(match.group(1), match.group(2) or "", match.group(3), match.group(4))
        if normal is not None:
            out.append(_bare(text, match, normal))
    return [m for m in out if not _COUNTER_WORD.search(text[max(0, m.start - 12):m.start])
            and not _CURRENCY.search(text[max(0, m.start - 4):m.start])]


def _commission_s_own(text: str, start: int, context_body: str) -> bool:
    """In a commission's document a bare "71/9" is the General Assembly's only when the sentence says so."""
    if not context_body.startswith(COMMISSIONS):
        return False
    sentence = re.split(r"[.;]\s", text[max(0, start - 400):start])[-1]
    return "General Assembly" not in sentence


def _in_table(text: str, match: re.Match[str]) -> bool:
    """A number pair among other pairs or figures separated only by spaces: a table row ("44/54 44/56 25/33 (46)")."""
    before, after = text[max(0, match.start() - 12):match.start()], text[match.end():match.end() + 12]
    return bool(re.search(r"\d+/\d+\s+$", before) or re.match(r"\s+\d+/\d+", after))


def _bare(text: str, match: re.Match[str], normal: str) -> SymbolMatch:
    return SymbolMatch(match.group(0), normal, match.start(), match.end())


def _plausible_session_number(session: int, number: int) -> bool:
    """A General Assembly session/number pair rather than a date, a ratio or a fraction."""
    if not 31 <= session <= 99 or number < 1 or session == number:
        return False
    if session <= 31 and number <= 12:  # 31/12: a day and a month
        return False
    return not (session % 10 == 0 and number % 10 == 0 and session + number == 100)  # 60/40 split


def _year_range(year: int, second: str) -> bool:
    """'2025/26', '1999/00' and '2019/2020'-style spans of years, not symbols."""
    return len(second) == 2 and int(second) == (year + 1) % 100


def _beside_job_number(text: str, start: int, end: int) -> bool:
    """Page counters in UN PDFs ("25-09815 3/31") stand beside the document's job number."""
    return bool(_JOB_NUMBER.search(text[max(0, start - 12):start]) or _JOB_NUMBER.search(text[end:end + 12]))

"""The masthead of a UN document's first page: its symbol(s), the organs it is addressed to, the
distribution, the date and the session.

Running-header removal takes these lines out of the passages (they repeat on every page), so they
are read here from page 1's lines as drawn. A joint symbol ("A/80/74-E/2025/53", or two symbols on
consecutive lines of an Official Records cover) keeps every part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.bodies import BODIES, canonical_body
from ingest.symbols import find_symbols

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
_MONTH = "|".join(MONTHS)
DATE = rf"(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})"
_UNITED_NATIONS = re.compile(r"\b(?:United Nations|UNITED NATIONS)\b")
_DISTR = re.compile(r"\bDistr?\.?\s*:?\s*(General|Limited|Restricted|GENERAL|LIMITED|RESTRICTED)\b")
_MASTHEAD_DATE = re.compile(
    rf"\bDistr?\.?\s*:?\s*(?:General|Limited|Restricted|GENERAL|LIMITED|RESTRICTED)\.?\s+"
    rf"(?:[A-Z][\w/.()]*/[\w/.()]+\**\s+)?{DATE}")
_SEPARATORS = re.compile("[\\s\\-\u2013\u2014*]+")
_PRINCIPAL = ("General Assembly", "Economic and Social Council", "Security Council")
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
_SESSION = re.compile(r"\b((?:First|Second|Third|Fourth) regular|Annual|[A-Za-z]+(?:-[a-z]+)?|\d{4})\s+session"
                      r"(?:\s+(\d{4}))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Masthead:
    """What a UN document's first page says about it; empty fields where it says nothing."""

    symbols: tuple[str, ...] = ()
    organs: tuple[str, ...] = ()  # canonical names of the bodies named in the masthead, in order
    distribution: str | None = None  # "General", "Limited", "Restricted"
    date: str | None = None  # ISO 8601
    session: str | None = None  # "80", "2025", "first regular session 2025"

    @property
    def principal_organs(self) -> tuple[str, ...]:
        """The principal organs among `organs` (General Assembly, ECOSOC, Security Council)."""
        return tuple(o for o in self.organs if o in _PRINCIPAL)


def parse_masthead(text: str | None) -> Masthead:
    """The masthead facts in page 1's text (lines as drawn); an empty Masthead for None."""
    if not text:
        return Masthead()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    distribution = _DISTR.search(text)
    return Masthead(symbols=_symbols(lines), organs=_organs(lines),
                    distribution=distribution.group(1).capitalize() if distribution else None,
                    date=_date(text), session=_session(lines))


def iso_date(day: str, month: str, year: str) -> str:
    """('26', 'October', '2001') -> '2001-10-26'."""
    return f"{year}-{MONTHS.index(month) + 1:02d}-{int(day):02d}"


def ordinal_value(word: str) -> int | None:
    """'Twenty-second' -> 22, 'eightieth' -> 80, 'ninth' -> 9; None for anything else."""
    parts = word.lower().split("-")
    if len(parts) == 1:
        return _ORDINAL_UNITS.get(parts[0]) or (_ORDINAL_TENS.get(parts[0]) if parts[0].endswith("th") else None)
    if len(parts) == 2 and parts[0] in _ORDINAL_TENS and parts[1] in _ORDINAL_UNITS and _ORDINAL_UNITS[parts[1]] < 10:
        return _ORDINAL_TENS[parts[0]] + _ORDINAL_UNITS[parts[1]]
    return None


def symbol_line(line: str) -> tuple[str, ...]:
    """The symbols of a line that holds nothing else ("United Nations  A/80/74-E/2025/53", "DP/2025/1*")."""
    if line.startswith("*") and not line.startswith("*/"):
        return ()  # "* A/80/150.": a footnote naming another document
    rest = _UNITED_NATIONS.sub(" ", line)
    matches = [m for m in find_symbols(rest) if "/" in m.raw and m.raw[:1].isalpha() and " " not in m.normalised]
    if not matches:
        return ()
    leftover = rest
    for match in reversed(matches):
        leftover = leftover[:match.start] + " " + leftover[match.end:]
    return tuple(dict.fromkeys(m.normalised for m in matches)) if not _SEPARATORS.sub("", leftover) else ()


def _symbols(lines: list[str]) -> tuple[str, ...]:
    """The first symbol line's symbols, with those of the symbol lines right after it (a joint cover)."""
    for index, line in enumerate(lines):
        found = list(symbol_line(line))
        if not found:
            continue
        for following in lines[index + 1:index + 3]:
            more = symbol_line(following)
            if not more:
                break
            found.extend(more)
        return tuple(dict.fromkeys(found))
    return ()


def _organs(lines: list[str]) -> tuple[str, ...]:
    """Known bodies named by a masthead line (or two or three joined), in order of appearance."""
    known = {name.lower(): name for name in BODIES}
    found: dict[str, None] = {}
    for index, line in enumerate(lines[:60]):
        if re.match(r"Executive Board of the\b", line):
            found.setdefault("UNDP Executive Board", None)
            continue
        plain = _DISTR.split(_UNITED_NATIONS.sub("", line))[0].strip()
        for span in (plain, *(" ".join([plain, *lines[index + 1:index + n]]) for n in (2, 3))):
            canonical = canonical_body(span)
            if canonical and canonical.lower() in known and span.split()[0][:1].isupper():
                found.setdefault(canonical, None)
                break
    return tuple(found)


def _date(text: str) -> str | None:
    """The date under the distribution line (or under the symbol that follows it)."""
    if match := _MASTHEAD_DATE.search(text):
        return iso_date(*match.groups()[-3:])
    return None


def _session(lines: list[str]) -> str | None:
    """The session the document is for: 'Eightieth session' -> '80'; 'Annual session 2025' -> 'annual session 2025'.

    A session line opens with it; "on its eleventh session" in a title is another body's session.
    """
    for line in lines[:40]:
        match = _SESSION.match(line)
        if match is None:
            continue
        word, year = match.group(1), match.group(2)
        if word.isdigit():
            return word
        if (value := ordinal_value(word)) is not None and not re.search(r"\bregular\b", line, re.I):
            return str(value)
        if re.match(r"(?:\w+ regular|annual)$", word, re.IGNORECASE) and year:
            return f"{word.lower()} session {year}"
    return None

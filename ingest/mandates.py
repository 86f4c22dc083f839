"""Mandates: operative paragraphs that request or invite someone to do something, and by when.

"10. Requests the Secretary-General to report to the Economic and Social Council at its substantive
session of 1994 on ..." becomes who = "the Secretary-General", what = "report to the Economic and
Social Council at its substantive session of 1994 on ...", due = "substantive session of 1994", due
year 1994. A paragraph may hold several ("..., and invites Member States to ...").

Responses: a passage that says it answers an earlier text ("pursuant to resolution 79/226",
"submitted in accordance with decision 22/1", "in response to ...") marks that text's mandates
answered, with the link.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.masthead import ordinal_value
from ingest.symbols import find_symbols
from ingest.types import KIND_OPERATIVE, Chunk, Mandate, Reference, Response

_NOT_A_PARTY = r"(?:for|from|of|made|received|that|by|to|in|on|submitted|and|under|are|were|is)\b"
_ASKS = re.compile(r"(?<![\w-])(?:[Aa]lso\s+|[Ff]urther\s+|[Aa]gain\s+|[Ss]trongly\s+)?(?:[Rr]equests|[Ii]nvites|"
                   rf"[Cc]alls upon)\s+(?!{_NOT_A_PARTY})")
_VERB = re.compile(r"(?:[Aa]lso\s+|[Ff]urther\s+|[Aa]gain\s+|[Ss]trongly\s+)?"
                   r"(?P<verb>[Rr]equests|[Ii]nvites|[Cc]alls upon)\s+(?P<rest>.+)", re.DOTALL)
# the party ends before " to " + a verb: "the Secretary-General, in consultation with Member States, to take"
_WHO = re.compile(r"(?P<who>.{2,200}?)(?:,[^,]{0,160},)?\s+to\s+(?!do so\b)(?=[a-z])")
_DUE_SESSION = re.compile(
    r"\bat its (?P<ordinal>[a-z]+(?:-[a-z]+)?|\d{4}) (?:(?P<kind>substantive|regular|annual|organizational) )?session"
    r"(?: of (?P<year>\d{4})|,? in (?P<in_year>\d{4}))?")
_DUE_YEAR = re.compile(r"\b(?:by|before|in|no later than|not later than|by the end of)\s+"
                       r"(?:\d{1,2}\s+[A-Z][a-z]+\s+|[A-Z][a-z]+\s+)?(?P<year>(?:19|20)\d\d)\b")
_RESPONDS = re.compile(r"(?:pursuant to|in response to|in accordance with|as requested (?:by|in)|in compliance with|"
                       r"as mandated (?:by|in)|mandated by|in follow-up to|in line with the request (?:of|in))"
                       r"\s+(?:(?:paragraph|para\.)\s+(?P<paragraph>\d{1,3})\s+of\s+)?[^.;]{0,40}$", re.IGNORECASE)


def extract_mandates(chunks: Sequence[Chunk], own_symbol: str | None, body: str | None) -> list[Mandate]:
    """The requests and invitations of a document's operative paragraphs, in reading order."""
    out: list[Mandate] = []
    for chunk in chunks:
        if chunk.kind != KIND_OPERATIVE:
            continue
        text = re.sub(r"^\s*\d{1,3}\.\s*", "", chunk.text.replace("*", ""))
        source = _part_symbol(chunk, body) or own_symbol
        for clause in _clauses(text):
            if mandate := _mandate(chunk, clause, source, body):
                out.append(mandate)
    return out


def extract_responses(chunks: Sequence[Chunk], references: Sequence[Reference]) -> list[Response]:
    """References that a passage introduces as what it answers ("pursuant to resolution 79/226")."""
    texts = {chunk.ordinal: chunk.text for chunk in chunks}
    out: list[Response] = []
    for reference in references:
        text = texts.get(reference.chunk_ordinal if reference.chunk_ordinal is not None else -1, "")
        at = text.find(reference.raw)
        if at < 0 or (match := _RESPONDS.search(text[max(0, at - 120):at])) is None:
            continue
        paragraph = f"op. {int(match['paragraph'])}" if match["paragraph"] else None
        out.append(Response(reference.chunk_ordinal or 0, reference.symbol, paragraph))
    return list({(r.chunk_ordinal, r.symbol): r for r in out}.values())


def session_year(ordinal: int, body: str | None) -> int | None:
    """The year a numbered session meets: the General Assembly's 81st in 2026; the High-level
    Committee meets every two years (its 22nd in 2025); the Commission on Narcotic Drugs' 69th in 2026;
    others are not known."""
    if body and body.startswith("General Assembly"):
        return 1945 + ordinal
    if body and body.startswith("High-level Committee"):
        return 2025 + 2 * (ordinal - 22)
    # functional commissions meet once a year: the year of their session 1
    first = {"Commission on Narcotic Drugs": 1957, "Commission on the Status of Women": 1956,
             "Commission on Science and Technology for Development": 1997}
    return first[body] + ordinal if body in first else None


def _clauses(text: str) -> list[str]:
    """Each clause that asks someone: the opening one and any later one ("..., and in this regard invites
    Member States ...", "..., calls upon the Office to ..."); a party follows the verb, not "for", "from", ... ."""
    starts = [m.start() for m in _ASKS.finditer(text)]
    ends = [*starts[1:], len(text)]
    return [text[start:end] for start, end in zip(starts, ends, strict=False)]


def _mandate(chunk: Chunk, clause: str, source: str | None, body: str | None) -> Mandate | None:
    match = _VERB.match(clause.strip())
    if match is None:
        return None
    who_match = _WHO.match(match["rest"])
    if who_match is None:
        return None
    who = re.sub(r"\s+", " ", who_match["who"]).strip(" ,")
    # a qualifier after a comma is not the party: "the Office, within its mandate" (but "all funds, programmes ...")
    who = re.split(r",\s+(?=within\b|subject to\b|in consultation\b|in close\b|in collaboration\b|in line\b|upon\b|"
                   r"through\b|as appropriate\b|in accordance\b|together with\b)", who)[0]
    what = re.sub(r"\s+", " ", match["rest"][who_match.end():]).strip().rstrip(";,.")
    if len(who.split()) > 25 or not what:
        return None
    due, year = _due(what, body)
    return Mandate(chunk.ordinal, chunk.label, match["verb"].lower(), who, what[:600], due, year, source)


def _due(what: str, body: str | None) -> tuple[str | None, int | None]:
    """When the mandate is due: a session (and its year when known) or a year."""
    if session := _DUE_SESSION.search(what):
        year = session["year"] or session["in_year"]
        ordinal = session["ordinal"]
        text = session.group(0).removeprefix("at its ").strip()
        if ordinal.isdigit():
            return text, int(ordinal)
        value = ordinal_value(ordinal)
        addressed = _addressee(what[:session.start()])
        addressed = body if addressed in (None, "Commission", "Council") else addressed
        return text, int(year) if year else (session_year(value, addressed) if value else None)
    if found := _DUE_YEAR.search(what):
        return found.group(0), int(found["year"])
    return None, None


def _addressee(text: str) -> str | None:
    """The body a report goes to ("to the General Assembly at its eighty-first session")."""
    named = re.findall(r"General Assembly|Economic and Social Council|High-level Committee|Executive Board|Council|"
                       r"Commission", text)
    return named[-1] if named else None


def _part_symbol(chunk: Chunk, body: str | None) -> str | None:
    """The symbol of the adopted text inside a report the passage belongs to ("Decision 22/1 ...")."""
    for heading in reversed(chunk.heading_path):
        if match := re.match(r"^((?:[Rr]esolution|[Dd]ecision)\s+[\w/().]+)|^(\d{2,4}/\d{1,3})\.\s", heading.strip()):
            named = match.group(1) or f"resolution {match.group(2)}"
            symbols = [m.normalised for m in find_symbols(named, body)]
            return symbols[0] if symbols else None
    return None

"""Question answer types and passage answer types: the classic question-answering feature (issue 11).

A question says what shape its answer has ("how many …" wants a number, "who chaired …" a person), and a
passage either holds something of that shape or does not. The mandate prior (index.query's
_MANDATE_QUESTION, index.fusion.Evidence.mandate) is one such pair; this module gives the others:

- `quantity`: "how many / how much / what share / what percentage / number of …" ↔ a percentage, an amount
  of money, a magnitude ("3.2 billion") or a count (a number before a noun: "54 requests");
- `date`: "when did / when was / which year / … date" ↔ a calendar date ("30 July 1992", "June 2025");
- `person`: "who chaired / presided / headed / led …" ↔ a named person ("H.E. Mr. Juan …", "chaired by");
- `countries`: "which countries / which States …" ↔ a list of country names (three or more, as
  ingest.countries finds them: pycountry's names and the UN's usual forms);
- definitions: "what is X", "what does X mean", "X meaning", "define", "concept of" ↔ a definitional pattern
  about the asked term: one of the question's terms among the few words before "is", "are", "refers to",
  "means", "defined as", "understood as" … in the same sentence.

Only the question's wording is read (never a judged kind: the product does not have one). A passage's answer
types depend on its text alone (and the countries ingest stored with it), so a search computes each asked
type once per passage and keeps it per index generation (index.search.GenerationCache.answer_types,
.defined); the per-query work is then a lookup per candidate. Which of these move a ranking, and by how much,
was measured on the UN dev half (README, "Search quality"): only `quantity` gained; the boosts are off by
default (index.fusion.Boosts.answer_type, .definition).
"""
from __future__ import annotations

import re
from typing import NamedTuple

from ingest.countries import find_countries

QUANTITY, DATE, PERSON, COUNTRIES = "quantity", "date", "person", "countries"
ANSWER_TYPES = (QUANTITY, DATE, PERSON, COUNTRIES)

# -- what a question asks for ------------------------------------------------------------------------
# A number: "how many" / "number of" ask for a count; "how much", "how big/large", "what share /
# percentage / proportion / amount / sum", "share of", "per cent" for an amount or a rate. Bare "total",
# "budget", "funding", "cost", "level" and "rate" are left out: on the dev half they stood as often in
# mandate and practice questions ("decision on the cost-recovery policy", "how to get funding").
_QUANTITY_QUESTION = re.compile(
    r"\bhow (?:many|much|big|large)\b|\bnumber of\b|\b(?:what|which) (?:share|percentage|proportion|amount|sum)\b"
    r"|\b(?:share|percentage|proportion|amount) of\b|\bper ?cent", re.IGNORECASE)
# A date: "when" as a question word (first, before an auxiliary, "where and when", "… - when"), not the
# conjunction ("how to reorient cooperation when aid is cut"); "which year/date", or the word "date".
_DATE_QUESTION = re.compile(
    r"^\W*when\b|\bwhen (?:did|was|were|will|is|are|does|do|must|should|has|have)\b|\band when\b|\bwhen\W*$"
    r"|\b(?:which|what) (?:year|date|month|day)\b|\bdates?\b", re.IGNORECASE)
# A person: "who" before the verbs of holding an office or a meeting, or the offices themselves asked for
# ("vice-presidents and rapporteur-general of the conference"). "who organised …" asks for a body: left out.
_PERSON_QUESTION = re.compile(
    r"\bwho (?:chair|presid|head|led|lead|open|address|was|is|were)|\b(?:chair(?:ed|person|man)?|presided|"
    r"(?:vice-)?presidents?|rapporteurs?(?:-general)?)\b", re.IGNORECASE)
# A list of countries: "which countries", "what States", "which Member States" …
_COUNTRIES_QUESTION = re.compile(r"\b(?:which|what) (?:countries|states|member states|nations|governments)\b",
                                 re.IGNORECASE)
# A definition: "what is / what are …" at the start, "what does X mean", "what is meant by", "… meaning",
# "define / definition", "concept of", "refers to". Questions that are about a mandate ("what is the Office
# invited to do") are left to the mandate prior (index.query.QueryAnalysis.asks_mandate).
_DEFINITION_QUESTION = re.compile(
    r"^\W*what (?:is|are)\b|\bwhat does\b.*\bmean\b|\bwhat is meant\b|\bmeaning\b|\bdefin|\bconcept of\b"
    r"|\brefers? to\b", re.IGNORECASE)


def question_answer_types(question: str) -> frozenset[str]:
    """The answer types (ANSWER_TYPES) a question's wording asks for; empty for most questions."""
    found = {name for name, pattern in ((QUANTITY, _QUANTITY_QUESTION), (DATE, _DATE_QUESTION),
                                        (PERSON, _PERSON_QUESTION), (COUNTRIES, _COUNTRIES_QUESTION))
             if pattern.search(question)}
    return frozenset(found)


def asks_definition(question: str, asks_mandate: bool = False) -> bool:
    """Whether a question asks what something is or means (not what a body was asked to do)."""
    return not asks_mandate and bool(_DEFINITION_QUESTION.search(question))


# -- what a passage holds ----------------------------------------------------------------------------
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
# A rate: "45 per cent", "12%", "3 percent".
_PERCENT = re.compile(r"\d\s*(?:%|per\s*cent\b|percent\b)")
# Money or a magnitude: "$1.2", "US$ 30", "USD 5", "€4", "3.2 billion", "dollars".
_MONEY = re.compile(r"(?:\$|US\$|USD|€|EUR|£)\s?\d|\d\s*(?:million|billion|trillion)\b|\bdollars?\b")
# A count: a number before a lower-case word ("54 requests", "1,200 participants"), not a year (19xx, 20xx),
# not part of a symbol or a decimal list ("A/80/39", "1.2.3"), nor a rate ("5 per cent" is a rate above),
# nor the first day of a range ("16 to 27 July", "1 and 2 June": dates).
_COUNT = re.compile(r"(?<![\w/.,])(?!(?:19|20)\d\d\b)\d{1,3}(?:,\d{3})*(?:\.\d+)?"
                    r"\s+(?!(?:per|to|and|or)\b)[a-z][a-z-]+")
# The same three, read around each number of a text in one pass (has_quantity).
_NUMBER = re.compile(r"\d[\d,.]*")
_RATE_AFTER = re.compile(r"\s*(?:%|per\s*cent\b|percent\b)")
_MAGNITUDE_AFTER = re.compile(r"\s*(?:million|billion|trillion)\b")
_CURRENCY_BEFORE = re.compile(r"(?:\$|USD|€|EUR|£)\s?$")
_DOLLARS = re.compile(r"\bdollars?\b")
_COUNT_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})*(?:\.\d+)?")
_COUNT_AFTER = re.compile(r"\s+(?!(?:per|to|and|or)\b)[a-z][a-z-]+")
# A calendar date: "30 July 1992", "1 to 3 July", "July 2025", "June 12, 2024" (a bare year is in nearly
# every UN passage: symbols, "the 2030 Agenda").
_DATE = re.compile(r"\b\d{1,2}(?:\s*(?:[-–]|to|and)\s*\d{1,2})?\s+" + _MONTH + r"\b|\b" + _MONTH
                   + r"\s+(?:\d{1,2},?\s+)?(?:19|20)\d\d\b")
# A named person: an honorific before a capitalised name, or an office held "by" someone.
_PERSON = re.compile(r"\b(?:H\.\s?E\.|His Excellency|Her Excellency|Mr\.?|Mrs\.?|Ms\.?|Dr\.?)\s+[A-Z][a-z]"
                     r"|\b(?:chaired|presided over|headed|opened) by\b")
# Definitional cues: the words a text defines or describes its subject with.
_DEFINITION_CUE = re.compile(r"\b(?:is|are|refers? to|means?|(?:is |are )?defined as|understood as|describes?"
                             r"|denotes?|consists? of|involves?|comprises?)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.;:!?]\s")
DEFINED_WINDOW = 8  # words before a cue that may name what is defined ("South-South cooperation is …")
DEFINED_CHARS = 120  # … read from at most this many characters before it
COUNTRY_LIST = 3  # distinct country names that make a list


class PassageAnswers(NamedTuple):
    """What answers a passage holds: its answer types, and the stems its definitional sentences define."""

    types: frozenset[str]
    defined: frozenset[str]


def holds(kind: str, text: str, countries: tuple[str, ...] | None = None) -> bool:
    """Whether a passage holds an answer of this type (ANSWER_TYPES). `countries`: the countries ingest found in
    it (ingest.countries, stored with the passage); None: found here. Each type is checked on its own, so a
    search computes only the types its question asks for (a few tens of microseconds a passage)."""
    if kind == QUANTITY:
        return has_quantity(text)
    if kind == DATE:
        return bool(_DATE.search(text))
    if kind == PERSON:
        return bool(_PERSON.search(text))
    if kind == COUNTRIES:
        return len(set(countries if countries is not None else find_countries(text))) >= COUNTRY_LIST
    raise ValueError(f"unknown answer type {kind!r}; use one of {', '.join(ANSWER_TYPES)}")


def has_quantity(text: str) -> bool:
    """Whether a text holds a rate, an amount of money, a magnitude or a count (_PERCENT, _MONEY, _COUNT): the
    same answers as searching the three patterns, in one pass over the text's numbers (three times faster)."""
    if "dollar" in text and _DOLLARS.search(text):
        return True
    for number in _NUMBER.finditer(text):
        start, end = number.span()
        if _RATE_AFTER.match(text, end) or _MAGNITUDE_AFTER.match(text, end):
            return True
        if _CURRENCY_BEFORE.search(text, max(0, start - 5), start):
            return True
        if (_COUNT_NUMBER.fullmatch(number.group()) and (start == 0 or text[start - 1] not in "/.,")
                and not text[start - 1:start].isalnum() and text[start - 1:start] != "_"
                and _COUNT_AFTER.match(text, end)):
            return True
    return False


def defined_terms(text: str) -> frozenset[str]:
    """The stems a passage's definitional sentences may define: the last DEFINED_WINDOW words before each cue,
    in the cue's sentence."""
    from index.query import stems  # index.query reads the questions' types from here: imported when used

    defined: set[str] = set()
    for cue in _DEFINITION_CUE.finditer(text):
        before = text[max(0, cue.start() - DEFINED_CHARS):cue.start()]
        ends = list(_SENTENCE_END.finditer(before))
        defined.update(stems(before[ends[-1].end():] if ends else before)[-DEFINED_WINDOW:])
    return frozenset(defined)


def passage_answers(text: str, countries: tuple[str, ...] | None = None) -> PassageAnswers:
    """Every answer type of a passage's text and the stems of what it defines (module docstring)."""
    return PassageAnswers(frozenset(k for k in ANSWER_TYPES if holds(k, text, countries)), defined_terms(text))


def definition_match(terms: tuple[str, ...], defined: frozenset[str]) -> float:
    """The share of the question's terms (stems) that a passage's definitional sentences define (defined_terms)."""
    return sum(1 for t in terms if t in defined) / len(terms) if terms else 0.0

"""The one query analysis: words, stems, phrases, negations, OR, field prefixes, acronyms and symbols.

Keyword search, the highlighter and the page all use what `analyse` returns, and the index stores
its passages through the same `stems` function, so a query word, an indexed word and a marked word
match exactly when their stems are equal.

Syntax (as search engines write it):

- `"quoted phrase"`: the words must stand together, in this order; a passage without it is not a match.
- `-word`, `-"a phrase"`, `NOT word`: passages holding it are left out.
- `"a" OR "b"`: either phrase will do (free words are alternatives already: they rank, not filter).
- `title:word` (or `title:"a phrase"`): the document's title or symbol must hold it.
- `symbol:A/80/39`: only that document (any written form of the symbol, as the `symbol` filter).
- Document symbols ("1992/41", "E/RES/1992/41", "resolution 33/134", "A/80/39", "591(XXIX)") are
  recognised by `ingest.symbols` and brought to the normal form the index stores.
- Acronyms of the field (`ACRONYMS`) also match their written-out form.

Stemming is Snowball's English stemmer (PyStemmer) with a few overrides (`STEM_OVERRIDES`) where
Snowball joins words with different meanings ("incoming" and "income" both give "incom").
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from index.answer_types import asks_definition, question_answer_types
from ingest.symbols import SymbolMatch, find_symbols, normalise_symbol

# Words too common to help a keyword match; bm25 would weigh them low anyway, but OR-ing them in
# makes every passage a candidate. Inside a quoted phrase they are kept.
STOPWORDS = frozenset("""a about above after again all also am an and any are as at be been before being between both
but by can could did do does doing down during each for from further had has have having he her
here hers how i if in into is it its itself just me more most my no nor not now of off on once
only or other our out over own same she should so some such than that the their them then there
these they this those through to too under until up very was we were what when where which
while who whom why will with would you your""".split())  # noqa: SIM905

# Acronyms of development cooperation and what they stand for: a query word in this list also
# matches passages that write the words out (and the other way round is left to the words).
ACRONYMS = {
    "tcdc": "technical cooperation among developing countries",
    "ssc": "South-South cooperation",
    "bapa": "Buenos Aires Plan of Action",
    "oda": "official development assistance",
    "ldc": "least developed countries",
    "ldcs": "least developed countries",
    "sids": "small island developing States",
}

# Snowball gives these words the stem of a word with another meaning; each keeps its own stem here
# (the forms of one word share one stem). Checked by tests/index/test_query.py.
STEM_OVERRIDES = {
    "incoming": "incoming",  # Snowball: "incom", as "income"
    "international": "internation", "internationally": "internation",  # Snowball: "intern", as "internal"
    "organization": "organiz", "organizations": "organiz", "organisation": "organiz",
    "organisations": "organiz", "organizational": "organiz",  # Snowball: "organ", as "organ"
    "several": "several",  # Snowball: "sever", as "severe"
}

# A word: letters and digits; "co-operation" and "co-ordination" (older UN spelling) are one word,
# written as "cooperation" and "coordination" are.
_TOKEN = re.compile(r"\b[Cc][Oo]-(?=[^\W\d_])\w+|\w+", re.UNICODE)
_QUOTED = re.compile(r"[\"“”]([^\"“”]{1,200})[\"“”]")
# Query operators, in the order the parser tries them at each position.
_OPERATOR = re.compile(
    r"""(?P<neg>-|(?-i:\bNOT)\s+)?(?:(?P<field>title|symbol):)?(?:[\"“”](?P<quoted>[^\"“”]{1,200})[\"“”]|(?P<bare>[^\s\"“”]+))""",
    re.IGNORECASE)
# Words that only introduce a symbol: "resolution 33/134", "document A/80/39", "the decision 9/2".
_FILLER = frozenset("""a an the of by in resolution resolutions decision decisions document documents report symbol
doc res dec general assembly ecosoc economic and social council""".split())  # noqa: SIM905
_STEMMER = Stemmer.Stemmer("english")
# Words of a question about a mandate: what a body decided, requested, recalled, recommended or
# proclaimed, or the texts that do so. Such a question is answered by a resolution's operative and
# preambular paragraphs (index.fusion.Evidence.mandate); measured in README "Search quality".
_MANDATE_QUESTION = re.compile(
    r"\b(?:decid|decision|request|recall|call(?:ed|s)? (?:up)?on|urg(?:e|es|ed|ing)\b|invit|mandat|resolution|adopt"
    r"|endors|encourag|reaffirm|recommend|ask|propos|proclaim|proclamation)", re.IGNORECASE)


@lru_cache(maxsize=262144)
def stem(word: str) -> str:
    """The stem of one lower-case word (Snowball English with `STEM_OVERRIDES`)."""
    return STEM_OVERRIDES.get(word) or _STEMMER.stemWord(word)


def words(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lower-case word) of each word of `text`, accents kept, "co-operation" as "cooperation"."""
    return [(m.start(), m.end(), _fold(m.group())) for m in _TOKEN.finditer(text)]


def token_list(text: str) -> list[str]:
    """The words of `text` as written (unfolded), in order: `words` without positions."""
    return _TOKEN.findall(text)


@lru_cache(maxsize=262144)
def stem_of_token(token: str) -> str:
    """The stem of one word as written: folded, then stemmed (cached: a passage's words repeat across passages)."""
    return stem(_fold(token))


def stems(text: str) -> list[str]:
    """The stems of the words of `text`, in order: what the keyword index stores and a query is matched by.
    One folding rule (`_fold`) for every word; each word's stem is cached (`stem_of_token`)."""
    return list(map(stem_of_token, _TOKEN.findall(text)))


def index_text(text: str) -> str:
    """`text` as the keyword index holds it: its stems, separated by spaces."""
    return " ".join(stems(text))


def _fold(word: str) -> str:
    return unicodedata.normalize("NFKC", word).lower().replace("-", "")


@dataclass(frozen=True)
class Phrase:
    """Words that must stand together: as typed, and as stems."""

    text: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class QueryAnalysis:
    """A query, analysed once: what the keyword engine, the highlighter and the page use.

    `required` holds groups of alternatives ("a" OR "b"); every group must match. `excluded` phrases
    (one word is a phrase of one) must not. `terms` are the free words' stems, which rank.
    """

    text: str
    terms: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # text inside double quotes, as typed
    required: tuple[tuple[Phrase, ...], ...] = ()
    excluded: tuple[Phrase, ...] = ()
    in_title: tuple[Phrase, ...] = ()
    expansions: tuple[Phrase, ...] = ()  # acronyms written out
    symbols: tuple[str, ...] = ()  # normal forms, in order of appearance
    symbol_only: bool = False  # nothing but symbols (and words such as "resolution")
    symbol_filter: str | None = None  # from a symbol: prefix
    semantic_text: str = ""  # what the embedding model reads: the query without its operators
    asks_mandate: bool = False  # asks what a body decided, requested, recalled (_MANDATE_QUESTION)
    # the answer types its wording asks for: a quantity, a date, a person, countries (index.answer_types)
    answer_types: frozenset[str] = frozenset()
    asks_definition: bool = False  # asks what something is or means (index.answer_types)

    @property
    def is_empty(self) -> bool:
        """True when nothing in the query can match a passage."""
        return not (self.terms or self.required or self.in_title or self.symbols or self.symbol_filter)

    def admits(self, passage_stems: set[str], passage: list[str]) -> bool:
        """Whether a passage (its stems as a set and in order) holds every required and no excluded phrase."""
        return (all(any(_holds(passage_stems, passage, p) for p in group) for group in self.required)
                and not any(_holds(passage_stems, passage, p) for p in self.excluded))


def _holds(passage_stems: set[str], passage: list[str], phrase: Phrase) -> bool:
    wanted = phrase.stems
    if not all(s in passage_stems for s in wanted):
        return False
    if len(wanted) == 1:
        return True
    n = len(wanted)
    return any(tuple(passage[i:i + n]) == wanted for i in range(len(passage) - n + 1))


def _phrase(text: str) -> Phrase:
    return Phrase(text=text, stems=tuple(stems(text)))


@lru_cache(maxsize=4096)
def analyse(query: str) -> QueryAnalysis:
    """Parse a query into terms, phrases, negations, title terms, symbols and acronym expansions."""
    matches = find_symbols(query)
    symbols = [m.normalised for m in matches]
    required: list[list[Phrase]] = []
    excluded: list[Phrase] = []
    in_title: list[Phrase] = []
    free: list[str] = []
    semantic: list[str] = []
    symbol_filter: str | None = None
    joined = False  # the last item was followed by OR
    for item in _OPERATOR.finditer(query):
        negated, field_name = bool(item.group("neg")), (item.group("field") or "").lower()
        quoted, bare = item.group("quoted"), item.group("bare")
        if bare == "OR":
            joined = bool(required)
            continue
        value = quoted if quoted is not None else bare
        if field_name == "symbol":
            symbol_filter = normalise_symbol(value) or value.strip()
        elif negated:
            excluded.append(_phrase(value))
        elif field_name == "title":
            in_title.append(_phrase(value))
        elif quoted is not None:
            phrase = _phrase(value)
            if phrase.stems:
                (required[-1].append(phrase) if joined and required else required.append([phrase]))
            semantic.append(value)
        else:
            free.append(value)
            semantic.append(value)
        joined = False
    return _assemble(query, free, required, excluded, in_title, symbols, symbol_filter, semantic, matches)


def _assemble(query: str, free: list[str], required: list[list[Phrase]], excluded: list[Phrase],
              in_title: list[Phrase], symbols: list[str], symbol_filter: str | None, semantic: list[str],
              matches: list[SymbolMatch]) -> QueryAnalysis:
    free_words = [w for part in free for _, _, w in words(part)]
    content = [w for w in free_words if w not in STOPWORDS] or free_words
    terms = tuple(dict.fromkeys(stem(w) for w in content))
    expansions = tuple(_phrase(ACRONYMS[w]) for w in dict.fromkeys(content) if w in ACRONYMS)
    rest = query
    for match in reversed(matches):
        rest = rest[:match.start] + " " + rest[match.end:]
    leftover = [w for _, _, w in words(rest) if w not in _FILLER]
    phrases = tuple(p.strip() for p in _QUOTED.findall(query) if p.strip())
    wording = " ".join([*free, *(p.text for g in required for p in g)])  # the question without its operators
    asks_mandate = bool(_MANDATE_QUESTION.search(wording))
    return QueryAnalysis(
        text=query, terms=terms, phrases=phrases, required=tuple(tuple(g) for g in required),
        excluded=tuple(p for p in excluded if p.stems), in_title=tuple(p for p in in_title if p.stems),
        expansions=expansions, symbols=tuple(dict.fromkeys(symbols)), symbol_only=bool(symbols) and not leftover,
        symbol_filter=symbol_filter, semantic_text=" ".join(semantic).strip(),
        asks_mandate=asks_mandate, answer_types=question_answer_types(wording),
        asks_definition=asks_definition(wording, asks_mandate))


def normalise_filter_symbol(value: str | None) -> str | None:
    """A symbol filter as typed ("1992/41") in the form documents are stored under ("E/RES/1992/41")."""
    if value is None:
        return None
    return normalise_symbol(value) or value.strip()

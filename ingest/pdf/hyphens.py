"""Stage 6, words, hyphens and characters: join a paragraph's lines, keeping or dropping each line-end
hyphen by the document's own vocabulary, and normalise characters."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

from ingest.pdf.types import Line

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_KEEP_SUSPENDED = {"and", "or", "to", "nor", "as", "et", "und"}
_TENS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
_SPACE_BEFORE_HYPHEN = re.compile(r"([^\W\d_]) +-([^\W\d_])")


@dataclass(frozen=True)
class Vocabulary:
    """Words and hyphenated compounds written inside lines of a document (lower case).

    `keep_by_default` says how the document breaks lines at hyphens: documents typeset
    without automatic hyphenation (most UN documents) only break at real hyphens.
    """

    words: frozenset[str]
    compounds: frozenset[str]  # every run of two or more parts: "a-b-c" gives a-b, b-c, a-b-c
    keep_by_default: bool = False

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Vocabulary:
        """Collect the vocabulary of some texts."""
        words: set[str] = set()
        compounds: set[str] = set()
        for text in texts:
            for token in _WORD.findall(_SPACE_BEFORE_HYPHEN.sub(r"\1-\2", text).lower()):
                parts = token.split("-")
                words.update(parts)
                if len(parts) > 1:
                    words.add(token)
                    compounds.update("-".join(parts[i:j]) for i in range(len(parts))
                                     for j in range(i + 2, len(parts) + 1))
        return cls(frozenset(words), frozenset(compounds))

    def with_style(self, breaks: Sequence[tuple[str, str]], lines: int) -> Vocabulary:
        """This vocabulary, told whether the document's line-end hyphens are mostly real.

        `breaks` are the (head, tail) pairs around the document's line-end hyphens, out of
        `lines` lines. The words written elsewhere decide; without enough of them, rare
        breaks (under one line in 50) mean the text was set without hyphenation.
        """
        kept = sum(f"{head}-{tail}".lower() in self.compounds for head, tail in breaks)
        joined = sum((head + tail).lower() in self.words for head, tail in breaks)
        if kept + joined >= 3:
            return replace(self, keep_by_default=kept > joined)
        return replace(self, keep_by_default=bool(breaks) and len(breaks) < 0.02 * lines)


def keeps_hyphen(head: str, tail: str, vocab: Vocabulary, compound: bool = False) -> bool:
    """Whether "head-" at a line end plus "tail" is a real hyphenated word, not a split one.

    Decided by what the document writes elsewhere; otherwise capitalised or acronym parts
    ("South-South", "ECLAC-led") and the middle of a longer compound ("day-to-" "day") keep
    the hyphen, and lower-case continuations follow the document's habit (joined when unknown).
    """
    if not head or not tail:
        return True
    hyphenated, joined = f"{head}-{tail}".lower(), (head + tail).lower()
    if compound or tail.lower() in _KEEP_SUSPENDED:
        return True
    attested_hyphen, attested_join = hyphenated in vocab.compounds, joined in vocab.words
    if attested_hyphen != attested_join:
        return attested_hyphen
    if tail[0].isupper() or head[-1].isupper() or head.lower() in _TENS:
        return True
    return attested_hyphen or vocab.keep_by_default


_LINE_END_HYPHEN = re.compile(r"((?:[^\W\d_]+-)*)([^\W\d_]+)-$")
_FIRST_WORD = re.compile(r"^([^\W\d_]+)")
_URL_END = re.compile(r"(?:https?://|www\.)\S*$")


def _last_token(text: str) -> str:
    """The text after the last space: the regexes below only need a line's end."""
    return text[text.rfind(" ") + 1:]


def _continues_url(left: str, right: str) -> bool:
    """Whether `right` carries on a web address broken at the end of `left`."""
    return bool(_URL_END.search(_last_token(left))) and (left[-1] in "/-_%?=&#" or right[:1] in "/_%?=&#")


def hyphen_break(left: str, right: str) -> tuple[str, str, bool] | None:
    """(head, tail, inside a longer compound) when `left` ends "head-" and `right` starts a word."""
    end = _LINE_END_HYPHEN.search(_last_token(left))
    start = _FIRST_WORD.match(right)
    if not end or not start:
        return None
    return end.group(2), start.group(1), bool(end.group(1))


def join_hyphenated(left: str, right: str, vocab: Vocabulary) -> str:
    """Join two consecutive lines, mending or keeping a hyphen at the end of the first."""
    if _continues_url(left, right):
        return left + right
    found = hyphen_break(left, right)
    if not found:
        return f"{left} {right}" if left and right else left + right
    head, tail, compound = found
    if tail.lower() in _KEEP_SUSPENDED:  # "science- and technology-based"
        return f"{left} {right}"
    if keeps_hyphen(head, tail, vocab, compound):
        return left + right
    return left[:-1] + right


def join_lines(lines: Sequence[str], vocab: Vocabulary) -> str:
    """A paragraph's lines joined by single spaces, hyphenated words mended."""
    text = ""
    for line in lines:
        line = line.strip()
        if line:
            text = join_hyphenated(text, line, vocab) if text else line
    return text


_SPACE_AFTER_HYPHEN = re.compile(r"\b([^\W\d_]+)- +([^\W\d_]+)")


def repair_split_hyphens(text: str, vocab: Vocabulary) -> str:
    """Mend "South -South" and "South- South", splits the text layer makes at hyphens.

    A suspended hyphen ("science- and technology-based") is kept as written.
    """
    text = _SPACE_BEFORE_HYPHEN.sub(r"\1-\2", text)

    def mend(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        if tail.lower() in _KEEP_SUSPENDED:
            return match.group(0)
        if f"{head}-{tail}".lower() in vocab.compounds or (head[0].isupper() and tail[0].isupper()):
            return f"{head}-{tail}"
        return match.group(0)

    return _SPACE_AFTER_HYPHEN.sub(mend, text)


def clean_text(text: str) -> str:
    """NFKC-normalise (ligatures become letters), drop soft hyphens and tidy white space."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    return " ".join(text.split())


def strip_reference_markers(text: str, markers: Iterable[str]) -> str:
    """Remove footnote markers glued to words ("Committee.1 The") for the given markers."""
    numbers = sorted({m for m in markers if m.isdigit()}, key=len, reverse=True)
    if not numbers:
        return text
    alternatives = "|".join(numbers)
    pattern = re.compile(rf"(?<=[a-z]{{2}})([.,;:)”’\"]?)(?:{alternatives})(?=\s+[A-Z(“\"]|\s*$|[,;])")
    return pattern.sub(r"\1", text)


def finish_paragraph(lines: Sequence[str], vocab: Vocabulary, markers: Iterable[str]) -> str:
    """One paragraph's final text from its lines."""
    mended = [_SPACE_BEFORE_HYPHEN.sub(r"\1-\2", clean_text(line)) for line in lines]
    text = clean_text(join_lines(mended, vocab))
    return strip_reference_markers(repair_split_hyphens(text, vocab), markers)


def mend_page_break(previous: list[str], following: list[str], vocab: Vocabulary) -> None:
    """Mend a word hyphenated across a page break: move its tail back to the earlier page.

    Both lists are a page's paragraphs, edited in place.
    """
    if not previous or not following or not following[0][:1].islower():
        return
    if not hyphen_break(previous[-1], following[0]):
        return
    word, _, remainder = following[0].partition(" ")
    previous[-1] = join_hyphenated(previous[-1], word, vocab)
    if remainder.strip():
        following[0] = remainder.strip()
    else:
        following.pop(0)

def line_break_pairs(pages: Iterable[Sequence[Line]]) -> list[tuple[str, str]]:
    """(head, tail) around every line-end hyphen followed by a lower-case word."""
    found = []
    for lines in pages:
        for prev, line in pairwise(lines):
            pair = hyphen_break(_SPACE_BEFORE_HYPHEN.sub(r"\1-\2", prev.text), line.text)
            if pair and pair[1][:1].islower() and pair[1].lower() not in _KEEP_SUSPENDED:
                found.append(pair[:2])
    return found

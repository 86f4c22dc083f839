"""Turn positioned text runs from a PDF page into clean body paragraphs and footnotes.

Everything here is pure: the PDF reader collects `Run`s (text with position, size and
boldness) page by page, and these functions rebuild lines, drop running headers and
footers, lift footnotes out, drop contents pages and rebuild paragraphs. The rules are
tuned on UN documents (A/, E/, DP/ ... symbols, job numbers, barcodes, dot-leader contents)
but only rely on layout that most reports share.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

from ingest.types import Footnote


@dataclass(frozen=True)
class Run:
    """A piece of text drawn at one position, as the PDF parser reports it."""

    text: str
    x: float
    y: float
    size: float
    bold: bool = False


@dataclass(frozen=True)
class Line:
    """A visual line of a page, rebuilt from runs on one baseline."""

    text: str
    x: float
    y: float
    size: float
    bold: float = 0.0  # share of the line's characters set in a bold font
    indented: bool = False  # the text layer starts the line with white space (a tab)
    refs: tuple[str, ...] = ()  # footnote reference markers lifted out of the line
    lead: str | None = None  # a raised marker opening the line: a footnote's number


@dataclass(frozen=True)
class PageLayout:
    """A page's lines plus its height, the input to the document-wide cleaning."""

    number: int
    lines: tuple[Line, ...]
    height: float


@dataclass(frozen=True)
class DocStats:
    """Typical measures of a document's body text, used to judge line and paragraph breaks."""

    body_size: float = 10.0
    spacing: float = 1.2  # baseline distance between lines of a paragraph, in font sizes
    line_chars: int = 80  # characters in a full-width body line


@dataclass(frozen=True)
class CleanPage:
    """One page after cleaning: body paragraphs and the footnotes lifted out of it."""

    number: int
    paragraphs: tuple[str, ...]
    footnotes: tuple[Footnote, ...] = ()


# --- runs to lines -----------------------------------------------------------------------

_MARKER = re.compile(r"^\s*((?:\d{1,3}|[a-z]|\*{1,3}|[†‡§])(?:\s*,\s*\d{1,3})*)(?=\s|$|[^\w/.])")


def split_run_lines(run: Run) -> list[Run]:
    """Split a run holding line breaks into one run per line, each a line lower."""
    parts = run.text.split("\n")
    if len(parts) == 1:
        return [run]
    return [replace(run, text=part, y=run.y - i * 1.2 * run.size)
            for i, part in enumerate(parts) if part.strip() or i == 0]


def _same_line(run: Run, group: list[Run]) -> bool:
    """Whether `run` continues the line in `group`: close baseline, no jump back to the left."""
    last = group[-1]
    tolerance = 0.6 * max(run.size, last.size, 1.0)
    return abs(run.y - last.y) <= tolerance and run.x >= last.x - 1.0


def group_runs(runs: Iterable[Run]) -> list[list[Run]]:
    """Group runs, in drawing order, into lines; white-space runs only pad the current line."""
    groups: list[list[Run]] = []
    for raw in runs:
        for run in split_run_lines(raw):
            if not run.text.strip():
                if groups and run.text and _same_line(run, groups[-1]):
                    groups[-1].append(run)
                continue
            if groups and _same_line(run, groups[-1]):
                groups[-1].append(run)
            else:
                groups.append([run])
    return groups


def _baseline(group: Sequence[Run]) -> Run:
    """The run that carries most of the line's characters: its y is the baseline."""
    return max(group, key=lambda run: len(run.text.strip()))


def _is_raised(run: Run, base: Run) -> bool:
    """A superscript: drawn above the baseline by a fraction of the font size."""
    rise = run.y - base.y
    return 0.2 * base.size < rise < 0.75 * base.size


def _glue(left: str, right: str) -> str:
    """Concatenate two pieces of a line, keeping words apart where a marker was lifted out."""
    if left and right and left[-1].isalnum() and right[0].isalnum():
        return left + " " + right
    return left + right


def _spaced(previous: Run | None, run: Run) -> bool:
    """Whether a wide gap separates `run` from the run before it (a footer's two ends, table cells).

    The text layer gives no widths we can trust (CID fonts report wrong ones), so the previous
    run's end is estimated generously from its length; only a gap of a full em beyond that counts.
    """
    if previous is None:
        return False
    end = previous.x + 0.6 * previous.size * len(previous.text)
    return run.x - end > max(run.size, previous.size)


def _lift_marker(run: Run, base: Run) -> tuple[str, str] | None:
    """(marker, rest of the run) when `run` is raised above the baseline and opens with a marker."""
    marker = _MARKER.match(run.text) if _is_raised(run, base) else None
    return (marker.group(1).replace(" ", ""), run.text[marker.end():]) if marker else None


def make_line(group: Sequence[Run]) -> Line:
    """One line from its runs; raised markers become `lead` (at the start) or `refs`."""
    base = _baseline(group)
    text, refs, lead = "", [], None
    previous: Run | None = None
    glue_next = False  # the run after a lifted marker must not fuse with the word before it
    for run in group:
        piece = run.text
        if _spaced(previous, run) and text[-1:].strip() and piece[:1].strip():
            text += " "
        previous = run
        lifted = _lift_marker(run, base)
        if lifted:
            marker, piece = lifted
            if text.strip():
                refs.append(marker)
            else:
                lead = marker
            text = text.rstrip() + (" " if piece[:1].isspace() else "")
            piece, glue_next = piece.lstrip(), True
        text = _glue(text, piece) if glue_next else text + piece
        glue_next = glue_next and not piece
    chars = sum(len(run.text.strip()) for run in group) or 1
    bold_chars = sum(len(run.text.strip()) for run in group if run.bold)
    first = next(run for run in group if run.text.strip())
    return Line(
        text=" ".join(text.split()), x=first.x, y=base.y, size=round(base.size, 1),
        bold=round(bold_chars / chars, 2), indented=first.text[:1].isspace(),
        refs=tuple(refs), lead=lead,
    )


def build_lines(runs: Iterable[Run]) -> list[Line]:
    """Rebuild a page's visual lines from its runs, in drawing order."""
    return [line for line in (make_line(g) for g in group_runs(runs)) if line.text or line.lead]


# --- running headers and footers ------------------------------------------------------------

_JOB = r"[A-Z]{0,3}\.?\d{2}-\d{5}[A-Z]?\*?(?:\(E\))?"  # 25-09815, GE.07-63105, B25-00147, 24-19914*
_SYMBOL = r"[A-Z][A-Za-z]*(?:\.\d+)?(?:/[A-Za-z0-9.()+\-]+)+\*?"  # A/80/39, ICCD/COP(8)/CST/INF.1
_NOISE_TOKEN = re.compile(
    rf"""^(?:
        \d{{1,4}}/\d{{1,4}}                 # page counter: 3/31
      | \d{{1,4}} | [ivxlc]{{1,7}}          # bare page number, roman in front matter
      | -\d{{1,4}}- | [-–—]                # "- 3 -"
      | {_JOB}
      | \([A-Z]\) | \d{{6}}               # language tag and date of a job number: (E) 220725
      | \*\d{{6,}}\*                      # barcode: *2511478*
      | {_SYMBOL}
      | [Pp]age | United | Nations
    )$""",
    re.VERBOSE,
)
_STRONG_TOKEN = re.compile(rf"^(?:{_JOB}|\*\d{{6,}}\*)$")
_SYMBOL_TOKEN = re.compile(rf"^{_SYMBOL}$")
_DIGITS = re.compile(r"\d+")


def _tokens(text: str) -> list[str]:
    """A header line's tokens, the "(E)" of a job number set apart."""
    return text.replace("(E)", " (E) ").split()


def is_noise_line(text: str) -> bool:
    """Whether a line holds only header/footer tokens: symbols, page counters, job numbers."""
    tokens = _tokens(text)
    if not tokens or all(t in {"United", "Nations", "Page", "page"} for t in tokens):
        return False
    if tokens[-1].endswith(".") and len(tokens[-1]) > 2:  # "6 ST/SG/AC.10/52/Add.3." is a footnote
        return False
    return all(_NOISE_TOKEN.match(token) for token in tokens)


def is_strong_noise(text: str, symbols: frozenset[str], pages: int) -> bool:
    """A noise line that cannot be body text wherever it sits: it names a job number, a
    barcode, the document's own symbol or a page counter "k/<pages>"."""
    if not is_noise_line(text):
        return False
    counter = f"/{pages}"
    return any(
        _STRONG_TOKEN.match(t) or t.rstrip("*") in symbols or (t.endswith(counter) and t[0].isdigit())
        for t in _tokens(text)
    )


def line_key(text: str) -> str:
    """A line with its digits masked, so "A/80/39 4/31" and "A/80/39 6/31" compare equal."""
    return " ".join(_DIGITS.sub("#", text.lower()).split())


def _edge_indices(lines: Sequence[Line], height: float, depth: int = 5) -> list[int]:
    """Indices of the top and bottom `depth` lines of a page, within its outer fifth."""
    order = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    top = [i for i in order[:depth] if lines[i].y > 0.8 * height]
    bottom = [i for i in order[-depth:] if lines[i].y < 0.2 * height]
    return top + bottom


def _repeat_threshold(pages: int) -> int:
    """On how many pages an edge line must recur to count as a running header or footer."""
    return max(2, math.ceil(0.3 * pages)) if pages < 6 else max(3, math.ceil(0.2 * pages))


def running_line_keys(pages: Sequence[PageLayout]) -> set[str]:
    """Keys of edge lines that repeat on many pages: running headers and footers."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({line_key(page.lines[i].text) for i in _edge_indices(page.lines, page.height)})
    threshold = _repeat_threshold(len(pages))
    return {key for key, n in counts.items() if n >= threshold and key.strip("# ")}


def own_symbols(pages: Sequence[PageLayout]) -> frozenset[str]:
    """The document's symbols: symbol tokens of edge noise lines recurring over pages."""
    counts: Counter[str] = Counter()
    for page in pages:
        found = set()
        for i in _edge_indices(page.lines, page.height):
            text = page.lines[i].text
            if is_noise_line(text):
                found |= {t.rstrip("*") for t in _tokens(text) if _SYMBOL_TOKEN.match(t)}
        counts.update(found)
    threshold = 1 if len(pages) < 3 else 2
    return frozenset(symbol for symbol, n in counts.items() if n >= threshold)


def strip_running_lines(page: PageLayout, repeated: set[str], symbols: frozenset[str],
                        pages: int) -> tuple[list[Line], int]:
    """A page's lines without its headers and footers, and how many were dropped."""
    edges = set(_edge_indices(page.lines, page.height))
    kept = [
        line for i, line in enumerate(page.lines)
        if line.lead or not (
            (i in edges and (is_noise_line(line.text) or line_key(line.text) in repeated))
            or is_strong_noise(line.text, symbols, pages)
        )
    ]
    return kept, len(page.lines) - len(kept)


# --- contents pages -------------------------------------------------------------------------

_LEADER = re.compile(r"(?:\.\s?){5,}|…{2,}|(?:\s\.){4,}")
_CONTENTS_HEADING = re.compile(r"^(?:Contents|CONTENTS|Table of contents)\b")


def has_leader(text: str) -> bool:
    """Whether a line has dot leaders, as contents entries do."""
    return bool(_LEADER.search(text))


def is_contents_page(lines: Sequence[Line]) -> bool:
    """A page made of dot-leader entries: a table of contents."""
    leaders = sum(1 for line in lines if has_leader(line.text))
    return leaders >= 3 and leaders >= 0.3 * len(lines)


def drop_contents(lines: Sequence[Line]) -> tuple[list[Line], int]:
    """A page's lines without its table of contents, and how many lines that removed.

    The contents run from a "Contents" heading (or, on a page of entries, the top of the
    page) to the last dot-leader entry; entry lines without leaders in that run go too.
    Elsewhere only dot-leader lines are dropped.
    """
    leaders = [i for i, line in enumerate(lines) if has_leader(line.text)]
    heading = next((i for i, line in enumerate(lines) if _CONTENTS_HEADING.match(line.text)), None)
    if len(leaders) >= 3 and heading is not None and heading < leaders[-1]:
        first = heading
    elif is_contents_page(lines):
        first = 0
    else:
        kept = [line for line in lines if not has_leader(line.text)]
        return kept, len(lines) - len(kept)
    kept = list(lines[:first]) + list(lines[leaders[-1] + 1:])
    return kept, len(lines) - len(kept)


# --- footnotes ----------------------------------------------------------------------------

_RULE = re.compile(r"^[_\u2014\u2013\-]{8,}$")
_FOOTNOTE_START = re.compile(r"^((?:\d{1,3}|\*{1,3}|[a-z]|[†‡§]))\s+(\S.*)$")


def _footnote_start(line: Line, expected: int | None, hanging: bool,
                    first: bool = False) -> tuple[str, str] | None:
    """(marker, text) when `line` opens a footnote, else None."""
    if line.lead:
        return line.lead, line.text
    match = _FOOTNOTE_START.match(line.text)
    if not match:
        return None
    marker = match.group(1)
    restart = first and marker == "1"  # numbering may start again in an annex
    if marker.isdigit() and (expected is None or int(marker) == expected or hanging or restart):
        return marker, match.group(2)
    if not marker.isdigit() and (hanging or marker.startswith("*")):
        return marker, match.group(2)
    return None


def _footnote_zone(lines: Sequence[Line], stats: DocStats, refs: set[str], height: float) -> int | None:
    """Index in `lines` (sorted top to bottom) where the footnotes start, if any.

    A rule line ("______") opens the zone in UN documents; without one, a block at the
    bottom, set off by a gap, whose first line starts with a marker the body refers to
    (or in a smaller font) is taken as footnotes.
    """
    for i, line in enumerate(lines):
        # A rule above notes: small print or marked lines (the first may carry on a note).
        if _RULE.match(line.text.replace(" ", "")) and any(
            later.lead or _FOOTNOTE_START.match(later.text) or later.size < 0.95 * stats.body_size
            for later in lines[i + 1:i + 4]
        ):
            return i
    for i in range(1, len(lines)):
        line, above = lines[i], lines[i - 1]
        if line.y > 0.4 * height:
            continue
        start = _footnote_start(line, None, hanging=False)
        small = line.size < 0.9 * stats.body_size
        gap = above.y - line.y > (stats.spacing + 0.3) * max(line.size, 1.0)
        if start and gap and (start[0] in refs or small) and all(
            later.size <= line.size + 1.0 for later in lines[i:]
        ):
            return i
    return None


def split_footnotes(lines: Sequence[Line], stats: DocStats, height: float) -> tuple[list[Line], list[Line]]:
    """Split a page's lines into body lines and footnote-zone lines (rule line dropped)."""
    refs = {ref for line in lines for marker in line.refs for ref in marker.split(",")}
    ordered = sorted(range(len(lines)), key=lambda i: -lines[i].y)
    zone_at = _footnote_zone([lines[i] for i in ordered], stats, refs, height)
    if zone_at is None:
        return list(lines), []
    zone_ids = ordered[zone_at:]
    zone = [lines[i] for i in zone_ids if not _RULE.match(lines[i].text.replace(" ", ""))]
    in_zone = set(zone_ids)
    body = [line for i, line in enumerate(lines) if i not in in_zone]
    return body, zone


def parse_footnotes(zone: Sequence[Line], page: int, last_marker: int | None,
                    vocab: Vocabulary) -> tuple[list[Footnote], str]:
    """Footnotes from the lines of a footnote zone, and any text that continues the
    previous page's last footnote (lines before the first marker)."""
    if not zone:
        return [], ""
    left = min(line.x for line in zone)
    continuation_x = Counter(round(line.x) for line in zone).most_common(1)[0][0]
    notes: list[list[str]] = []
    markers: list[str] = []
    carried: list[str] = []
    expected = last_marker + 1 if last_marker is not None else None
    for i, line in enumerate(zone):
        hanging = line.x < continuation_x - 2 and line.x <= left + 1
        start = _footnote_start(line, expected, hanging, first=i == 0)
        if start:
            markers.append(start[0])
            notes.append([start[1]])
            expected = int(start[0]) + 1 if start[0].isdigit() else expected
        elif notes:
            notes[-1].append(line.text)
        else:
            carried.append(line.text)
    found = [Footnote(page, marker, finish_paragraph(parts, vocab, ()))
             for marker, parts in zip(markers, notes)]
    return [note for note in found if note.text], finish_paragraph(carried, vocab, ())


# --- paragraphs ---------------------------------------------------------------------------

_NUMBERED = re.compile(r"^\d{1,3}\.(?:\d{1,2}\.?)?\s+\S")
_LETTERED = re.compile(r"^\((?:[a-z]{1,2}|[ivxlc]{1,6}|\d{1,2})\)\s+\S")
_BULLET = re.compile(r"^[•▪◦●■□➢►\uf0b7\uf0a7]\s*\S")
_DASH_ITEM = re.compile(r"^[-–—]\s+\S")
_HEADING = re.compile(
    r"^(?:Chapter\s+[IVXLC\d]+|Annex(?:es)?\b|Appendix\b|[IVXLC]{1,6}\.\s|[A-Z]\.\s|"
    r"(?:Decision|Resolution|Part|Section)\s+[\dIVXLC]+(?:/\d+)?)"
)
_SHORT_HEADING = re.compile(
    r"^(?:Chapter\s+[IVXLC\d]+|Annex(?:es)?(?:\s+[IVXLC\d]+)?|Appendix(?:\s+[IVXLC\d]+)?|"
    r"(?:Decision|Resolution)\s+[\dA-Z./]+|Contents|Summary|Introduction)$"
)
_PREAMBULAR = re.compile(
    r"^(?:[A-Z][a-z]+ing|Aware|Mindful|Conscious|Convinced|Concerned|Cognizant|Deeply|"
    r"Bearing|Having|Guided|Determined|Alarmed|Gravely|Acknowledging|Desirous)\b"
)
_ENDS_SENTENCE = re.compile(r"[.!?:;][\"'”’)\]]*$")
_ENDS_CLAUSE = re.compile(r"[.!?:;,][\"'”’)\]]*$")


def doc_stats(pages: Iterable[Sequence[Line]]) -> DocStats:
    """Body font size, line spacing and full line length, measured over a document."""
    sizes: Counter[float] = Counter()
    gaps: Counter[float] = Counter()
    lengths: list[int] = []
    for lines in pages:
        for prev, line in zip(lines, lines[1:]):
            gap = prev.y - line.y
            if abs(prev.size - line.size) < 0.3 and 0 < gap < 3 * line.size:
                gaps[round(gap / line.size * 20) / 20] += 1
        for line in lines:
            sizes[line.size] += len(line.text)
    if not sizes:
        return DocStats()
    body = sizes.most_common(1)[0][0]
    for lines in pages:
        lengths += [len(line.text) for line in lines if abs(line.size - body) < 0.3]
    # The tightest common spacing is the one inside paragraphs; wider ones separate them.
    top = max(gaps.values(), default=0)
    spacing = min((ratio for ratio, n in gaps.items() if n >= 0.3 * top), default=1.2)
    lengths.sort()
    full = lengths[int(0.8 * (len(lengths) - 1))] if lengths else 80
    return DocStats(body_size=body, spacing=min(max(spacing, 1.0), 1.6), line_chars=max(full, 20))


def starts_paragraph(prev: Line, line: Line, stats: DocStats) -> bool:
    """Whether `line` opens a new paragraph after `prev` (the line drawn before it)."""
    ended = bool(_ENDS_SENTENCE.search(prev.text))
    clause = bool(_ENDS_CLAUSE.search(prev.text))
    lower = line.text[:1].islower()
    if line.y > prev.y + 2:  # jumped up: a new column or a block drawn out of order
        return ended or not lower
    if line.lead:  # a note under a table or box, opened by its raised marker
        return True
    if prev.y - line.y > (stats.spacing + 0.3) * max(min(prev.size, line.size), 1.0):
        return True
    if abs(prev.size - line.size) > 0.6 or abs(prev.bold - line.bold) > 0.9:
        return True
    if lower and not ended:  # a sentence running on; hanging indents move such lines right
        return False
    if _SHORT_HEADING.match(prev.text) or _BULLET.match(line.text):
        return True
    if ended and (_HEADING.match(line.text) or _DASH_ITEM.match(line.text)):
        return True
    if clause and (_NUMBERED.match(line.text) or _LETTERED.match(line.text) or _PREAMBULAR.match(line.text)):
        return True
    if clause and (line.indented or line.x > prev.x + 4):
        return True
    return ended and len(prev.text) < 0.7 * stats.line_chars


def group_paragraphs(lines: Sequence[Line], stats: DocStats) -> list[list[str]]:
    """Lines grouped into paragraphs, each a list of line texts."""
    paragraphs: list[list[str]] = []
    prev: Line | None = None
    for line in lines:
        if not line.text:
            continue
        if prev is None or starts_paragraph(prev, line, stats):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
        prev = line
    return paragraphs


# --- words, hyphens and characters --------------------------------------------------------

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


# --- title -----------------------------------------------------------------------------------

_NOT_TITLE = re.compile(
    r"^(?:United Nations|General Assembly|Economic and Social Council|Security Council|"
    r"Human Rights Council|Distr\.|Original|Official Records|Supplement|Agenda item|Item \d|"
    r"Executive Board|UNITED|NATIONS|Convention to Combat|Desertification|"
    r"(?:\S+\s+){0,2}session(?:\s+\d{4})?$|"  # "Fifty-ninth session", "First regular session 2025"
    r"(?:\S+\s+){0,4}(?:Board|Council|Assembly|Commission|Committee)$|"  # an organ's name
    r"(?:Chapter\s|[IVXLC]+\.\s|\d+\.\s|[A-Z]\.\s))",  # numbered headings
    re.IGNORECASE,
)


def _title_blocks(lines: Sequence[Line]) -> list[list[Line]]:
    """Runs of consecutive lines in one font size, close together: title candidates."""
    blocks: list[list[Line]] = []
    for line in lines:
        last = blocks[-1][-1] if blocks else None
        if last and line.size == last.size and 0 < last.y - line.y <= 1.6 * line.size:
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def find_title(lines: Sequence[Line], height: float, body_size: float = 10.0) -> str | None:
    """The document's title from its first page: the largest text block below the masthead."""
    blocks = [
        block for block in _title_blocks(lines)
        if 0.1 * height < block[0].y < 0.75 * height and block[0].size > body_size + 0.5
        and not _NOT_TITLE.match(block[0].text) and not is_noise_line(block[0].text)
        and len(" ".join(line.text for line in block).split()) >= 2
    ]
    if not blocks:
        return None
    best = max(blocks, key=lambda block: block[0].size)  # max keeps the first of equals
    text = " ".join(line.text for line in best)
    title = clean_text(repair_split_hyphens(text, Vocabulary(frozenset(), frozenset()))).rstrip("*")
    return title if 8 <= len(title) <= 300 else None


def is_junk_title(title: str | None) -> bool:
    """Metadata titles that are no title: empty, a job number, a file name, a symbol."""
    if not title or len(title.strip()) < 6:
        return True
    t = title.strip()
    return bool(
        re.fullmatch(r"[\w.\-]*\d{2}-?\d{4,}[\w.\-]*(?:\s*\(E\))?", t)
        or re.search(r"\.(?:docx?|pdf|indd|rtf)$", t, re.IGNORECASE)
        or re.match(r"Microsoft Word", t)
        or is_noise_line(t)
    )


# --- the whole document ------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanDocument:
    """A cleaned document: its pages, footnotes and remarks on what was dropped."""

    pages: tuple[CleanPage, ...]
    footnotes: tuple[Footnote, ...]
    notes: tuple[str, ...]
    title: str | None = None


def _collect_footnotes(zones: Sequence[tuple[int, list[Line]]], vocab: Vocabulary) -> list[Footnote]:
    """Footnotes of all pages, a note's text carried over a page break appended to it."""
    footnotes: list[Footnote] = []
    last: int | None = None
    for number, zone in zones:
        found, carried = parse_footnotes(zone, number, last, vocab)
        if carried and footnotes:
            previous = footnotes[-1]
            footnotes[-1] = replace(previous, text=f"{previous.text} {carried}")
        footnotes += found
        digits = [int(note.marker) for note in found if note.marker.isdigit()]
        last = digits[-1] if digits else last
    return footnotes


def _line_breaks(pages: Iterable[Sequence[Line]]) -> list[tuple[str, str]]:
    """(head, tail) around every line-end hyphen followed by a lower-case word."""
    found = []
    for lines in pages:
        for prev, line in zip(lines, lines[1:]):
            pair = hyphen_break(_SPACE_BEFORE_HYPHEN.sub(r"\1-\2", prev.text), line.text)
            if pair and pair[1][:1].islower() and pair[1].lower() not in _KEEP_SUSPENDED:
                found.append(pair[:2])
    return found


def clean_document(pages: Sequence[PageLayout]) -> CleanDocument:
    """Clean every page of a document: headers, footers, contents, footnotes, paragraphs."""
    repeated = running_line_keys(pages)
    symbols = own_symbols(pages)
    stripped = [strip_running_lines(page, repeated, symbols, len(pages))[0] for page in pages]
    contents: dict[int, int] = {}
    kept: list[list[Line]] = []
    for page, lines in zip(pages, stripped):
        lines, dropped = drop_contents(lines)
        kept.append(lines)
        if dropped:
            contents[page.number] = dropped
    stats = doc_stats(kept)
    bodies: list[list[Line]] = []
    zones: list[tuple[int, list[Line]]] = []
    for page, lines in zip(pages, kept):
        body, zone = split_footnotes(lines, stats, page.height)
        bodies.append(body)
        zones.append((page.number, zone))
    vocab = Vocabulary.from_texts(line.text for lines in kept for line in lines)
    vocab = vocab.with_style(_line_breaks(bodies), sum(len(lines) for lines in bodies))
    footnotes = _collect_footnotes(zones, vocab)
    texts: list[list[str]] = []
    for page, body in zip(pages, bodies):
        markers = {m for line in body for ref in line.refs for m in ref.split(",")}
        markers |= {note.marker for note in footnotes if note.page == page.number}
        paragraphs = [finish_paragraph(p, vocab, markers) for p in group_paragraphs(body, stats)]
        texts.append([p for p in paragraphs if p])
    for previous, following in zip(texts, texts[1:]):
        mend_page_break(previous, following, vocab)
    notes = []
    if contents:
        notes.append(f"dropped {sum(contents.values())} contents line(s) on {len(contents)} page(s): "
                     + ", ".join(map(str, contents)))
    by_page = {number: tuple(n for n in footnotes if n.page == number) for number, _ in zones}
    clean = tuple(CleanPage(page.number, tuple(t), by_page[page.number]) for page, t in zip(pages, texts))
    title = find_title(stripped[0], pages[0].height, stats.body_size) if pages else None
    return CleanDocument(clean, tuple(footnotes), tuple(notes), title)

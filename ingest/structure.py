"""Recognise the structure of a document: headings, preambular and operative paragraphs, numbered paragraphs.

Labels: ``pp. 3`` (third preambular paragraph), ``op. 6``, ``op. 6 (b)``, ``op. 6 (b) (ii)``; in
reports ``para. 22`` and ``para. 22 (b)``; items of a list set out by an operative paragraph (a
provisional agenda) ``item 3``. An operative paragraph without a number (a one-paragraph decision)
is ``op. 1``, and lettered operative paragraphs with no number above them are ``op. (a)``.

A resolution or decision starts at its title ("1992/41. Technical cooperation ...", "Decision 22/1
...", "Draft resolution I ...", "591(XXIX) ...") or at its adopting body ("The Economic and Social
Council,"); it ends at a chapter or annex heading, at the closing "41st plenary meeting" line, or
when a numbered paragraph carries on the numbering of the report around it. Numbering restarts
for each resolution, and the heading path names it.

PDF text often arrives with running headers, footnotes in the middle of a paragraph and several
preambular paragraphs glued into one; footnotes become ``footnote`` blocks, a paragraph broken by
them is joined again, and glued preambular paragraphs are split at their opening participles.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.symbols import roman_to_int, to_roman
from ingest.types import (
    KIND_FOOTNOTE,
    KIND_HEADING,
    KIND_LIST_ITEM,
    KIND_OPERATIVE,
    KIND_PARAGRAPH,
    KIND_PREAMBULAR,
    Block,
    Paragraph,
)

_MARKUP = "*_#"
# Opening words of preambular paragraphs (participles and adjectives), capitalised.
_PREAMBULAR_WORDS = (
    r"Recalling|Reaffirming|Recognizing|Recognising|Noting|Taking|Bearing|Welcoming|Concerned|Convinced|Considering|"
    r"Emphasizing|Emphasising|Stressing|Acknowledging|Affirming|Aware|Believing|Deeply|Determined|Expressing|Guided|"
    r"Having|Mindful|Reiterating|Underlining|Underscoring|Alarmed|Appreciating|Conscious|Desiring|Encouraged|"
    r"Keeping|Observing|Seeking|Referring|Realizing|Commending|Cognizant|Reviewing|Regretting|Gravely|Highlighting|"
    r"Pursuant|Encouraging|Acting|Confirming|Endorsing|Deploring|Fully|Reasserting|Further (?:recalling|noting|"
    r"recognizing|reaffirming|welcoming|stressing|emphasizing|bearing|taking|acknowledging)"
)
# Opening verbs of operative paragraphs, used only for paragraphs without a number.
_OPERATIVE_WORDS = (
    r"Decides|Approves|Adopts|Takes note|Requests|Endorses|Welcomes|Invites|Urges|Calls upon|Calls on|Encourages|"
    r"Recommends|Authorizes|Reaffirms|Recognizes|Stresses|Emphasizes|Notes|Expresses|Acknowledges|Agrees|Affirms|"
    r"Supports|Appeals|Declares|Elects|Appoints|Proclaims|Recalls|Underlines|Underscores|Reiterates|Commends|"
    r"Congratulates|Designates|Requests|Confirms|Concurs|Accepts"
)
_PREAMBULAR = re.compile(rf"^[*_]*(?:{_PREAMBULAR_WORDS})\b")
_OPERATIVE_VERB = re.compile(rf"^[*_]*(?:(?:Also|Further|Once again|Strongly|Again)\s+)?(?:{_OPERATIVE_WORDS})\b")
_OPENS_CLAUSE = re.compile(rf"^(?:{_PREAMBULAR_WORDS}|(?:(?:Also|Further)\s+)?(?:{_OPERATIVE_WORDS}))\b", re.IGNORECASE)
_LOWER_OPERATIVE = re.compile(r"^(?:decides|takes note|adopts|approves|endorses|requests|recommends)\b")
_GLUED_CLAUSE = re.compile(
    rf"(?<=[,;])\s*(?:\d{{1,3}}\s+)?(?=(?:{_PREAMBULAR_WORDS})\b|(?:(?:Also|Further)\s+)?(?:{_OPERATIVE_WORDS})\b)")
_ADOPTING_BODY = re.compile(
    r"^[*_]*The\s+(?P<body>General Assembly|Economic and Social Council|Security Council|Human Rights Council|"
    r"Trade and Development Board|(?:[A-Z][\w\-]*\s+)*(?:Commission|Committee|Council|Conference|Board|Assembly|Forum)"
    r"(?:\s+(?:of|for|on|to|and|the|in)(?:\s+(?:the|of|and|for|on|to|in|[A-Z][\w\-]*))*?\s+[A-Z][\w\-()]*)?)"
    r"[*_]*(?P<end>\s*[,:]|\s+(?=(?:decides|takes note|adopts|approves|endorses|requests|recommends)\b))"
)
_GLUED_TITLE = re.compile(r"^(?P<title>(?:\d{1,4}\s?\([IVXL]+\)|\d{2,4}/\d{1,3}\.)\s*[^a-z]+?)\s*"
                          r"(?P<rest>The\s+[A-Z].*)$")
_CLOSING = re.compile(r"^[*_]*\d{1,4}(?:st|nd|rd|th)\s+(?:plenary\s+)?meeting\b", re.IGNORECASE)
_NUMBERED = re.compile(r"^[*_]*(\d{1,3})\.[*_]*\s+(\S.*)$")
_SUB_ITEM = re.compile(r"^[*_]*\(([a-z]{1,2}|[ivxl]{1,6}|\d{1,2})\)[*_]*\s+(\S.*)$")
_FOOTNOTE_RULE = re.compile(r"\s*_{5,}\s*")
_FOOTNOTE_START = re.compile(r"^(?:\d{1,3}\s+[A-Z“\"'(]|\*{1,3}\s+\S)")
_FOOTNOTE_HINT = re.compile(r"\b(?:resolutions?|decisions?|See|Ibid|Official Records|publication|Treaty Series|annex|"
                            r"Report|available at|Adopted|Supplement|vol\.)\b|https?://|[A-Z]{1,6}/\d")
_NOISE_TOKEN = re.compile(r"^(?:[A-Z]{0,6}(?:\.\d{1,3})?(?:/[\w.()\-]*)+\*?|-?[A-Z]{1,6}/[\w.]*|\d{1,4}/\d{1,4}|"
                          r"(?:GE\.)?\d{2}-\d{5}X?\*?|"
                          r"\(E\)|\*\d{5,}\*|\d{6}|[ivxlc]{1,6}|\d{1,4}|[Pp]age|\*{1,3})$")
_ENDS_SENTENCE = re.compile(r"[.;:!?]['\"”’)*_]*(?:\s*\d{1,3})?$")
_ENDS_CLAUSE = re.compile(r"[.,;:!|]['\"”’)*_]*$")
_DOT_LEADERS = re.compile(r"\.\s?\.\s?\.\s?\.")
_DATE_LINE = re.compile(r"\b\d{1,2}:\d{2}\b|^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")

_LEVEL_PART, _LEVEL_ROMAN, _LEVEL_LETTER, _LEVEL_TITLE, _LEVEL_BARE = 1, 2, 3, 4, 5
_PART_HEADING = re.compile(r"^(?:Chapter|CHAPTER|Part|PART|Annex|ANNEX|Appendix|APPENDIX|Enclosure|Attachment)"
                           r"(?:\s+[IVXLC\d]+\b|\s*$)")
_TITLE_HEADING = re.compile(
    r"^(?:(?:Draft\s+)?(?:[Rr]esolution|[Dd]ecision)\s+(?:[IVXLC]+|\d{1,4}/\d{1,3}|\d{1,4}\s?\([IVXL]+\)|[A-Z]?\d{1,4})"
    r"(?:\s+[A-H])?(?:\s|$)|\d{4}/\d{1,3}\.\s+\S|\d{2}/\d{1,3}\.\s+[A-Z]|\d{1,4}\s?\([IVXL]+\)\s+[A-Z]|"
    r"(?:Resolution|Decision) adopted by the\s)")
_LABEL_ONLY = re.compile(r"^(?:Chapter|CHAPTER|Part|PART|Annex|ANNEX|Appendix|"
                         r"(?:Draft\s+)?(?:[Rr]esolution|[Dd]ecision))(?:\s+\S+)?$")
_ROMAN_HEADING = re.compile(r"^[IVXL]{1,7}\.\s+[A-Z\d“\"'‘]")
_LETTER_HEADING = re.compile(r"^[A-Z]\.\s+[A-Z\d“\"'‘]")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")


@dataclass(frozen=True)
class _Piece:
    """A paragraph or part of one, ready to classify."""

    text: str
    page_start: int
    page_end: int
    footnote: bool = False
    not_heading: bool = False  # one of a run of short lines: a list, not headings


# ---- splitting paragraphs into pieces -------------------------------------------------------


def _expand(paragraph: Paragraph) -> list[_Piece]:
    """Split off footnotes after a rule and a resolution title glued to its adopting body."""
    parts = _FOOTNOTE_RULE.split(paragraph.text, maxsplit=1)
    pieces: list[_Piece] = []
    text = parts[0].strip()
    if glued := _GLUED_TITLE.match(text):
        pieces.append(_Piece(glued.group("title").strip(), paragraph.page_start, paragraph.page_end))
        text = glued.group("rest")
    if text:
        pieces.append(_Piece(text, paragraph.page_start, paragraph.page_end))
    if len(parts) > 1 and parts[1].strip():
        pieces.append(_Piece(parts[1].strip(), paragraph.page_end, paragraph.page_end, footnote=True))
    return pieces


def _mark_footnotes(pieces: list[_Piece]) -> list[_Piece]:
    """Mark "2 General Assembly resolution 64/222, annex." and the like as footnotes."""
    out: list[_Piece] = []
    for index, piece in enumerate(pieces):
        if not piece.footnote and ((_FOOTNOTE_START.match(piece.text) and _looks_like_footnote(pieces, index, out))
                                   or _interrupts(pieces, index)):
            piece = replace(piece, footnote=True)
        out.append(piece)
    return out


def _interrupts(pieces: list[_Piece], index: int) -> bool:
    """A short sentence standing between a paragraph cut mid-sentence and its lower-case rest is a
    footnote whose marker was lost ("... cooperation among" / "Report on ... (LC/G.2160)." / "developing ...")."""
    text = pieces[index].text
    if len(text.split()) > 50 or not _ENDS_SENTENCE.search(text) or text[:1].islower():
        return False
    before, after = _neighbour(pieces, index, -1), _neighbour(pieces, index, 1)
    return bool(before) and not _ENDS_SENTENCE.search(before) and after[:1].islower() and len(before.split()) > 8


def _neighbour(pieces: list[_Piece], index: int, step: int) -> str:
    """Text of the nearest piece before (step -1) or after (step 1) that is neither a footnote nor noise."""
    index += step
    while 0 <= index < len(pieces):
        if not pieces[index].footnote and not _is_noise(pieces[index].text):
            return pieces[index].text
        index += step
    return ""


def _looks_like_footnote(pieces: list[_Piece], index: int, done: list[_Piece]) -> bool:
    text = pieces[index].text
    if done and done[-1].footnote:
        return True
    if _neighbour(pieces, index, 1)[:1].islower():
        return True  # it interrupts a paragraph that goes on after it
    return len(text.split()) <= 50 and bool(_FOOTNOTE_HINT.search(text))


def _join_label_headings(pieces: list[_Piece]) -> list[_Piece]:
    """Join "Chapter I" / "Draft decision II" / "Resolution 68/1" to the title line after it."""
    out: list[_Piece] = []
    for piece in pieces:
        previous = out[-1] if out else None
        if (previous is not None and not piece.footnote and _LABEL_ONLY.match(_plain(previous.text))
                and _heading(previous.text) and _title_line(piece.text)):
            out[-1] = _Piece(f"{_plain(previous.text)} {_plain(piece.text)}", previous.page_start, piece.page_end)
        else:
            out.append(piece)
    return out


def _demote_runs(pieces: list[_Piece]) -> list[_Piece]:
    """In a run of short title-like lines (front matter, lists of names) only the last is a heading."""
    bare = [not p.footnote and not _is_noise(p.text) and _heading(p.text) == (_LEVEL_BARE, _plain(p.text))
            for p in pieces]
    out = list(pieces)
    for index, piece in enumerate(pieces):
        if not bare[index]:
            continue
        following = next((j for j in range(index + 1, len(pieces))
                          if not pieces[j].footnote and not _is_noise(pieces[j].text)), None)
        if following is not None and bare[following]:
            out[index] = replace(piece, not_heading=True)
    return out


def _title_line(text: str) -> bool:
    """A line that can be the title under "Chapter I" or "Draft decision II"."""
    plain = _plain(text)
    return (0 < len(plain.split()) <= 40 and plain[:1].isupper() and not _ENDS_CLAUSE.search(plain)
            and _heading(plain) in (None, (_LEVEL_BARE, plain)) and not _NUMBERED.match(plain))


def _split_clauses(text: str) -> list[str]:
    """Split preambular (and unnumbered operative) paragraphs that PDF extraction glued together."""
    cuts = [m.start() for m in _GLUED_CLAUSE.finditer(text)]
    parts, start = [], 0
    for cut in cuts:
        parts.append(text[start:cut].strip())
        start = cut
    parts.append(text[start:].strip())
    return [_strip_marker(part) for part in parts if part]


def _strip_marker(text: str) -> str:
    """Drop a footnote number left at the start of a piece ("1 Reaffirming ...")."""
    return re.sub(r"^\d{1,3}\s+(?=[A-Z])", "", text)


def _next_roman(roman: str) -> str:
    value = roman_to_int(roman)
    return to_roman(value + 1).lower() if value is not None else ""


# ---- classifying pieces ---------------------------------------------------------------------


def parse_blocks(paragraphs: list[Paragraph]) -> list[Block]:
    """Classify paragraphs into Blocks with labels and heading paths."""
    return StructureParser().parse(paragraphs)


class StructureParser:
    """Classifies a document's pieces one after another; its fields say where it stands.

    One parser reads one document (`parse`): each piece is a footnote, page furniture, the rest of
    the paragraph before it, a heading, an adopting formula, or a paragraph whose kind and label
    follow from what came before.
    """

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.headings: list[tuple[int, str]] = []  # (level, text) of the headings above the current piece
        self.mode = "text"  # "text", "resolution" or "list" (items set out by an operative paragraph)
        self.preambular_count = 0  # preambular paragraphs so far in this resolution
        self.parent_label: str | None = None  # label of the operative paragraph (or item) sub-items belong to
        self.last_operative_number = 0  # number of the last numbered operative paragraph
        self.operative_count = 0  # operative paragraphs of any kind in this resolution
        self.report_paragraph: str | None = None  # number of the report paragraph sub-items belong to
        self.last_report_number = 0
        self.last_item_number = 0  # of a list set out by an operative paragraph (a provisional agenda)
        self.letter: str | None = None  # the current sub-item's letter: (a), (b)
        self.roman: str | None = None  # the current sub-sub-item's numeral: (i), (ii)
        self.section_since_number = False  # a section heading came since the last numbered paragraph
        self.last_content_index: int | None = None  # the block a broken paragraph continues

    def parse(self, paragraphs: list[Paragraph]) -> list[Block]:
        """Classify paragraphs into Blocks with labels and heading paths."""
        pieces = _mark_footnotes([piece for paragraph in paragraphs for piece in _expand(paragraph)])
        for piece in _demote_runs(_join_label_headings(pieces)):
            self._take(piece)
        return self.blocks

    def _take(self, piece: _Piece) -> None:
        """Classify one piece and move the parser on."""
        text = piece.text
        if piece.footnote:
            self._emit(KIND_FOOTNOTE, text, piece, None, content=False)
        elif _is_noise(text):
            self._emit(KIND_PARAGRAPH, text, piece, None, content=False)
        elif self._continues(text):
            self._continue(piece)
        elif not piece.not_heading and (heading := _heading(text)):
            self._on_heading(heading, piece)
        elif (body := _ADOPTING_BODY.match(text)) and self._is_adopting_body(body, text):
            self._on_body(body, piece)
        elif _CLOSING.match(text):
            self._emit(KIND_PARAGRAPH, text, piece, None)
            self.mode = "text"
        elif self._may_be_glued(text) and len(parts := _split_clauses(text)) > 1:
            for part in parts:
                self._take(replace(piece, text=part))
        else:
            self._classify(piece)

    def _may_be_glued(self, text: str) -> bool:
        """Preambular paragraphs are glued together only before the first operative paragraph."""
        return (self.mode != "text" and self.operative_count == 0 and not _NUMBERED.match(text)
                and not _SUB_ITEM.match(text))

    def _is_adopting_body(self, body: re.Match[str], text: str) -> bool:
        """'The General Assembly,' opens a resolution; 'The Committee, at its 5th meeting, ...' does not."""
        rest = text[body.end():].strip(_MARKUP + " ")
        if body.group("end").strip() in (",", ":"):
            return not rest or bool(_OPENS_CLAUSE.match(rest))
        # "The Economic and Social Council decides ..." only right under a decision's title
        return self.mode == "resolution" and self.preambular_count == 0 and self.operative_count == 0

    def _classify(self, piece: _Piece) -> None:
        text = piece.text
        if numbered := _NUMBERED.match(text):
            self._on_numbered(int(numbered.group(1)), piece)
        elif item := _SUB_ITEM.match(text):
            self._on_item(item.group(1), piece)
        elif self.mode != "text" and _PREAMBULAR.match(text) and self._starts_preamble(text):
            self.preambular_count += 1
            self._emit(KIND_PREAMBULAR, text, piece, f"pp. {self.preambular_count}")
        elif self.mode != "text" and _OPERATIVE_VERB.match(text) and self.last_operative_number == 0:
            self._unnumbered_operative(piece)
        elif self._carries_on_labelled():
            self._continue(piece)
        else:
            self._emit(KIND_PARAGRAPH, text, piece, None)

    def _carries_on_labelled(self) -> bool:
        """An unnumbered piece after a numbered paragraph cut mid-sentence ("... Universal Declaration of" /
        "Human Rights and ...") carries it on, even though it starts with a capital."""
        if self.last_content_index is None:
            return False
        last = self.blocks[self.last_content_index]
        return last.label is not None and not re.search(r"[.,;:!?]['\"”’)*_]*(?:\s*\d{1,3})?$", last.text)

    def _starts_preamble(self, text: str) -> bool:
        """A preambular paragraph: before any operative one, or opening a new part (A, B) of the text."""
        if self.operative_count == 0:
            return True
        if re.search(r",['\"”’)*_]*(?:\s*\d{1,3})?$", text):
            self._new_resolution()
            return True
        return False

    def _unnumbered_operative(self, piece: _Piece) -> None:
        self.mode = "resolution"
        self.operative_count += 1
        self.parent_label = f"op. {self.operative_count}"
        self.letter = self.roman = None
        self._emit(KIND_OPERATIVE, piece.text, piece, self.parent_label)

    def _on_body(self, body: re.Match[str], piece: _Piece) -> None:
        """'The Economic and Social Council,' opens a resolution; text glued after it is classified too."""
        if self.mode == "text" or self.preambular_count or self.operative_count:
            self._new_resolution()
        self.mode = "resolution"
        rest = piece.text[body.end():].strip()
        if not rest or (body.group("end").strip() in (",", ":") and rest[:1].isupper()):
            self._emit(KIND_PARAGRAPH, piece.text[:body.end()].strip(), piece, None)
            for part in _split_clauses(rest) if rest else []:
                self._take(replace(piece, text=part))
        elif _LOWER_OPERATIVE.match(rest):
            self._unnumbered_operative(piece)
        else:  # "The Council, recalling ..., recognizing ...:" written as one lower-case preamble
            self.preambular_count += 1
            self._emit(KIND_PREAMBULAR, piece.text, piece, f"pp. {self.preambular_count}")

    def _on_numbered(self, number: int, piece: _Piece) -> None:
        if self.mode == "list":
            if number == self.last_item_number + 1 and not self.section_since_number:
                self.last_item_number = number
                self.parent_label, self.letter, self.roman = f"item {number}", None, None
                self._emit(KIND_LIST_ITEM, piece.text, piece, self.parent_label)
                return
            self.mode = "resolution"
        if self.mode == "resolution" and self._leaves_resolution(number):
            self.mode = "text"
        if self.mode == "resolution":
            self._numbered_operative(number, piece)
            return
        self.last_report_number, self.report_paragraph, self.section_since_number = number, str(number), False
        self.letter = self.roman = None
        self._emit(KIND_PARAGRAPH, piece.text, piece, f"para. {number}")

    def _leaves_resolution(self, number: int) -> bool:
        """Whether a numbered paragraph carries on the report's numbering rather than the resolution's."""
        carries_report = self.last_report_number > 0 and number == self.last_report_number + 1
        return carries_report and (self.section_since_number or number != self.last_operative_number + 1)

    def _numbered_operative(self, number: int, piece: _Piece) -> None:
        self.section_since_number = False
        # an agenda set out by "Approves the following:"
        if number == 1 and self.operative_count > 0 and self.last_operative_number == 0:
            self.mode, self.last_item_number = "list", 1
            self.parent_label, self.letter, self.roman = "item 1", None, None
            self._emit(KIND_LIST_ITEM, piece.text, piece, self.parent_label)
            return
        self.last_operative_number, self.operative_count = number, self.operative_count + 1
        self.parent_label, self.letter, self.roman = f"op. {number}", None, None
        self._emit(KIND_OPERATIVE, piece.text, piece, self.parent_label)

    def _on_item(self, token: str, piece: _Piece) -> None:
        """A lettered (or Roman-numbered) sub-item of the paragraph above it."""
        if self._is_roman_level(token):
            self.roman = token
            suffix = f"({self.letter}) ({token})"
        else:
            self.letter, self.roman = token, None
            suffix = f"({token})"
        if self.mode == "text":
            label = f"para. {self.report_paragraph} {suffix}" if self.report_paragraph else None
            self._emit(KIND_LIST_ITEM, piece.text, piece, label)
        elif self.mode == "list":
            self._emit(KIND_LIST_ITEM, piece.text, piece, f"{self.parent_label} {suffix}")
        elif self.operative_count == 0 and self.preambular_count > 0:
            self._emit(KIND_PREAMBULAR, piece.text, piece, f"pp. {self.preambular_count} {suffix}")
        else:
            if self.parent_label is None:
                self.operative_count += 1
            self._emit(KIND_OPERATIVE, piece.text, piece, f"{self.parent_label or 'op.'} {suffix}")

    def _is_roman_level(self, token: str) -> bool:
        if self.letter is None or not re.fullmatch(r"[ivxl]+", token):
            return False
        if self.roman is None:
            return token == "i" and self.letter != "h"
        return token == _next_roman(self.roman)

    def _on_heading(self, heading: tuple[int, str], piece: _Piece) -> None:
        level, text = heading
        if level == _LEVEL_TITLE:
            self._new_resolution()
            self.mode = "resolution"
        elif level == _LEVEL_PART:
            self.mode = "text"
        elif level in (_LEVEL_ROMAN, _LEVEL_LETTER):
            self.section_since_number = True
        self.headings = [h for h in self.headings if h[0] < level]
        self._emit(KIND_HEADING, text, piece, None, content=False)
        self.headings.append((level, text))

    def _new_resolution(self) -> None:
        self.preambular_count = self.last_operative_number = self.operative_count = self.last_item_number = 0
        self.parent_label = self.letter = self.roman = None
        self.section_since_number = False

    def _emit(self, kind: str, text: str, piece: _Piece, label: str | None, content: bool = True) -> None:
        self.blocks.append(Block(kind=kind, text=text, page_start=piece.page_start, page_end=piece.page_end,
                                  label=label, heading_path=tuple(h for _, h in self.headings)))
        if content:
            self.last_content_index = len(self.blocks) - 1

    def _continues(self, text: str) -> bool:
        """A piece that carries on the last paragraph after a footnote, a running header or a page break."""
        if self.last_content_index is None or not text[:1].islower():
            return False
        return not _ENDS_SENTENCE.search(self.blocks[self.last_content_index].text)

    def _continue(self, piece: _Piece) -> None:
        parts = _split_clauses(piece.text) if self._may_be_glued(piece.text) else [piece.text]
        index = self.last_content_index
        assert index is not None, "only called when _continues or _carries_on_labelled found a paragraph"
        last = self.blocks[index]
        joined = last.text[:-1] + parts[0] if re.search(r"\w-$", last.text) else f"{last.text} {parts[0]}"
        self.blocks[index] = replace(last, text=joined, page_end=piece.page_end)
        for part in parts[1:]:
            self._take(replace(piece, text=part))


# ---- helpers --------------------------------------------------------------------------------


def _is_noise(text: str) -> bool:
    """Running headers and page furniture: "A/80/39", "4/31 25-09815", "iii", "*2509815*"."""
    tokens = text.split()
    return 0 < len(tokens) <= 8 and all(_NOISE_TOKEN.match(token) for token in tokens)


def _plain(text: str) -> str:
    return text.strip(_MARKUP + " ")


def _heading(text: str) -> tuple[int, str] | None:
    """(level, heading text) when the piece is a heading, else None."""
    if marked := _MD_HEADING.match(text):
        inner = _plain(marked.group(2))
        return (_LEVEL_TITLE, inner) if _TITLE_HEADING.match(inner) else (len(marked.group(1)), inner)
    plain = _plain(text)
    words = plain.split()
    if not words or len(words) > 40 or _DOT_LEADERS.search(plain) or _is_noise(plain) or "|" in plain:
        return None
    if _TITLE_HEADING.match(plain) and not re.search(r"[.,;:]$", plain) and len(words) <= 30:
        return _LEVEL_TITLE, plain
    if _ENDS_CLAUSE.search(plain):
        return None
    if _PART_HEADING.match(plain):
        return _LEVEL_PART, plain
    if _ROMAN_HEADING.match(plain) and len(words) <= 30:
        return _LEVEL_ROMAN, plain
    if _LETTER_HEADING.match(plain) and len(words) <= 30:
        return _LEVEL_LETTER, plain
    if (len(words) <= 12 and plain[:1].isupper() and not _NUMBERED.match(plain) and not _SUB_ITEM.match(plain)
            and not _DATE_LINE.search(plain)):
        return _LEVEL_BARE, plain
    return None


def adopting_body(text: str) -> str | None:
    """The body in an adopting formula: "The Economic and Social Council," -> "Economic and Social Council"."""
    match = _ADOPTING_BODY.match(text)
    if match is None:
        return None
    rest = text[match.end():].strip(_MARKUP + " ")
    if match.group("end").strip() in (",", ":") and (not rest or _OPENS_CLAUSE.match(rest)):
        return match.group("body")
    return match.group("body") if _LOWER_OPERATIVE.match(rest) else None


def is_resolution_title(text: str) -> bool:
    """Whether a heading names a resolution or decision ("1992/41. Technical ...", "Decision 22/1 ...")."""
    return _heading(text) == (_LEVEL_TITLE, _plain(text))

"""Stage 2, running headers and footers: drop the lines repeated at the top or bottom of many pages
(symbols, job numbers, barcodes, page numbers)."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ingest.pdf.types import Line, PageLayout

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

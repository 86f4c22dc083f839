"""Stage 1, runs to lines: glue the positioned text runs of one baseline into a visual line, lifting raised
footnote markers out of it."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ingest.pdf.types import Line, Run

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

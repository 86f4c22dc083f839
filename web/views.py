"""What the templates show, computed from the engine's values: facet links, pages, a document's outline."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.types import StoredChunk
from ingest.types import Document
from web.citation import citation, part_of, unique_label
from web.params import PageQuery, at_offset, query_string, with_filter

FACET_TITLES = {"doc_type": "Type", "body": "Body", "year": "Year", "country": "Country", "kind": "Paragraph kind"}
FILTER_TITLES = {"doc_type": "Type", "body": "Body", "symbol": "Symbol", "year_from": "From", "year_to": "To",
                 "country": "Country", "kind": "Paragraph kind"}
KIND_NAMES = {"preambular": "Preambular paragraph", "operative": "Operative paragraph", "paragraph": "Paragraph",
              "heading": "Heading", "list_item": "List item", "footnote": "Footnote", "title": "Title"}
SHOWN_OPTIONS = 8  # facet values shown before "more"


@dataclass(frozen=True)
class FacetOption:
    """One value of a facet: its name for people, its passage count, the link that applies it."""

    label: str
    count: int
    href: str
    active: bool


@dataclass(frozen=True)
class FacetGroup:
    """A facet: its title and its values, most frequent first."""

    name: str
    title: str
    options: list[FacetOption]


@dataclass(frozen=True)
class Pager:
    """Where this page sits in the result list."""

    first: int
    last: int
    total: int
    previous: str | None
    next: str | None


def page_href(query: PageQuery) -> str:
    """The search page for a query."""
    return "/?" + query_string(query)


def display_value(name: str, value: str) -> str:
    """A filter or facet value as people read it: country names, paragraph kinds."""
    if name == "country":
        return country_name(value)
    if name == "kind":
        return KIND_NAMES.get(value, value.replace("_", " "))
    return value


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """The country's common name for an ISO 3166-1 alpha-3 code, or the code."""
    import pycountry

    country = pycountry.countries.get(alpha_3=code.upper())
    return getattr(country, "common_name", None) or getattr(country, "name", None) or code


@lru_cache(maxsize=64)
def language_name(code: str) -> str:
    """The language's English name for an ISO 639 code, or the code."""
    import pycountry

    language = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return getattr(language, "name", None) or code


def facet_groups(query: PageQuery, facets: dict[str, list[tuple[str, int]]]) -> list[FacetGroup]:
    """Each facet with a link per value that narrows the current search to it."""
    groups = []
    for name, title in FACET_TITLES.items():
        options = [_option(query, name, value, count) for value, count in facets.get(name, [])]
        if name == "year":
            options.sort(key=lambda option: option.label, reverse=True)
        if options:
            groups.append(FacetGroup(name, title, options))
    return groups


def _option(query: PageQuery, name: str, value: str, count: int) -> FacetOption:
    filters = query.filters
    if name == "year":
        active = filters.year_from == filters.year_to == int(value)
        target = with_filter(query, year_from=int(value), year_to=int(value))
    else:
        current = getattr(filters, name)
        active = current is not None and current.lower() == value.lower()
        target = with_filter(query, **{name: value})
    return FacetOption(display_value(name, value), count, page_href(target), active)


def active_chips(query: PageQuery) -> list[tuple[str, str]]:
    """(text, link that removes it) for each filter in force."""
    return [(f"{FILTER_TITLES[name]}: {display_value(name, value)}", page_href(with_filter(query, **{name: None})))
            for name, value in query.active_filters()]


def cleared(query: PageQuery) -> str:
    """The same query with no filters."""
    names = {name: None for name, _ in query.active_filters()}
    return page_href(with_filter(query, **names))


def pager(query: PageQuery, shown: int, total: int) -> Pager:
    """Counts and previous/next links for a page of results."""
    first = query.offset + 1 if shown else 0
    last = query.offset + shown
    previous = page_href(at_offset(query, query.offset - query.k)) if query.offset > 0 else None
    following = page_href(at_offset(query, query.offset + query.k)) if last < total else None
    return Pager(first, last, total, previous, following)


# -- the document page ---------------------------------------------------------------------

@dataclass(frozen=True)
class Heading:
    """A heading of the document, shown where the passages under it begin."""

    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Passage:
    """A chunk on the document page: its text split into paragraphs, its anchors and its citation."""

    stored: StoredChunk
    paragraphs: list[str]
    citation: str
    label_anchor: str | None

    @property
    def depth(self) -> int:
        """How deep the paragraph is nested: "op. 6 (b)" is 1, "op. 6 (b) (ii)" is 2."""
        return len(re.findall(r"\([^)]*\)", self.stored.chunk.label or ""))


def outline(document: Document, chunks: list[StoredChunk]) -> list[Heading | Passage]:
    """The document in reading order: headings where the heading path changes, then each passage."""
    items: list[Heading | Passage] = []
    path: tuple[str, ...] = ()
    used: set[str] = set()
    # a report holding several decisions labels each one's paragraphs apart: "decision-22-2-op-1"
    several = len({part_of(c.chunk) for c in chunks} - {None}) > 1
    for stored in chunks:
        chunk = stored.chunk
        if chunk.heading_path != path:
            items.extend(_new_headings(path, chunk.heading_path, document.title, chunk.ordinal))
            path = chunk.heading_path
        label = unique_label(chunk) if several or (chunk.label or "").startswith("fn") else chunk.label
        anchor = label_anchor(label) if label else None
        if anchor in used:
            anchor = None
        used.add(anchor or "")
        paragraphs = [part for part in chunk.text.split("\n") if part.strip()] or [chunk.text]
        items.append(Passage(stored, paragraphs, citation(document, chunk), anchor))
    return items


def _new_headings(old: tuple[str, ...], new: tuple[str, ...], title: str, ordinal: int) -> list[Heading]:
    common = 0
    while common < min(len(old), len(new)) and old[common] == new[common]:
        common += 1
    return [Heading(min(level + 2, 6), text, f"h{ordinal}-{level}")
            for level, text in enumerate(new) if level >= common and text.strip() != title.strip()]


def label_anchor(label: str) -> str:
    """An anchor made from a paragraph label: "op. 6 (b)" -> "op-6-b"."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")

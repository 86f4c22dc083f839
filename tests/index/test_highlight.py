"""Highlight fragments: character spans from the analysed query (stem-, phrase- and symbol-aware), rendered
as escaped HTML with <mark> by the edge (web.marks), never cut inside a word or a mark."""
from __future__ import annotations

import re

import pytest
from support import CORPUS

from index.highlight import fragments as core_fragments
from index.highlight import highlight_spans
from index.query import analyse, stem
from web.marks import fragment_html

BRASILIA = (CORPUS / "brasilia-2013-training-management-south-south-cooperation.txt").read_text(encoding="utf-8")
ECLAC = (CORPUS / "eclac-resolution-591-xxix-cooperation-among-developing-countries.txt").read_text(encoding="utf-8")


def fragments(text: str, query: str, **options: int) -> tuple[str, ...]:
    """The core's fragments as the page and the API render them."""
    return tuple(fragment_html(text, f) for f in core_fragments(text, analyse(query), **options))


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    return highlight_spans(text, analyse(query))


def _marked(fragment: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", fragment)


def _plain(fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"</?mark>", "", fragment)).removeprefix("… ").removesuffix(" …")


@pytest.mark.parametrize("word, expected", [("cooperation", "cooper"), ("cooperative", "cooper"),
                                            ("countries", "countri"), ("country", "countri"),
                                            ("hopping", "hop"), ("agreed", "agre"), ("sky", "sky"),
                                            ("caresses", "caress")])
def test_snowball_stems(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_stems_mark_other_forms_of_a_word() -> None:
    text = "Countries cooperate; a cooperative country builds cooperation."
    marked = [text[a:b] for a, b in match_spans(text, "country cooperation")]
    assert marked == ["Countries", "cooperate", "cooperative", "country", "cooperation"]
    assert [text[a:b] for a, b in match_spans(text, "building")] == ["builds"]
    hoping = "Hoping, we hope; hopes."
    assert [hoping[a:b] for a, b in match_spans(hoping, "hoped")] == ["Hoping", "hope", "hopes"]


def test_incoming_does_not_mark_income() -> None:
    text = "Incoming requests rose while national income fell; the incomes of LDCs too."
    assert [text[a:b] for a, b in match_spans(text, "incoming requests")] == ["Incoming", "requests"]
    assert [text[a:b] for a, b in match_spans(text, "income")] == ["income", "incomes"]


def test_core_returns_offsets_into_the_passage() -> None:
    text = "Partners & the talent bank."
    (fragment,) = core_fragments(text, analyse("talent"))
    assert (fragment.start, fragment.end) == (0, len(text))
    assert [text[a:b] for a, b in fragment.marks] == ["talent"]


def test_stopwords_are_not_marked() -> None:
    (fragment,) = fragments("The use of the talent bank database is common.", "the use of a talent bank")
    assert _marked(fragment) == ["use", "talent", "bank"]


def test_html_is_escaped_and_only_mark_tags_remain() -> None:
    text = 'Partners <script>alert("x")</script> & the talent bank <img src=x onerror=alert(1)>.'
    (fragment,) = fragments(text, "talent script")
    assert "<script>" not in fragment and "<img" not in fragment
    assert "&lt;<mark>script</mark>&gt;" in fragment and "&amp;" in fragment
    assert re.sub(r"</?mark>", "", fragment).count("<") == 0


def test_quoted_phrase_is_marked_as_one_only_where_its_words_stand_together() -> None:
    text = "A legal basis helps. Every country should set a solid legal framework to regulate the framework."
    (fragment,) = fragments(text, '"legal framework"')
    assert _marked(fragment) == ["legal framework"]
    assert _marked(fragments(text, "legal framework")[0]) == ["legal", "legal", "framework", "framework"]


def test_symbol_in_query_is_marked_whole_in_any_written_form() -> None:
    text = ("Recalling its resolution 1992/41 of 30 July 1992 and E/RES/1992/41, and noting 41 projects "
            "approved in 1992 under resolution 33/134.")
    spans = [text[a:b] for a, b in highlight_spans(text, "1992/41")]
    assert spans == ["resolution 1992/41", "E/RES/1992/41"]
    # the symbol's own words are not marked on their own, the other words of the query are
    assert [text[a:b] for a, b in highlight_spans(text, "resolution 1992/41 projects")] == [
        "resolution 1992/41", "E/RES/1992/41", "projects"]


def test_fragments_never_open_or_close_inside_a_word() -> None:
    for query in ("talent bank database", "communication strategy", "legal framework", "South-South cooperation"):
        for fragment in fragments(BRASILIA, query, width=120):
            body = _plain(fragment)
            assert body, query
            start = BRASILIA.find(body)
            assert start >= 0, (query, body)
            end = start + len(body)
            assert start == 0 or not BRASILIA[start - 1].isalnum(), (query, body[:30])
            assert end == len(BRASILIA) or not (BRASILIA[end - 1].isalnum() and BRASILIA[end].isalnum()), body[-30:]
            assert not body.endswith("-"), body[-30:]


def test_fragments_prefer_sentence_starts_and_hold_the_query_together() -> None:
    (first, *_) = fragments(BRASILIA, "talent bank database")
    assert "<mark>talent</mark> <mark>bank</mark> <mark>database</mark>" in first
    assert _plain(first)[0].isupper()  # a sentence start within reach is used


def test_densest_fragments_first_limited_and_in_text_order() -> None:
    chosen = fragments(BRASILIA, "communication strategy cooperation", width=160, limit=2)
    assert len(chosen) == 2
    positions = [BRASILIA.find(_plain(f)) for f in chosen]
    assert positions == sorted(positions)
    assert all(len(set(m.lower() for m in _marked(f))) >= 2 for f in chosen)


def test_no_match_gives_no_fragment() -> None:
    assert fragments(ECLAC, "zebra unicorn") == ()

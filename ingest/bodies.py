"""UN bodies: one canonical name each, and the aliases people and documents use for it.

The canonical name is what a document's `body` holds, what the facet counts and the card shows;
a filter may name the body by any alias ("ECOSOC", "GA", "HLC", "Executive Board").
"""
from __future__ import annotations

import re
from functools import lru_cache

# canonical name -> aliases (matched without regard to case, spacing or a leading "the")
BODIES: dict[str, tuple[str, ...]] = {
    "General Assembly": ("GA", "UNGA", "United Nations General Assembly", "Assembly"),
    "Economic and Social Council": ("ECOSOC", "United Nations Economic and Social Council"),
    "Security Council": ("SC", "UNSC", "United Nations Security Council"),
    "Human Rights Council": ("HRC",),
    "High-level Committee on South-South Cooperation": (
        "HLC", "HLC-SSC", "High-level Committee",
        "High-level Committee on the Review of Technical Cooperation among Developing Countries"),
    "UNDP Executive Board": (
        "Executive Board", "UNDP/UNFPA/UNOPS Executive Board", "Executive Board of UNDP/UNFPA/UNOPS",
        "Executive Board of the United Nations Development Programme, the United Nations Population Fund "
        "and the United Nations Office for Project Services",
        "Executive Board of the United Nations Development Programme and of the United Nations Population Fund"),
    "High-level political forum on sustainable development": ("HLPF", "High-level political forum"),
    "Commission on the Status of Women": ("CSW",),
    "Commission on Narcotic Drugs": ("CND",),
    "Commission on Science and Technology for Development": ("CSTD",),
    "Committee for Programme and Coordination": ("CPC",),
    "Committee for Development Policy": ("CDP",),
    "Trade and Development Board": ("TDB",),
    "UNCTAD": ("United Nations Conference on Trade and Development",),
    "UNCCD Conference of the Parties": (
        "Conference of the Parties to the United Nations Convention to Combat Desertification",),
    "ECLAC": ("Economic Commission for Latin America and the Caribbean", "CEPAL"),
    "ESCAP": ("Economic and Social Commission for Asia and the Pacific",),
    "ESCWA": ("Economic and Social Commission for Western Asia",),
    "ECA": ("Economic Commission for Africa",),
    "ECE": ("Economic Commission for Europe", "UNECE"),
}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)).lower()


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for canonical, aliases in BODIES.items():
        for name in (canonical, *aliases):
            index[_key(name)] = canonical
    return index


def canonical_body(name: str | None) -> str | None:
    """The canonical name of a body named by any alias ("ECOSOC" -> "Economic and Social Council").

    A name we do not know is returned tidied (spaces collapsed), so no body is ever lost.
    """
    if name is None or not name.strip():
        return None
    return _index().get(_key(name), re.sub(r"\s+", " ", name.strip()))


def body_names(canonical: str) -> tuple[str, ...]:
    """The canonical name and its aliases."""
    return (canonical, *BODIES.get(canonical, ()))

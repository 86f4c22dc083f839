"""Named instruments ("the Buenos Aires Plan of Action") and the symbol of the text that adopted or
endorsed them, matched in context.

Each entry says where the link comes from: the resolution or conference report that adopted or
endorsed the instrument, as the instrument's own text or the UN's records name it. A name shared by
two instruments is resolved by its context: the Buenos Aires Plan of Action of 1978 (technical
cooperation among developing countries) is not the one of 1998 (climate change, FCCC/CP/1998/16/Add.1).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Instrument:
    """A named text, the symbol it is recorded under, and when a mention names it."""

    name: str
    pattern: str  # regex over a passage, case-sensitive as instruments' names are capitalised
    symbol: str
    source: str  # why this symbol: the adopting or endorsing text
    requires: str | None = None  # the passage or its document must match this to be this instrument
    excludes: str | None = None  # ... and must not match this


_CLIMATE = r"climate|Framework Convention|Conference of the Parties|UNFCCC|Kyoto|/CP\.\d"
_SOUTH_SOUTH = r"South-South|technical cooperation among developing countries|TCDC|triangular"

INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("Buenos Aires Plan of Action (1998, climate change)", r"Buenos Aires Plan of Action",
               "FCCC/CP/1998/16/Add.1", "adopted by the Conference of the Parties to the UNFCCC at its fourth session "
               "(Buenos Aires, 1998); its decisions are in FCCC/CP/1998/16/Add.1, which A/56/509 cites for the Plan",
               requires=_CLIMATE, excludes=_SOUTH_SOUTH),
    Instrument("Buenos Aires Plan of Action for Promoting and Implementing Technical Cooperation among Developing "
               "Countries (1978)", r"Buenos Aires Plan of Action|\bBAPA\b(?!\s*\+)", "A/RES/33/134",
               "General Assembly resolution 33/134 (19 December 1978) endorses the Plan of Action adopted by the "
               "United Nations Conference on TCDC, Buenos Aires, 1978", excludes=r"Kyoto|/CP\.\d|UNFCCC"),
    Instrument("Nairobi outcome document of the High-level United Nations Conference on South-South Cooperation",
               r"Nairobi outcome(?: document)?", "A/RES/64/222",
               "General Assembly resolution 64/222 (21 December 2009) endorses the Nairobi outcome document",
               requires=_SOUTH_SOUTH),
    Instrument("Buenos Aires outcome document of the second High-level United Nations Conference on South-South "
               "Cooperation (BAPA+40)", r"Buenos Aires outcome document|\bBAPA\s*\+\s*40 outcome",
               "A/RES/73/291", "General Assembly resolution 73/291 (15 April 2019) endorses the outcome document",
               requires=_SOUTH_SOUTH),
    Instrument("Addis Ababa Action Agenda", r"Addis Ababa Action Agenda", "A/RES/69/313",
               "General Assembly resolution 69/313 (27 July 2015) endorses the Addis Ababa Action Agenda of the "
               "Third International Conference on Financing for Development"),
    Instrument("2030 Agenda for Sustainable Development", r"\b2030 Agenda\b|Transforming our world", "A/RES/70/1",
               "General Assembly resolution 70/1 (25 September 2015), 'Transforming our world: the 2030 Agenda for "
               "Sustainable Development'"),
    Instrument("Sendai Framework for Disaster Risk Reduction 2015-2030", r"Sendai Framework", "A/RES/69/283",
               "General Assembly resolution 69/283 (3 June 2015) endorses the Sendai Framework"),
    Instrument("Doha Programme of Action for the Least Developed Countries", r"Doha Programme of Action",
               "A/RES/76/258", "General Assembly resolution 76/258 (1 April 2022) endorses the Doha Programme of "
               "Action for the Least Developed Countries for the Decade 2022-2031"),
    Instrument("Vienna Programme of Action for Landlocked Developing Countries", r"Vienna Programme of Action",
               "A/RES/69/137", "General Assembly resolution 69/137 (12 December 2014) endorses the Vienna "
               "Programme of Action for Landlocked Developing Countries for the Decade 2014-2024"),
    Instrument("Pact for the Future", r"Pact for the Future", "A/RES/79/1",
               "General Assembly resolution 79/1 (22 September 2024), 'The Pact for the Future'"),
    Instrument("Global Digital Compact", r"Global Digital Compact", "A/RES/79/1",
               "annex I of General Assembly resolution 79/1 (22 September 2024)"),
    Instrument("New Urban Agenda", r"New Urban Agenda", "A/RES/71/256",
               "General Assembly resolution 71/256 (23 December 2016) endorses the New Urban Agenda"),
    Instrument("Paris Agreement", r"Paris Agreement", "FCCC/CP/2015/10/Add.1",
               "decision 1/CP.21, in the report of the Conference of the Parties on its twenty-first session "
               "(FCCC/CP/2015/10/Add.1), adopts the Paris Agreement"),
    Instrument("Monterrey Consensus", r"Monterrey Consensus", "A/CONF.198/11",
               "Report of the International Conference on Financing for Development (Monterrey, 2002), "
               "chapter I, resolution 1"),
    Instrument("Beijing Declaration and Platform for Action", r"Beijing Declaration and Platform for Action",
               "A/CONF.177/20", "Report of the Fourth World Conference on Women (Beijing, 1995), chapter I, "
               "resolution 1"),
    Instrument("Programme of Action of the International Conference on Population and Development",
               r"Programme of Action of the International Conference on Population and Development", "A/CONF.171/13",
               "Report of the International Conference on Population and Development (Cairo, 1994)"),
)


@dataclass(frozen=True)
class InstrumentMatch:
    """A mention of a named instrument in a passage."""

    instrument: Instrument
    raw: str
    start: int
    end: int


def find_instruments(text: str, context: str = "") -> list[InstrumentMatch]:
    """Named instruments mentioned in `text`, in order, read in the light of `text` and `context`
    (the document's title, say): a mention whose context rules the instrument out is left out."""
    found: list[InstrumentMatch] = []
    surroundings = f"{text}\n{context}"
    for instrument, pattern in _compiled():
        if instrument.requires and not re.search(instrument.requires, surroundings, re.IGNORECASE):
            continue
        if instrument.excludes and re.search(instrument.excludes, surroundings, re.IGNORECASE):
            continue
        for match in pattern.finditer(text):
            if not any(match.start() < other.end and other.start < match.end() for other in found):
                found.append(InstrumentMatch(instrument, match.group(0), match.start(), match.end()))
    return sorted(found, key=lambda m: m.start)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[Instrument, re.Pattern[str]], ...]:
    return tuple((instrument, re.compile(instrument.pattern)) for instrument in INSTRUMENTS)


def instrument_names(symbol: str) -> tuple[str, ...]:
    """The names of the instruments recorded under `symbol` ("A/RES/33/134" -> the Buenos Aires Plan of Action)."""
    return tuple(i.name for i in INSTRUMENTS if i.symbol == symbol)

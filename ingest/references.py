"""The symbols a document recalls or cites, with the passage each stands in: symbols and resolution
numbers as written, and named instruments ("the Buenos Aires Plan of Action") through their table."""
from __future__ import annotations

from collections.abc import Sequence

from ingest.instruments import find_instruments
from ingest.symbols import find_symbols, normalise_symbol, symbol_aliases
from ingest.types import Chunk, Reference


def extract_references(chunks: Sequence[Chunk], own_symbol: str | None, *, body: str | None = None,
                       own_symbols: Sequence[str] = (), context: str = "") -> list[Reference]:
    """Every symbol cited in `chunks`, once per (symbol, chunk), in reading order.

    `body` is the citing document's body: a bare "decision 2024/30" in a UNDP Executive Board
    document is that Board's decision. The document's own symbols (in any of their written forms)
    are left out: they are the running header of every page, not references. `context` (the
    document's title) helps tell apart instruments of the same name.
    """
    own = set().union(*(_own_forms(s) for s in (own_symbol, *own_symbols)))
    references: list[Reference] = []
    seen: set[tuple[str, int]] = set()
    for chunk in chunks:
        found = [(m.start, m.normalised, m.raw) for m in find_symbols(chunk.text, context_body=body)]
        found += [(m.start, m.instrument.symbol, m.raw) for m in find_instruments(chunk.text, context)]
        for _, symbol, raw in sorted(found):
            key = (symbol, chunk.ordinal)
            if symbol in own or key in seen:
                continue
            seen.add(key)
            references.append(Reference(symbol=symbol, raw=raw, label=chunk.label, chunk_ordinal=chunk.ordinal))
    return references


def _own_forms(own_symbol: str | None) -> set[str]:
    """Normal forms that name the document itself."""
    if not own_symbol:
        return set()
    normal = normalise_symbol(own_symbol) or own_symbol
    return {own_symbol, normal} | {normalise_symbol(alias) or alias for alias in symbol_aliases(normal)}

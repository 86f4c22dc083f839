"""Countries named in text, as ISO 3166-1 alpha-3 codes, from pycountry's names plus UN usage."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from ingest.types import Chunk

# Names in UN and common usage that pycountry's name, official name and common name miss.
_ALIASES = {
    "United States": "USA", "Russia": "RUS", "Turkey": "TUR", "Czech Republic": "CZE",
    "Macedonia": "MKD", "The former Yugoslav Republic of Macedonia": "MKD", "Swaziland": "SWZ",
    "Cape Verde": "CPV", "Ivory Coast": "CIV", "Cote d'Ivoire": "CIV", "Brunei": "BRN", "Burma": "MMR",
    "East Timor": "TLS", "Holy See": "VAT", "Vatican": "VAT", "Great Britain": "GBR",
    "Democratic Republic of the Congo": "COD", "Zaire": "COD", "Republic of the Congo": "COG",
    "Kyrgyzstan": "KGZ", "Slovakia": "SVK", "Micronesia": "FSM", "Gambia": "GMB", "Bahamas": "BHS",
    "Democratic Yemen": "YMD", "Yugoslavia": "YUG", "Czechoslovakia": "CSK", "Soviet Union": "SUN",
    "Union of Soviet Socialist Republics": "SUN", "German Democratic Republic": "DDR",
}
# Names that read as something else far more often than as the country.
_EXCLUDED = {"Jersey", "Guernsey", "Korea", "Virgin Islands", "Congo, The Democratic Republic of the"}
# Display names for titles where pycountry's short name is not the UN one.
_DISPLAY = {
    "KOR": "Republic of Korea", "PRK": "Democratic People's Republic of Korea", "VNM": "Viet Nam",
    "COD": "Democratic Republic of the Congo", "PSE": "State of Palestine", "YMD": "Democratic Yemen",
    "TZA": "United Republic of Tanzania", "SUN": "USSR", "CSK": "Czechoslovakia", "YUG": "Yugoslavia",
    "DDR": "German Democratic Republic", "VAT": "Holy See", "FSM": "Micronesia",
}


def find_countries(text: str) -> tuple[str, ...]:
    """Alpha-3 codes of the countries named in `text`, in order of first mention."""
    names = _names()
    seen: dict[str, None] = {}
    for match in _pattern().finditer(text.replace("\u2019", "'")):
        seen.setdefault(names[match.group(0)], None)
    return tuple(seen)


# A list of participants: its heading ("Annex I List of participants", "Attendance") or the document's title.
_PARTICIPANTS = re.compile(r"\b(?:list of (?:participants|delegations)|attendance|participants)\b", re.IGNORECASE)


def is_participant_list(chunk: Chunk, title: str = "") -> bool:
    """Whether a passage belongs to a list of participants (delegations, attendance), not to the body text."""
    if re.match(r"list of (?:participants|delegations)", title, re.IGNORECASE):
        return True
    return any(_PARTICIPANTS.search(heading) for heading in chunk.heading_path)


def with_countries(chunks: Sequence[Chunk], speaker: str | None = None) -> list[Chunk]:
    """Each passage with the countries it names; a speech's passages also carry the speaker's country."""
    out = []
    for chunk in chunks:
        named = find_countries(chunk.text)
        codes = (speaker, *(c for c in named if c != speaker)) if speaker else named
        out.append(replace(chunk, countries=codes))
    return out


def split_countries(chunks: Sequence[Chunk], title: str = "") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(countries the body text names, countries only its lists of participants name), in order of mention."""
    body: dict[str, None] = {}
    listed: dict[str, None] = {}
    for chunk in chunks:
        target = listed if is_participant_list(chunk, title) else body
        for code in find_countries(chunk.text):
            target.setdefault(code, None)
    return tuple(body), tuple(code for code in listed if code not in body)


def country_name(code: str) -> str | None:
    """A short display name for an alpha-3 code ("ARG" -> "Argentina"), historic codes included."""
    import pycountry

    code = code.upper()
    if code in _DISPLAY:
        return _DISPLAY[code]
    country = pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(alpha_3=code)
    if country is None:
        return None
    common = getattr(country, "common_name", None)
    return common or (country.name if "," not in country.name else _derived(country.name)[-1])


def is_country_code(code: str) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-3 code, current or historic."""
    return country_name(code) is not None


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every name we recognise -> alpha-3 code."""
    import pycountry

    names: dict[str, str] = {}
    derived: dict[str, set[str]] = {}
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)):
            if name:
                names[re.sub(r"^the ", "", name)] = country.alpha_3
        for name in _derived(country.name):
            derived.setdefault(name, set()).add(country.alpha_3)
    for name, codes in derived.items():
        if name not in names and len(codes) == 1:
            names[name] = codes.pop()
    names.update(_ALIASES)
    return {name: code for name, code in names.items() if name not in _EXCLUDED}


def _derived(name: str) -> list[str]:
    """Short forms of an ISO name: "Korea, Republic of" -> ["Korea", "Republic of Korea"]."""
    base = name.split(" (")[0]
    if ", " not in base:
        return [base] if base != name else []
    head, tail = base.split(", ", 1)
    forms = [head]
    if re.search(r"\bof( the)?$", tail):
        forms.append(re.sub(r"^The ", "", f"{tail} {head}"))
    return forms


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern[str]:
    """One regex over all names, factored as a trie so a long text is scanned once, quickly."""
    return re.compile(r"(?<![\w-])(?:" + _trie_regex(sorted(_names())) + r")(?![\w-])")


def _trie_regex(words: list[str]) -> str:
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    # Longer continuations first so "Dominican Republic" wins over "Dominica".
    branches = [re.escape(char) + _node_regex(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body

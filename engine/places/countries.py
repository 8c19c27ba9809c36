"""Countries by name, official name, common name and ISO 3166 code, as event data and reports write them.

The names are ISO 3166's, through pycountry. It lacks some short names in everyday use ("Russia",
"Turkey", "Ivory Coast") and the forms ACLED and UCDP write ("Democratic Republic of Congo",
"DR Congo (Zaire)"): `ALIASES` adds those, and nothing is matched loosely; a name neither knows is
reported with the nearest names ISO 3166 has, never read as one of them.
"""

from __future__ import annotations

import re
from functools import cache

from engine.errors import did_you_mean
from engine.spelling import normalize

# Names in everyday, ACLED or UCDP use that ISO 3166 (pycountry) does not give: alias -> alpha-3.
# Kosovo has no ISO 3166 code; XKX is the code the EU, the IMF and ACLED's `iso` field use for it.
ALIASES: dict[str, str] = {
    "Russia": "RUS",
    "Turkey": "TUR",
    "Palestine": "PSE",
    "Ivory Coast": "CIV",
    "Democratic Republic of Congo": "COD",
    "Democratic Republic of the Congo": "COD",
    "DR Congo": "COD",
    "DRC": "COD",
    "Congo-Kinshasa": "COD",
    "Republic of Congo": "COG",
    "Republic of the Congo": "COG",
    "Congo-Brazzaville": "COG",
    "South Korea": "KOR",
    "North Korea": "PRK",
    "Laos": "LAO",
    "Vietnam": "VNM",
    "Czech Republic": "CZE",
    "United Kingdom": "GBR",
    "UK": "GBR",
    "Britain": "GBR",
    "Great Britain": "GBR",
    "United States": "USA",
    "US": "USA",
    "Burma": "MMR",
    "Macedonia": "MKD",
    "Swaziland": "SWZ",
    "eSwatini": "SWZ",
    "Kingdom of eSwatini": "SWZ",
    "Cape Verde": "CPV",
    "East Timor": "TLS",
    "Brunei": "BRN",
    "Micronesia": "FSM",
    "Vatican": "VAT",
    "Bosnia-Herzegovina": "BIH",
    "Kosovo": "XKX",
    "Zaire": "COD",
}


# UCDP's Gleditsch-Ward names put a former name in parentheses: "Russia (Soviet Union)", "Yemen (North Yemen)".
_FORMER = re.compile(r"\s*\([^()]*\)\s*$")


def country_code(name: str) -> str | None:
    """The ISO 3166-1 alpha-3 code of a country as written (a name, an official or common name, an
    alpha-2, alpha-3 or numeric code, or an alias above); None when it names no country known.

    Matching ignores case, punctuation, spacing and accents, as names do (`engine.ruleset.compile.normalize`).
    """
    index = _index()
    found = index.get(normalize(name))
    if found is None and _FORMER.search(name):
        found = index.get(normalize(_FORMER.sub("", name)))
    return found


def country_name(code: str) -> str:
    """A country's name for reports: its common name where ISO 3166 gives one (`Syria`), else its name."""
    return _names().get(code, code)


def country_hint(name: str) -> str:
    """`; did you mean `Syria`?` for a name that is no country, or nothing."""
    return did_you_mean(name, sorted({*_names().values(), *ALIASES}))


@cache
def _index() -> dict[str, str]:
    import pycountry  # only when a place is resolved: it reads ISO 3166's tables

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name", "alpha_2", "alpha_3", "numeric"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(normalize(value), country.alpha_3)
    for alias, code in ALIASES.items():
        index.setdefault(normalize(alias), code)
    return index


@cache
def _names() -> dict[str, str]:
    import pycountry

    names = {c.alpha_3: getattr(c, "common_name", None) or c.name for c in pycountry.countries}
    names["XKX"] = "Kosovo"
    return names

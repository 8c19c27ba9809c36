"""Gazetteers: a country's administrative areas at levels 1-3, with the spellings sources use.

A gazetteer ships as `engine/places/data/<ISO 3166 alpha-3>.csv` with the columns `pcode` (OCHA's
P-code), `level` (1, 2 or 3), `name` (OCHA's English name), `name_ar` (the name in Arabic script),
`parent` (the P-code of the area it lies in) and `aliases` (other spellings, `|`-separated). Each
file's source and licence is in `engine/places/data/README.md`.

Spellings match as names do (case, punctuation, accents, modifier letters ignored) and also ignoring
the generic words sources add to a name: "Aleppo governorate", "Idlib province", "Luhansk Oblast".
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from engine.spelling import normalize

LEVELS = (1, 2, 3)


# Words sources add to an area's name that are not part of it, in English, Arabic, Ukrainian and
# Russian transliteration; matched as whole words. A name that is nothing but such words keeps them.
GENERIC = (
    "governorate",
    "province",
    "oblast",
    "region",
    "district",
    "sub-district",
    "subdistrict",
    "nahiya",
    "nahiyah",
    "mantiqah",
    "mintaqat",  # mantiqah in a construct, as UCDP writes districts: "Mintaqat Markaz Homs"
    "muhafazah",
    "raion",
    "rayon",
    "county",
    "محافظة",
    "منطقة",
    "ناحية",
)
_GENERIC = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in GENERIC) + r")(?!\w)", re.IGNORECASE)


# The Arabic article as transliterations write it before a word: al-, el-, and assimilated (ar-, as-, az-,
# ash-, ad-, an-, at-, and ez-, es- ...), hyphenated or spaced: "Ar-Raqqa" is "Raqqa", "Dayr az Zawr" is
# "Dayr Zawr", as "Deir ez-Zor" is "Deir Zor". Only in Latin script: Arabic script keeps its own article.
_ARTICLE = re.compile(
    r"(?<![^\W\d_])(?:[ae]l|[ae][dnrstz]|[ae]sh|[ae]dh|[ae]th|[ae]zh)(?:-|\s+)(?=[^\W\d_])", re.IGNORECASE
)


def place_key(name: str) -> str:
    """The key a place name matches on: `normalize` without the generic words and the Arabic article
    ("Idlib Governorate" -> "idlib", "Ar-Raqqa" -> "raqqa")."""
    bare = normalize(_ARTICLE.sub("", _GENERIC.sub(" ", name)))
    return bare or normalize(name)


@dataclass(frozen=True, slots=True)
class AdminArea:
    """One administrative area: its P-code, level (1-3), English and Arabic names, and parent's P-code."""

    pcode: str
    level: int
    name: str
    name_ar: str
    parent: str | None
    shown: str  # the name reports use: `name`, or `name (parent's name)` where two areas of a level share it


class Gazetteer:
    """A country's admin areas, found by any spelling at a given level.

    `areas` maps P-code to area; `find(level, spelling)` gives every area of that level the spelling
    names (usually one; none for a name it does not know; two or more for a name shared).
    """

    def __init__(self, country: str, areas: list[AdminArea], spellings: dict[str, list[str]]) -> None:
        self.country = country
        self.areas = {a.pcode: a for a in areas}
        self._by_key: dict[tuple[int, str], list[str]] = {}
        for area in areas:
            for spelling in (area.name, area.name_ar, *spellings.get(area.pcode, [])):
                self.add(area.level, spelling, area.pcode)

    def add(self, level: int, spelling: str, pcode: str) -> None:
        """Let `spelling` name the area `pcode` at `level` too (a ruleset's place alias)."""
        found = self._by_key.setdefault((level, place_key(spelling)), [])
        if pcode not in found:
            found.append(pcode)

    def find(self, level: int, spelling: str) -> list[AdminArea]:
        return [self.areas[p] for p in self._by_key.get((level, place_key(spelling)), [])]

    def lineage(self, area: AdminArea) -> list[AdminArea]:
        """The area and those it lies in, level 1 first."""
        out = [area]
        while out[0].parent:
            out.insert(0, self.areas[out[0].parent])
        return out

    def names(self, level: int) -> list[str]:
        """The English names of every area of a level, for "did you mean"."""
        return sorted({a.name for a in self.areas.values() if a.level == level})

    def copy(self) -> Gazetteer:
        """A gazetteer a ruleset can add its aliases to without touching the shared one."""
        out = Gazetteer.__new__(Gazetteer)
        out.country, out.areas = self.country, self.areas
        out._by_key = {k: list(v) for k, v in self._by_key.items()}
        return out


def shipped() -> list[str]:
    """The countries (alpha-3) with a gazetteer shipped."""
    files = resources.files("engine.places") / "data"
    return sorted(p.name.removesuffix(".csv") for p in files.iterdir() if p.name.endswith(".csv"))


@cache
def gazetteer(country: str) -> Gazetteer | None:
    """The shipped gazetteer of a country (ISO 3166-1 alpha-3), or None when none ships."""
    path = resources.files("engine.places") / "data" / f"{country}.csv"
    if not path.is_file():
        return None
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    names: dict[tuple[str, str], int] = {}
    for row in rows:
        names[row["level"], row["name"]] = names.get((row["level"], row["name"]), 0) + 1
    by_pcode = {row["pcode"]: row for row in rows}
    areas = []
    for row in rows:
        parent = row["parent"] or None
        shown = row["name"]
        if names[row["level"], row["name"]] > 1 and parent:
            shown = f"{row['name']} ({by_pcode[parent]['name']})"
        areas.append(AdminArea(row["pcode"], int(row["level"]), row["name"], row["name_ar"], parent, shown))
    spellings = {row["pcode"]: [a for a in row["aliases"].split("|") if a] for row in rows}
    for area in areas:  # a district is also named for its centre, "Markaz Daraa" (UCDP's `adm_2`, GADM's names)
        if area.level == 2:
            spellings[area.pcode] += [f"Markaz {s}" for s in (area.name, *spellings[area.pcode])]
    return Gazetteer(country, areas, spellings)

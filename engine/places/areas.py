"""Where an incident happened, as a ruleset reads it: a place told, resolved, and tested against areas.

A place is told as country, admin1, admin2, admin3 (names as sources write them) and a point
(latitude, longitude, and the radius in km it is known to within). It resolves against the
ruleset's scope country: through that country's gazetteer where one ships (names at each level,
their parents implied, the country implied by the names), else by its names as written (less the
generic words) and the ruleset's place aliases. An area (the scope, or a named area) is a country,
admin areas included and excluded, and a polygon; whether a place lies in it is True, False, or None
when what was told cannot say (a name that resolves to nothing, a country not told, a point whose
radius straddles the edge).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import did_you_mean
from engine.places.countries import country_code, country_hint, country_name
from engine.places.gazetteer import LEVELS, AdminArea, Gazetteer, gazetteer, place_key
from engine.ruleset.model import AdminAreas, Area, Ruleset
from engine.spelling import normalize

PLACE_TOLD = ("country", "admin1", "admin2", "admin3", "latitude", "longitude", "precision_km")
ADMIN = ("admin1", "admin2", "admin3")
KM_PER_DEGREE = 111.32  # of latitude, and of longitude at the equator


@dataclass(frozen=True, slots=True)
class Place:
    """A place told, resolved: the country (alpha-3), each admin level's key and the point, or why not.

    `admin[k]` is the key of the level k+1 area: its P-code where a gazetteer names it, else its name's
    `place_key`; `shown[k]` is what the fact table holds for it (the same for every spelling).
    `point` is (longitude, latitude, radius in km). `problem` says what could not be placed: then every
    test on the place is unknown, and `field` names the told field it is about (`country`, `admin2`).
    `unread` says which finer name told no gazetteer area has, where the levels above it place the place
    (`field` names it): the place is then that coarser one, and a test of a finer level cannot tell.
    """

    country: str | None = None
    admin: tuple[str | None, ...] = (None, None, None)
    shown: tuple[str | None, ...] = (None, None, None)
    point: tuple[float, float, float] | None = None
    problem: str | None = None
    field: str | None = None
    unread: str | None = None

    @property
    def unresolved(self) -> bool:
        """Whether some part of the place told resolves to nothing: the whole place, or a finer name passed over."""
        return self.problem is not None or self.unread is not None


@dataclass(frozen=True, slots=True)
class Selector:
    """Admin areas of one level, by key; `text` is how the ruleset wrote them (for explanations)."""

    level: int
    keys: frozenset[str]
    text: str


@dataclass(frozen=True)
class CompiledArea:
    """An area ready to test: country (alpha-3), selectors included and excluded, and a shape (shapely)."""

    country: str | None = None
    include: tuple[Selector, ...] = ()
    exclude: tuple[Selector, ...] = ()
    shape: Any = None


@dataclass
class Places:
    """What a ruleset knows of places: its scope country and gazetteer, place aliases, scope and areas."""

    country: str | None = None
    gazetteer: Gazetteer | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # place_key of an alias -> of its place
    scope: CompiledArea | None = None
    areas: dict[str, CompiledArea] = field(default_factory=dict)
    named: frozenset[str] = frozenset()  # keys the ruleset names: a place told by one is in its country

    def keys(self, level: int, spelling: str) -> tuple[list[str], str | None]:
        """The keys of the areas a spelling names at a level, and the problem when none (or several) fit."""
        g = self.gazetteer
        if g is None:
            key = place_key(spelling)
            return [self.aliases.get(key, key)], None
        found = g.find(level, spelling)
        if not found:
            return [], no_area(g, level, spelling)
        return [a.pcode for a in found], None

    def shown(self, level: int, key: str) -> str:
        """The fact-table value for an area's key: its gazetteer name (normalized), or the key itself."""
        g = self.gazetteer
        if g is not None and key in g.areas:
            return normalize(g.areas[key].shown)
        return key

    def resolve(self, told: Sequence[Any]) -> Place:
        """A place from `PLACE_TOLD` values (None where not told)."""
        country_told, *names, latitude, longitude, radius = told
        point = None
        if latitude is not None and longitude is not None:
            point = (float(longitude), float(latitude), float(radius or 0.0))
        country = None
        if country_told is not None:
            country = country_code(country_told)
            if country is None:
                problem = f"country `{country_told}` is no country{country_hint(country_told)}"
                return Place(point=point, problem=problem, field="country")
        g = self.gazetteer
        if g is None or (country is not None and country != g.country):
            admin = tuple(None if n is None else self.aliases.get(place_key(n), place_key(n)) for n in names)
            if country is None and self.country is not None and any(a in self.named for a in admin if a):
                country = self.country
            return Place(country, admin, admin, point)
        return self._from_gazetteer(g, country, names, point)

    def _from_gazetteer(
        self, g: Gazetteer, country: str | None, names: list[str | None], point: tuple[float, float, float] | None
    ) -> Place:
        """A place whose names are read in the scope country's gazetteer: each level found, consistent. A name of
        several areas is the one the levels told above it fit, if one does. A finer name no area has is passed over
        where a level above places the place (`Place.unread`: the deepest such)."""
        chosen: list[AdminArea | None] = [None, None, None]
        unread: tuple[str, str] | None = None  # (why, field) of the deepest name told that no area has
        for level in reversed(LEVELS):  # the deepest level told decides; the ones above must agree
            spelling = names[level - 1]
            if spelling is None:
                continue
            found = g.find(level, spelling)
            # the nearest level told below, not only the next: admin1 and admin3 told without admin2 must agree
            deeper = next((a for a in chosen[level:] if a is not None), None)
            if not found:
                why = no_area(g, level, spelling)
                if deeper is not None:  # a coarser name than one placed: which is right cannot be told
                    return Place(country, point=point, problem=why, field=f"admin{level}")
                unread = unread or (why, f"admin{level}")
                continue
            if deeper is not None:
                above = g.lineage(deeper)[level - 1]
                if above not in found:
                    problem = f"admin{deeper.level} `{deeper.name}` is not in admin{level} `{spelling}`"
                    return Place(country, point=point, problem=problem, field=f"admin{level}")
                chosen[level - 1] = above
                continue
            fitting = [a for a in found if _fits(g, a, names)] if len(found) > 1 else found
            if len(fitting) != 1:
                many = f"`{spelling}` names {len(found)} admin{level} areas; name the area above it too"
                return Place(country, point=point, problem=many, field=f"admin{level}")
            chosen[level - 1] = fitting[0]
        deepest = next((a for a in reversed(chosen) if a is not None), None)
        if deepest is None:
            if unread is not None:  # nothing told places it
                return Place(country, point=point, problem=unread[0], field=unread[1])
            return Place(country, point=point)
        lineage = g.lineage(deepest)
        admin = tuple(a.pcode for a in lineage) + (None,) * (3 - len(lineage))
        shown = tuple(normalize(a.shown) for a in lineage) + (None,) * (3 - len(lineage))
        passed, field = unread or (None, None)
        return Place(country or g.country, admin, shown, point, field=field, unread=passed)

    def inside(self, area: CompiledArea, place: Place) -> tuple[bool | None, str]:
        """Whether the place lies in the area (None: cannot tell), and why, in words for `explain`."""
        if place.problem is not None:
            return None, f"the place is unknown: {place.problem}"
        parts: list[tuple[bool | None, str]] = []
        if area.country is not None:
            named = country_name(area.country)
            if place.country is None:
                parts.append((None, f"no country is told, and nothing told places it in {named}"))
            else:
                same = place.country == area.country
                parts.append((same, f"in {named}" if same else f"in {country_name(place.country)}, not {named}"))
        if area.include:
            found = [(self._in(s, place), s) for s in area.include]
            value = _any([v for v, _ in found])
            if value is True:
                parts.append((True, f"in {next(s.text for v, s in found if v)}"))
            else:
                listed = " or ".join(s.text for s in area.include)
                parts.append((value, f"{'not' if value is False else 'not known to be'} in {listed}"))
        for s in area.exclude:
            value = self._in(s, place)
            if value is not False:
                parts.append(
                    (None if value is None else False, f"{'in' if value else 'perhaps in'} {s.text}, excluded")
                )
        if area.shape is not None:
            parts.append(_within(area.shape, place.point))
        for wanted in (False, None):
            for value, why in parts:
                if value is wanted:
                    return value, why
        return True, "; ".join(why for _, why in parts) or "the area is everywhere"

    def _in(self, selector: Selector, place: Place) -> bool | None:
        key = place.admin[selector.level - 1]
        if key is not None:
            return key in selector.keys
        known = max((k for k in LEVELS if place.admin[k - 1] is not None), default=0)
        g = self.gazetteer
        if known == 0 or g is None or place.admin[known - 1] not in g.areas:
            return None
        above = place.admin[known - 1]
        # a coarser place: inside it may lie one of the selected areas (unknown), or none (False)
        for key in selector.keys:
            if key in g.areas and g.lineage(g.areas[key])[known - 1].pcode == above:
                return None
        return False


def no_area(g: Gazetteer, level: int, spelling: str) -> str:
    """Why a spelling names no area of a level of the gazetteer, with the nearest name it has."""
    return f"`{spelling}` is no admin{level} area of {country_name(g.country)}{did_you_mean(spelling, g.names(level))}"


def _fits(g: Gazetteer, area: AdminArea, names: Sequence[str | None]) -> bool:
    """Whether each name told above `area`'s level that names some area names the one `area` lies in (`names`:
    admin1..admin3 as told, None where not)."""
    lineage = g.lineage(area)
    for level in range(1, area.level):
        spelling = names[level - 1]
        if spelling is not None and (told := g.find(level, spelling)) and lineage[level - 1] not in told:
            return False
    return True


def _any(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _within(shape: Any, point: tuple[float, float, float] | None) -> tuple[bool | None, str]:
    """A point (with its radius) against a polygon: inside, outside, or straddling its edge."""
    if point is None:
        return None, "no coordinates are told, and the area is drawn as a polygon"
    import shapely
    from shapely import affinity

    lon, lat, km = point
    spot: shapely.Geometry = shapely.Point(lon, lat)
    if km > 0:  # a circle of km on the ground: a degree of longitude shrinks with the cosine of the latitude
        circle = shapely.Point(lon, lat).buffer(km / KM_PER_DEGREE, quad_segs=16)
        spot = affinity.scale(circle, xfact=1 / max(math.cos(math.radians(lat)), 1e-6), yfact=1.0, origin=(lon, lat))
    if shape.contains(spot):
        return True, "within the area's polygon"
    if not shape.intersects(spot):
        return False, "outside the area's polygon"
    return None, f"within {km:g} km of the area's edge: inside or outside cannot be told"


def compile_places(ruleset: Ruleset, source: str, fail: Callable[[str, str], None]) -> Places:
    """The places a ruleset knows, compiled; each error as fail(dotted path, message)."""
    places = Places()
    scope = ruleset.scope
    if scope.country is not None:
        places.country = country_code(scope.country)  # an unknown one is reported with the scope's area
        if places.country is not None:
            shipped = gazetteer(places.country)
            places.gazetteer = shipped.copy() if shipped is not None else None
    named: set[str] = set()
    for canonical, spellings in ruleset.places.items():
        path = f"places.{canonical}"
        if places.gazetteer is None:
            for spelling in spellings:
                places.aliases[place_key(spelling)] = place_key(canonical)
            named.add(place_key(canonical))
            continue
        g = places.gazetteer
        found = {level: g.find(level, canonical) for level in LEVELS}
        if not any(found.values()):
            hint = did_you_mean(canonical, sorted({a.name for a in g.areas.values()}))
            fail(path, f"`{canonical}` is no area of {country_name(g.country)}{hint}")
            continue
        shared = next((level for level, areas in found.items() if len(areas) > 1), None)
        if shared is not None:
            fail(path, f"`{canonical}` names {len(found[shared])} admin{shared} areas; write the alias for one")
            continue
        for level, areas in found.items():  # a name at several levels (Idleb, its district, its city) is each
            for spelling in spellings if areas else ():
                taken = [a for a in g.find(level, spelling) if a.pcode != areas[0].pcode]
                if taken:
                    owner = f"admin{level} `{taken[0].name}`"
                    fail(path, f"`{spelling}` is already the name of {owner}; it cannot also be `{canonical}`")
                    continue
                g.add(level, spelling, areas[0].pcode)
    root = Path(source).parent if source else Path()
    if scope != type(scope)():
        include = [*scope.include]
        if scope.regions:
            include.append(AdminAreas(admin1=list(scope.regions)))
        places.scope = _area(places, scope, include, "scope", root, fail)
    for selector in places.scope.include if places.scope else ():
        named |= selector.keys
    places.named = frozenset(named)
    for aid, area in ruleset.areas.items():
        places.areas[aid] = _area(places, area, area.include, f"areas.{aid}", root, fail)
    return places


def _area(
    places: Places, area: Area, include: list[AdminAreas], path: str, root: Path, fail: Callable[[str, str], None]
) -> CompiledArea:
    country = None
    if area.country is not None:
        country = country_code(area.country)
        if country is None:
            fail(f"{path}.country", f"`{area.country}` is no country{country_hint(area.country)}")

    def selectors(items: list[AdminAreas], where: str) -> tuple[Selector, ...]:
        out = []
        for i, item in enumerate(items):
            keys: list[str] = []
            for name in item.names:
                found, problem = places.keys(item.level, name)
                if problem:
                    fail(f"{where}[{i}].admin{item.level}", problem)
                keys += found
            out.append(Selector(item.level, frozenset(keys), f"admin{item.level} " + ", ".join(item.names)))
        return tuple(out)

    shape = None if area.geojson is None else _shape(area.geojson, root, f"{path}.geojson", fail)
    return CompiledArea(
        country, selectors(include, f"{path}.include"), selectors(area.exclude, f"{path}.exclude"), shape
    )


def _shape(geojson: str | dict[str, Any], root: Path, path: str, fail: Callable[[str, str], None]) -> Any:
    """The union of a GeoJSON object's polygons (a file's, relative to the ruleset), or None after `fail`."""
    import shapely
    from shapely.geometry import shape

    data: Any = geojson
    if isinstance(geojson, str):
        file = root / geojson
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            fail(path, f"cannot read `{geojson}`: {exc.strerror or exc}")
            return None
        except ValueError as exc:
            fail(path, f"`{geojson}` is not JSON: {exc}")
            return None
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        geometries = [f.get("geometry") for f in data.get("features", []) if isinstance(f, dict)]
    elif kind == "Feature":
        geometries = [data.get("geometry")]
    else:
        geometries = [data]
    try:
        shapes = [shape(g) for g in geometries if g]
    except (ValueError, TypeError, AttributeError, KeyError) as exc:
        fail(path, f"not GeoJSON geometry: {exc}")
        return None
    polygons = [s for s in shapes if s.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons or len(polygons) != len(shapes):
        fail(path, "expected GeoJSON polygons (a Polygon, MultiPolygon, or features of them)")
        return None
    union = shapely.union_all(polygons)
    if not union.is_valid:
        fail(path, f"the polygons are not valid: {shapely.is_valid_reason(union)}")
        return None
    shapely.prepare(union)
    return union

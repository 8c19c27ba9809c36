"""Facts: what each source told of each incident, resolved into the fields rules test, as one table.

The fact table has one row per version told: an incident without accounts is one row (`source`
null); an incident with accounts is one row per account, the account's facts laid over the
incident's. Its columns are the told text (`TOLD`), the fields conditions test (`FIELDS`, one column
each, named as rules name them), the codes of the people and act as resolved (`CODES`), which say
how an explanation names them, and facts that flags note but no rule tests (`NOTED`). Each distinct
spelling, time and place is resolved once, in Python, by the `Resolver`; the rows get each answer by
its code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import polars as pl

from engine.incidents.frame import TOLD, with_defaults
from engine.places.areas import PLACE_TOLD, Place
from engine.ruleset.compile import BASE_FIELDS, NAME_CLASSES, PEOPLE, ROLES, UNKNOWN, Compiled, within
from engine.ruleset.spellings import Reading, Spelled
from engine.spelling import normalize
from engine.times import DAY, read_time

# A condition field's column type, by the field's kind (see BASE_FIELDS).
_DTYPES: dict[str, pl.DataType] = {
    "party": pl.String(),
    "role": pl.String(),
    "side": pl.String(),
    "act": pl.String(),
    "bool": pl.Boolean(),
    "text": pl.String(),
    "place": pl.String(),
    "count": pl.Int64(),
}
# Every field a condition can test, as a column of the fact table (policy knobs are constants: not here).
FIELDS: dict[str, pl.DataType] = {name: _DTYPES[kind] for name, kind in BASE_FIELDS}
# How the people and the act resolved: an index into `Resolution.shown` (null when none was told).
CODES = ("actor.code", "target.code", "intended_target.code", "act.code")
# Facts a verdict's flags note and no rule tests: a time far from the truce's window (see `Compiled.implausible`),
# a place told that resolves to nothing (a name no gazetteer level knows, a country that is none).
NOTED = ("time.implausible", "place.unresolved")
# How a row is judged beside its facts (see `told`): kept for `decide` and `fold`, never tested by rules.
JUDGED = ("version", "direction", "mutual", "record.flags")
ASSOCIATED = ("assoc_actor", "assoc_target")
UNNAMED = {"actor": "an unnamed actor", "target": "an unnamed target", "intended_target": "an unnamed target"}
UNNAMED_ACT = "an unnamed act"
# A flag for a hostile act on a target of each of these roles (see `decide.flag_bits`).
HARM_FLAGS = {"covered": "covered_party_harmed", "sponsor": "sponsor_harmed", "civilians": "civilians_harmed"}
CIVILIANS = "civilians"  # the role (a name class) of civilians: never the side that attacks in a `mutual` incident


@dataclass(frozen=True, slots=True)
class Name:
    """A spelling as the ruleset reads it (at the time it was told): party (or class) id, role, side, how an
    explanation names it, and how it was found (`Reading.how`: alias, pattern, none, ambiguous, dated), by
    which pattern, and, when it names nothing, why (after the spelling: `resolves to no party or class`)."""

    party: str | None  # None: the spelling resolves to no party the ruleset knows
    role: str  # a party role, a name class, or `unknown`
    side: str | None
    shown: str
    how: str = "alias"
    pattern: str | None = None  # the pattern that found it
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Spot:
    """A place as the ruleset reads it: in its scope (None: cannot tell) and why, the admin areas as fact
    values (`admin1`..`admin3`), and whether it lies in each of the ruleset's named areas, in their order."""

    place: Place
    in_scope: bool | None
    why: str
    admin: tuple[str | None, ...]
    areas: tuple[bool | None, ...]


@dataclass(frozen=True, slots=True)
class Deed:
    """An act as the ruleset reads it: act id (`unknown` if none), hostile (None if unknown), and its words."""

    act: str
    hostile: bool | None
    shown: str


# Answers a `Resolver` remembers, at most, of each kind: one resolver reads every part of a large input, and the
# distinct values of a table without bounds (points, free-text names) have none either.
REMEMBERED = 100_000
_K = TypeVar("_K")
_V = TypeVar("_V")


def _remembered(answers: dict[_K, _V], key: _K, answer: _V) -> _V:
    """`answer`, remembered in `answers` under `key` (all forgotten first once `REMEMBERED` are held)."""
    if len(answers) >= REMEMBERED:
        answers.clear()
    answers[key] = answer
    return answer


class Resolver:
    """How one compiled ruleset reads what sources tell: names, acts, times and places.

    Each method answers for one value told; callers ask once per distinct value. The answers follow
    the ruleset: names match its parties' and classes' spellings ignoring case, punctuation, spacing
    and accents; a time is in its window, out, or (a period that straddles an end) unknown.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._days: dict[tuple[datetime | None, datetime | None, str], bool | None] = {}
        self._spelled: dict[str, Spelled] = {}
        self._spots: dict[tuple[Any, ...], Spot] = {}

    def spelled(self, spelling: str) -> Spelled:
        """A spelling as the ruleset reads it before its time is known (each distinct one worked out once)."""
        found = self._spelled.get(spelling)
        if found is None:
            found = _remembered(self._spelled, spelling, self.compiled.spelled(spelling))
        return found

    def name(self, spelling: str, time: str | None = None) -> Name:
        """What a spelling names when told at `time` (as written; None: no time told)."""
        spelled = self.spelled(spelling)
        if not spelled.dated or time is None:
            return self.named(spelling, spelled.at(None))
        return self.named(spelling, spelled.at({b: self.within(time, b, None) for b in spelled.boundaries}))

    def named(self, spelling: str, reading: Reading) -> Name:
        """A reading of a spelling as the fact table holds it."""
        pattern = reading.patterns[0].text if reading.how == "pattern" else None
        if reading.entry is None:
            return Name(None, UNKNOWN, None, f"`{spelling}`", reading.how, None, reading.why)
        pid, role, side = reading.entry
        party = self.compiled.ruleset.parties.get(pid)
        return Name(pid, role, side, party.name if party else pid, reading.how, pattern)

    def act(self, spelling: str) -> Deed:
        found = self.compiled.acts.get(normalize(spelling))
        if found is None:
            return Deed(UNKNOWN, None, f"`{spelling}`")
        named = self.compiled.ruleset.acts[found[0]].name  # the act's own name where it gives one, else its id
        return Deed(found[0], found[1], named or found[0].replace("_", " "))

    def window(self, time: str) -> bool | None:
        """Whether the time is inside the truce's window: None when the period it names straddles an end.

        Raises ValueError for a local time (no UTC offset) when the ruleset names no zone (the loaders
        refuse one first, at its file and line).
        """
        return self.within(time, self.compiled.start, self.compiled.until)

    def within(self, time: str, start: datetime | None, until: datetime | None) -> bool | None:
        """Whether the time lies inside [start, until) (None: unbounded at that end): the window, or the days a
        pattern of names is valid; None when the period it names straddles an end (see `window`)."""
        text = time.strip()
        if len(text) > 10 and text[10] == "T" and "/" not in text:
            key = (start, until, text[:10])
            known = self._days[key] if key in self._days else _remembered(self._days, key, self.whole_day(*key))
            if known is not None and (self.compiled.timezone is not None or _OFFSET.search(text)):
                return known
        return within(*self.compiled.bounds(read_time(time), time), start, until)

    def whole_day(self, start: datetime | None, until: datetime | None, day: str) -> bool | None:
        """Whether every time on this date, at any UTC offset, is inside (or every one outside) [start, until).

        Most times in a large table fall on days well inside or outside the window: their date alone
        answers, with no date-time to parse. None when the date is near a boundary (or not a date).
        """
        try:
            d = date.fromisoformat(day)
            first = datetime(d.year, d.month, d.day, tzinfo=UTC) - DAY
        except ValueError:
            return None
        return within(first, first + 3 * DAY, start, until)  # offsets reach at most a day either side

    def place(self, told: tuple[Any, ...]) -> Spot:
        """How a place told (`PLACE_TOLD` values, None where not told) lies in the scope and named areas."""
        found = self._spots.get(told)
        return _remembered(self._spots, told, self._place(told)) if found is None else found

    def _place(self, told: tuple[Any, ...]) -> Spot:
        places = self.compiled.places
        place = places.resolve(told)
        in_scope, why = (
            (True, "the truce names no scope") if places.scope is None else places.inside(places.scope, place)
        )
        areas = tuple(places.inside(area, place)[0] for area in places.areas.values())
        return Spot(place, in_scope, why, place.shown, areas)

    def row(self, told: dict[str, Any]) -> tuple[Any, ...]:
        """The fact row (in `compiled.fields` order, policy last) for one version told (`TOLD` keys).

        For a few rows at a time (`diff` and `check` reason about single values); tables go through
        `facts`, which resolves each distinct value once.
        """
        values: list[Any] = []
        for who in PEOPLE:
            spelling = told.get(who)
            name = None if spelling is None else self.name(spelling, told.get("time"))
            values += [None, None, None] if name is None else [name.party, name.role, name.side]
        act = told.get("act")
        deed = None if act is None else self.act(act)
        values += [None, None] if deed is None else [deed.act, deed.hostile]
        time = told.get("time")
        values.append(None if time is None else self.window(time))
        spot = self.place(tuple(told.get(k) for k in PLACE_TOLD))
        values += [spot.in_scope, *spot.admin, told.get("killed"), told.get("wounded"), *spot.areas]
        if self.compiled.phases:
            values.append(told.get("phase"))  # a phase as given: it follows from earlier days, not from the row
        return (*values, *self.compiled.policy)


@dataclass(frozen=True)
class Resolution:
    """How the spellings of one fact table resolved: `names[code]` and `deeds[code]` for its code columns, and
    `times[code]` for its `time.code` (each distinct time told, as written)."""

    names: list[Name]
    deeds: list[Deed]
    times: pl.Series


def told(incidents: pl.DataFrame) -> pl.DataFrame:
    """One row per version told and direction judged, in incident order, then account order, then direction.

    Columns: `incident` (UInt32, the incident's row in `incidents`), `version` (UInt32, the version's
    number: one per incident told without accounts, one per account), `source` (null for an incident told
    without accounts), `direction` (UInt8: 0 as told; 1 the reverse, for a `mutual` incident), then
    `TOLD`, each the account's value where it gives one, else the incident's, `assoc_actor` and
    `assoc_target` (the associated actors of the side acting and of the side acted on), `mutual`, and
    `record.flags` (the flags the incident's record raises itself). The reverse direction swaps actor and
    target, and their associates, and has no intended target: that was the other side's aim.
    """
    numbered = with_defaults(incidents).with_row_index("incident")
    carried = ("assoc_actor", "assoc_target", "mutual", pl.col("flags").alias("record.flags"))
    # A list of accounts is costly to filter (a 64k-row part: 20 ms), cheap to explode (an empty list: a null).
    accounts_told = numbered.get_column("accounts").list.len()
    own = numbered.select("incident", pl.lit(None, pl.String()).alias("source"), *TOLD, *carried)
    own = own.filter(accounts_told == 0)
    if accounts_told.max():
        accounts = (
            numbered.select("incident", *TOLD, *carried, pl.col("accounts").alias("account"))
            .explode("account")
            .filter(pl.col("account").is_not_null())
            .select(
                "incident",
                pl.col("account").struct.field("source"),
                *(pl.coalesce(pl.col("account").struct.field(k).alias(f"_{k}"), pl.col(k)).alias(k) for k in TOLD),
                "assoc_actor",
                "assoc_target",
                "mutual",
                "record.flags",
            )
        )
        own = pl.concat([own, accounts]).sort("incident", maintain_order=True)
    rows = own.with_row_index("version").with_columns(pl.lit(0, pl.UInt8()).alias("direction"))
    mutual = rows.filter(pl.col("mutual"))
    if mutual.is_empty():
        return rows.select(_TOLD_ORDER)
    swapped = {"actor": "target", "target": "actor", "assoc_actor": "assoc_target", "assoc_target": "assoc_actor"}
    reverse = mutual.with_columns(
        *(pl.col(b).alias(a) for a, b in swapped.items()),
        pl.lit(None, pl.String()).alias("intended_target"),
        pl.lit(1, pl.UInt8()).alias("direction"),
    )
    return pl.concat([rows, reverse.select(rows.columns)]).sort("version", "direction").select(_TOLD_ORDER)


_TOLD_ORDER = (
    "incident",
    "version",
    "source",
    "direction",
    *TOLD,
    "assoc_actor",
    "assoc_target",
    "mutual",
    "record.flags",
)


def facts(compiled: Compiled, rows: pl.DataFrame, resolver: Resolver | None = None) -> tuple[pl.DataFrame, Resolution]:
    """The fact table: `rows` (as `told` makes them) with `FIELDS` and `CODES` added, and how names resolved.

    Each distinct spelling, time and place is resolved once, in Python (by `resolver`, a `Resolver` of `compiled`
    that remembers them across the parts of an input; a new one by default); the rows get each answer by its code
    (`gather`), so that the cost per row is a few array lookups whatever the rules.
    """
    resolver = resolver or Resolver(compiled)
    vocabulary = _Vocabulary(compiled)
    rows = _judged(rows)
    codes, names = name_codes(resolver, rows, PEOPLE)
    acts = rows.get_column("act").drop_nulls().unique(maintain_order=True)
    deeds = [resolver.act(s) for s in acts]
    person = {
        "party": pl.Series([n.party for n in names], dtype=vocabulary.party),
        "role": pl.Series([n.role for n in names], dtype=vocabulary.role),
        "side": pl.Series([n.side for n in names], dtype=vocabulary.side),
    }
    columns: list[pl.Expr | pl.Series] = []
    for who in PEOPLE:
        code = codes[who]
        columns += [code.alias(f"{who}.code"), *(v.gather(code).alias(f"{who}.{k}") for k, v in person.items())]
    act = _code("act.told", acts).alias("act.code")
    columns += [
        act,
        pl.lit(pl.Series([d.act for d in deeds], dtype=vocabulary.act)).gather(act).alias("act"),
        pl.lit(pl.Series([d.hostile for d in deeds], dtype=pl.Boolean())).gather(act).alias("act.hostile"),
    ]
    kept = ("incident", "source", "time", *PEOPLE, pl.col("act").alias("act.told"), "killed", "wounded", *JUDGED)
    time_codes, times = coded(rows.get_column("time"))
    table = rows.select(*kept).with_columns(
        *columns,
        _associated_parties(resolver, rows),
        time_codes.alias("time.code"),
        *_times(resolver, time_codes, times),
        *_places(resolver, rows),
    )
    table = _civilians_acted_on(table)
    told_columns = ("incident", "source", "time", *PEOPLE, "act.told")
    # The phase is placed after (`engine.evaluation.phases`): it depends on what earlier days' verdicts were.
    table = table.with_columns(pl.lit(None, vocabulary.phase).alias("phase"))
    unphased = () if "phase" in compiled.columns else ("phase",)
    kept = (*told_columns, *compiled.columns, *unphased, *CODES, "time.code", *NOTED, *JUDGED, "assoc.parties")
    return table.select(kept), Resolution(names, deeds, times)


def _civilians_acted_on(table: pl.DataFrame) -> pl.DataFrame:
    """Fact rows with each `mutual` version that has civilians on one side judged one way, civilians acted on.

    A record that does not say who attacked tells of fighting between armed sides (ACLED's codebook, 2023: a
    battle is between organised armed groups; UCDP GED's civilians are the side_b of one-sided violence alone):
    civilians are not one of them, so the direction in which they would act is dropped, and the other is the
    version's only one (direction 0, no longer `mutual`): civilians never become the side that attacked.
    """
    civilians = pl.col("actor.role").eq_missing(CIVILIANS) & pl.col("target.role").ne_missing(CIVILIANS)
    acting = pl.col("mutual") & civilians
    if not table.select(acting.any()).item():
        return table
    one_way = acting.any().over("version")
    return (
        table.with_columns(one_way.alias("one_way"))
        .filter(~acting)
        .with_columns(
            pl.when("one_way").then(pl.lit(0, pl.UInt8())).otherwise("direction").alias("direction"),
            pl.col("mutual") & ~pl.col("one_way"),
        )
        .drop("one_way")
    )


def _judged(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows as `told` makes them: those made otherwise (one per version, as told) get its other columns."""
    defaults = {
        "version": pl.int_range(pl.len(), dtype=pl.UInt32()),
        "direction": pl.lit(0, pl.UInt8()),
        "assoc_actor": pl.lit([], pl.List(pl.String())),
        "assoc_target": pl.lit([], pl.List(pl.String())),
        "mutual": pl.lit(False),
        "record.flags": pl.lit([], pl.List(pl.String())),
    }
    return rows.with_columns(value.alias(name) for name, value in defaults.items() if name not in rows.columns)


def _associated_parties(resolver: Resolver, rows: pl.DataFrame) -> pl.Series:
    """`assoc.parties`: the parties (ids) the acting side's associated actors resolve to (told at the row's
    time), in order, each once; an associate that resolves to no party (to none, `ceasefire names` lists it;
    or to a class, `Islamist Militia (Syria)` as unidentified) is left out."""
    acting = rows.select(pl.int_range(pl.len(), dtype=pl.UInt32()).alias("row"), "time", "assoc_actor")
    told = acting.filter(pl.col("assoc_actor").list.len() > 0).explode("assoc_actor")
    if told.is_empty():
        return pl.repeat(pl.lit([], pl.List(pl.String())), rows.height, eager=True).alias("assoc.parties")
    codes, names = name_codes(resolver, told, ("assoc_actor",))
    known = resolver.compiled.ruleset.parties  # a class (civilians, unidentified) is no party to name
    parties = pl.Series([n.party if n.party in known else None for n in names], dtype=pl.String())
    named = told.select("row", parties.gather(codes["assoc_actor"]).alias("party")).drop_nulls()
    grouped = named.group_by("row", maintain_order=True).agg(pl.col("party").unique(maintain_order=True))
    laid = acting.select("row").join(grouped, on="row", how="left", maintain_order="left")
    return laid.get_column("party").fill_null(pl.lit([], pl.List(pl.String()))).alias("assoc.parties")


def name_codes(
    resolver: Resolver, rows: pl.DataFrame, columns: Sequence[str]
) -> tuple[dict[str, pl.Series], list[Name]]:
    """How the spellings in `columns` of `rows` resolve, told at each row's `time`: for each column its codes
    (UInt32, null where none is told), and the names they index.

    Each distinct spelling is resolved once. One that a pattern valid only between days matches (`Spelled.dated`)
    is resolved once for each distinct way a row's time lies against those days, and those rows get that code.
    """
    spellings = pl.concat([rows.get_column(c) for c in columns]).drop_nulls().unique(maintain_order=True)
    spelled = [resolver.spelled(s) for s in spellings]
    names = [resolver.named(s.spelling, s.at(None)) for s in spelled]
    codes = {c: rows.select(_code(c, spellings)).to_series() for c in columns}
    dated = [i for i, s in enumerate(spelled) if s.dated]
    if not dated:
        return codes, names
    # Each distinct time against every day a dated pattern begins or ends, numbered by the way it lies.
    boundaries = sorted({b for i in dated for b in spelled[i].boundaries})
    times = rows.get_column("time")
    distinct = times.drop_nulls().unique()
    sides = pl.DataFrame(
        [_distinct_within(resolver, distinct, b, None).alias(f"b{k}") for k, b in enumerate(boundaries)]
    )
    ways = sides.unique(maintain_order=True).with_row_index("way")
    numbered = sides.with_columns(distinct.alias("time")).join(
        ways, on=sides.columns, how="left", nulls_equal=True, maintain_order="left"
    )
    way = times.replace_strict(numbered.get_column("time"), numbered.get_column("way"), default=None)
    is_dated = pl.Series([s.dated for s in spelled], dtype=pl.Boolean())
    pairs = (
        pl.concat([pl.DataFrame({"code": codes[c], "way": way}) for c in columns])
        .filter(pl.lit(is_dated).gather(pl.col("code")).fill_null(False) & pl.col("way").is_not_null())
        .unique(maintain_order=True)
    )
    laid = [dict(zip(boundaries, row)) for row in ways.drop("way").iter_rows()]
    new = []
    for code, w in pairs.iter_rows():
        names.append(resolver.named(spelled[code].spelling, spelled[code].at(laid[w])))
        new.append(len(names) - 1)
    recoded = pairs.with_columns(pl.Series("new", new, dtype=pl.UInt32()))
    for c in columns:
        joined = pl.DataFrame({"code": codes[c], "way": way}).join(
            recoded, on=["code", "way"], how="left", maintain_order="left"
        )
        codes[c] = joined.select(pl.coalesce("new", "code")).to_series().alias(c)
    return codes, names


def _code(column: str, distinct: pl.Series) -> pl.Expr:
    """Each row's value of `column` as its index (UInt32) in `distinct`, which holds every value told (null where
    none was); as an enum's categories, found faster than by `replace_strict`."""
    return pl.col(column).cast(pl.Enum(distinct)).to_physical().cast(pl.UInt32())


# A date-time as most sources write it: to the second, with its UTC offset (`Z` for UTC).
_PLAIN_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[+-][0-9]{2}:[0-9]{2}|Z)$"
# A time that ends in a UTC offset: one its date alone can place, whatever the ruleset's zone.
_WITH_OFFSET = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
_OFFSET = re.compile(_WITH_OFFSET)


def plain_instants(text: pl.Series) -> pl.Series:
    """Each time of the plain form (`_PLAIN_TIME`: to the second, with its offset) as its instant (Datetime µs
    UTC), read in bulk; null for every other form, and for a plain time no calendar has (`2016-02-30T…`)."""
    return (
        pl.select(
            pl.when(text.str.contains(_PLAIN_TIME))
            .then(text.str.replace(r"Z$", "+00:00"))
            .str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC", strict=False)
        )
        .to_series()
        .cast(pl.Datetime("us", "UTC"))
    )


def coded(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Each value as its index (UInt32, null for null) into the distinct values told (in order of first
    appearance, null left out), and those values.

    Values are told apart by their 64-bit hashes, then every value is compared with the one its code gives:
    should two distinct values share a hash, they are told apart by the values themselves instead.
    """
    hashes = values.hash()
    first = (hashes.is_first_distinct() & values.is_not_null()).arg_true()
    distinct = values.gather(first)
    numbers = pl.Series(range(len(first)), dtype=pl.UInt32())
    codes = hashes.replace_strict(hashes.gather(first), numbers, default=None)
    if distinct.gather(codes).eq_missing(values).all():
        return codes, distinct
    distinct = values.drop_nulls().unique(maintain_order=True)
    numbers = pl.Series(range(len(distinct)), dtype=pl.UInt32())
    return values.replace_strict(distinct, numbers, default=None, return_dtype=pl.UInt32()), distinct


def _times(resolver: Resolver, codes: pl.Series, distinct: pl.Series) -> list[pl.Series]:
    """`in_window` and `time.implausible` (by the years written) for each time told, by its code into the
    `distinct` times (see `coded`), each read once."""
    inside = _distinct_within(resolver, distinct, resolver.compiled.start, resolver.compiled.until)
    low, high = resolver.compiled.plausible_years
    years = _written_years(distinct)
    plausible = years.get_column("first").is_between(low, high) & years.get_column("last").is_between(low, high)
    return [inside.gather(codes).alias("in_window"), (~plausible).gather(codes).alias("time.implausible")]


def _written_years(times: pl.Series) -> pl.DataFrame:
    """The first and last year each time names, as written (`engine.times.written_years`, for a column)."""
    text = times.str.strip_chars()
    first = text.str.slice(0, 4).cast(pl.Int32())
    if not text.str.contains("/", literal=True).any():
        return pl.DataFrame({"first": first, "last": first})
    last = text.str.split("/").list.last().str.strip_chars().str.slice(0, 4).cast(pl.Int32())
    return pl.DataFrame({"first": first, "last": last})


def _distinct_within(resolver: Resolver, times: pl.Series, start: datetime | None, until: datetime | None) -> pl.Series:
    """For distinct times, whether each lies inside [start, until) (`Resolver.within`: the window, or the days a
    pattern of names is valid): by the date where the whole day answers, else by the instant named.

    A date-time (not a span) answers by its date when the whole day is inside or outside the window at
    any offset; one without an offset only under a ruleset that names its zone (else it is refused, by
    `Resolver.within`). Times of the plain form are compared in bulk; any other form (a day, week,
    month or span, a date near a boundary with a fraction of a second) is resolved by `Resolver.within`,
    one by one.
    """
    c = resolver.compiled
    text = times.str.strip_chars()
    days = text.str.slice(0, 10)
    whole = {day: resolver.whole_day(start, until, day) for day in days.unique()}
    dated = (text.str.len_chars() > 10) & (text.str.slice(10, 1) == "T") & ~text.str.contains("/", literal=True)
    if c.timezone is None:
        dated = dated & text.str.contains(_WITH_OFFSET)
    known = pl.when(dated).then(days.replace_strict(whole, default=None, return_dtype=pl.Boolean()))
    found = pl.select(known.alias("in_window")).to_series()
    open_ = found.is_null().arg_true()
    instant = pl.lit(plain_instants(text.gather(open_)))
    after = pl.when(instant.is_not_null()).then(True) if start is None else instant >= pl.lit(start.astimezone(UTC))
    inside = after if until is None else after & (instant < pl.lit(until.astimezone(UTC)))
    found = found.scatter(open_, pl.select(inside).to_series())
    rest = found.is_null().arg_true()
    exact = pl.Series([resolver.within(t, start, until) for t in times.gather(rest)], dtype=pl.Boolean())
    return found.scatter(rest, exact) if len(rest) else found


def _places(resolver: Resolver, rows: pl.DataFrame) -> list[pl.Series]:
    """`in_scope`, `admin1`..`admin3`, each named area's field and `place.unresolved` for each row, each distinct
    place resolved once."""
    places = resolver.compiled.places
    drawn = any(a is not None and a.shape is not None for a in (places.scope, *places.areas.values()))
    # A point matters only against a polygon: without one, places are told apart by their names alone.
    keys = PLACE_TOLD if drawn else PLACE_TOLD[:4]
    told = rows.select(keys)
    distinct = told.unique(maintain_order=True)
    unplaced = (None,) * (len(PLACE_TOLD) - len(keys))
    spots = [resolver.place((*row, *unplaced)) for row in distinct.iter_rows()]
    names = [c for c in resolver.compiled.columns if c.startswith("area.")]
    fields = ("in_scope", "admin1", "admin2", "admin3", *names, "place.unresolved")
    answers = distinct.with_columns(  # named `=field` here: the told admin columns are join keys
        pl.Series("=in_scope", [s.in_scope for s in spots], dtype=pl.Boolean()),
        pl.Series("=place.unresolved", [s.place.unresolved for s in spots], dtype=pl.Boolean()),
        *(pl.Series(f"=admin{k + 1}", [s.admin[k] for s in spots], dtype=pl.String()) for k in range(3)),
        *(pl.Series(f"={name}", [s.areas[i] for s in spots], dtype=pl.Boolean()) for i, name in enumerate(names)),
    )
    joined = told.join(answers, on=list(keys), how="left", nulls_equal=True, maintain_order="left")
    return [joined.get_column(f"={c}").alias(c) for c in fields]


class _Vocabulary:
    """The column types of the resolved fields: each an enumeration of what the ruleset can name."""

    def __init__(self, compiled: Compiled) -> None:
        ruleset = compiled.ruleset
        self.party = pl.Enum([*ruleset.parties, *NAME_CLASSES])
        self.role = pl.Enum(list(ROLES))
        self.side = pl.Enum(sorted({p.side for p in ruleset.parties.values() if p.side}))
        self.act = pl.Enum([*ruleset.acts, UNKNOWN])
        self.phase = pl.Enum([*(p.id for p in ruleset.phases), UNKNOWN])

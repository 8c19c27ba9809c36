"""Facts: what each source told of each incident, resolved into the fields rules test, as one table.

The fact table has one row per version told: an incident without accounts is one row (`source`
null); an incident with accounts is one row per account, the account's facts laid over the
incident's. Its columns are the told text (`TOLD`), the fields conditions test (`FIELDS`, one column
each, named as rules name them), and the codes of the people and act as resolved (`CODES`), which
say how an explanation names them. Each distinct spelling, time and place is resolved once, in
Python, by the `Resolver`; the answers are joined onto the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

from engine.incidents.frame import TOLD
from engine.ruleset.compile import BASE_FIELDS, PEOPLE, UNKNOWN, Compiled, normalize
from engine.times import parse_time

# A condition field's column type, by the field's kind (see BASE_FIELDS).
_DTYPES: dict[str, pl.DataType] = {
    "party": pl.String(),
    "role": pl.String(),
    "side": pl.String(),
    "act": pl.String(),
    "bool": pl.Boolean(),
    "text": pl.String(),
    "count": pl.Int64(),
}
# Every field a condition can test, as a column of the fact table (policy knobs are constants: not here).
FIELDS: dict[str, pl.DataType] = {name: _DTYPES[kind] for name, kind in BASE_FIELDS}
# How the people and the act resolved: an index into `Resolution.shown` (null when none was told).
CODES = ("actor.code", "target.code", "intended_target.code", "act.code")
UNNAMED = {"actor": "an unnamed actor", "target": "an unnamed target", "intended_target": "an unnamed target"}
UNNAMED_ACT = "an unnamed act"
HARM_FLAGS = {"covered": "covered_party_harmed", "sponsor": "sponsor_harmed", "civilians": "civilians_harmed"}


@dataclass(frozen=True, slots=True)
class Name:
    """A spelling as the ruleset reads it: party (or class) id, role, side, and how an explanation names it."""

    party: str | None  # None: the spelling resolves to no party the ruleset knows
    role: str  # a party role, a name class, or `unknown`
    side: str | None
    shown: str


@dataclass(frozen=True, slots=True)
class Deed:
    """An act as the ruleset reads it: act id (`unknown` if none), hostile (None if unknown), and its words."""

    act: str
    hostile: bool | None
    shown: str


class Resolver:
    """How one compiled ruleset reads what sources tell: names, acts, times and places.

    Each method answers for one value told; callers ask once per distinct value. The answers follow
    the ruleset: names match its parties' and classes' spellings ignoring case, punctuation, spacing
    and accents; a time is in its window, out, or (a bare date on a boundary day) unknown.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._days: dict[str, bool | None] = {}

    def name(self, spelling: str) -> Name:
        found = self.compiled.names.get(normalize(spelling))
        if found is None:
            return Name(None, UNKNOWN, None, f"`{spelling}`")
        pid, role, side = found
        party = self.compiled.ruleset.parties.get(pid)
        return Name(pid, role, side, party.name if party else pid)

    def act(self, spelling: str) -> Deed:
        found = self.compiled.acts.get(normalize(spelling))
        if found is None:
            return Deed(UNKNOWN, None, f"`{spelling}`")
        return Deed(found[0], found[1], found[0].replace("_", " "))

    def window(self, time: str) -> bool | None:
        """Whether the time is inside the truce's window; None when a bare date straddles an end."""
        c = self.compiled
        text = time.strip()
        if len(text) > 10:
            day = text[:10]
            known = self._days[day] if day in self._days else self._days.setdefault(day, self._whole_day(day))
            if known is not None:
                return known
        moment = parse_time(time, date_ok=True)
        if isinstance(moment, datetime):
            return moment >= c.start and (c.until is None or moment < c.until)
        first, last = c.day_span(moment)
        if first >= c.start and (c.until is None or last <= c.until):
            return True
        if last <= c.start or (c.until is not None and first >= c.until):
            return False
        return None  # the day straddles a boundary: the date alone cannot tell

    def _whole_day(self, day: str) -> bool | None:
        """Whether every time on this date, at any UTC offset, is inside (or every one outside) the window.

        Most times in a large table fall on days well inside or outside the window: their date alone
        answers, with no date-time to parse. None when the date is near a boundary (or not a date).
        """
        try:
            d = date.fromisoformat(day)
            first = datetime(d.year, d.month, d.day, tzinfo=UTC) - timedelta(days=1)
        except ValueError:
            return None
        last = first + timedelta(days=3)  # offsets reach at most a day either side
        c = self.compiled
        if first >= c.start and (c.until is None or last <= c.until):
            return True
        if last <= c.start or (c.until is not None and first >= c.until):
            return False
        return None

    def place(self, country: str | None, region: str | None) -> tuple[bool | None, str | None]:
        """(in_scope, the region as rules compare it) for a place as told."""
        c = self.compiled
        normal = None if region is None else normalize(region)
        if country is not None and c.country is not None and normalize(country) != c.country:
            return False, normal
        if c.regions:
            return (None if normal is None else normal in c.regions), normal
        return True, normal

    def row(self, told: dict[str, Any]) -> tuple[Any, ...]:
        """The fact row (in `compiled.fields` order, policy last) for one version told (`TOLD` keys).

        For a few rows at a time (`diff` and `check` reason about single values); tables go through
        `facts`, which resolves each distinct value once.
        """
        values: list[Any] = []
        for who in PEOPLE:
            spelling = told.get(who)
            name = None if spelling is None else self.name(spelling)
            values += [None, None, None] if name is None else [name.party, name.role, name.side]
        act = told.get("act")
        deed = None if act is None else self.act(act)
        values += [None, None] if deed is None else [deed.act, deed.hostile]
        time = told.get("time")
        values.append(None if time is None else self.window(time))
        values += self.place(told.get("country"), told.get("region"))
        values += [told.get("killed"), told.get("wounded")]
        return (*values, *self.compiled.policy)


@dataclass(frozen=True)
class Resolution:
    """How the spellings of one fact table resolved: `names[code]` and `deeds[code]` for its code columns."""

    names: list[Name]
    deeds: list[Deed]


def told(incidents: pl.DataFrame) -> pl.DataFrame:
    """One row per version told, in incident order then account order.

    Columns: `incident` (UInt32, the incident's row in `incidents`), `source` (null for an incident
    told without accounts), then `TOLD`, each the account's value where it gives one, else the incident's.
    """
    numbered = incidents.with_row_index("incident")
    own = numbered.filter(pl.col("accounts").list.len() == 0).select(
        "incident", pl.lit(None, pl.String()).alias("source"), *TOLD
    )
    with_accounts = numbered.filter(pl.col("accounts").list.len() > 0)
    if with_accounts.is_empty():
        return own
    accounts = (
        with_accounts.select("incident", *TOLD, pl.col("accounts").alias("account"))
        .explode("account")
        .select(
            "incident",
            pl.col("account").struct.field("source"),
            *(pl.coalesce(pl.col("account").struct.field(k).alias(f"_{k}"), pl.col(k)).alias(k) for k in TOLD),
        )
    )
    return pl.concat([own, accounts]).sort("incident", maintain_order=True)


def facts(compiled: Compiled, rows: pl.DataFrame) -> tuple[pl.DataFrame, Resolution]:
    """The fact table: `rows` (as `told` makes them) with `FIELDS` and `CODES` added, and how names resolved.

    Each distinct spelling, time and (country, region) is resolved once and joined onto the rows.
    """
    resolver = Resolver(compiled)
    spellings = pl.concat([rows.get_column(who) for who in PEOPLE]).drop_nulls().unique(maintain_order=True)
    names = [resolver.name(s) for s in spellings]
    people = pl.DataFrame(
        {
            "spelling": spellings,
            "code": pl.Series(range(len(names)), dtype=pl.UInt32()),
            "party": [n.party for n in names],
            "role": [n.role for n in names],
            "side": [n.side for n in names],
        },
        schema={
            "spelling": pl.String(),
            "code": pl.UInt32(),
            "party": pl.String(),
            "role": pl.String(),
            "side": pl.String(),
        },
    )
    acts = rows.get_column("act").drop_nulls().unique(maintain_order=True)
    deeds = [resolver.act(s) for s in acts]
    act_table = pl.DataFrame(
        {
            "act.told": acts,
            "act.code": pl.Series(range(len(deeds)), dtype=pl.UInt32()),
            "act": [d.act for d in deeds],
            "act.hostile": [d.hostile for d in deeds],
        },
        schema={"act.told": pl.String(), "act.code": pl.UInt32(), "act": pl.String(), "act.hostile": pl.Boolean()},
    )
    times = rows.get_column("time").drop_nulls().unique()
    windows = pl.DataFrame(
        {"time": times, "in_window": [resolver.window(t) for t in times]},
        schema={"time": pl.String(), "in_window": pl.Boolean()},
    )
    where = rows.select("country", pl.col("region").alias("region.told")).unique()
    scopes = [resolver.place(c, r) for c, r in where.iter_rows()]
    places = where.with_columns(
        pl.Series("in_scope", [s for s, _ in scopes], dtype=pl.Boolean()),
        pl.Series("region", [n for _, n in scopes], dtype=pl.String()),
    )
    # What was told of the act and region keeps its own column: the fields `act` and `region` are as resolved.
    out = rows.rename({"act": "act.told", "region": "region.told"})
    for who in PEOPLE:
        named = people.rename({k: f"{who}.{k}" for k in ("code", "party", "role", "side")})
        out = out.join(named, left_on=who, right_on="spelling", how="left", maintain_order="left")
    out = out.join(act_table, on="act.told", how="left", maintain_order="left")
    out = out.join(windows, on="time", how="left", maintain_order="left")
    out = out.join(places, on=["country", "region.told"], how="left", maintain_order="left", nulls_equal=True)
    told_columns = ("incident", "source", "time", *PEOPLE, "act.told", "country", "region.told")
    table = out.select(*told_columns, *FIELDS, *CODES)
    return table, Resolution(names, deeds)


def flags_of(row: dict[str, Any]) -> tuple[str, ...]:
    """Facts worth a reader's attention whatever the verdict, sorted; `row` maps FIELDS to values."""
    flags = []
    hostile, target_role = row["act.hostile"], row["target.role"]
    intended = (row["intended_target.party"], row["intended_target.role"])
    if hostile and target_role in HARM_FLAGS:
        flags.append(HARM_FLAGS[target_role])
    if intended[1] is not None and target_role is not None and intended != (row["target.party"], target_role):
        flags.append("mistaken_target")
    for field, flag in (
        ("actor.role", "actor_unresolved"),
        ("target.role", "target_unresolved"),
        ("act", "act_unresolved"),
    ):
        if row[field] == UNKNOWN:
            flags.append(flag)
    return tuple(sorted(flags))

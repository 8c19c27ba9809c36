"""Every spelling of a person in a scenario or table, and what the ruleset reads it as: `ceasefire names`.

A person is told as an incident's or an account's `actor`, `target` or `intended_target`, and as one of the
actors associated with either side of an incident (`assoc_actor`, `assoc_target`). Each distinct spelling is
listed once for each thing it names (a spelling a pattern valid only between days matches may name a party in
some rows and nothing in others), with where it is told, in how many rows (records: an incident's own, and
each of its accounts, with the incident's time and place where the account gives none), and in how many of
those the truce's place and time hold (the fact table's `in_scope` and `in_window` true).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import cut, did_you_mean
from engine.places.gazetteer import LEVELS
from engine.ruleset.compile import NAME_CLASSES, PEOPLE, UNKNOWN, Compiled
from engine.spelling import normalize

if TYPE_CHECKING:
    import polars as pl

    from engine.evaluation.facts import Name
    from engine.evaluation.result import Skipped
    from engine.incidents.load import Loaded
    from engine.places.areas import Place

# How alike a spelling and one the ruleset knows are for the one to be suggested for the other, compared as names
# match (`normalize`): difflib's ratio at least CLOSE, and the letters of either that the two do not share (in
# order, as difflib matches them: a letter replaced counts 2, one gone and one added) at most a third of the
# spelling's, rounded up, and at least 2 (one letter replaced). A misspelling passes (`Hezbolah`, `Russain
# Aerospace Forces`, `SNA` for `SAA` or `FSA`); another word of like letters, which the ratio alone let through,
# does not: `militants` and `civilians` leave 6 letters unshared (at most 3), `Rebel Forces` and `regime forces` 5
# (at most 4), `Kurdish militia` and `Turkish military` 7 (at most 5).
CLOSE = 0.6
# Where a person may be told, in the order listings name them.
FIELDS = (*PEOPLE, "assoc_actor", "assoc_target")
UNRESOLVED = "unresolved"


@dataclass(frozen=True, slots=True)
class Spelling:
    """One spelling as told and what it names.

    `rows`: the versions told that name it (an incident's record, or an account); `inside`: those whose place
    and time are inside the truce's scope and window; `incidents` and `first`: how many incidents tell it,
    and the first (its row in the incident frame). `how` is how it was found (`alias`, `pattern`) or why it
    names nothing (`none`, `ambiguous`, `dated`), with `why` in words after the spelling. `counted_as`: where it
    names nothing and is an incident's actor as recorded, the spelling the counts by party (`Report.by_party`)
    count those incidents under, which spellings that match alike share (`result.unresolved_spellings`).
    """

    spelling: str
    fields: tuple[str, ...]
    rows: int
    inside: int
    incidents: int
    first: int
    party: str | None
    role: str
    side: str | None
    how: str
    pattern: str | None
    why: str | None
    counted_as: str | None = None

    @property
    def resolved(self) -> bool:
        return self.party is not None

    @property
    def names(self) -> str:
        """What it names, in words: `syrian-government (covered)`, `civilians`, or `unresolved`."""
        if self.party is None:
            return UNRESOLVED
        return self.party if self.party == self.role else f"{self.party} ({self.role})"


@dataclass(frozen=True)
class NameList:
    """The spellings of a scenario or table (`name`) under a ruleset: unresolved first, then most told first; and
    the input's rows skipped as bad (`skipped`), whose spellings are not listed."""

    name: str
    ruleset: str
    spellings: tuple[Spelling, ...]
    skipped: Skipped

    @property
    def unresolved(self) -> int:
        return sum(not s.resolved for s in self.spellings)


class Unread:
    """What a ruleset cannot resolve in what a source told: each name, act or place, in words with the nearest
    spelling it knows. Shared by `check` (each place a scenario tells it; each distinct value of a table) and
    the listing of names."""

    def __init__(self, c: Compiled) -> None:
        from engine.evaluation.facts import Resolver

        self.resolver = Resolver(c)
        # Each spelling the ruleset gives a party or class, with what it names (the party's own name).
        self.named = {n: p.name for p in c.ruleset.parties.values() for n in (p.name, *p.aliases)}
        self.named.update((n, n) for n in NAME_CLASSES)
        self.keys = [(normalize(n), n) for n in self.named]  # as `nearest` compares them
        self.acts = [n for aid, a in c.ruleset.acts.items() for n in (aid, *a.aliases)]

    def name(self, spelling: str, time: str | None = None) -> str | None:
        """Why a spelling told at `time` names nothing; None when it names a party or class."""
        return self.said(spelling, self.resolver.name(spelling, time))

    def said(self, spelling: str, name: Name) -> str | None:
        """Why a spelling as read (`name`) names nothing, after the spelling; None when it names something."""
        if name.party is not None:
            return None
        return f"`{cut(spelling)}` {self.why(spelling, name)}"

    def why(self, spelling: str, name: Name) -> str | None:
        """Why a spelling as read names nothing (`name.why`), with the nearest spelling the ruleset knows where it
        names nothing at all (`nearest`); None where it names something."""
        if name.why is None:
            return None
        return name.why + (self.nearest(spelling) if name.how == "none" else "")

    def nearest(self, spelling: str) -> str:
        """`; did you mean …?` with the spelling the ruleset knows nearest `spelling` (difflib's ratio, among those
        close enough to be taken for a misspelling of it: `CLOSE`), and what it names where that is not its own
        name; '' where none is. Where spellings of several parties are as near as the nearest, each is named: one
        letter can be another party (`FSAA` is as near `FSA`, the opposition, as `SAA`, the government's army)."""
        told = normalize(spelling)
        unshared = max(2, (len(told) + 2) // 3)  # letters left unshared at most: see CLOSE
        matcher = difflib.SequenceMatcher()  # as `difflib.get_close_matches` compares them, and as fast
        matcher.set_seq2(told)
        scored = []
        for key, known in self.keys:
            if abs(len(key) - len(told)) > unshared:  # each letter one has beyond the other is unshared
                continue
            matcher.set_seq1(key)
            if matcher.real_quick_ratio() < CLOSE or matcher.quick_ratio() < CLOSE:
                continue
            size = len(key) + len(told)
            shared = sum(block.size for block in matcher.get_matching_blocks())
            if 2 * shared >= CLOSE * size and size - 2 * shared <= unshared:
                scored.append((2 * shared / size, known))
        best = max((score for score, _ in scored), default=0.0)
        closest: dict[str, str] = {}  # the first spelling of each party as close as the best, by what it names
        for score, known in scored:
            if score == best:
                closest.setdefault(self.named[known], known)
        if not closest:
            return ""
        shown = [f"`{known}`" + (f" ({named})" if named != known else "") for named, known in closest.items()]
        return f"; did you mean {' or '.join(shown)}?"

    def act(self, spelling: str) -> str | None:
        if self.resolver.act(spelling).act != UNKNOWN:
            return None
        return f"`{spelling}` is no act the ruleset knows{did_you_mean(spelling, self.acts)}"

    def place(self, told: tuple[object, ...]) -> Place:
        """The place told (`PLACE_TOLD` values) as resolved: its `problem` and `field` say what is unread."""
        return self.resolver.place(told).place

    def places(self, told: tuple[object, ...]) -> list[tuple[str | None, str]]:
        """Every part of a place told (`PLACE_TOLD` values) that resolves to nothing, as (field, why) in that order
        (field None: the place as a whole).

        A run places a place by the deepest level it can read (passing over a finer name no area has); here each
        part is read on its own: the country, and
        each admin level in the scope country's gazetteer (where the country told is that one or none; a
        country that is none leaves the names unread, as a run does). When every part is known and the place
        still is not (areas that do not nest, a name of several areas), the one problem the place has.
        """
        from engine.places.areas import no_area
        from engine.places.countries import country_code, country_hint

        place = self.place(told)
        if not place.unresolved:
            return []
        country_told, *names = told[: 1 + len(LEVELS)]
        found: list[tuple[str | None, str]] = []
        country = None
        if country_told is not None:
            country = country_code(str(country_told))
            if country is None:
                found.append(("country", f"country `{country_told}` is no country{country_hint(str(country_told))}"))
        places = self.resolver.compiled.places
        g = places.gazetteer
        if g is not None and (country_told is None or country == g.country):
            for level, spelling in zip(LEVELS, names):
                if spelling is not None and not g.find(level, str(spelling)):
                    found.append((f"admin{level}", no_area(g, level, str(spelling))))
        return found or [(place.field, place.problem or place.unread or "")]


def list_names(loaded: Loaded) -> NameList:
    """Every spelling of a person in what was loaded (a scenario or a table, with its ruleset)."""
    found = spellings(loaded.compiled, loaded.frame)
    return NameList(loaded.name, loaded.compiled.id, tuple(found), loaded.skipped)  # known once the frame is read


def spellings(compiled: Compiled, frame: pl.DataFrame) -> list[Spelling]:
    """Every spelling of a person in an incident frame, as `compiled` reads it where and when it is told.

    Each distinct spelling (and, where a pattern valid only between days matches it, each distinct way its
    rows' times lie against those days) is resolved once, as the fact table resolves it.
    """
    import polars as pl

    from engine.evaluation.facts import Resolver, facts, name_codes
    from engine.evaluation.result import unresolved_spellings
    from engine.incidents.frame import TOLD, with_defaults

    records = _records(with_defaults(frame))
    table, _ = facts(compiled, records.select("incident", "source", *TOLD))
    inside = table.select((pl.col("in_scope") & pl.col("in_window")).fill_null(False)).to_series()
    records = records.with_row_index("row").with_columns(inside.alias("inside"))
    base = records.select("row", "incident", "time", "inside")
    told_as = [
        base.with_columns(pl.lit(who).alias("field"), records.get_column(f"own.{who}").alias("name")) for who in PEOPLE
    ]
    own = records.filter(pl.col("source").is_null())  # associated actors are the incident's, told once
    for field in ("assoc_actor", "assoc_target"):
        listed = own.select(
            "row", "incident", "time", "inside", pl.lit(field).alias("field"), pl.col(field).alias("name")
        )
        told_as.append(listed.explode("name"))
    long = pl.concat(told_as).drop_nulls("name")
    codes, names = name_codes(Resolver(compiled), long, ["name"])
    # Readings shown alike are one line: a dated spelling read alike at different times is listed once.
    readings = {n: i for i, n in enumerate(dict.fromkeys(_key(n) for n in names))}
    number = pl.Series([readings[_key(n)] for n in names], dtype=pl.UInt32())
    long = long.with_columns(number.gather(codes["name"]).alias("reading"), codes["name"].alias("code"))
    grouped = long.group_by("name", "reading", maintain_order=True).agg(
        pl.col("field").unique(),
        pl.col("row").n_unique().alias("rows"),
        pl.col("row").filter(pl.col("inside")).n_unique().alias("inside"),
        pl.col("incident").n_unique().alias("incidents"),
        pl.col("incident").min().alias("first"),
        pl.col("code").first(),
    )
    out = []
    unread = Unread(compiled)
    counted = unresolved_spellings(compiled, frame.get_column("actor"))  # as the counts by party name them
    for spelling, _, fields, n, inside_n, incidents, first, code in grouped.iter_rows():
        name = names[code]
        where = tuple(f for f in FIELDS if f in fields)
        out.append(
            Spelling(
                spelling,
                where,
                n,
                inside_n,
                incidents,
                first,
                name.party,
                name.role,
                name.side,
                name.how,
                name.pattern,
                unread.why(spelling, name),
                None if name.party is not None else counted.get(spelling),
            )
        )
    return sorted(out, key=lambda s: (s.resolved, -s.rows, s.spelling, s.names, s.why or ""))


def _records(frame: pl.DataFrame) -> pl.DataFrame:
    """Each record a frame tells, in order: every incident's own, then each of its accounts (its facts laid over
    the incident's, as `facts.told` lays them), with `own.actor`, `own.target` and `own.intended_target`: the
    names the record itself writes (an account's, not those it leaves to the incident's)."""
    import polars as pl

    from engine.incidents.frame import TOLD

    numbered = frame.with_row_index("incident")
    own = numbered.select(
        "incident",
        pl.lit(None, pl.String()).alias("source"),
        *TOLD,
        *(pl.col(who).alias(f"own.{who}") for who in PEOPLE),
        "assoc_actor",
        "assoc_target",
    )
    told = numbered.filter(pl.col("accounts").list.len() > 0)
    if told.is_empty():
        return own
    account = pl.col("account").struct.field
    accounts = (
        told.select("incident", *TOLD, pl.col("accounts").alias("account"))
        .explode("account")
        .select(
            "incident",
            account("source"),
            *(pl.coalesce(account(k).alias(f"_{k}"), pl.col(k)).alias(k) for k in TOLD),
            *(account(who).alias(f"own.{who}") for who in PEOPLE),
            pl.lit([], pl.List(pl.String())).alias("assoc_actor"),
            pl.lit([], pl.List(pl.String())).alias("assoc_target"),
        )
    )
    return pl.concat([own, accounts]).sort("incident", maintain_order=True)


def _key(name: Name) -> tuple[str | None, str, str | None, str, str | None, str | None]:
    return (name.party, name.role, name.side, name.how, name.pattern, name.why)


def unresolved(found: Sequence[Spelling]) -> Iterator[Spelling]:
    """The spellings that name nothing."""
    return (s for s in found if not s.resolved)

"""What an evaluation gives: verdicts, with their reasons, and the run they belong to."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

import polars as pl

from engine.errors import Problem
from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS
from engine.spelling import prevailing


class AccountVerdict(NamedTuple):
    """The verdict under one account (source None: the incident as recorded, with no accounts).

    `actor` is the party (or class) the account names as the one who acted, None when it names none
    the ruleset knows: accounts can agree on the verdict and still blame different parties.
    """

    source: str | None
    actor: str | None
    verdict: str
    rule: str | None
    clause: str | None
    phase: str | None  # the truce's phase (`unknown`: the time told cannot place it in one); None: in none
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]
    actors: tuple[str, ...]  # the parties (ids) the verdict names: the actor and its associates; both sides if mutual


# Named tuples rather than frozen dataclasses: as immutable, and three times cheaper to make, which
# counts when a run judges a hundred thousand incidents.
class Verdict(NamedTuple):
    """The verdict on one incident, with its reasons and, where accounts differ, each account's."""

    incident: str
    verdict: str
    rule: str | None
    clause: str | None
    phase: str | None  # as `AccountVerdict.phase`; `unknown` where accounts place it in different phases
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]
    actors: tuple[str, ...]  # the parties (ids) the verdict names, as `AccountVerdict.actors`, over every account
    accounts: tuple[AccountVerdict, ...]


ACCOUNTS_DIFFER = "(accounts name different actors)"  # in counts by acting party


class PhaseBand(NamedTuple):
    """A phase of the truce in force: `phase` (its id) from `start` until `until` (aware date-times in UTC;
    None: still in force when the input ends, or open), with the clause that sets it."""

    phase: str
    clause: str
    start: datetime
    until: datetime | None


class Episode(NamedTuple):
    """Escalation: `party` (a party id) found in `violations` violations from `start` until `until` (UTC),
    no more than the ruleset's `escalation.hours` apart from first to last in any run of `escalation.violations`."""

    party: str
    start: datetime
    until: datetime
    violations: int


class Shown(NamedTuple):
    """An incident as reports show it beside its verdict: its id and the facts as recorded (text as written)."""

    id: str
    time: str | None
    actor: str | None
    act: str | None
    target: str | None


SKIPPED_LISTED = 5  # rows skipped as bad that a report lists, each with why; the rest it counts


class Skipped(NamedTuple):
    """The rows of the input left out as bad (an export's, see `engine.incidents.eventdata.BadRows`): how many
    (`rows`), and the first of them (at most `SKIPPED_LISTED`, in row order), each a problem at its line
    (Parquet: its row) that says why, in the words of the warning on stderr."""

    rows: int = 0
    first: tuple[Problem, ...] = ()


NONE_SKIPPED = Skipped()  # a report of an input with no row skipped


@dataclass(frozen=True)
class Report:
    """A run's result: what was evaluated, under which ruleset and engine, and the verdicts.

    `incidents` is the incident frame evaluated (see `engine.incidents.frame`), `table` the verdict
    table (see `engine.evaluation.decide.VERDICTS`), one row per incident in the same order. A part of a large
    input written as it goes (`Evaluator.reports_over_time`) may hold only the columns `reported` keeps.
    """

    scenario: str
    compiled: Compiled
    engine: str
    incidents: pl.DataFrame
    table: pl.DataFrame
    said: pl.Series | None = None  # what each verdict says, numbered (see `decide.combine`): for writing fast
    unresolved: int = 0  # incidents inside the truce's scope and window that name someone the ruleset cannot read
    phases: tuple[PhaseBand, ...] = ()  # the truce's phases as they came into force, in order
    episodes: tuple[Episode, ...] = ()  # escalation episodes (`escalation` terms), by party then start
    skipped: Skipped = NONE_SKIPPED  # the input's rows left out as bad (a part's: those known once it was made)
    spelled: Mapping[str, str] | None = None  # a part's `unresolved_actors`, found over the whole input; None: here

    @cached_property
    def record(self) -> pl.DataFrame | None:
        """What an event dataset's export says of each incident beyond the facts judged, for reports: one
        struct column named for the dataset (`acled` or `ucdp`, see `engine.incidents.eventdata`), with
        the record's `notes` and `source` and the dataset's own codes; None for other inputs."""
        from engine.incidents.eventdata import KINDS

        kind = next((k for k in KINDS if k in self.incidents.columns), None)
        if kind is None:
            return None
        own = pl.struct(pl.col("notes"), pl.col("source"), pl.col(kind).struct.unnest()).alias(kind)
        return self.incidents.select(own)

    @property
    def count(self) -> int:
        """The number of incidents."""
        return self.table.height

    @cached_property
    def verdicts(self) -> list[Verdict]:
        """The verdicts as values, made on first use (a large table is better read as `table`)."""
        from engine.evaluation.decide import verdicts_of

        return verdicts_of(self.table)

    @cached_property
    def shown(self) -> list[Shown]:
        """Each incident as reports show it, in order."""
        return [Shown(*row) for row in self.incidents.select(Shown._fields).iter_rows()]

    def flagged(self, *flags: str) -> tuple[int, ...]:
        """How many incidents are flagged each of `flags` (names of `decide.FLAGS` or `decide.LATER_FLAGS`), in
        their order: one pass over the verdicts for all."""
        flagged = pl.col("flags").list
        return self.table.select(flagged.contains(f).sum().alias(str(i)) for i, f in enumerate(flags)).row(0)

    def summary(self) -> dict[str, int]:
        counts = dict(self.table.get_column("verdict").value_counts().iter_rows())
        return {name: counts.get(name, 0) for name in VERDICTS}

    def by_party(self) -> dict[str, dict[str, int]]:
        """Verdict counts per party the verdict names (by the name the ruleset gives it).

        A verdict counts once for each party it names: the actor and its associated actors, and for an
        incident judged both ways, each side whose direction gives the verdict. Who acted is as the
        accounts tell it where there are accounts; accounts that name different actors count under
        ACCOUNTS_DIFFER; a verdict that names no party counts under the actor as recorded (as spelled; the
        spellings of an unresolved actor that match alike, as names match, under one: `unresolved_actors`).
        """
        counted = (
            pl.DataFrame({"party": self.parties(), "verdict": self.table.get_column("verdict")})
            .explode("party")
            .group_by("party", "verdict")
            .len()
        )
        out: dict[str, dict[str, int]] = {}
        for party, verdict, n in counted.iter_rows():
            out.setdefault(party, dict.fromkeys(VERDICTS, 0))[verdict] = n
        return dict(sorted(out.items()))

    def parties(self) -> pl.Series:
        """For each verdict, in the table's order, the names it counts under (List[String], never empty), by
        the rule `by_party` describes; `acting` gives them, once for each distinct way of telling who acted.
        Worked out once per report (`by_party` and the reports for people ask again)."""
        return self._parties

    @cached_property
    def _parties(self) -> pl.Series:
        told = self.table.get_column("accounts").list.eval(pl.element().struct.field("actor"))
        rows = pl.DataFrame(
            {
                "told": told,
                "actors": self.table.get_column("actors"),
                "recorded": self.incidents.get_column("actor"),
            }
        )
        keys = rows.unique(maintain_order=True)
        acting = keys.with_columns(
            pl.Series(
                "party",
                [self.acting(*key) for key in keys.iter_rows()],
                dtype=pl.List(pl.String()),
            )
        )
        joined = rows.join(
            acting, on=["told", "actors", "recorded"], how="left", nulls_equal=True, maintain_order="left"
        )
        return joined.get_column("party")

    def acting(self, told: Sequence[str | None], actors: Sequence[str], recorded: str | None) -> list[str]:
        """The names a verdict counts under: from the actors its accounts name (party ids), the parties it
        names, and the actor as recorded (an unresolved one by the spelling `unresolved_actors` gives it)."""
        if len(set(told)) > 1:
            return [ACCOUNTS_DIFFER]
        if actors:
            return [self.compiled.party_name(a) for a in actors]
        shown = self.unresolved_actors.get(recorded) if recorded is not None else None
        return [self.compiled.party_name(recorded, shown=shown)]

    @cached_property
    def unresolved_actors(self) -> Mapping[str, str]:
        """Each actor as recorded that the ruleset cannot resolve → the spelling the counts by party show it by: one
        name for spellings that match alike, found over the incidents (`unresolved_spellings`), or over the whole
        input for a part of it (`spelled`), so that parts count as the whole does."""
        if self.spelled is not None:
            return self.spelled
        return unresolved_spellings(self.compiled, self.incidents.get_column("actor"))


def unresolved_spellings(compiled: Compiled, told: pl.Series) -> dict[str, str]:
    """Each spelling of `told` (String, nulls left out) that `compiled` resolves to nothing → the one shown for all
    such spellings that match alike, as names match (`spelling.normalize`: `Hezbollah`, `HEZBOLLAH`, ` hezbollah`):
    the most told, the first told where several are told as often (`spelling.prevailing`). The same for the same
    spellings in the same order, whatever judges them."""
    counted = told.drop_nulls().to_frame("spelling").group_by("spelling", maintain_order=True).len()
    unread = [(s, n) for s, n in counted.iter_rows() if compiled.read_name(s).entry is None]
    return prevailing(unread)


def reported(incidents: pl.DataFrame) -> pl.DataFrame:
    """The columns of an incident frame that a report written as it goes reads: `id`, `Report.record`'s, and the
    times (`time`, `accounts`) that find an implausible one. A part of an input that can be read again is kept with
    these alone while the rest is judged (`Evaluator.reports_over_time`)."""
    from engine.incidents.eventdata import KINDS

    kinds = [k for k in KINDS if k in incidents.columns]
    return incidents.select("id", "time", "accounts", *(("notes", "source", *kinds) if kinds else ()))

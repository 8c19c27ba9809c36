"""What an evaluation gives: verdicts, with their reasons, and the run they belong to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import polars as pl

from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS


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
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]


# Named tuples rather than frozen dataclasses: as immutable, and three times cheaper to make, which
# counts when a run judges a hundred thousand incidents.
class Verdict(NamedTuple):
    """The verdict on one incident, with its reasons and, where accounts differ, each account's."""

    incident: str
    verdict: str
    rule: str | None
    clause: str | None
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]
    accounts: tuple[AccountVerdict, ...]


ACCOUNTS_DIFFER = "(accounts name different actors)"  # in counts by acting party


class Shown(NamedTuple):
    """An incident as reports show it beside its verdict: its id and the facts as recorded (text as written)."""

    id: str
    time: str | None
    actor: str | None
    act: str | None
    target: str | None


@dataclass(frozen=True)
class Report:
    """A run's result: what was evaluated, under which ruleset and engine, and the verdicts.

    `incidents` is the incident frame evaluated (see `engine.incidents.frame`), `table` the verdict
    table (see `engine.evaluation.decide.VERDICTS`), one row per incident in the same order.
    """

    scenario: str
    compiled: Compiled
    engine: str
    incidents: pl.DataFrame
    table: pl.DataFrame
    said: pl.Series | None = None  # what each verdict says, numbered (see `decide.combine`): for writing fast

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

    def summary(self) -> dict[str, int]:
        counts = dict(self.table.get_column("verdict").value_counts().iter_rows())
        return {name: counts.get(name, 0) for name in VERDICTS}

    def by_party(self) -> dict[str, dict[str, int]]:
        """Verdict counts per acting party (by the name the ruleset gives it).

        Who acted is as the accounts tell it where there are accounts (they may name another actor than
        the record); accounts that name different actors count under ACCOUNTS_DIFFER.
        """
        actors = self.table.get_column("accounts").list.eval(pl.element().struct.field("actor"))
        recorded = self.incidents.get_column("actor")
        # A spelling a pattern valid only between days matches names whom it names when it was told.
        dated = {s for s in recorded.drop_nulls().unique() if self.compiled.spelled(s).dated}
        when = self.incidents.get_column("time") if dated else pl.Series([None] * len(recorded), dtype=pl.String())
        rows = pl.DataFrame(
            {
                "told": actors,
                "recorded": recorded,
                "when": pl.select(pl.when(recorded.is_in(list(dated))).then(when)).to_series(),
                "verdict": self.table.get_column("verdict"),
            }
        )
        keys = rows.select("told", "recorded", "when").unique(maintain_order=True)
        acting = keys.with_columns(
            pl.Series("party", [self.acting(*key) for key in keys.iter_rows()], dtype=pl.String())
        )
        counted = (
            rows.join(acting, on=["told", "recorded", "when"], how="left", nulls_equal=True)
            .group_by("party", "verdict")
            .len()
        )
        out: dict[str, dict[str, int]] = {}
        for party, verdict, n in counted.iter_rows():
            out.setdefault(party, dict.fromkeys(VERDICTS, 0))[verdict] = n
        return dict(sorted(out.items()))

    def acting(self, told: Sequence[str | None], recorded: str | None, when: str | None = None) -> str:
        """Who acted, from the actors the accounts name (party ids) and the actor as recorded (as spelled, told at
        `when`)."""
        actors = set(told)
        if len(actors) > 1:
            return ACCOUNTS_DIFFER
        if actors and None not in actors:
            return self.compiled.party_name(actors.pop())
        return self.compiled.party_name(recorded, when)

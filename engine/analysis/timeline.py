"""A run's verdicts day by day: per calendar day (in the ruleset's zone) and per party, with the phases and
escalation episodes of the same run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import polars as pl

from engine.evaluation.phases import periods
from engine.evaluation.result import NONE_SKIPPED, Episode, PhaseBand, Report, Skipped
from engine.ruleset.model import VERDICTS

NO_DAY = "no one day"  # how reports show the incidents whose time falls on no one calendar day


@dataclass(frozen=True)
class Timeline:
    """Verdict counts over time.

    `days`: one row per (day, party): `day` (Date in the ruleset's zone; null for incidents whose time falls
    on no one day: a week, a month, a span of days, or no time), `party` (the name a verdict counts under,
    as `Report.by_party`), then one Int64 column per verdict (`VERDICTS` order); sorted by day (null last)
    then party. A verdict counts once for each party it names, so these rows may add up to more than the
    incidents. `totals`: one row per day (same `day` column and order), each incident counted once.
    `phases` and `episodes` are the run's (UTC; an episode's party by its name); `zone` is the ruleset's
    zone and `timezone` its name; `skipped` the input's rows skipped as bad, counted in none of these.
    """

    scenario: str
    ruleset: str
    engine: str
    timezone: str
    zone: tzinfo
    days: pl.DataFrame
    totals: pl.DataFrame
    phases: tuple[PhaseBand, ...]
    episodes: tuple[Episode, ...]
    skipped: Skipped = NONE_SKIPPED

    def summary(self) -> dict[str, int]:
        """The count of each verdict over every day (each incident once): equal to the run's `Report.summary`."""
        return {name: int(self.totals.get_column(name).sum()) for name in VERDICTS}

    def local(self, moment: datetime | None) -> str | None:
        """An instant as ISO 8601 in the ruleset's zone, to the second (None stays None)."""
        return None if moment is None else moment.astimezone(self.zone).isoformat(timespec="seconds")

    def dates(self) -> list[date]:
        """Every calendar day from the first incident's to the last's, gaps included (empty with none dated)."""
        known = self.totals.get_column("day").drop_nulls()
        if known.is_empty():
            return []
        first, last = known.min(), known.max()
        assert isinstance(first, date) and isinstance(last, date)
        return pl.date_range(first, last, "1d", eager=True).to_list()


def _counts(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    counted = [(pl.col("verdict") == name).sum().cast(pl.Int64).alias(name) for name in VERDICTS]
    return frame.group_by(keys).agg(counted).sort(keys, nulls_last=True)


def zone_name(zone: tzinfo, named: str | None) -> str:
    """The ruleset's zone as reports name it: its IANA name, else the fixed offset (`UTC+03:00`)."""
    return named or getattr(zone, "key", None) or str(zone)


def timeline(report: Report) -> Timeline:
    """The report's verdicts counted per day and party (see `Timeline`).

    Each incident is placed on the day its time (as recorded) falls on in the ruleset's zone, read as
    `engine.evaluation.phases.periods` reads it; the parties are those `Report.parties` gives.
    """
    compiled = report.compiled
    day = periods(compiled, report.incidents.get_column("time").cast(pl.String)).get_column("day")
    verdict = report.table.get_column("verdict")
    frame = pl.DataFrame({"day": day, "party": report.parties(), "verdict": verdict})
    days = _counts(frame.explode("party"), ["day", "party"])
    totals = _counts(frame.drop("party"), ["day"])
    return Timeline(
        report.scenario,
        compiled.id,
        report.engine,
        zone_name(compiled.zone, compiled.timezone),
        compiled.zone,
        days,
        totals,
        report.phases,
        tuple(e._replace(party=_name(report, e.party)) for e in report.episodes),
        report.skipped,
    )


def _name(report: Report, party: str) -> str:
    """A party id by the name the ruleset gives it, as the days' rows name parties."""
    found = report.compiled.ruleset.parties.get(party)
    return found.name if found is not None else party

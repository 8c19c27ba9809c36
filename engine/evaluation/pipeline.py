"""Evaluate incidents under a ruleset: facts told, rules matched by an executor, verdicts decided and combined.

The stages, each over a table (see the modules named):

1. `facts.told`: one row per version told (an incident's record, or each of its accounts);
2. `facts.facts`: names, acts, times and places resolved, once per distinct value, into the fields rules test;
3. the executor's `match`: which rules hold for each row, as bit masks (`columnar` or `durable`: the only step
   they differ in);
4. `decide.decide`: each row's verdict, rule, clause, explanation, matched rules, flags and the parties named;
5. `decide.fold`: a `mutual` incident's two directions (who attacked is not recorded) folded into the graver;
6. `decide.combine`: one verdict per incident from its accounts' verdicts.

Stages 3–6 work on any batch of fact rows: a stage that needs what earlier days decided (a truce's phase)
runs them day by day, in time order; without such terms the whole table is one batch.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol, TypeVar

import polars as pl

from engine.evaluation import durable, phases
from engine.evaluation.columnar import ColumnarExecutor
from engine.evaluation.decide import combine, decide, fold, verdicts_of
from engine.evaluation.engines import ENGINES, RENAMED
from engine.evaluation.facts import Resolution, Resolver, facts, told
from engine.evaluation.kept import Kept
from engine.evaluation.result import Episode, PhaseBand, Report, Verdict, reported, unresolved_spellings
from engine.evaluation.timed import (
    as_told,
    episodes_of,
    escalate,
    flag_episodes,
    party_periods,
    phase_tested,
    respond,
    settle,
    with_trials,
)
from engine.incidents.frame import frame_of
from engine.incidents.model import Incident
from engine.ruleset.compile import PEOPLE, UNKNOWN, Compiled

BATCH = 250_000  # incidents judged at a time when a run is written as it goes
_T = TypeVar("_T")
Facts = tuple[pl.DataFrame, Resolution]  # a fact table and how its names resolved (see `facts.facts`)


def reading(compiled: Compiled) -> Hashable:
    """What of a ruleset its fact table depends on: names and patterns, acts, window, zone, scope and areas (not
    rules or policy)."""
    return (
        tuple(sorted(compiled.names.items())),
        tuple((p.entry, p.text, p.start, p.until) for p in compiled.patterns),
        tuple(sorted(compiled.acts.items())),
        compiled.start,
        compiled.until,
        compiled.zone,
        compiled.source,  # a polygon's file is found beside the ruleset
        json.dumps([r.model_dump(mode="json") for r in (compiled.ruleset.scope,)], sort_keys=True),
        json.dumps({k: a.model_dump(mode="json") for k, a in compiled.ruleset.areas.items()}, sort_keys=True),
        json.dumps(compiled.ruleset.places, sort_keys=True),
        tuple((pid, p.name) for pid, p in compiled.ruleset.parties.items()),
    )


class Executor(Protocol):
    """A matching back end: which rules hold for each fact row. Nothing else differs between engines."""

    name: str

    def match(self, facts: pl.DataFrame) -> pl.DataFrame: ...

    def close(self) -> None: ...


def default_engine(table: bool = False) -> str:
    """`durable` for scenario files where durable_rules is installed; `columnar` for incident tables."""
    return "durable" if durable.AVAILABLE and not table else "columnar"


def executor(compiled: Compiled, engine: str | None = None) -> Executor:
    """An executor of `engine` (default: `default_engine()`) for the compiled ruleset.

    Raises ValueError for an unknown engine, and durable.EngineError where durable_rules is missing
    or refuses the ruleset.
    """
    name = RENAMED.get(engine or "", engine) or default_engine()
    if name == "durable":
        return durable.DurableExecutor(compiled)
    if name == "columnar":
        return ColumnarExecutor(compiled)
    raise ValueError(f"unknown engine `{engine}`; expected one of {', '.join(ENGINES)}")


@dataclass(frozen=True)
class Context:
    """What a verdict may depend on beyond its own incident, found over the whole input (`Evaluator.context`):
    the phases in force, in order, and the escalation episodes, by party then start."""

    bands: list[phases.Band]
    episodes: list[Episode]


@dataclass(frozen=True)
class Evaluation:
    """Every stage of one evaluation, as tables.

    `facts` has one row per version told (see `facts.facts`), `masks` and `accounts` one row per fact
    row in the same order, `verdicts` and `said` one row per incident (`decide.VERDICTS`, `decide.combine`).
    """

    engine: str
    facts: pl.DataFrame
    resolution: Resolution
    masks: pl.DataFrame
    accounts: pl.DataFrame
    verdicts: pl.DataFrame
    said: pl.Series  # per incident: the number of what its one verdict says, null where accounts were combined
    bands: list[phases.Band]  # the phases in force, in order (none for a ruleset without phases)
    episodes: list[Episode]  # escalation episodes, by party then start (none without `escalation` terms)


class Evaluator:
    """Evaluates incidents for one compiled ruleset with one executor; reusable across calls."""

    def __init__(self, compiled: Compiled, engine: str | None = None) -> None:
        self.compiled = compiled
        self.executor = executor(compiled, engine)
        self.engine = self.executor.name
        self.resolver = Resolver(compiled)  # each distinct name, time and place read once for every part

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.executor.close()

    def run(
        self,
        incidents: pl.DataFrame,
        known: Facts | None = None,
        given: Mapping[str, str | None] | None = None,
        context: Context | None = None,
    ) -> Evaluation:
        """Every stage's table for an incident frame (`engine.incidents.frame.INCIDENTS`).

        `known` is the fact table of these incidents under a ruleset that reads them alike (the same
        `reading`): a sweep that changes only the policy resolves its incidents once. `given` (incident id ->
        phase id, `unknown` or None) judges each incident in the phase given rather than the one its time and
        the days before place it in (`diff` compares rulesets phase by phase); a phase the ruleset does not
        declare is none. `context` (from `context`) gives the phases and escalation episodes of a whole input
        of which `incidents` is a part.
        """
        table, resolution = known if known is not None else self.facts(incidents)
        ids = incidents.get_column("id")
        answered = _answered(incidents)
        timing = self.compiled.phases or answered is not None or self.compiled.escalation is not None
        spans = _spans(self.compiled, table, resolution) if timing else None
        episodes = context.episodes if context is not None else None
        if not self.compiled.phases:
            return self._judge(table, resolution, ids, answered=answered, spans=spans, episodes=episodes)
        assert spans is not None
        tested = phase_tested(self.compiled)
        if given is not None:
            placed = phases.given(self.compiled, ids.gather(table.get_column("incident")), given)
            return self._judge(with_trials(table, placed, tested), resolution, ids, answered=answered, spans=spans)

        def judge(bands: list[phases.Band]) -> Evaluation:
            placed = phases.placed(self.compiled, bands, spans)
            return self._judge(with_trials(table, placed, tested), resolution, ids, bands, answered, spans, episodes)

        if context is not None:
            return judge(context.bands)

        def judged(bands: list[phases.Band]) -> tuple[Mapping[date, int], datetime | None, Evaluation]:
            run = judge(bands)
            return violation_days(table, spans, run.verdicts), _latest(spans), run

        return self._settled(judged)[1]

    def _settled(
        self, judge: Callable[[list[phases.Band]], tuple[Mapping[date, int], datetime | None, _T]]
    ) -> tuple[list[phases.Band], _T]:
        """In time order: the input judged (`judge`: violations per day, the end of the latest time told, and its
        result) with the phases known so far, until no phase that waits for quiet days begins. The phases in
        force, and the last result."""
        quiet: dict[int, datetime] = {}
        while True:
            bands = phases.timeline(self.compiled, quiet) if self.compiled.phases else []
            counts, last, result = judge(bands)
            found = phases.quiet_start(self.compiled, bands, quiet, counts, last) if self.compiled.timed else None
            if found is None:
                return bands, result
            quiet[found[0]] = found[1]

    def context(
        self, parts: Callable[[], Iterable[pl.DataFrame]], kept: Kept | None = None, whole: bool = True
    ) -> Context:
        """What each verdict may depend on beyond its incident, over an input judged in parts (`parts()` gives
        them, in order, each time it is called): the phases in force and the escalation episodes.

        The parts are read once, and once more for each phase that begins after quiet days, holding a part or two
        at a time (the next part's facts are found on a thread of their own while one is judged: measured on 1M
        rows, 0.96× the wall time for CSV and 0.94× for JSON Lines, 40-80 MB more at the peak); `run(part,
        context=…)` then gives each part what judging the input whole gives it. Incidents
        that answer others (`in_response_to`) must lie in the same part as what they answer. With `kept`, each
        part's verdicts of the last reading are kept there, all but the escalation flags (`reports_over_time`),
        and the part itself: whole, or (not `whole`) only the columns a report reads (`result.reported`).
        """
        from engine.ahead import read_ahead

        tested = phase_tested(self.compiled)

        def found(part: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, Resolution, pl.DataFrame]:
            """What of a part does not depend on the phases: its facts and its times' periods."""
            table, resolution = self.facts(part)
            return part, table, resolution, _spans(self.compiled, table, resolution)

        def judged(bands: list[phases.Band]) -> tuple[Mapping[date, int], datetime | None, list[pl.DataFrame]]:
            counts: Counter[date] = Counter()
            ends: list[datetime] = []  # of the latest time each part tells
            periods: list[pl.DataFrame] = []
            offset = 0
            for number, (part, table, resolution, spans) in enumerate(read_ahead(map(found, parts()))):
                ids = part.get_column("id")
                trials = with_trials(table, phases.placed(self.compiled, bands, spans), tested) if bands else table
                run = self._judge(trials, resolution, ids, bands, _answered(part), spans, episodes=[])
                counts.update(violation_days(table, spans, run.verdicts))
                ends += [e for e in [_latest(spans)] if e is not None]
                own = None
                if self.compiled.escalation is not None:
                    own = party_periods(self.compiled, run.verdicts, spans, table.get_column("incident"))
                    violations = own.filter(pl.col("verdict") == "violation")  # all that episodes are made of
                    periods.append(violations.with_columns(pl.col("row") + offset))
                if kept is not None:
                    held = part if whole else reported(part)
                    kept.keep(number, held, run.verdicts, run.said, unresolved(table), own)
                offset += part.height
            return counts, max(ends, default=None), periods

        bands, periods = self._settled(judged)
        return Context(bands, episodes_of(self.compiled, pl.concat(periods)) if periods else [])

    def reports_over_time(
        self, name: str, parts: Iterator[pl.DataFrame], again: Callable[[], Iterable[pl.DataFrame]] | None = None
    ) -> Iterator[Report]:
        """The reports of an input given in parts, in order, under a ruleset whose verdicts may depend on other
        parts (`compiled.over_time`): what `report` gives each part with the input's `context`.

        `parts` is read once, a part at a time: each part and its verdicts are kept (`Kept`: in memory, the rest
        in a temporary folder), the escalation flags added as they are given back. A phase that begins after quiet
        days has the parts judged again: `again()` gives them anew, as `parts` gave them (a file read again), and
        then each part is kept with only the columns its report reads (`result.reported`); without `again`, each
        is kept whole. Nothing is given before the whole input has been read, so a bad part is raised (as `parts`
        raises it) before any report. Raises InputError where the temporary folder cannot be written (a full disk).
        """
        from engine.ahead import read_ahead

        with Kept() as kept:
            first: list[Iterable[pl.DataFrame]] = [parts]

            def read() -> Iterable[pl.DataFrame]:
                return first.pop() if first else kept.incidents() if again is None else again()

            context = self.context(read, kept, whole=again is None)

            def reports() -> Iterator[Report]:
                for part, verdicts, said, count, own in kept.judged():
                    if context.episodes and own is not None:
                        verdicts, said = flag_episodes(verdicts, said, own, context.episodes)
                    yield self._report(name, part, verdicts, said, count, context.bands, context.episodes)

            yield from read_ahead(reports())  # the next part read back while the caller writes this one

    def _judge(
        self,
        table: pl.DataFrame,
        resolution: Resolution,
        ids: pl.Series,
        bands: list[phases.Band] | None = None,
        answered: pl.Series | None = None,
        spans: pl.DataFrame | None = None,
        episodes: list[Episode] | None = None,
    ) -> Evaluation:
        """Stages 3–6 over a fact table whose phases are placed (`answered`, `spans`: for responses and escalation;
        `episodes`: the escalation episodes found over the whole input, None to find them in this table)."""
        masks = self.executor.match(table)
        rows = settle(self.compiled, decide(self.compiled, table, resolution, masks))
        told = as_told(table)
        if answered is not None and spans is not None:
            rows = respond(self.compiled, told, rows, spans, answered, ids)
        accounts = fold(rows)
        verdicts, said = combine(accounts, ids)
        if spans is not None and self.compiled.escalation is not None:
            incidents = told.get_column("incident")
            if episodes is None:
                verdicts, said, episodes = escalate(self.compiled, verdicts, said, spans, incidents)
            elif episodes:
                periods = party_periods(self.compiled, verdicts, spans, incidents)
                verdicts, said = flag_episodes(verdicts, said, periods, episodes)
        return Evaluation(self.engine, table, resolution, masks, accounts, verdicts, said, bands or [], episodes or [])

    def facts(self, incidents: pl.DataFrame) -> Facts:
        """The fact table of an incident frame under this ruleset, and how its names resolved."""
        return facts(self.compiled, told(incidents), self.resolver)

    def report(
        self, name: str, incidents: pl.DataFrame, known: Facts | None = None, context: Context | None = None
    ) -> Report:
        """A run's result over an incident frame (`context`: as for `run`): the verdict table with what it was made
        from."""
        run = self.run(incidents, known, context=context)
        return self._report(name, incidents, run.verdicts, run.said, unresolved(run.facts), run.bands, run.episodes)

    def _report(
        self,
        name: str,
        incidents: pl.DataFrame,
        verdicts: pl.DataFrame,
        said: pl.Series,
        count: int,
        bands: list[phases.Band],
        episodes: list[Episode],
    ) -> Report:
        shown = tuple(
            PhaseBand(self.compiled.phases[b.phase].id, self.compiled.phases[b.phase].clause, b.start, b.until)
            for b in bands
        )
        return Report(name, self.compiled, self.engine, incidents, verdicts, said, count, shown, tuple(episodes))

    def reports(self, name: str, incidents: pl.DataFrame, batch: int = BATCH) -> Iterator[Report]:
        """The run's result in parts of `batch` incidents each, in order (at least one part).

        Parts give what one report would: an incident is judged on its own accounts, and where a verdict depends
        on other incidents (a truce's phases, escalation) the parts are first read for that (`context`). Each
        part names an unresolved actor as the whole does (`Report.unresolved_actors`), so that its counts by
        party add up to the whole's.
        """
        starts = range(0, max(incidents.height, 1), batch)
        parts = (incidents.slice(start, batch) for start in starts)
        if self.compiled.over_time and len(starts) > 1:
            yield from self.reports_over_time(name, parts, lambda: (incidents.slice(start, batch) for start in starts))
            return
        spelled = unresolved_spellings(self.compiled, incidents.get_column("actor"))
        for part in parts:
            yield dataclasses.replace(self.report(name, part), spelled=spelled)

    def evaluate(
        self, incidents: Iterable[Incident] | pl.DataFrame, given: Mapping[str, str | None] | None = None
    ) -> list[Verdict]:
        """The verdicts, in order, for incident models or an incident frame (`given`: phases, as for `run`)."""
        frame = incidents if isinstance(incidents, pl.DataFrame) else frame_of(incidents)
        return verdicts_of(self.run(frame, given=given).verdicts)


def _answered(incidents: pl.DataFrame) -> pl.Series | None:
    """Per incident, the row of the incident it answers (`in_response_to`), null for none; None when none does.
    The loaders refuse an id the input does not have."""
    if (
        "in_response_to" not in incidents.columns
        or incidents.get_column("in_response_to").null_count() == incidents.height
    ):
        return None
    ids = incidents.get_column("id")
    rows = pl.Series(range(ids.len()), dtype=pl.UInt32())
    return incidents.get_column("in_response_to").replace_strict(ids, rows, default=None, return_dtype=pl.UInt32())


def violation_days(table: pl.DataFrame, spans: pl.DataFrame, verdicts: pl.DataFrame) -> Counter[date]:
    """How many violations fell on each calendar day (Date in the ruleset's zone): the incidents whose versions
    told all fall on that one day (`spans`' `day`, per fact row of `table`) and whose verdict is `violation`."""
    if table.height == verdicts.height:  # one version told per incident, in their order: each its own day
        day = spans.get_column("day")
        days = day.filter((verdicts.get_column("verdict") == "violation") & day.is_not_null()).value_counts()
        return Counter(dict(days.iter_rows()))
    told = pl.DataFrame({"incident": table.get_column("incident"), "day": spans.get_column("day")})
    one = told.group_by("incident").agg(
        pl.col("day").first(), (pl.col("day").n_unique() == 1).alias("one"), pl.col("day").null_count().alias("none")
    )
    placed = one.filter(pl.col("one") & (pl.col("none") == 0)).select("incident", "day").sort("incident")
    violation = verdicts.get_column("verdict").gather(placed.get_column("incident")) == "violation"
    days = placed.filter(violation).group_by("day").len()
    return Counter(dict(days.iter_rows()))


def _spans(compiled: Compiled, table: pl.DataFrame, resolution: Resolution) -> pl.DataFrame:
    """`phases.periods` of a fact table's times, each distinct time read once by its code."""
    codes = table.get_column("time.code")
    return phases.periods(compiled, table.get_column("time"), codes, resolution.times)


def _latest(spans: pl.DataFrame) -> datetime | None:
    """The end of the latest time told (`phases.periods`' `end`), None where none is."""
    end = spans.get_column("end").max()
    return end if isinstance(end, datetime) else None


def unresolved(facts: pl.DataFrame) -> int:
    """How many incidents of a fact table name a person (actor, target, intended target) the ruleset cannot
    resolve, in a version told inside the truce's scope and window (where a name could change the verdict)."""
    unknown = pl.any_horizontal(pl.col(f"{who}.role") == UNKNOWN for who in PEOPLE)
    inside = (pl.col("in_scope") & pl.col("in_window")).fill_null(False)
    return facts.filter(unknown & inside).get_column("incident").n_unique()


def evaluate(
    ruleset: Compiled, incidents: Iterable[Incident] | pl.DataFrame, engine: str | None = None
) -> list[Verdict]:
    """Verdicts for the incidents, in order, under one ruleset and engine (default: durable where installed)."""
    with Evaluator(ruleset, engine) as evaluator:
        return evaluator.evaluate(incidents)

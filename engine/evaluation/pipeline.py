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

import json
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from engine.evaluation import durable
from engine.evaluation.columnar import ColumnarExecutor
from engine.evaluation.decide import combine, decide, fold, verdicts_of
from engine.evaluation.engines import ENGINES, RENAMED
from engine.evaluation.facts import Resolution, facts, told
from engine.evaluation.result import Report, Verdict
from engine.incidents.frame import frame_of
from engine.incidents.model import Incident
from engine.ruleset.compile import PEOPLE, UNKNOWN, Compiled

BATCH = 250_000  # incidents judged at a time when a run is written as it goes
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


class Evaluator:
    """Evaluates incidents for one compiled ruleset with one executor; reusable across calls."""

    def __init__(self, compiled: Compiled, engine: str | None = None) -> None:
        self.compiled = compiled
        self.executor = executor(compiled, engine)
        self.engine = self.executor.name

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.executor.close()

    def run(self, incidents: pl.DataFrame, known: Facts | None = None) -> Evaluation:
        """Every stage's table for an incident frame (`engine.incidents.frame.INCIDENTS`).

        `known` is the fact table of these incidents under a ruleset that reads them alike (the same
        `reading`): a sweep that changes only the policy resolves its incidents once.
        """
        table, resolution = known if known is not None else self.facts(incidents)
        masks = self.executor.match(table)
        accounts = fold(decide(self.compiled, table, resolution, masks))
        verdicts, said = combine(accounts, incidents.get_column("id"))
        return Evaluation(self.engine, table, resolution, masks, accounts, verdicts, said)

    def facts(self, incidents: pl.DataFrame) -> Facts:
        """The fact table of an incident frame under this ruleset, and how its names resolved."""
        return facts(self.compiled, told(incidents))

    def report(self, name: str, incidents: pl.DataFrame, known: Facts | None = None) -> Report:
        """A run's result over an incident frame: the verdict table with what it was made from."""
        run = self.run(incidents, known)
        return Report(name, self.compiled, self.engine, incidents, run.verdicts, run.said, unresolved(run.facts))

    def reports(self, name: str, incidents: pl.DataFrame, batch: int = BATCH) -> Iterator[Report]:
        """The run's result in parts of `batch` incidents each, in order (at least one part).

        Incidents are judged each on its own accounts, so parts give what one report would; memory
        then holds one part's tables at a time, however long the table.
        """
        for start in range(0, max(incidents.height, 1), batch):
            yield self.report(name, incidents.slice(start, batch))

    def evaluate(self, incidents: Iterable[Incident] | pl.DataFrame) -> list[Verdict]:
        """The verdicts, in order, for incident models or an incident frame."""
        frame = incidents if isinstance(incidents, pl.DataFrame) else frame_of(incidents)
        return verdicts_of(self.run(frame).verdicts)


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

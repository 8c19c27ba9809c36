"""Sweeps: a scenario evaluated under every combination of ruleset values, one plain row per combination."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from engine.analysis.dispatch import chunks, run_all, workers
from engine.analysis.ranges import Span, check_kind, is_range, parse_span, refuse_mixed
from engine.errors import InputError, Problem
from engine.evaluation.durable import EngineError
from engine.evaluation.pipeline import Evaluator, Facts, reading
from engine.evaluation.result import NONE_SKIPPED, Report, Skipped
from engine.ruleset.compile import Compiled
from engine.ruleset.load import find_ruleset, ruleset_from
from engine.ruleset.model import VERDICTS
from engine.ruleset.variants import SET, parse_set, resolve_extends, value_at
from engine.yamlsafe import Document, load_yaml

if TYPE_CHECKING:
    from engine.analysis.sampling import Design

PARAM = "--param"
CHUNKS_PER_JOB = 8  # tasks a worker gets: few enough to spare the per-task cost, enough to balance the load
# A combination costs about 2 ms (its ruleset compiled, the incidents judged) and keeps a row of a few KB:
# this many is a few minutes on two cores and half a gigabyte (the rows, the table, the chart); ten times
# more, an hour and gigabytes. Measured on scenarios/syria-week-2016-09.yaml.
MAX_COMBINATIONS = 100_000


@dataclass(frozen=True)
class Param:
    """One swept ruleset value: its dotted path and the values to try, as given and as parsed.

    A range (`0..10`) keeps its `span`: on a grid its whole numbers are the values; in a sample (`sampled`)
    the values are drawn from it, and `texts` and `values` are empty.
    """

    path: str
    texts: tuple[str, ...]
    values: tuple[Any, ...]
    span: Span | None = None

    def listed(self) -> list[Any] | dict[str, int | float]:
        """The values as JSON reports list them: a list, or a range as `{"from": low, "to": high}`."""
        return list(self.values) if self.span is None else {"from": self.span.low, "to": self.span.high}


def parse_param(expr: str, sampled: bool = False) -> Param:
    """`policy.mistaken_target=permitted,violation`: each value is read like a `--set` value (YAML); a number
    takes a range, `policy.jic_after_days=1..14`, whose whole numbers are each a value (see `ranges`)."""
    name, sep, text = expr.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError.at(PARAM, f"`{expr}` is not PATH=V1,V2,…, e.g. policy.mistaken_target=permitted,violation")
    if is_range(text):
        span = parse_span(name, text)
        if sampled:
            return Param(name, (), (), span)
        if not span.whole:
            whole = span.as_whole()
            instead = f"write {whole.text} for its whole numbers, " if whole is not None else ""
            raise InputError.at(
                PARAM,
                f"`{text.strip()}` is a range of any numbers, which only a sample draws from; {instead}add --sample "
                "lhs:N (or mc:N), or list the values to try",
                path=name,
            )
        values = span.values()
        return Param(name, tuple(map(str, values)), values, span)
    texts = tuple(t.strip() for t in text.split(","))
    if "" in texts:
        raise InputError.at(PARAM, f"`{expr}` has an empty value; separate values with single commas", path=name)
    refuse_mixed(name, text)
    values = tuple(_relabel(parse_set, f"{name}={t}")[1] for t in texts)
    seen: set[str] = set()
    for value, shown_as in zip(values, texts):
        key = json.dumps(value, sort_keys=True)  # `true` and `1` differ, though True == 1
        if key in seen:
            raise InputError.at(PARAM, f"value `{shown_as}` is given twice", path=name)
        seen.add(key)
    return Param(name, texts, values)


def parse_params(exprs: Sequence[str], sampled: bool = False) -> tuple[Param, ...]:
    """The --param options, each path once; on a grid (not `sampled`), at most MAX_COMBINATIONS combinations."""
    if not sampled:
        # counted from the text, before any value is parsed: a grid too large is refused at once
        check_size(math.prod(_size(e.partition("=")) for e in exprs))
    params = tuple(parse_param(e, sampled) for e in exprs)
    paths = [p.path for p in params]
    for i, path in enumerate(paths):
        if path in paths[:i]:
            raise InputError.at(PARAM, "swept twice; give all its values in one --param", path=path)
    return params


def _size(parts: tuple[str, str, str]) -> int:
    name, _, text = parts
    if is_range(text):
        return parse_span(name.strip(), text).count() or 1  # a range of any numbers is refused as it is parsed
    return text.count(",") + 1


def _relabel(call: Callable[..., Any], *args: Any) -> Any:
    """Errors about a swept value name `--param`, the option the user typed, rather than `--set`."""
    try:
        return call(*args)
    except InputError as exc:
        raise InputError(dataclasses.replace(p, file=PARAM) if p.file == SET else p for p in exc.problems) from None


Combo = tuple[tuple[Any, ...], tuple[str, ...]]  # a combination's values, and the `--set` changes they make


def combinations(params: Sequence[Param]) -> int:
    """How many combinations the grid has, without making them."""
    return math.prod(len(p.values) for p in params)


def check_size(count: int) -> None:
    if count > MAX_COMBINATIONS:
        raise InputError.at(
            PARAM,
            f"the grid has {_count(count)} combinations, more than the {MAX_COMBINATIONS:,} a sweep runs; "
            "narrow the values",
        )


def _count(n: int) -> str:
    # a power of ten past a quadrillion: thousands of --param options make a number too long to print
    return f"{n:,}" if n < 10**15 else f"about 10^{int(n.bit_length() * math.log10(2))}"


def grid(params: Sequence[Param]) -> list[Combo]:
    """Every combination, the first parameter varying slowest."""
    check_size(combinations(params))
    choices = [[(v, f"{p.path}={t}") for v, t in zip(p.values, p.texts)] for p in params]
    return [(tuple(v for v, _ in combo), tuple(s for _, s in combo)) for combo in itertools.product(*choices)]


@dataclass(frozen=True)
class Base:
    """What every combination shares: the incidents and the parsed ruleset the changes apply to."""

    scenario: str
    ruleset: str
    file: str  # the base ruleset's file, as it was loaded
    document: Document  # parsed once: reading the YAML costs ten times what the rest of a combination does
    engine: str
    incidents: pl.DataFrame  # the incident frame every combination judges
    skipped: Skipped = NONE_SKIPPED  # the input's rows skipped as bad, which no combination judges
    # fact tables by what they depend on (`reading`): combinations that change only rules or policy share one
    known: dict[Hashable, Facts] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, report: Report) -> Base:
        file = report.compiled.source
        document = load_yaml(Path(file), file)
        return cls(report.scenario, report.compiled.id, file, document, report.engine, report.incidents, report.skipped)

    def compile(self, sets: Sequence[str]) -> Compiled:
        """The base ruleset with `sets` applied, checked and compiled."""
        return ruleset_from(self.document, Path(self.file), sets).compiled

    def value_at(self, path: str) -> Any:
        """The value a `--set` path names in the base ruleset with its `extends` applied: a variant's own file
        holds only what it changes. Raises InputError, as `--set` would, for a path that names nothing."""
        return value_at(resolve_extends(self.document, Path(self.file), find_ruleset).document, path)

    def load(self, sets: Sequence[str]) -> Report:
        """The incidents evaluated under the base ruleset with `sets` applied."""
        compiled = self.compile(sets)
        with Evaluator(compiled, self.engine) as evaluator:
            key = reading(compiled)
            if key not in self.known:
                self.known[key] = evaluator.facts(self.incidents)
            return evaluator.report(self.scenario, self.incidents, self.known[key])


def check(base: Base, params: Sequence[Param]) -> None:
    """Try each value alone on the base ruleset, so that a bad path or value fails before any work."""
    for p in params:
        if p.span is not None:  # its ends, not each value between
            check_kind(p.path, p.span, _relabel(base.value_at, p.path))
        for text in p.texts if p.span is None else p.span.ends():
            _relabel(base.compile, [f"{p.path}={text}"])


@dataclass(frozen=True)
class Row:
    """One combination: its values, its verdict counts, and its verdict counts per acting party."""

    values: tuple[Any, ...]
    verdicts: dict[str, int]
    parties: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Sweep:
    """A sweep's result: the parameters, one row per combination in grid order, and the input's rows skipped as
    bad (`skipped`: the base report's, said once whatever ran the combinations)."""

    scenario: str
    ruleset: str
    engine: str
    params: tuple[Param, ...]
    rows: tuple[Row, ...]
    design: Design | None = None  # how the combinations were drawn; None: the grid
    skipped: Skipped = NONE_SKIPPED

    def parties(self) -> list[str]:
        """Every acting party of any combination, by name."""
        return sorted({who for row in self.rows for who in row.parties})

    def columns(self) -> list[str]:
        party_columns = [party_column(who, v) for who in self.parties() for v in VERDICTS]
        return [*(p.path for p in self.params), *VERDICTS, *party_columns]

    def records(self) -> list[dict[str, Any]]:
        """mesa's `batch_run` shape: one flat mapping per combination, every party in every row."""
        out = []
        zero = dict.fromkeys(VERDICTS, 0)
        parties = self.parties()
        for row in self.rows:
            record: dict[str, Any] = {p.path: v for p, v in zip(self.params, row.values)}
            record.update(row.verdicts)
            for who in parties:
                counts = row.parties.get(who, zero)
                record.update({party_column(who, v): counts[v] for v in VERDICTS})
            out.append(record)
        return out

    def violations_by_party(self) -> dict[str, list[int]]:
        """Each acting party with a violation under any combination, and its violations under each."""
        counts = {who: [row.parties.get(who, {}).get("violation", 0) for row in self.rows] for who in self.parties()}
        return {who: ns for who, ns in counts.items() if any(ns)}

    def cells(self) -> list[list[str]]:
        """The records as text, in column order, for CSV and tables."""
        columns = self.columns()
        return [[shown(record[c]) for c in columns] for record in self.records()]

    def labels(self) -> list[str]:
        """`policy.mistaken_target=violation, policy.sponsors_bound=false` for each combination."""
        return [", ".join(f"{p.path}={shown(v)}" for p, v in zip(self.params, row.values)) for row in self.rows]


def party_column(who: str, verdict: str) -> str:
    return f"{who}: {verdict}"


def shown(value: Any) -> str:
    """A swept value as text: strings as they are, everything else as JSON (`true`, `3`, `null`)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _row(base: Base, values: tuple[Any, ...], sets: Sequence[str]) -> Row | list[Problem]:
    # Errors come back as data: an exception raised in a worker process loses its problems on the way.
    try:
        report = _relabel(base.load, sets)
    except InputError as exc:
        # each value passed alone (see `check`): say which combination of them fails
        where = f" (in the combination {', '.join(sets)})"
        return [dataclasses.replace(p, message=p.message + where) for p in exc.problems]
    except EngineError as exc:
        return [Problem("--engine", str(exc))]
    return Row(values, report.summary(), report.by_party())


def _task(base: Base, chunk: tuple[int, Sequence[Combo]]) -> list[Row | list[Problem]]:
    """A run of neighbouring combinations, where the sweep sends it (`engine.analysis.dispatch`)."""
    return [_row(base, values, sets) for values, sets in chunk[1]]


Progress = Callable[[int], None]  # called with the number of combinations done so far


def sweep(
    base: Base,
    params: Sequence[Param],
    jobs: int = 1,
    progress: Progress | None = None,
    design: Design | None = None,
    executor: Executor | None = None,
) -> Sweep:
    """Every combination evaluated; rows in grid order (with a `design`, the combinations are its sample,
    `sampling.draw`, in the order drawn), the same bytes whatever runs them and however many.

    With no `executor`, across `jobs` local processes (one: in this process); else on the executor: a Dask
    client's (`Client.get_executor()`, see `engine.analysis.dispatch.connect`) or any other
    `concurrent.futures.Executor`. The combinations go in tasks of many neighbours each, and the base
    reaches each worker once. Raises `InputError` for the first combination found bad (the tasks not yet
    done are cancelled, as they are on Ctrl-C).
    """
    if design is None:
        combos = grid(params)
    else:
        from engine.analysis.sampling import draw

        combos = draw(params, design)
    tell = progress or (lambda _: None)
    done = 0

    def each(_: int, results: list[Row | list[Problem]]) -> None:
        nonlocal done
        for result in results:
            _checked(result)
        done += len(results)
        tell(done)

    # in this process, a combination a task, so that progress is told as each is done
    local = executor is None and jobs <= 1
    tasks = chunks(combos, 1, len(combos)) if local else chunks(combos, workers(executor, jobs), CHUNKS_PER_JOB)
    results = run_all(_task, base, tasks, executor, jobs, each)
    rows = [_checked(r) for part in results for r in part]
    return Sweep(base.scenario, base.ruleset, base.engine, tuple(params), tuple(rows), design, base.skipped)


def _checked(result: Row | list[Problem]) -> Row:
    if isinstance(result, Row):
        return result
    raise InputError(result)

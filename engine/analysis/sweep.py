"""Sweeps: a scenario evaluated under every combination of ruleset values, one plain row per combination."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import struct
import zlib
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from engine.analysis.dispatch import chunks, run_all, workers
from engine.errors import InputError, Problem
from engine.evaluation.durable import EngineError
from engine.evaluation.pipeline import Evaluator, Facts, reading
from engine.evaluation.result import Report
from engine.ruleset.compile import Compiled
from engine.ruleset.load import ruleset_from
from engine.ruleset.model import VERDICTS
from engine.ruleset.variants import SET, parse_set
from engine.yamlsafe import Document, load_yaml

PARAM = "--param"
CHUNKS_PER_JOB = 8  # tasks a worker gets: few enough to spare the per-task cost, enough to balance the load
# A combination costs about 2 ms (its ruleset compiled, the incidents judged) and keeps a row of a few KB:
# this many is a few minutes on two cores and half a gigabyte (the rows, the table, the PNG); ten times
# more, an hour and gigabytes. Measured on scenarios/syria-week-2016-09.yaml.
MAX_COMBINATIONS = 100_000


@dataclass(frozen=True)
class Param:
    """One swept ruleset value: its dotted path and the values to try, as given and as parsed."""

    path: str
    texts: tuple[str, ...]
    values: tuple[Any, ...]


def parse_param(expr: str) -> Param:
    """`policy.mistaken_target=permitted,violation`: each value is read like a `--set` value (YAML)."""
    name, sep, text = expr.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError.at(PARAM, f"`{expr}` is not PATH=V1,V2,…, e.g. policy.mistaken_target=permitted,violation")
    texts = tuple(t.strip() for t in text.split(","))
    if "" in texts:
        raise InputError.at(PARAM, f"`{expr}` has an empty value; separate values with single commas", path=name)
    values = tuple(_relabel(parse_set, f"{name}={t}")[1] for t in texts)
    seen: set[str] = set()
    for value, shown_as in zip(values, texts):
        key = json.dumps(value, sort_keys=True)  # `true` and `1` differ, though True == 1
        if key in seen:
            raise InputError.at(PARAM, f"value `{shown_as}` is given twice", path=name)
        seen.add(key)
    return Param(name, texts, values)


def parse_params(exprs: Sequence[str]) -> tuple[Param, ...]:
    # counted from the text, before any value is parsed: a grid too large is refused at once
    check_size(math.prod(e.partition("=")[2].count(",") + 1 for e in exprs))
    params = tuple(parse_param(e) for e in exprs)
    paths = [p.path for p in params]
    for i, path in enumerate(paths):
        if path in paths[:i]:
            raise InputError.at(PARAM, "swept twice; give all its values in one --param", path=path)
    return params


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
    # fact tables by what they depend on (`reading`): combinations that change only rules or policy share one
    known: dict[Hashable, Facts] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, report: Report) -> Base:
        file = report.compiled.source
        document = load_yaml(Path(file), file)
        return cls(report.scenario, report.compiled.id, file, document, report.engine, report.incidents)

    def compile(self, sets: Sequence[str]) -> Compiled:
        """The base ruleset with `sets` applied, checked and compiled."""
        return ruleset_from(self.document, Path(self.file), sets).compiled

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
        for text in p.texts:
            _relabel(base.compile, [f"{p.path}={text}"])


@dataclass(frozen=True)
class Row:
    """One combination: its values, its verdict counts, and its verdict counts per acting party."""

    values: tuple[Any, ...]
    verdicts: dict[str, int]
    parties: dict[str, dict[str, int]]


@dataclass(frozen=True)
class Sweep:
    """A sweep's result: the parameters, and one row per combination in grid order."""

    scenario: str
    ruleset: str
    engine: str
    params: tuple[Param, ...]
    rows: tuple[Row, ...]

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
    executor: Executor | None = None,
) -> Sweep:
    """Every combination evaluated; rows in grid order, the same bytes whatever runs them and however many.

    With no `executor`, across `jobs` local processes (one: in this process); else on the executor: a Dask
    client's (`Client.get_executor()`, see `engine.analysis.dispatch.connect`) or any other
    `concurrent.futures.Executor`. The combinations go in tasks of many neighbours each, and the base
    reaches each worker once. Raises `InputError` for the first combination found bad (the tasks not yet
    done are cancelled, as they are on Ctrl-C).
    """
    combos = grid(params)
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
    return Sweep(base.scenario, base.ruleset, base.engine, tuple(params), tuple(rows))


def _checked(result: Row | list[Problem]) -> Row:
    if isinstance(result, Row):
        return result
    raise InputError(result)


# --- a bar chart as PNG, drawn here so that plotting needs no dependency ---------------------------------

PLOT_HEIGHT = 160  # pixels for the tallest bar
SLOT = 40  # pixels per combination (bar and gap), narrower when the chart would pass MAX_WIDTH
BAR = 28
MAX_WIDTH = 4000  # wider only past 3,968 combinations, at one pixel each
MARGIN = 16
SCALE = 2  # each pixel of the 3×5 digit font becomes SCALE×SCALE
DIGIT_W, DIGIT_H = 3 * SCALE, 5 * SCALE
TEXT_GAP = 4
TOP = MARGIN + DIGIT_H + TEXT_GAP  # room for the count above the tallest bar
BOTTOM = TEXT_GAP + DIGIT_H + MARGIN  # room for the combination number under the baseline
WHITE, INK, AXIS, BAR_COLOUR = (255, 255, 255), (40, 40, 40), (150, 150, 150), (200, 40, 40)

# 3×5 digits, one row of three pixels a number (4 = left, 2 = middle, 1 = right)
_DIGITS = {
    "0": (7, 5, 5, 5, 7),
    "1": (2, 6, 2, 2, 7),
    "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7),
    "4": (5, 5, 7, 1, 1),
    "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7),
    "7": (7, 1, 2, 2, 2),
    "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7),
}


def chart_size(bars: int) -> tuple[int, int]:
    """Width and height in pixels of the chart for `bars` combinations."""
    return 2 * MARGIN + bars * _slot(bars), TOP + PLOT_HEIGHT + BOTTOM


def _slot(bars: int) -> int:
    return max(1, min(SLOT, (MAX_WIDTH - 2 * MARGIN) // max(1, bars)))


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * (width * height))

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        """Paint the rectangle [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        run = bytes(colour) * max(0, x1 - x0)
        for y in range(max(0, y0), min(self.height, y1)):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(run)] = run

    def number(self, n: int, centre: int, top: int, room: int) -> None:
        """Write `n` centred on x = `centre`, if it fits in `room` pixels."""
        text = str(n)
        width = len(text) * (DIGIT_W + SCALE) - SCALE
        if width > room:
            return
        x = centre - width // 2
        for ch in text:
            for row, bits in enumerate(_DIGITS[ch]):
                for col in range(3):
                    if bits & (4 >> col):
                        px, py = x + col * SCALE, top + row * SCALE
                        self.fill(px, py, px + SCALE, py + SCALE, INK)
            x += DIGIT_W + SCALE

    def png(self, text: dict[str, str]) -> bytes:
        """RGB, 8 bits a channel, no filtering; `text` goes in as UTF-8 iTXt chunks."""
        stride = self.width * 3
        raw = b"".join(b"\x00" + self.pixels[y * stride : (y + 1) * stride] for y in range(self.height))
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        chunks = [_chunk(b"IHDR", header)]
        for key, value in text.items():
            chunks.append(_chunk(b"iTXt", key.encode("latin-1") + b"\x00\x00\x00\x00\x00" + value.encode("utf-8")))
        chunks += [_chunk(b"IDAT", zlib.compress(raw, 9)), _chunk(b"IEND", b"")]
        return PNG_SIGNATURE + b"".join(chunks)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bar_chart_png(counts: Sequence[int], text: dict[str, str]) -> bytes:
    """Bars for `counts`, each numbered 1… underneath and labelled with its count above."""
    width, height = chart_size(len(counts))
    slot = _slot(len(counts))
    bar = min(BAR, max(1, slot * 3 // 4))
    canvas = _Canvas(width, height)
    base = TOP + PLOT_HEIGHT
    top = max(counts, default=0)
    for i, n in enumerate(counts):
        left = MARGIN + i * slot + (slot - bar) // 2
        h = round(n * PLOT_HEIGHT / top) if top else 0
        canvas.fill(left, base - h, left + bar, base, BAR_COLOUR)
        centre = left + bar // 2
        canvas.number(n, centre, base - h - TEXT_GAP - DIGIT_H, slot)
        canvas.number(i + 1, centre, base + TEXT_GAP, slot)
    canvas.fill(MARGIN, base, width - MARGIN, base + 1, AXIS)
    return canvas.png(text)


def plot(result: Sweep) -> bytes:
    """The violations of each combination as a PNG; the legend (number → values) is in its metadata."""
    legend = "\n".join(
        f"{i}: {label} ({row.verdicts['violation']} violations)"
        for i, (label, row) in enumerate(zip(result.labels(), result.rows), 1)
    )
    text = {"Title": f"violations per combination: {result.scenario}, ruleset {result.ruleset}", "Description": legend}
    return bar_chart_png([row.verdicts["violation"] for row in result.rows], text)

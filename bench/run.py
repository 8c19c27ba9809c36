"""Time the columnar pipeline end to end against its floor and its peers, evaluation alone, growth and start-up.

Every measurement is its own fresh process, timed from outside (wall clock from spawn to exit; CPU time
and peak RSS from `os.wait4`), repeated, and its median reported; evaluation alone is timed inside its
process (the table is read before the clock starts). See bench/README.md for what each line measures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.data import OUT, ROOT, acled_files, incidents_file
from engine.cli.main import ALLOCATOR as _ALLOCATOR
from engine.cli.main import BLAS_THREADS as _BLAS_THREADS

RULESET = "syria-2016-09"
# durable, raw durable_rules and the report check: the ruleset with each incident judged alone (bench/raw.py)
TIMELESS = str(Path(__file__).resolve().parent / "timeless.yaml")
DURABLE_COUNT = 100_000  # durable and raw durable_rules, and the report check
VERSION_RUNS = 11
MB = 1024 * 1024
# Every process timed runs with the allocator and BLAS settings `ceasefire` gives itself: the floor and the peers
# read and write with polars, pandas and numpy too, and are measured on the same terms. (Set outright: importing
# polars here has already written its own value into this process's environment.)
ENVIRONMENT = {**os.environ, _ALLOCATOR[0]: _ALLOCATOR[1], _BLAS_THREADS[0]: _BLAS_THREADS[1]}


@dataclass
class Line:
    """One measurement: the median over its runs, or why there is none (`missing`)."""

    key: str
    label: str
    count: int
    wall: float | None = None  # seconds (evaluation alone: timed inside the process)
    cpu: float | None = None  # user + system seconds of the process
    rss: int | None = None  # peak resident set, bytes
    runs: int = 0
    missing: str = ""
    walls: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float | None:
        return self.count / self.wall if self.wall else None

    @property
    def us(self) -> float | None:
        return self.wall / self.count * 1e6 if self.wall else None


@dataclass
class Spawned:
    wall: float
    cpu: float
    rss: int
    code: int
    stdout: str
    stderr: str


# Starts the measured process and waits for it, from a process of its own: a child's peak RSS counts the
# memory of the process it was forked from until its exec, so the harness (polars imported, data made)
# must not be that process. This launcher, a bare interpreter, is smaller than anything it measures.
LAUNCHER = """
import json, os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
pid = os.posix_spawnp(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(result, "w") as out:
    json.dump([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)], out)
"""


def spawn(argv: Sequence[str]) -> Spawned:
    """Run `argv` from the repository root: its wall time, CPU time and peak RSS (its own, from wait4)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "usage.json"
        out, err = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out.open("w") as stdout, err.open("w") as stderr:
            launcher = [sys.executable, "-S", "-c", LAUNCHER, str(result), *argv]
            subprocess.run(
                launcher, cwd=ROOT, env=ENVIRONMENT, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL, check=False
            )
        said, told = out.read_text(), err.read_text()
        if not result.exists():
            return Spawned(0.0, 0.0, 0, -1, said, told or "the launcher failed")
        wall, cpu, rss, code = json.loads(result.read_text())
        return Spawned(wall, cpu, rss, code, said, told)


def measure(line: Line, argv: Sequence[str], runs: int, inner: bool = False) -> Line:
    """`line` with the medians of `runs` runs of `argv`; `inner`: the process prints its own seconds."""
    walls, cpus, rsss = [], [], []
    for _ in range(runs):
        done = spawn(argv)
        if done.code != 0:
            said = (done.stdout + done.stderr).strip().splitlines()
            line.missing = said[-1][:160] if said else f"exit status {done.code}"
            break
        walls.append(float(done.stdout.split()[-1]) if inner else done.wall)
        cpus.append(done.cpu)
        rsss.append(done.rss)
    if walls:
        line.wall, line.cpu = statistics.median(walls), statistics.median(cpus)
        line.rss, line.runs, line.walls = int(statistics.median(rsss)), len(walls), walls
    shown = (
        f"{line.wall:.3f}s wall, {line.cpu:.3f}s CPU, {line.rss / MB:,.0f} MB"
        if line.wall is not None
        else f"n/a ({line.missing})"
    )
    print(f"  {line.key:<24} {line.count:>11,}: {shown}", file=sys.stderr, flush=True)
    return line


def ceasefire() -> str:
    """The installed console script (as a user runs it), beside this interpreter if there."""
    beside = Path(sys.executable).with_name("ceasefire")
    return str(beside) if beside.exists() else (shutil.which("ceasefire") or "ceasefire")


def choices(option: str) -> tuple[str, ...]:
    """The values `ceasefire run` accepts for `option` today (the CLI is being extended as this runs)."""
    text = subprocess.run([ceasefire(), "run", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    found = re.search(re.escape(option) + r" \{([^}]*)\}", text)
    return tuple(found[1].split(",")) if found else ()


def report_path(key: str, count: int, suffix: str) -> Path:
    return OUT / "reports" / f"{key}-{count}.{suffix}"


# -- evaluation alone, in its own process ---------------------------------------------------------


def evaluate_alone(source: Path, engine: str, stage: str) -> float:
    """Seconds of one stage of evaluation in memory (the table is read before the clock):

    - `facts`: the incident frame to the fact table (one row per account told; names, times and
      places resolved);
    - `verdicts`: the fact table to verdict columns (rules matched, decided, accounts combined),
      what the issue calls "facts in memory → verdict columns".
    """
    from engine.evaluation.decide import combine, decide
    from engine.evaluation.facts import facts, told
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.tables import read_table
    from engine.ruleset.load import load_ruleset

    compiled = load_ruleset(RULESET)
    frame = read_table(source)
    with Evaluator(compiled, engine) as evaluator:
        start = time.perf_counter()
        table, resolution = facts(compiled, told(frame))
        if stage == "facts":
            return time.perf_counter() - start
        start = time.perf_counter()
        accounts = decide(compiled, table, resolution, evaluator.executor.match(table))
        verdicts, _ = combine(accounts, frame.get_column("id"))
        elapsed = time.perf_counter() - start
    assert verdicts.height == frame.height, (verdicts.height, frame.height)
    return elapsed


# -- the driver -----------------------------------------------------------------------------------


@dataclass
class Plan:
    count: int  # the main size: 1M (quick: 100k)
    growth: tuple[int, int, int]  # a tenth, the main size, ten times
    runs: int
    engine: str
    fmt: str
    quick: bool


def run_all(plan: Plan, growth: bool) -> tuple[dict[str, Line], dict[str, object]]:
    n, runs, py = plan.count, plan.runs, sys.executable
    files = {fmt: incidents_file(n, fmt) for fmt in ("csv", "jsonl", "parquet")}
    durable_file = incidents_file(DURABLE_COUNT, "jsonl")
    sizes = plan.growth if growth else ()
    for size in sizes:
        incidents_file(size, "csv", tile_from=n)
    (OUT / "reports").mkdir(parents=True, exist_ok=True)

    engines, formats = choices("--engine"), choices("--format")
    usable = plan.engine in engines and plan.fmt in formats
    why = ", ".join(
        f"`ceasefire run` has no {option} {value} yet"
        for option, value, known in (("--engine", plan.engine, engines), ("--format", plan.fmt, formats))
        if value not in known
    )
    print(f"  ceasefire run: --engine {{{','.join(engines)}}} --format {{{','.join(formats)}}}", file=sys.stderr)

    lines: dict[str, Line] = {}

    def add(line: Line, argv: Sequence[str], inner: bool = False, times: int = runs) -> None:
        lines[line.key] = measure(line, argv, times, inner)

    def floor(key: str, reader: str, fmt: str, label: str) -> None:
        out = report_path(key, n, "jsonl")
        add(Line(key, label, n), [py, "-m", "bench.floor", reader, str(files[fmt]), str(out)])

    def end_to_end(key: str, source: Path, count: int, label: str) -> None:
        if not usable:
            lines[key] = measure(Line(key, label, count, missing=why), [], 0)
            return
        out = report_path(key, count, plan.fmt)
        argv = [ceasefire(), "run", str(source), "--rules", RULESET, "--engine", plan.engine]
        add(Line(key, label, count), [*argv, "--format", plan.fmt, "--output", str(out)])

    floor("floor-csv", "polars-csv", "csv", "floor, CSV: polars read_csv, write NDJSON")
    floor("floor-jsonl-polars", "polars-ndjson", "jsonl", "floor, JSON Lines: polars read_ndjson, write NDJSON")
    floor("floor-jsonl-duckdb", "duckdb-json", "jsonl", "floor, JSON Lines: DuckDB read_json, write NDJSON")
    floor("floor-parquet", "polars-parquet", "parquet", "floor, Parquet: polars read_parquet, write NDJSON")
    how = f"{plan.engine}, --format {plan.fmt}"
    end_to_end("e2e-csv", files["csv"], n, f"ceasefire run ({how}), CSV")
    end_to_end("e2e-jsonl", files["jsonl"], n, f"ceasefire run ({how}), JSON Lines")
    end_to_end("e2e-parquet", files["parquet"], n, f"ceasefire run ({how}), Parquet")
    export, plain = acled_files(n)
    end_to_end("e2e-acled", export, n, f"ceasefire run ({how}), ACLED export (CSV, 31 columns)")
    end_to_end("e2e-acled-plain", plain, n, f"ceasefire run ({how}), the same rows as a plain CSV table")
    for key, fmt, label in (("flat", "csv", "no accounts (CSV)"), ("accounts", "jsonl", "10% with accounts")):
        for stage, what in (
            ("facts", "facts: frame to fact table"),
            ("verdicts", "evaluation alone: facts to verdicts"),
        ):
            argv = [py, "-m", "bench.run", "--evaluate", str(files[fmt]), "--engine", plan.engine, "--stage", stage]
            name = f"eval-{key}" if stage == "verdicts" else f"facts-{key}"
            add(Line(name, f"{what} ({plan.engine}), {label}", n), argv, inner=True)
    add(Line("peer", "peer: pandas read_csv + numpy.select, write JSON Lines", n),
        [py, "-m", "bench.peer", str(files["csv"]), str(report_path("peer", n, "jsonl"))])  # fmt: skip

    durable = "durable" in engines
    for key, argv in (
        ("durable", [ceasefire(), "run", str(durable_file), "--rules", TIMELESS, "--engine", "durable", "-f", "json"]),
        ("raw", [py, "-m", "bench.raw", str(durable_file)]),
    ):
        label = "durable, ceasefire run -f json" if key == "durable" else "raw durable_rules (bench/raw.py)"
        out = report_path(key, DURABLE_COUNT, "json")
        if durable:
            add(Line(key, label, DURABLE_COUNT), [*argv, "--output", str(out)])
        else:
            lines[key] = measure(Line(key, label, DURABLE_COUNT, missing="durable_rules is not installed"), [], 0)

    for size in sizes:
        if size != n:
            source = incidents_file(size, "csv", tile_from=n)
            end_to_end(f"e2e-csv-{size}", source, size, f"growth: ceasefire run ({how}), CSV")
    if sizes:
        lines[f"e2e-csv-{n}"] = lines["e2e-csv"]

    add(Line("version", "ceasefire --version", 1), [ceasefire(), "--version"], times=VERSION_RUNS)
    check = same_reports(durable_file, checked_engine(plan.engine, engines), durable)
    fields = same_fields(report_path("floor-csv", n, "jsonl"), report_path("e2e-csv", n, plan.fmt))
    return lines, {"check": check, "fields": fields, "engines": engines, "formats": formats}


def same_fields(floor: Path, ours: Path) -> str:
    """Whether the floor's report lines carry the fields of `ceasefire run --format jsonl`'s, in its order."""
    try:
        with floor.open(encoding="utf-8") as a, ours.open(encoding="utf-8") as b:
            keys = [list(json.loads(f.readline())) for f in (a, b)]
    except (OSError, ValueError) as exc:
        return f"n/a: {exc}"
    if keys[0] != keys[1]:
        return f"DIFFER: the floor writes {keys[0]}, the report {keys[1]}"
    return f"same: the floor's lines carry the report's {len(keys[0])} fields"


def checked_engine(wanted: str, engines: Sequence[str]) -> str:
    """The engine whose report is checked against durable's and raw's: `wanted`, else the CLI's first other."""
    return wanted if wanted in engines else next((e for e in engines if e != "durable"), wanted)


def same_reports(source: Path, engine: str, durable: bool) -> str:
    """Whether `engine`'s, durable's and raw's `-f json` reports on `source` are the same bytes (engine aside)."""
    count = DURABLE_COUNT
    ours = report_path(f"check-{engine}", count, "json")
    argv = [ceasefire(), "run", str(source), "--rules", TIMELESS, "--engine", engine, "-f", "json"]
    done = spawn([*argv, "--output", str(ours)])
    if done.code != 0:
        return f"n/a: {engine} -f json failed: {(done.stdout + done.stderr).strip().splitlines()[-1:]}"
    reports = {engine: ours}
    if durable:
        reports |= {"durable": report_path("durable", count, "json"), "raw": report_path("raw", count, "json")}
    texts = {}
    for name, path in reports.items():
        if not path.exists():
            return f"n/a: no {name} report"
        text = path.read_text(encoding="utf-8")
        texts[name] = re.sub(f'"engine": ?"{re.escape(name)}"', '"engine":"-"', text, count=1)
    first, *rest = reports
    for name in rest:
        if texts[name] != texts[first]:
            for number, (a, b) in enumerate(zip(texts[first].splitlines(), texts[name].splitlines()), 1):
                if a != b:
                    return f"DIFFER: {first} and {name} at line {number}:\n  {a[:300]}\n  {b[:300]}"
            return f"DIFFER: {first} and {name} differ in length"
    return f"same: the {', '.join(reports)} reports on {count:,} incidents are byte-identical (engine name aside)"


# -- the tables -----------------------------------------------------------------------------------


def render(lines: dict[str, Line], plan: Plan, extra: dict[str, object]) -> str:
    n = plan.count
    out = [
        f"{n:,} generated incidents (durable and raw: {DURABLE_COUNT:,}); median of {plan.runs} run(s), each a fresh "
        f"process; {machine()}",
        "",
        "| line | incidents | wall s | CPU s | peak RSS MB | incidents/s | µs per incident |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, line in lines.items():
        if key == f"e2e-csv-{n}":
            continue
        if line.wall is None:
            out.append(f"| {line.label} | {line.count:,} | n/a | | | | {line.missing} |")
            continue
        assert line.cpu is not None and line.rss is not None and line.per_second and line.us
        rate = f"{line.per_second:,.0f}" if line.key != "version" else ""
        us = f"{line.us:.2f}" if line.key != "version" else ""
        rss = f"{line.rss / MB:,.0f}"
        out.append(f"| {line.label} | {line.count:,} | {line.wall:.3f} | {line.cpu:.3f} | {rss} | {rate} | {us} |")
    out += ["", "| target | measured | wanted | met |", "|---|---:|---:|---|"]
    for name, measured, wanted, met in targets(lines, plan):
        out.append(f"| {name} | {measured} | {wanted} | {met} |")
    jsonl = floor_jsonl(lines)
    if jsonl is not None:
        out += ["", f"JSON Lines floor: the faster reader, {jsonl.label.split(': ')[1].split(',')[0]}."]
    out += ["", f"reports: {extra['check']}", f"floor fields: {extra['fields']}"]
    if plan.quick:
        out += ["", "(--quick: every size a tenth of the full run's, one run each; the targets are for the full run)"]
    return "\n".join(out)


def floor_jsonl(lines: dict[str, Line]) -> Line | None:
    timed = [lines[k] for k in ("floor-jsonl-polars", "floor-jsonl-duckdb") if lines[k].wall is not None]
    return min(timed, key=lambda line: line.wall or 0) if timed else None


def targets(lines: dict[str, Line], plan: Plan) -> list[tuple[str, str, str, str]]:
    n, (_, _, big) = plan.count, plan.growth
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: float | None, wanted: float, shown: str, at_least: bool = False, unit: str = "") -> None:
        if value is None:
            rows.append((name, "n/a", f"{'≥' if at_least else '≤'} {wanted:,}{unit}", "n/a"))
            return
        met = value >= wanted if at_least else value <= wanted
        rows.append((name, shown, f"{'≥' if at_least else '≤'} {wanted:,}{unit}", "yes" if met else "no"))

    def ratio(a: Line | None, b: Line | None) -> float | None:
        return a.wall / b.wall if a is not None and b is not None and a.wall and b.wall else None

    r = ratio(lines["e2e-csv"], lines["floor-csv"])
    row(f"end to end / floor, CSV, {n:,}", r, 2.0, f"{r or 0:.2f}")
    r = ratio(lines["e2e-jsonl"], floor_jsonl(lines))
    row(f"end to end / floor, JSON Lines, {n:,}", r, 2.0, f"{r or 0:.2f}")
    for key, wanted in (("eval-flat", 2_000_000), ("eval-accounts", 1_000_000)):
        rate, what = lines[key].per_second, lines[key].label.split(", ")[-1]
        row(f"evaluation alone, incidents/s, {what}", rate, wanted, f"{rate or 0:,.0f}", True)
    r = ratio(lines["e2e-acled"], lines["e2e-acled-plain"])
    row(f"ACLED export / the same rows as a plain CSV, end to end, {n:,}", r, 1.5, f"{r or 0:.2f}")
    rss = lines["e2e-acled"].rss
    row(f"peak RSS, ACLED export, {n:,}, MB", rss / MB if rss else None, 1024, f"{(rss or 0) / MB:,.0f}", unit=" MB")
    r = ratio(lines["e2e-csv"], lines["peer"])
    row(f"end to end / pandas peer (wall), CSV, {n:,}", r, 1.0, f"{r or 0:.2f}")
    columnar = [lines[k] for k in ("e2e-csv", "e2e-jsonl", "e2e-parquet") if lines[k].rss is not None]
    worst = max(columnar, key=lambda line: line.rss or 0) if columnar else None
    rss = worst.rss / MB if worst and worst.rss else None
    which = worst.label.rsplit(", ", 1)[-1] if worst else ""
    row(f"peak RSS at {n:,}, MB (largest: {which})", rss, 1024, f"{rss or 0:,.0f}", unit=" MB")
    grown = lines.get(f"e2e-csv-{big}")
    rss = grown.rss / MB if grown and grown.rss else None
    row(f"peak RSS at {big:,} CSV, MB", rss, 1536, f"{rss or 0:,.0f}", unit=" MB")
    us = {size: lines[f"e2e-csv-{size}"].us for size in plan.growth if f"e2e-csv-{size}" in lines}
    shown = ", ".join(f"{size:,}: {v:.2f}" for size, v in us.items() if v is not None)
    r = us[big] / us[n] if us.get(big) and us.get(n) else None  # type: ignore[operator]
    row(f"µs per incident, {big:,} over {n:,} ({shown})", r, 1.1, f"{r or 0:.2f}")
    r = ratio(lines["durable"], lines["raw"])
    row(f"durable / raw durable_rules, {DURABLE_COUNT:,}", r, 1.5, f"{r or 0:.2f}")
    v = lines["version"].wall
    row("ceasefire --version, s", v, 0.1, f"{v or 0:.3f}", unit=" s")
    return rows


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Wall time and peak RSS of the columnar pipeline end to end, its floor, evaluation alone, "
        "the pandas peer, durable and raw durable_rules, growth to 10M rows and start-up.",
        epilog="examples:\n  python -m bench.run\n  python -m bench.run --quick\n"
        "  python -m bench.run --quick --engine native --format json   # the harness on today's CLI",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="100k incidents (growth 10k, 100k, 1M), one run each")
    p.add_argument("--runs", type=int, default=None, help="runs per measurement, median reported (default 3)")
    p.add_argument("--engine", default="columnar", help="engine of the end-to-end lines (default: %(default)s)")
    p.add_argument("--format", dest="fmt", default="jsonl", help="report format of those lines (default: %(default)s)")
    p.add_argument("--no-growth", action="store_true", help="skip the growth lines (the largest file is 10M rows)")
    p.add_argument("--check", action="store_true", help="only compare the reports on 100k incidents")
    p.add_argument("--evaluate", metavar="FILE", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--stage", choices=("facts", "verdicts"), default="verdicts", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.evaluate:
        print(f"{evaluate_alone(args.evaluate, args.engine, args.stage):.6f}")
        return 0
    if args.check:
        return check_only(args.engine)
    byte_compiled()
    count = 100_000 if args.quick else 1_000_000
    plan = Plan(count, (count // 10, count, count * 10), args.runs or (1 if args.quick else 3), args.engine,
                args.fmt, args.quick)  # fmt: skip
    lines, extra = run_all(plan, not args.no_growth)
    print(render(lines, plan, extra))
    results = {"plan": asdict(plan), "machine": machine(), **extra, "lines": [asdict(line) for line in lines.values()]}
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 1 if str(extra["check"]).startswith("DIFFER") else 0


def byte_compiled() -> None:
    """The package's modules compiled to bytecode, as `pip install` leaves them: a checkout run where
    PYTHONDONTWRITEBYTECODE is set would otherwise compile every module again in every process timed."""
    import compileall

    compileall.compile_dir(ROOT / "engine", quiet=1)


def check_only(engine: str) -> int:
    """The engine's, durable's and raw's `-f json` reports on 100k incidents, made and compared."""
    source = incidents_file(DURABLE_COUNT, "jsonl")
    (OUT / "reports").mkdir(parents=True, exist_ok=True)
    durable = "durable" in choices("--engine")
    if durable:
        for key, argv in (
            ("durable", [ceasefire(), "run", str(source), "--rules", TIMELESS, "--engine", "durable", "-f", "json"]),
            ("raw", [sys.executable, "-m", "bench.raw", str(source)]),
        ):
            done = spawn([*argv, "--output", str(report_path(key, DURABLE_COUNT, "json"))])
            if done.code != 0:
                print(f"{key} failed:\n{done.stderr}")
                return 1
    said = same_reports(source, checked_engine(engine, choices("--engine")), durable)
    print(said)
    return 1 if not said.startswith("same") else 0


if __name__ == "__main__":
    sys.exit(main())

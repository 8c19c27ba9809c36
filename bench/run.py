"""Time every way of judging a JSON Lines file of incidents end to end, and the evaluation alone.

Each measurement runs in a fresh process (nothing warm from the one before), is repeated, and its
median is reported. See bench/README.md for what each line measures and the figures on one machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.incidents.model import Account
from engine.incidents.synthetic import write_jsonl

if TYPE_CHECKING:
    from engine.evaluation.result import Verdict
    from engine.incidents.model import Incident

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RULESET = "syria-2016-09"
SEED = 2016
END_TO_END = ("floor", "native", "durable", "raw")
EVALUATION = ("eval-floor", "eval-native", "eval-durable")
DURABLE = ("durable", "raw", "eval-durable")  # need durable_rules (not on Python 3.13+)
TARGETS = {"native/floor": 1.5, "durable/raw": 1.5, "native evaluation": 1_000_000, "linear": 1.25}


def incidents_file(count: int) -> Path:
    path = OUT / f"incidents-{count}.jsonl"
    if not path.exists():
        write_jsonl(path, count, SEED)
    return path


def report_file(mode: str, count: int) -> Path:
    return OUT / f"report-{mode}-{count}.json"


# -- one measurement, in its own process ----------------------------------------------------------


def measure(mode: str, count: int) -> tuple[float, float]:
    """(CPU, wall) seconds for one run of `mode` over `count` incidents (called in a fresh process).

    Modules are imported before the clocks start: what is timed is reading, judging and writing.
    """
    from engine.cli.run import load_report
    from engine.report.render import write_json

    source = incidents_file(count)
    if mode.startswith("eval-"):
        return _evaluation(mode.removeprefix("eval-"), source)
    if mode == "raw":
        from bench.raw import run
    with report_file(mode, count).open("w", encoding="utf-8") as out:
        start = clocks()
        if mode == "raw":
            run(source, out, source.stem)
        elif mode == "floor":
            _floor(source, out)
        else:
            write_json(load_report(source, RULESET, mode), out)
        out.flush()
        return since(start)


def _floor(source: Path, out: object) -> None:
    """Read the file as every engine must, and write a report of the same shape with no rules at all."""
    from engine.evaluation.result import Report
    from engine.incidents.load import load_incidents
    from engine.report.render import write_json
    from engine.ruleset.load import load_ruleset

    compiled = load_ruleset(RULESET)
    incidents = load_incidents(source)
    write_json(Report(source.stem, compiled, "none", incidents, blank_verdicts(incidents)), out)  # type: ignore[arg-type]


def blank_verdicts(incidents: list[Incident]) -> list[Verdict]:
    """A verdict object for each incident (and each account) saying nothing: what no evaluation can skip.

    The fields of each incident (and account) that any evaluation reads are read, and dropped; the
    objects are made the cheapest way there is, as the tuples they are. No engine can beat this.
    """
    from engine.evaluation.pipeline import NO_RULE
    from engine.evaluation.result import AccountVerdict, Verdict
    from engine.memory import paused_gc

    new = tuple.__new__
    said = ("undetermined", None, None, NO_RULE[0].upper() + NO_RULE[1:] + ".", (), ())
    out: list[Verdict] = []
    with paused_gc():  # as the evaluator does
        for incident in incidents:
            accounts = []
            for told in (incident, *incident.accounts):
                loc = told.location  # what every evaluation reads, read here and dropped
                _ = (told.time, told.actor, told.act, told.target, told.intended_target)
                _ = (loc.country, loc.region) if loc is not None else None
                if isinstance(told, Account):
                    accounts.append(new(AccountVerdict, (told.source, None, *said)))
            out.append(new(Verdict, (incident.id, *said, tuple(accounts))))
    return out


def _evaluation(engine: str, source: Path) -> tuple[float, float]:
    """Seconds from parsed incidents in memory to verdicts (a fresh evaluator: nothing remembered)."""
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.load import load_incidents
    from engine.ruleset.load import load_ruleset

    compiled = load_ruleset(RULESET)
    incidents = load_incidents(source)
    start = clocks()
    if engine == "floor":
        verdicts = blank_verdicts(incidents)
    else:
        with Evaluator(compiled, engine) as evaluator:
            verdicts = evaluator.evaluate(incidents)
    elapsed = since(start)
    assert len(verdicts) == len(incidents)
    return elapsed


def clocks() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def since(start: tuple[float, float]) -> tuple[float, float]:
    cpu, wall = clocks()
    return cpu - start[0], wall - start[1]


# -- the driver -----------------------------------------------------------------------------------


def median_of(mode: str, count: int, runs: int) -> tuple[float, float]:
    """Median (CPU, wall) seconds over `runs` fresh processes."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "bench.run", "--one", mode, "--count", str(count)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        cpu, wall = done.stdout.split()
        times.append((float(cpu), float(wall)))
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def same_reports(count: int, modes: Sequence[str]) -> str | None:
    """None when every mode's report says the same (the engine's name aside), else the first difference."""
    texts = {}
    for mode in modes:
        text = report_file(mode, count).read_text(encoding="utf-8")
        texts[mode] = text.replace(f'"engine": "{mode}"', '"engine": "-"', 1)
    first, *rest = modes
    for mode in rest:
        if texts[mode] != texts[first]:
            for number, (a, b) in enumerate(zip(texts[first].splitlines(), texts[mode].splitlines()), 1):
                if a != b:
                    return f"{first} and {mode} differ at line {number}:\n  {a}\n  {b}"
            return f"{first} and {mode} differ in length"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="End-to-end and evaluation-only timings of every executor on generated incidents.",
        epilog="examples:\n  python -m bench.run\n  python -m bench.run --quick\n  python -m bench.run --runs 5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="20k incidents (2k, 6k for linearity), one run each")
    p.add_argument("--runs", type=int, default=None, help="runs per measurement, median reported (default 3)")
    p.add_argument("--one", metavar="MODE", help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.one:
        print(*measure(args.one, args.count))
        return 0
    runs = args.runs or (1 if args.quick else 3)
    big = 20_000 if args.quick else 100_000
    small = (2_000, 6_000) if args.quick else (10_000, 30_000)
    OUT.mkdir(parents=True, exist_ok=True)
    for count in (*small, big):
        incidents_file(count)

    from engine.evaluation.durable import AVAILABLE

    results: dict[str, dict[int, tuple[float, float]]] = {}
    for mode in (*END_TO_END, *EVALUATION):
        if not AVAILABLE and mode in DURABLE:
            continue
        for count in (*small, big) if mode in ("native", "durable") else (big,):
            results.setdefault(mode, {})[count] = median_of(mode, count, runs)
            cpu, wall = results[mode][count]
            print(f"  {mode:<13} {count:>7,} incidents: {cpu:.3f}s CPU, {wall:.3f}s wall", file=sys.stderr)

    difference = same_reports(big, ("native", "durable", "raw") if AVAILABLE else ("native",))
    print(render(results, big, small, runs))
    (OUT / "results.json").write_text(
        json.dumps({"runs": runs, "machine": machine(), "cpu_wall_seconds": results}, indent=1) + "\n",
        encoding="utf-8",
    )
    if difference:
        print(f"\nreports differ: {difference}")
        return 1
    print(f"\nnative, durable and raw reports on {big:,} incidents are identical (engine name aside)")
    return 0


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


LABELS = {
    "floor": "floor: read, write a same-shape report, no rules",
    "native": "native, end to end",
    "durable": "durable, end to end",
    "raw": "raw durable_rules, end to end",
    "eval-floor": "evaluation floor: read the fields, make the verdict objects, no rules",
    "eval-native": "native, evaluation alone",
    "eval-durable": "durable, evaluation alone",
}


def render(results: dict[str, dict[int, tuple[float, float]]], big: int, small: tuple[int, int], runs: int) -> str:
    """Markdown tables: the timings, then each target. Ratios are of CPU time (see bench/README.md)."""
    lines = [
        f"{big:,} generated incidents from JSON Lines; median of {runs} run(s), each in a fresh process; {machine()}",
        "",
        "| measurement | CPU s | wall s | incidents/s (CPU) | µs per incident (CPU) |",
        "|---|---:|---:|---:|---:|",
    ]
    for mode, label in LABELS.items():
        if mode in results:
            seconds, wall = results[mode][big]
            lines.append(f"| {label} | {seconds:.3f} | {wall:.3f} | {big / seconds:,.0f} | {seconds / big * 1e6:.1f} |")
    cpu = {mode: results[mode][big][0] for mode in results}
    lines += ["", "| target | measured | wanted | met |", "|---|---:|---:|---|"]

    def target(name: str, measured: float, wanted: float, shown: str, at_least: bool = False) -> None:
        met = measured >= wanted if at_least else measured <= wanted
        lines.append(f"| {name} | {shown} | {'≥' if at_least else '≤'} {wanted:,} | {'yes' if met else 'no'} |")

    ratio = cpu["native"] / cpu["floor"]
    target("native / floor", ratio, TARGETS["native/floor"], f"{ratio:.2f}")
    if "durable" in cpu:
        ratio = cpu["durable"] / cpu["raw"]
        target("durable / raw", ratio, TARGETS["durable/raw"], f"{ratio:.2f}")
    rate = big / cpu["eval-native"]
    target("native evaluation, incidents/s", rate, TARGETS["native evaluation"], f"{rate:,.0f}", at_least=True)
    for mode in ("native", "durable"):
        if mode in results:
            per = {n: results[mode][n][0] / n * 1e6 for n in (*small, big)}
            shown = ", ".join(f"{n:,}: {us:.1f}" for n, us in per.items())
            ratio = per[big] / per[small[0]]
            target(
                f"{mode} µs per incident ({shown}), {big:,} over {small[0]:,}", ratio, TARGETS["linear"], f"{ratio:.2f}"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

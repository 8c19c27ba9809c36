"""`ceasefire sweep`: evaluate a scenario under every combination of ruleset values, in parallel."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.main import EXIT_OK, add_evaluation, add_output, add_source, add_workers, examples
from engine.cli.outputs import check_output, output, refuse_inputs, refused, same_file, write_bytes

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from engine.analysis.sweep import Param, Sweep

PLOT = "--plot"

# engine.analysis.sweep.MAX_COMBINATIONS, repeated here for --help, which must not load the evaluation
# (tests/test_packaging.py checks the two agree).
MAX_COMBINATIONS = 100_000


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep",
        help="evaluate a scenario under every combination of ruleset values",
        description="Evaluate a scenario under every combination of the values given with --param (the grid)\n"
        "and report one row per combination: the values, the count of each verdict, then the counts per\n"
        "acting party. The table shows violations per acting party (the parties with any) and a bar chart of\n"
        "violations per combination; JSON and CSV have every verdict per party. Rows are in grid order (the\n"
        "first --param varies slowest) whatever the number of jobs, and on a Dask cluster (--scheduler) alike.\n\n"
        "Each value is read like a --set value (YAML: `true`, `3`, `null` deletes); values are separated by\n"
        "commas, so a value cannot contain one. Every value is checked against the ruleset before any\n"
        f"combination runs, and a grid may have at most {MAX_COMBINATIONS:,} combinations. The PNG numbers its\n"
        "bars as the table numbers its rows; the legend (number → values) is in the PNG's Description text.",
        epilog=examples(
            "ceasefire sweep scenarios/deir-ezzor-2016-09-17.yaml --param policy.mistaken_target=permitted,violation",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.mistaken_target=permitted,violation "
            "--param policy.sponsors_bound=true,false --plot violations.png",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param parties.jfs.role=excluded,covered -f csv",
            "ceasefire sweep incidents.jsonl --rules syria-2016-09 --param policy.sponsors_bound=true,false --jobs 4",
            "ceasefire sweep incidents.jsonl --rules syria-2016-09 --param policy.sponsors_bound=true,false "
            "--scheduler tcp://10.0.0.5:8786",
            "ceasefire sweep GEDEvent_v23_1.csv --from ucdp --rules syria-2016-09 "
            "--param policy.mistaken_target=permitted,violation",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", type=Path, help="a scenario .yaml, or a .jsonl/.csv/.parquet incident table"
    )
    p.add_argument(
        "--param",
        "-p",
        metavar="PATH=V1,V2,…",
        action="append",
        required=True,
        dest="params",
        help="a ruleset value to sweep and the values to try, e.g. policy.mistaken_target=permitted,violation; "
        "rules by id, e.g. rules.strike-on-excluded.verdict=permitted,violation (repeatable)",
    )
    add_evaluation(p, sets=None, base="base ", engine="columnar", why="; durable_rules keeps every ruleset it is given")
    add_source(p)
    add_output(p, ("table", "json", "csv"))
    p.add_argument("--plot", metavar="FILE.png", help="also draw violations per combination as a PNG")
    add_workers(p, "the combinations")
    p.set_defaults(handler=run_sweep)


MAX_DURABLE = 2_000  # combinations a sweep runs with --engine durable


def check_plot(path: str | None, inputs: list[Path], report: str | None) -> None:
    """The --plot path as --output's, which moreover must be a .png other than the report."""
    if path is None:
        return
    if Path(path).suffix.lower() != ".png" and not path.endswith("/"):
        raise refused(path, f"{PLOT} writes a PNG; name the file with a .png suffix")
    check_output(path, inputs, PLOT)
    if report is not None and same_file(path, report):
        raise refused(path, f"{PLOT} names the same file as --output; give each its own file")


def run_sweep(args: argparse.Namespace) -> int:
    from engine.analysis.dispatch import executor_for
    from engine.analysis.sweep import combinations, parse_params, plot
    from engine.report.render import console_for, write_sweep_csv, write_sweep_json, write_sweep_table

    check_output(args.output, [args.scenario])
    check_plot(args.plot, [args.scenario], args.output)
    params = parse_params(args.params)
    total = combinations(params)
    if args.engine == "durable" and total > MAX_DURABLE:
        raise refused(
            "--engine",
            f"durable_rules keeps every ruleset it is given (some 330 KB a combination): a durable sweep runs "
            f"at most {MAX_DURABLE:,} combinations, and this one has {total:,}; use --engine columnar (same verdicts)",
        )
    with executor_for(args.scheduler) as executor:  # a cluster that cannot be reached is refused before any work
        result = _swept(args, params, total, executor)
    with output(args.output) as out:
        if args.format == "json":
            write_sweep_json(result, out)
        elif args.format == "csv":
            write_sweep_csv(result, out)
        else:
            write_sweep_table(result, console_for(out, args.width))
    if args.plot is not None:
        write_bytes(args.plot, plot(result), PLOT)
    return EXIT_OK


def _swept(args: argparse.Namespace, params: Sequence[Param], total: int, executor: Executor | None) -> Sweep:
    """The scenario loaded, every value checked against its ruleset, then every combination run."""
    from engine.analysis.sweep import Base, check, sweep
    from engine.cli.run import load_report
    from engine.report.render import ProgressBar

    report = load_report(args.scenario, args.rules, args.engine, source=args.source, strict=args.strict)
    for path, option in ((args.output, "--output"), (args.plot, PLOT)):
        refuse_inputs(path, report.compiled.files, option)  # known once loaded: the ruleset and what it extends
    base = Base.of(report)
    check(base, params)
    with ProgressBar(total, "sweeping", enabled=sys.stderr.isatty()) as bar:
        return sweep(base, params, args.jobs, bar.update, executor)

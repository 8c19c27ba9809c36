"""`ceasefire sweep`: evaluate a scenario under every combination of ruleset values, in parallel."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from engine.cli.main import EXIT_OK, add_evaluation, add_output, add_source, examples
from engine.cli.outputs import PLOT, check_output, check_plot, output, refuse_inputs, refused, write_bytes

# engine.analysis.sweep.MAX_COMBINATIONS, repeated here for --help, which must not load the evaluation
# (tests/test_packaging.py checks the two agree).
MAX_COMBINATIONS = 100_000


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a whole number") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"`{text}`: at least one job is needed")
    return jobs


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "sweep",
        help="evaluate a scenario under every combination of ruleset values",
        description="Evaluate a scenario under every combination of the values given with --param (the grid)\n"
        "and report one row per combination: the values, the count of each verdict, then the counts per\n"
        "acting party. The table shows violations per acting party (the parties with any) and a bar chart of\n"
        "violations per combination; JSON and CSV have every verdict per party. Rows are in grid order (the\n"
        "first --param varies slowest) whatever the number of jobs.\n\n"
        "Each value is read like a --set value (YAML: `true`, `3`, `null` deletes); values are separated by\n"
        "commas, so a value cannot contain one. Every value is checked against the ruleset before any\n"
        f"combination runs, and a grid may have at most {MAX_COMBINATIONS:,} combinations. With --plot, also\n"
        "draw the verdicts per combination as a chart (PNG or SVG), its bars numbered as the table numbers its\n"
        "rows and named by their values; the chart's Description metadata lists number → values.",
        epilog=examples(
            "ceasefire sweep scenarios/deir-ezzor-2016-09-17.yaml --param policy.mistaken_target=permitted,violation",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.mistaken_target=permitted,violation "
            "--param policy.sponsors_bound=true,false --plot verdicts.svg",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param parties.jfs.role=excluded,covered -f csv",
            "ceasefire sweep incidents.jsonl --rules syria-2016-09 --param policy.sponsors_bound=true,false --jobs 4",
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
    p.add_argument(
        PLOT,
        metavar="FILE",
        help="also draw the verdicts per combination as a chart: FILE.png or FILE.svg (needs matplotlib)",
    )
    p.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=_jobs,
        default=os.cpu_count() or 1,
        help="processes to run combinations in (default: one per core)",
    )
    p.set_defaults(handler=run_sweep)


MAX_DURABLE = 2_000  # combinations a sweep runs with --engine durable


def run_sweep(args: argparse.Namespace) -> int:
    from engine.analysis.sweep import Base, check, combinations, parse_params, sweep
    from engine.cli.run import load_report
    from engine.report.render import ProgressBar, console_for, write_sweep_csv, write_sweep_json, write_sweep_table

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
    report = load_report(args.scenario, args.rules, args.engine, source=args.source, strict=args.strict)
    for path, option in ((args.output, "--output"), (args.plot, PLOT)):
        refuse_inputs(path, report.compiled.files, option)  # known once loaded: the ruleset and what it extends
    base = Base.of(report)
    check(base, params)
    with ProgressBar(total, "sweeping", enabled=sys.stderr.isatty()) as bar:
        result = sweep(base, params, args.jobs, bar.update)
    chart = None
    if args.plot is not None:  # drawn before anything is written: a failure leaves no file behind
        from engine.report.plot import plot_sweep

        chart = plot_sweep(result, Path(args.plot).suffix.lower().removeprefix("."))
    with output(args.output) as out:
        if args.format == "json":
            write_sweep_json(result, out)
        elif args.format == "csv":
            write_sweep_csv(result, out)
        else:
            write_sweep_table(result, console_for(out, args.width))
    if chart is not None:
        write_bytes(args.plot, chart, PLOT)
    return EXIT_OK

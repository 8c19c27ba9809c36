"""`ceasefire sweep`: evaluate a scenario under every combination of ruleset values, in parallel."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.main import (
    EXIT_OK,
    INPUT_HELP,
    add_evaluation,
    add_output,
    add_source,
    add_workers,
    examples,
    whole_number,
)
from engine.cli.outputs import PLOT, check_output, check_plot, output, refuse_inputs, refused, then_plot

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from engine.analysis.discovery import Threshold
    from engine.analysis.sampling import Design
    from engine.analysis.sweep import Param, Sweep
    from engine.evaluation.result import Report

DEFAULT_SEED = 0  # engine.analysis.sampling.DEFAULT_SEED, here for --help

# engine.analysis.sweep.MAX_COMBINATIONS, repeated here for --help, which must not load the evaluation
# (tests/test_packaging.py checks the two agree).
MAX_COMBINATIONS = 100_000


_seed = whole_number(0, 2**63 - 1, "a seed is a whole number from 0 to 2^63 - 1")


def require(module: str, option: str, what: str) -> None:
    """Refuse, in one line, an option whose library (of the `explore` extra) is not installed."""
    from importlib.util import find_spec

    if find_spec(module) is None:
        raise refused(option, f"{what} needs {module}: pip install 'ceasefire-sim[explore]'")


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
        f"combination runs, and a grid may have at most {MAX_COMBINATIONS:,} combinations. With --plot, also\n"
        "draw the verdicts per combination as a chart (PNG or SVG), its bars numbered as the table numbers its\n"
        "rows and named by their values; the chart's Description metadata lists number → values.\n\n"
        "A number takes a range, LOW..HIGH: on the grid every whole number from LOW to HIGH is a value. With\n"
        "--sample lhs:N (Latin hypercube) or mc:N (Monte Carlo) the sweep draws N combinations instead of the\n"
        "grid, from --seed: a range of whole numbers gives whole numbers, 0.5..2.5 any number between, and a\n"
        "list each of its values alike. With --discover OUTCOME>N the report is the scenario discovery: the\n"
        "ranges of values (boxes, from a decision tree of depth 3) where the outcome passes the threshold.",
        epilog=examples(
            "ceasefire sweep scenarios/deir-ezzor-2016-09-17.yaml --param policy.mistaken_target=permitted,violation",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.mistaken_target=permitted,violation "
            "--param policy.sponsors_bound=true,false --plot verdicts.svg",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param parties.jfs.role=excluded,covered -f csv",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.sponsors_bound=true,false "
            "-f html -o sweep.html",
            "ceasefire sweep incidents.jsonl --rules syria-2016-09 --param policy.sponsors_bound=true,false --jobs 4",
            "ceasefire sweep incidents.jsonl --rules syria-2016-09 --param policy.sponsors_bound=true,false "
            "--scheduler tcp://10.0.0.5:8786",
            "ceasefire sweep GEDEvent_v23_1.csv --from ucdp --rules syria-2016-09 "
            "--param policy.mistaken_target=permitted,violation",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.reduced_violence_max_per_day=0..10 "
            "--param policy.mistaken_target=permitted,violation --sample lhs:200 --seed 7",
            "ceasefire sweep scenarios/syria-week-2016-09.yaml --param policy.reduced_violence_max_per_day=0..10 "
            "--param policy.mistaken_target=permitted,violation --discover 'violation>=3'",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="INPUT",
        type=Path,
        help=INPUT_HELP,
    )
    p.add_argument(
        "--param",
        "-p",
        metavar="PATH=V1,V2,…",
        action="append",
        required=True,
        dest="params",
        help="a ruleset value to sweep and the values to try, e.g. policy.mistaken_target=permitted,violation; "
        "rules by id, e.g. rules.strike-on-excluded.verdict=permitted,violation; a number takes a range, "
        "e.g. policy.jic_after_days=1..14 (repeatable)",
    )
    p.add_argument(
        "--sample",
        metavar="METHOD:N",
        help="draw N combinations instead of the grid: lhs:N (Latin hypercube) or mc:N (Monte Carlo)",
    )
    p.add_argument(
        "--seed",
        metavar="N",
        type=_seed,
        default=None,
        help=f"the seed --sample draws from (default: {DEFAULT_SEED}); the same seed, the same rows",
    )
    p.add_argument(
        "--discover",
        metavar="OUTCOME>N",
        help="report which ranges of the values make an outcome pass a threshold: a verdict or 'PARTY: VERDICT' "
        "(the party's id or name), one of > >= < <=, a whole number, e.g. 'violation>5' or 'coalition: violation>0'",
    )
    add_evaluation(p, sets=None, base="base ", engine="columnar", why="; durable_rules keeps every ruleset it is given")
    add_source(p)
    add_output(p, ("table", "json", "csv", "html"))
    p.add_argument(
        PLOT,
        metavar="FILE",
        help="also draw the verdicts per combination as a chart: FILE.png or FILE.svg (needs matplotlib)",
    )
    add_workers(p, "the combinations")
    p.set_defaults(handler=run_sweep)


MAX_DURABLE = 2_000  # combinations a sweep runs with --engine durable


def run_sweep(args: argparse.Namespace) -> int:
    from engine.analysis.discovery import discover, parse_threshold
    from engine.analysis.dispatch import executor_for
    from engine.analysis.sampling import SEED, parse_design
    from engine.analysis.sweep import combinations, parse_params
    from engine.report.explore import write_discovery, write_sample_title
    from engine.report.render import console_for, write_sweep_csv, write_sweep_json, write_sweep_table

    check_output(args.output, [args.scenario])
    check_plot(args.plot, [args.scenario], args.output)
    # each option's argument is checked before the library it needs is looked for: a typo is said as one
    if args.seed is not None and args.sample is None:
        raise refused(SEED, "a seed is for drawing a sample; give it with --sample lhs:N or mc:N")
    design = (
        None if args.sample is None else parse_design(args.sample, DEFAULT_SEED if args.seed is None else args.seed)
    )
    if design is not None:
        require("scipy", "--sample", "a sampled sweep")
    if args.discover is not None:
        parse_threshold(args.discover)  # the form, at once; the party once the ruleset is known
        if args.format == "html":
            raise refused("--format html", "scenario discovery is reported as a table, json or csv")
        require("sklearn", "--discover", "scenario discovery")
    params = parse_params(args.params, sampled=design is not None)
    total = combinations(params) if design is None else design.count
    if args.engine == "durable" and total > MAX_DURABLE:
        raise refused(
            "--engine",
            f"durable_rules keeps every ruleset it is given (some 330 KB a combination): a durable sweep runs "
            f"at most {MAX_DURABLE:,} combinations, and this one has {total:,}; use --engine columnar (same verdicts)",
        )
    with executor_for(args.scheduler) as executor:  # a cluster that cannot be reached is refused before any work
        report, threshold, result = _swept(args, params, total, design, executor)
    chart = None
    if args.plot is not None:  # drawn before anything is written: a failure leaves no file behind
        from engine.report.plot import plot_sweep

        chart = plot_sweep(result, Path(args.plot).suffix.lower().removeprefix("."))
    page = None
    if args.format == "html" and threshold is None:  # the page is made whole before anything is written
        from engine.report.html import sweep_html

        page = sweep_html(result, report.compiled, str(args.scenario))
    with then_plot(args.plot, chart), output(args.output) as out:
        if threshold is not None:
            write_discovery(discover(result, threshold), args.format, out, args.width)
        elif page is not None:
            out.write(page)
        elif args.format == "json":
            write_sweep_json(result, out)
        elif args.format == "csv":
            write_sweep_csv(result, out)
        else:
            console = console_for(out, args.width)
            write_sample_title(result, console)
            write_sweep_table(result, console)
    return EXIT_OK


def _swept(
    args: argparse.Namespace,
    params: Sequence[Param],
    total: int,
    design: Design | None,
    executor: Executor | None,
) -> tuple[Report, Threshold | None, Sweep]:
    """The scenario loaded, every value checked against its ruleset, then every combination run: the base
    report, the discovery threshold (None without --discover) and the sweep."""
    from engine.analysis.discovery import parse_threshold
    from engine.analysis.sweep import Base, check, sweep
    from engine.cli.run import load_report
    from engine.report.progress import ProgressBar

    report = load_report(args.scenario, args.rules, args.engine, source=args.source, strict=args.strict)
    for path, option in ((args.output, "--output"), (args.plot, PLOT)):
        refuse_inputs(path, report.compiled.files, option)  # known once loaded: the ruleset and what it extends
    threshold = None
    if args.discover is not None:
        parties = {party_id: party.name for party_id, party in report.compiled.ruleset.parties.items()}
        threshold = parse_threshold(args.discover, parties)
    base = Base.of(report)
    check(base, params)
    with ProgressBar(total, "sweeping", enabled=sys.stderr.isatty()) as bar:
        return report, threshold, sweep(base, params, args.jobs, bar.update, design, executor)

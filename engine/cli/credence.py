"""`ceasefire credence`: which source to believe, swept; each incident's verdicts over samples of the accounts."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.main import EXIT_OK, add_evaluation, add_output, add_source, examples, whole_number
from engine.cli.outputs import PLOT, check_output, check_plot, output, refuse_inputs, refused, then_plot
from engine.cli.sweep import DEFAULT_SEED, _seed, require

DEFAULT_SAMPLES = 200  # engine.analysis.credence.DEFAULT_SAMPLES, here for --help


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "credence",
        help="judge a scenario over samples of its accounts, each source believed with a probability",
        description="Judge a scenario many times, each time on a sample of its accounts: each account of a source\n"
        "given --credence SOURCE=P is kept with probability P (0 to 1), the accounts of other sources always.\n"
        "An incident left with no account is judged on its own record. Reports, per incident, the share of\n"
        "samples that gave each verdict, and per party the distribution of its violations over the samples\n"
        "(min, quartiles, max, mean). The samples are drawn from --seed alone: the same seed, the same report.",
        epilog=examples(
            "ceasefire credence scenarios/deir-ezzor-2016-09-17.yaml --credence 'Syrian military (SANA)=0.5'",
            "ceasefire credence scenarios/deir-ezzor-2016-09-17.yaml --credence 'Syrian military (SANA)=0.5' "
            "--credence CENTCOM=0 --samples 1000 --seed 7 --format json",
            "ceasefire credence scenarios/syria-week-2016-09.yaml --credence 'Russian MoD=0.3' --plot credence.svg",
        ),
    )
    p.add_argument(
        "scenario", metavar="INPUT", type=Path, help="a scenario .yaml, or a .jsonl/.csv/.parquet incident table"
    )
    p.add_argument(
        "--credence",
        "-c",
        metavar="SOURCE=P",
        action="append",
        required=True,
        dest="beliefs",
        help="the probability (0 to 1) that a sample keeps each account of SOURCE, e.g. 'CENTCOM=0.5' (repeatable)",
    )
    p.add_argument(
        "--samples",
        "-n",
        metavar="N",
        type=whole_number(),  # its range (1 to MAX_SAMPLES) is said by check_samples
        default=DEFAULT_SAMPLES,
        help=f"how many samples to judge (default: {DEFAULT_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        metavar="N",
        type=_seed,
        default=DEFAULT_SEED,
        help=f"the seed samples are drawn from (default: {DEFAULT_SEED})",
    )
    add_evaluation(p, engine="columnar", why="; the same verdicts as durable")
    add_source(p)
    add_output(p, ("table", "json", "csv"))
    p.add_argument(
        PLOT, metavar="FILE", help="also draw the shares and distributions: FILE.png or FILE.svg (needs matplotlib)"
    )
    p.set_defaults(handler=run_credence)


def run_credence(args: argparse.Namespace) -> int:
    from engine.analysis.credence import check_samples, credence, parse_belief, parse_beliefs, sources
    from engine.cli.run import load_report
    from engine.report.explore import plot_credence, write_credence
    from engine.report.progress import ProgressBar

    check_output(args.output, [args.scenario])
    check_plot(args.plot, [args.scenario], args.output)
    require("numpy", "credence", "drawing samples")
    check_samples(args.samples)
    for expr in args.beliefs:
        parse_belief(expr)  # the form, at once; the source once the input is read
    _no_export(Path(args.scenario), args.source)
    report = load_report(args.scenario, args.rules, args.engine, args.sets, args.source, args.strict)
    for path, option in ((args.output, "--output"), (args.plot, PLOT)):
        refuse_inputs(path, report.compiled.files, option)  # known once loaded: the ruleset and what it extends
    beliefs = parse_beliefs(args.beliefs, sources(report.incidents))
    with ProgressBar(args.samples, "sampling", enabled=sys.stderr.isatty()) as bar:
        result = credence(report, beliefs, args.samples, args.seed, bar.update)
    chart = None
    if args.plot is not None:  # drawn before anything is written: a failure leaves no file behind
        chart = plot_credence(result, Path(args.plot).suffix.lower().removeprefix("."))
    with then_plot(args.plot, chart), output(args.output) as out:
        write_credence(result, args.format, out, args.width)
    return EXIT_OK


def _no_export(path: Path, source: str | None) -> None:
    """An ACLED or UCDP GED export refused before it is read: its rows tell no accounts to keep or drop."""
    if path.suffix.lower() not in (".csv", ".parquet") or not path.is_file():
        return  # a scenario, a JSON Lines table, or what the loaders refuse in their own words
    from engine.incidents.eventdata import EXPORTS, kind_of

    kind = kind_of(path, source)
    if kind is not None:
        raise refused(
            str(path),
            f"this is {EXPORTS[kind]}, whose rows tell no accounts: credence keeps or drops each source's accounts "
            "of an incident; give a scenario or table with `accounts`",
        )

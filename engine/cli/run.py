"""`ceasefire run`: evaluate a scenario or an incident table and report every verdict."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from engine.cli.main import EXIT_OK, add_evaluation, add_output, examples
from engine.cli.outputs import check_output, output, refuse_inputs
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Report
from engine.incidents.load import load_input
from engine.report.render import console_for, write_json, write_markdown, write_table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="evaluate a scenario or incident table and report the verdicts",
        description="Evaluate every incident of a scenario (YAML) or an incident table (JSON Lines, CSV) "
        "under a ruleset, and report each verdict with the rule and clause that decided it.",
        epilog=examples(
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --format json",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --rules rules/variants/strict-liability.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --set policy.mistaken_target=violation",
            "ceasefire run incidents.jsonl --rules syria-2016-09 --engine native -f json -o report.json",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="a scenario .yaml, or a .jsonl/.csv incident table")
    add_evaluation(p)
    add_output(p, ("table", "json", "markdown"))
    p.set_defaults(handler=run)


def load_report(path: Path, rules: str | None, engine: str | None, sets: Sequence[str] = ()) -> Report:
    """Load and evaluate: shared by every command that reports on a scenario or table."""
    loaded = load_input(path, rules, sets)
    with Evaluator(loaded.compiled, engine) as evaluator:
        verdicts = evaluator.evaluate(loaded.incidents)
        return Report(loaded.name, loaded.compiled, evaluator.engine, loaded.incidents, verdicts)


def run(args: argparse.Namespace) -> int:
    check_output(args.output, [args.scenario])
    report = load_report(args.scenario, args.rules, args.engine, args.sets)
    refuse_inputs(args.output, report.compiled.files)  # known once loaded: the ruleset and what it extends
    with output(args.output) as out:
        if args.format == "json":
            write_json(report, out)
        elif args.format == "markdown":
            write_markdown(report, out)
        else:
            console = console_for(out, args.width)
            write_table(report, console)
    return EXIT_OK

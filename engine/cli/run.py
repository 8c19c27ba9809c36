"""`ceasefire run`: evaluate a scenario or an incident table and report every verdict."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.main import EXIT_OK, add_evaluation, add_output, examples
from engine.cli.outputs import OUTPUT, check_output, output, refuse_inputs, refused, write_bytes

if TYPE_CHECKING:
    from engine.evaluation.result import Report


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="evaluate a scenario or incident table and report the verdicts",
        description="Evaluate every incident of a scenario (YAML) or an incident table (JSON Lines, CSV) "
        "under a ruleset, and report each verdict with the rule and clause that decided it. Scenarios run on the "
        "durable engine where it is installed, tables on the columnar engine; both give the same verdicts.",
        epilog=examples(
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --format json",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --rules rules/variants/strict-liability.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --set policy.mistaken_target=violation",
            "ceasefire run incidents.jsonl --rules syria-2016-09 -f json -o report.json",
            "ceasefire run events.csv --rules syria-2016-09 -f jsonl -o verdicts.jsonl   # summary on stderr",
            "ceasefire run events.parquet --rules syria-2016-09 -f parquet -o verdicts.parquet",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "scenario", metavar="SCENARIO", type=Path, help="a scenario .yaml, or a .jsonl/.csv/.parquet incident table"
    )
    add_evaluation(p)
    add_output(p, ("table", "json", "jsonl", "markdown", "parquet"))
    p.set_defaults(handler=run)


def load_report(path: Path, rules: str | None, engine: str | None, sets: Sequence[str] = ()) -> Report:
    """Load and evaluate: shared by every command that reports on a scenario or table.

    With no engine named, a scenario runs on durable where it is installed, a table on columnar.
    """
    from engine.evaluation.pipeline import Evaluator, default_engine
    from engine.incidents.load import load_input

    loaded = load_input(path, rules, sets)
    with Evaluator(loaded.compiled, engine or default_engine(table=loaded.scenario is None)) as evaluator:
        return evaluator.report(loaded.name, loaded.frame)


def run(args: argparse.Namespace) -> int:
    import io

    from engine.report.data import write_json, write_jsonl, write_parquet
    from engine.report.render import console_for, write_markdown, write_table

    if args.format == "parquet" and args.output is None:
        raise refused("--format parquet", "Parquet is binary; name a file with --output FILE")
    check_output(args.output, [args.scenario])
    report = load_report(args.scenario, args.rules, args.engine, args.sets)
    refuse_inputs(args.output, report.compiled.files)  # known once loaded: the ruleset and what it extends
    if args.format == "parquet":
        buffer = io.BytesIO()
        write_parquet(report, buffer)
        write_bytes(args.output, buffer.getvalue(), OUTPUT)
        return EXIT_OK
    with output(args.output) as out:
        if args.format == "json":
            write_json(report, out)
        elif args.format == "jsonl":
            write_jsonl(report, out)
        elif args.format == "markdown":
            write_markdown(report, out)
        else:
            console = console_for(out, args.width)
            write_table(report, console)
    if args.format == "jsonl":  # the lines are for programs; people get the counts
        counts = ", ".join(f"{n:,} {name}" for name, n in report.summary().items())
        print(f"{report.count:,} incidents: {counts}", file=sys.stderr)
    return EXIT_OK

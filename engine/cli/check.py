"""`ceasefire check`: find every mistake in rulesets and scenarios before they give a wrong verdict."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.main import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, add_source, examples


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "check",
        help="find errors and likely mistakes in rulesets and scenarios, without running them",
        description="Check rulesets and scenarios: every schema error (unknown keys, wrong types, missing "
        "fields, dates without offsets) and meaning error (names that do not exist, duplicate ids and "
        "aliases, windows that end before they start, empty conditions, a scenario's ruleset and expectations), "
        "each as FILE:LINE:COL: path: message. Warnings: rules that can never decide (a condition that "
        "contradicts itself, or earlier rules that always decide first), two rules of one priority that can "
        "both hold with different verdicts (the one written first decides), "
        "party roles and acts no rule tells apart, policy knobs no rule reads, a "
        "scenario's times implausibly far from its ruleset's window (a year written 0022 for 2022), names, "
        "acts and places a scenario (or, with --rules, a table) tells that its ruleset cannot resolve. "
        "A file is a ruleset if it has a top-level `rules` or `extends`, a scenario if it has `incidents`. "
        "Exit 0 when clean (warnings allowed unless --strict), 1 on warnings under --strict, 2 on errors.",
        epilog=examples(
            "ceasefire check rules/syria-2016-09.yaml",
            "ceasefire check rules/ scenarios/ --strict",
            "ceasefire check scenarios/deir-ezzor-2016-09-17.yaml --format json",
            "ceasefire check events.csv --rules syria-2016-09",
            "ceasefire check acled-export.csv --from acled --rules syria-2016-09   # bad rows are warnings",
        ),
    )
    p.add_argument(
        "paths",
        metavar="RULESET|SCENARIO",
        type=Path,
        nargs="+",
        help="ruleset or scenario files, or folders of them (*.yaml, searched recursively)",
    )
    p.add_argument(
        "--rules",
        "-r",
        metavar="RULESET",
        help="check incident tables against this ruleset too: names, acts, places and times it cannot read",
    )
    add_source(p, strict=False)
    p.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings as findings (an export's bad rows among them): exit 1 when there are any",
    )
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(handler=check)


def check(args: argparse.Namespace) -> int:
    import json

    from engine.analysis.check import check_paths, counts, report_json, summary, unique

    results = check_paths(args.paths, args.rules, args.source)
    if args.format == "json":
        json.dump(report_json(results), sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        # Findings go where every command's errors go, so a bad file gives the same line under `run`.
        for problem in unique(results):
            print(f"{problem.severity}: {problem}", file=sys.stderr)
        print(summary(results))
    n = counts(results)
    if n["errors"]:
        return EXIT_INPUT
    return EXIT_FINDINGS if n["warnings"] and args.strict else EXIT_OK

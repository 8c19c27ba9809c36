"""`ceasefire names`: every spelling of a person in a scenario or table, and what its ruleset reads it as."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli.main import EXIT_OK, INPUT_HELP, SET_HELP, add_output, examples, warn, warn_skipped
from engine.cli.outputs import check_output, output, refuse_inputs


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "names",
        help="list every spelling of a person in a scenario or table, and what the ruleset reads it as",
        description="List every distinct spelling of a person in a scenario or incident table: the actor,\n"
        "target and intended target of each incident and account, and each actor associated with either\n"
        "side (assoc_actor, assoc_target). For each: where it is told, in how many rows (an incident's own\n"
        "record, and each of its accounts), how many of those lie inside the truce's scope and window, and\n"
        "what it resolved to: a party and its role, a name class, or `unresolved`, with why (no spelling\n"
        "or pattern matches; the patterns of two parties match; or it matches only a pattern valid between\n"
        "days the time told is not within). A spelling read differently at different times is listed once\n"
        "for each reading. Unresolved spellings come first, then the most told; exit 0 whatever they are.\n"
        "Names match whatever their case, spacing and punctuation: the counts by party of `run`, `timeline`,\n"
        "`sweep` and `credence` count the spellings of an unresolved actor that match alike as one name,\n"
        "the spelling most incidents record; `counted_as` (in the table, `counted as`) gives it.",
        epilog=examples(
            "ceasefire names scenarios/syria-week-2016-09.yaml",
            "ceasefire names acled-syria.csv --rules syria-2016-09",
            "ceasefire names ucdp-ged.parquet --rules syria-2016-02 --format csv -o names.csv",
            "ceasefire names incidents.jsonl -r syria-2016-09 -f json | jq '.spellings[] | select(.party == null)'",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="FILE",
        type=Path,
        help=INPUT_HELP,
    )
    p.add_argument(
        "--rules",
        "-r",
        metavar="RULESET",
        help="ruleset id or path (required for tables; overrides a scenario's)",
    )
    p.add_argument("--set", "-s", metavar="PATH=VALUE", action="append", default=[], dest="sets", help=SET_HELP)
    add_output(p, ("table", "csv", "json"))
    p.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=names)


def names(args: argparse.Namespace) -> int:
    from engine.analysis.names import list_names
    from engine.incidents.load import load_input
    from engine.report.render import console_for, write_names_csv, write_names_json, write_names_table

    check_output(args.output, [args.scenario])
    loaded = load_input(args.scenario, args.rules, args.sets)
    refuse_inputs(args.output, loaded.compiled.files)  # known once loaded: the ruleset and what it extends
    warn(loaded.warnings)
    listed = list_names(loaded)
    warn_skipped(loaded)  # an export's bad rows, known once it has been read
    with output(args.output) as out:
        if args.format == "json":
            write_names_json(listed, out)
        elif args.format == "csv":
            write_names_csv(listed, out)
        else:
            write_names_table(listed, console_for(out, args.width))
    return EXIT_OK

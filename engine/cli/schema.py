"""`ceasefire schema`: print the JSON Schema of rulesets or scenarios, or rewrite the committed copies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.main import EXIT_OK, examples
from engine.cli.outputs import check_output, output, refused

WRITE = "--write"

# engine.schemas.KINDS, repeated here because engine.schemas loads the models (tests/test_packaging.py
# checks the two agree).
KINDS = ("ruleset", "scenario")


def path_of(kind: str) -> Path:
    """Where the committed copy of a schema lives: engine.schemas.path_of, imported only when used."""
    from engine.schemas import path_of as committed

    return committed(kind)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of a ruleset or a scenario file",
        description="Print the JSON Schema that ruleset or scenario files follow, generated from the models "
        "that validate them. Editors use it through the comment each shipped file starts with: "
        "`# yaml-language-server: $schema=../engine/schemas/ruleset.schema.json`. The schema checks the "
        "shape of a file; `ceasefire check` also checks its meaning (names that exist, windows, ids).",
        epilog=examples(
            "ceasefire schema ruleset",
            "ceasefire schema scenario > scenario.schema.json",
            "ceasefire schema ruleset --write   # refresh engine/schemas/ruleset.schema.json after a model change",
        ),
    )
    p.add_argument("kind", metavar="KIND", choices=KINDS, help="ruleset or scenario")
    p.add_argument(
        "--write", action="store_true", help="write it to engine/schemas/KIND.schema.json instead of printing it"
    )
    p.set_defaults(handler=schema)


def schema(args: argparse.Namespace) -> int:
    from engine.schemas import schema_text

    if args.write:
        path = path_of(args.kind)
        if not (path.parents[2] / "pyproject.toml").is_file():  # an installed package, not a source checkout
            raise refused(
                WRITE,
                f"refreshes a source checkout's engine/schemas/; this one is the installed package's ({path.parent}): "
                f"run it in a clone installed with `pip install -e .`, or print the schema: ceasefire schema "
                f"{args.kind} > FILE",
            )
        check_output(path, option=WRITE)
        with output(path, WRITE) as out:
            out.write(schema_text(args.kind))
        print(f"wrote {path}")
    else:
        sys.stdout.write(schema_text(args.kind))
    return EXIT_OK

"""`ceasefire whatif`: evaluate a scenario under its ruleset and under variants, and report what changes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.main import EXIT_OK, INPUT_HELP, add_evaluation, add_output, add_source, add_workers, examples
from engine.cli.outputs import check_output, output, refuse_inputs

if TYPE_CHECKING:
    from collections.abc import Sequence
    from concurrent.futures import Executor

    from engine.analysis.whatif import WhatIf
    from engine.errors import Problem
    from engine.ruleset.compile import Compiled

VARIANT = "--variant"


WHATIF_SET = (
    "change a ruleset value, e.g. policy.mistaken_target=violation (repeatable); alone it makes one "
    "variant of the base, with --variant it changes every variant"
)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "whatif",
        help="compare a scenario's verdicts under its ruleset and under variants of it",
        description="Evaluate a scenario under its base ruleset and under each variant, and report only what\n"
        "changes: each incident whose verdict, deciding rule, phase or flags differ, or whose accounts'\n"
        "verdicts, rules or phases differ (base → variant, with the deciding rule on both sides, the phase and\n"
        "flags that change, and every account beneath), how many of them change their verdicts, then the\n"
        "verdict counts per ruleset.\n\n"
        "--set alone makes one variant: the base ruleset with the changes. --set with --variant applies the\n"
        "changes to every variant (never to the base): `--variant A --variant B --set X=1` compares A+X and\n"
        "B+X with the base.",
        epilog=examples(
            "ceasefire whatif scenarios/deir-ezzor-2016-09-17.yaml --variant rules/variants/strict-liability.yaml",
            "ceasefire whatif scenarios/deir-ezzor-2016-09-17.yaml --set policy.mistaken_target=violation",
            "ceasefire whatif scenarios/deir-ezzor-2016-09-17.yaml --set policy.mistaken_target=violation "
            "-f html -o whatif.html",
            "ceasefire whatif scenarios/syria-week-2016-09.yaml --variant rules/variants/jfs-covered.yaml "
            "--variant rules/variants/sponsors-not-bound.yaml -f json",
            "ceasefire whatif incidents.jsonl --rules syria-2016-09 --set policy.sponsors_bound=false",
            "ceasefire whatif acled-export.csv --from acled --rules syria-2016-09 "
            "--variant rules/variants/strict-liability.yaml",
            "ceasefire whatif events.parquet --rules syria-2016-09 --variant rules/variants/strict-liability.yaml "
            "--variant rules/variants/jfs-covered.yaml --scheduler tcp://10.0.0.5:8786",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="INPUT",
        type=Path,
        help=INPUT_HELP,
    )
    p.add_argument(
        "--variant",
        "-V",
        metavar="FILE",
        action="append",
        default=[],
        dest="variants",
        help="a variant ruleset (a file with `extends:`, or any ruleset id or path); repeatable",
    )
    add_evaluation(p, sets=WHATIF_SET, base="base ")
    add_source(p)
    add_output(p, ("table", "json", "html"))
    add_workers(p, "the variants", jobs=1)
    p.set_defaults(handler=whatif, usage_error=p.error)


def load_variants(files: list[str], sets: list[str]) -> list[tuple[str | None, Compiled]]:
    """Every variant, checked and compiled before anything is evaluated; ids must tell them apart."""
    from engine.errors import InputError
    from engine.ruleset.load import load_ruleset

    loaded: list[tuple[str | None, Compiled]] = []
    for file in files:
        try:
            compiled = load_ruleset(file, sets=sets)
        except InputError as exc:  # a change that fits one variant may not fit another: say which
            raise InputError(_under(file, p) for p in exc.problems) from None
        for other, seen in loaded:
            if seen.id == compiled.id:
                raise InputError.at(
                    file,
                    f"ruleset id `{compiled.id}` is also the id of `{other}`; give each variant its own id",
                    path=VARIANT,
                )
        loaded.append((file, compiled))
    return loaded


def _under(file: str, problem: Problem) -> Problem:
    """A problem with a --set value, said under the variant (`file`, as given) it was applied to; any other as it
    is."""
    from dataclasses import replace

    from engine.ruleset.variants import SET

    return replace(problem, file=f"{VARIANT} `{file}`: {SET}") if problem.file == SET else problem


def warn_unchanged(base: Compiled, variants: Sequence[tuple[str | None, Compiled]]) -> None:
    """A line on stderr for each variant whose terms are the base's (all but its id and title): it changes nothing,
    which is more likely a wrong file than a finding."""
    from engine.cli.main import warn
    from engine.errors import Problem

    terms = base.ruleset.model_dump(exclude=TITLES)
    for file, compiled in variants:
        if file is None or compiled.ruleset.model_dump(exclude=TITLES) != terms:
            continue
        same = Path(compiled.source).resolve() == Path(base.source).resolve()
        what = f"the base ruleset itself (`{base.id}`)" if same else f"its terms are the base ruleset's (`{base.id}`)"
        warn([Problem(f"{VARIANT} `{file}`", f"{what}; it changes nothing")])


TITLES = {"id", "title"}  # what names a ruleset; the rest are its terms


def whatif(args: argparse.Namespace) -> int:
    from engine.analysis.dispatch import executor_for
    from engine.report.render import console_for, write_whatif_json, write_whatif_table

    if not args.variants and not args.sets:
        args.usage_error("nothing to compare: give --variant FILE or --set PATH=VALUE")
    check_output(args.output, [args.scenario, *args.variants])
    with executor_for(args.scheduler) as executor:  # a cluster that cannot be reached is refused before any work
        result = _compared(args, executor)
    if args.format == "html":  # the page is made whole before anything is written
        from engine.report.html import whatif_html

        page = whatif_html(result, str(args.scenario))
        with output(args.output) as out:
            out.write(page)
        return EXIT_OK
    with output(args.output) as out:
        if args.format == "json":
            write_whatif_json(result, out)
        else:
            write_whatif_table(result, console_for(out, args.width))
    return EXIT_OK


def _compared(args: argparse.Namespace, executor: Executor | None) -> WhatIf:
    """The base report, and each variant run on its incidents and compared with it."""
    from engine.analysis.whatif import WhatIf, outcomes
    from engine.cli.run import load_report
    from engine.incidents.load import refuse_unreadable_under
    from engine.ruleset.load import read_ruleset

    variants = load_variants(args.variants, args.sets)
    base = load_report(args.scenario, args.rules, args.engine, source=args.source, strict=args.strict)
    # known once loaded: the rulesets and what they extend
    refuse_inputs(args.output, [f for c in (base.compiled, *(v for _, v in variants)) for f in c.files])
    # a variant that cannot read the input's times is refused, as --rules would be
    refuse_unreadable_under([compiled for _, compiled in variants], args.scenario, base.incidents)
    warn_unchanged(base.compiled, variants)
    if not variants:
        # --set alone: one variant, the base's own ruleset file read again with the changes
        variants = [(None, read_ruleset(Path(base.compiled.source), base.compiled.source, args.sets).compiled)]
    return WhatIf(base, outcomes(base, variants, args.sets, args.jobs, executor))

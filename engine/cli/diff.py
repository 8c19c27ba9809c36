"""`ceasefire diff`: every kind of incident whose verdict differs between two rulesets, with no incident data."""

from __future__ import annotations

import argparse

from engine.cli.main import EXIT_FINDINGS, EXIT_OK, add_engine, add_output, examples
from engine.cli.outputs import check_output, output, refuse_inputs


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "diff",
        help="list every kind of incident whose verdict differs between two rulesets",
        description="Compare two rulesets without any incident data.\n\n"
        "The incidents they can tell apart are cut into classes at the constants their rules mention: the\n"
        "parties and their roles under each ruleset, acts, intended against actual target, inside or outside\n"
        "each window and scope, regions, casualty thresholds, policy knobs. One example of each class is\n"
        "evaluated under both. Each class whose verdict differs is printed with an example incident to paste\n"
        "into a scenario, and both verdicts with the rules that decided them. Incidents are compared as one\n"
        "account each (accounts that agree under both rulesets also agree when combined), answering no other,\n"
        "in a phase given with them (a class that turns on the phase says where its example falls judged alone).\n"
        "What turns on other incidents is not compared, and is named where the two set it differently: the\n"
        "self-defence terms, when phases begin, escalation. The two are equivalent when no class differs and\n"
        "nothing left uncompared could tell them apart.",
        epilog=examples(
            "ceasefire diff syria-2016-09 rules/variants/strict-liability.yaml",
            "ceasefire diff syria-2016-02 syria-2016-09 --format json",
            "ceasefire diff syria-2016-09 rules/variants/jfs-covered.yaml --exit-code  # 1 when they differ",
        )
        + "\n\nexit status: 0 whether or not they differ, unless --exit-code; 2 on bad input.",
    )
    p.add_argument("ruleset_a", metavar="RULESET_A", help="ruleset id or path: the one compared from")
    p.add_argument("ruleset_b", metavar="RULESET_B", help="ruleset id or path: the one compared with")
    add_engine(p, said="durable where installed, else columnar")
    add_output(p, ("table", "json"))
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 unless the two are equivalent (some verdict differs, or terms not compared do), 0 when they are "
        "(as `git diff --exit-code`)",
    )
    p.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from engine.analysis.diff import diff_rulesets
    from engine.report.render import console_for, write_diff_json, write_diff_table
    from engine.ruleset.load import load_ruleset

    check_output(args.output)
    a, b = load_ruleset(args.ruleset_a), load_ruleset(args.ruleset_b)
    refuse_inputs(args.output, (*a.files, *b.files))  # known once loaded: the rulesets and what they extend
    diff = diff_rulesets(a, b, args.engine)
    with output(args.output) as out:
        if args.format == "json":
            write_diff_json(diff, out)
        else:
            write_diff_table(diff, console_for(out, args.width))
    return EXIT_FINDINGS if args.exit_code and not diff.equivalent else EXIT_OK

"""`ceasefire explain`: why one incident got its verdict, step by step."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from engine.cli.main import EXIT_OK, INPUT_HELP, add_evaluation, add_output, add_source, examples, warn, warn_skipped
from engine.cli.outputs import check_output, output, refuse_inputs

if TYPE_CHECKING:
    import polars as pl

    from engine.incidents.model import Incident
    from engine.ruleset.compile import Compiled


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "explain",
        help="show why one incident got its verdict",
        description="Show, for one incident: its facts; how each name resolved (spelling → party → role); "
        "for each account, every rule in deciding order with whether its condition held, the deciding "
        "rule, its clause and the verdict; then how the accounts combined.",
        epilog=examples(
            "ceasefire explain scenarios/deir-ezzor-2016-09-17.yaml dez-airstrike",
            "ceasefire explain scenarios/deir-ezzor-2016-09-17.yaml dez-airstrike -s policy.mistaken_target=violation",
            "ceasefire explain scenarios/syria-week-2016-09.yaml urum-al-kubra-convoy --format json",
            "ceasefire explain incidents.jsonl ev-17 --rules syria-2016-09",
            "ceasefire explain acled-export.csv SYR78126 --rules syria-2016-09",
            "ceasefire explain GEDEvent_v23_1.csv 318416 --from ucdp --rules syria-2016-09",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="INPUT",
        type=Path,
        help=INPUT_HELP,
    )
    p.add_argument("incident", metavar="INCIDENT_ID", help="the id of the incident to explain")
    add_evaluation(p)
    add_source(p)
    add_output(p, ("tree", "json"))
    p.set_defaults(handler=explain)


def _load(
    path: Path, rules: str | None, wanted: str, sets: Sequence[str], source: str | None = None, strict: bool = False
) -> tuple[Compiled, Incident, str, bool, pl.DataFrame]:
    """The ruleset, the incident asked for, the scenario's name, whether it came from a table, and the whole input
    (an incident frame: what the incident's phase and escalation flags depend on)."""
    from dataclasses import replace

    import polars as pl

    from engine.analysis.explain import find_incident
    from engine.errors import InputError
    from engine.incidents.frame import frame_of, incidents_of
    from engine.incidents.load import load_input

    loaded = load_input(path, rules, sets, source, strict)
    warn(loaded.warnings)
    if loaded.scenario is not None:
        pos = loaded.document.where(("incidents",)) if loaded.document is not None else None
        return (
            loaded.compiled,
            find_incident(loaded.scenario.incidents, wanted, str(path), pos[0] if pos else None),
            loaded.name,
            False,
            frame_of(loaded.scenario.incidents),
        )
    # A table: only the row asked for becomes an incident model (a table may hold millions).
    found = loaded.frame.filter(pl.col("id") == wanted)
    warn_skipped(loaded)
    if found.is_empty():
        skipped = loaded.events.skipped(wanted) if loaded.events is not None else None
        if skipped is not None:  # not a misspelt id: its row is there, and was skipped
            said = f"incident `{wanted}` is a row skipped as bad: {skipped.message}"
            raise InputError([replace(skipped, message=said)])
        ids = loaded.frame.get_column("id")
        find_incident(incidents_of(loaded.frame) if ids.len() <= 10_000 else [], wanted, str(path))
    return loaded.compiled, incidents_of(found)[0], loaded.name, True, loaded.frame


def explain(args: argparse.Namespace) -> int:
    import json

    from engine.analysis.explain import explain_incident
    from engine.report.render import console_for, explanation_json, write_explanation

    check_output(args.output, [args.scenario])
    from engine.evaluation.pipeline import Evaluator, default_engine

    compiled, incident, name, table, whole = _load(
        args.scenario, args.rules, args.incident, args.sets, args.source, args.strict
    )
    refuse_inputs(args.output, compiled.files)  # known once loaded: the ruleset and what it extends
    context = None
    if compiled.over_time:  # its phase and escalation flags depend on the other incidents: as `run` judges them
        with Evaluator(compiled, "columnar") as evaluator:
            context = evaluator.context(lambda: [whole])
    answered = None  # judged with it: a response is weighed against what it answers, as `run` weighs it
    if incident.in_response_to is not None:
        import polars as pl

        from engine.incidents.frame import incidents_of

        answered = incidents_of(whole.filter(pl.col("id") == incident.in_response_to))[0]
    engine = args.engine or default_engine(table=table)
    explanation = explain_incident(compiled, incident, name, engine, context, answered)
    with output(args.output) as out:
        if args.format == "json":
            out.write(json.dumps(explanation_json(explanation), ensure_ascii=False, indent=1) + "\n")
        else:
            write_explanation(explanation, console_for(out, args.width))
    return EXIT_OK

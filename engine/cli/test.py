"""`ceasefire test`: run scenarios and check each incident's verdict against its `expect`."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from engine.cli.main import EXIT_FINDINGS, EXIT_OK, add_engine, examples, warn

if TYPE_CHECKING:
    from engine.analysis.coverage import Coverage
    from engine.analysis.expect import Result


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "test",
        help="check the expected verdicts written in scenarios",
        description="Evaluate every scenario under the paths and check each incident that has an `expect` "
        "(a verdict, or {verdict, rule, accounts: {source: verdict}}). Prints each failure, then "
        "`N passed, N failed`. With --coverage, also each ruleset's coverage: the rules that decided an incident, "
        "those that only matched and those that never did, the clauses no deciding rule cited and the verdicts "
        "never given. Exit 0 when all pass, 1 when any fails (or a ruleset's rule coverage is under "
        "--fail-under), 2 on bad input.",
        epilog=examples(
            "ceasefire test",
            "ceasefire test scenarios/deir-ezzor-2016-09-17.yaml",
            "ceasefire test scenarios/ my-scenarios/ --engine columnar",
            "ceasefire test --format json",
            "ceasefire test --coverage",
            "ceasefire test --coverage --fail-under 80 --format json",
        ),
    )
    p.add_argument(
        "paths",
        metavar="PATH",
        type=Path,
        nargs="*",
        help="scenario files or folders of them (*.yaml, searched recursively, rulesets passed over; default: the "
        "project's scenarios/, found from any folder in it)",
    )
    add_engine(p)
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument(
        "--coverage",
        action="store_true",
        help="also report, per ruleset, the rules, clauses and verdicts the scenarios exercise",
    )
    p.add_argument(
        "--fail-under",
        metavar="PERCENT",
        type=_percent,
        default=None,
        help="exit 1 when a ruleset's rule coverage (rules that decided, per hundred rules) is under PERCENT "
        "(0 to 100); implies --coverage",
    )
    p.set_defaults(handler=test)


def _percent(text: str) -> float:
    """A --fail-under value: a number from 0 to 100 (ArgumentTypeError otherwise: a usage error)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 100:  # NaN fails too
        raise argparse.ArgumentTypeError(f"`{text}` is not a percentage; expected a number from 0 to 100")
    return value


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """Every scenario file the paths name, sorted, each once; InputError for a path that names none.

    A folder's rulesets are passed over: a folder of rulesets and the scenarios that name them is a project's
    layout. A ruleset named as a file is refused, when it is loaded, as not a scenario.
    """
    from engine.errors import InputError, Problem
    from engine.ruleset.load import YAML, yaml_files

    found: dict[Path, Path] = {}
    problems = []
    for path in paths:
        if path.is_dir():
            yamls = yaml_files(path)
            files = [p for p in yamls if not _ruleset_file(p)]
            if not files:
                only = ": only rulesets, which scenarios name" if yamls else ""
                problems.append(Problem(str(path), f"no scenario files (*.yaml) in this folder{only}"))
        elif path.is_file():
            if path.suffix.lower() not in YAML:
                message = "`test` checks the expectations of scenario files (.yaml); this is not one"
                problems.append(Problem(str(path), message))
                continue
            files = [path]
        else:
            problems.append(Problem(str(path), "no such file or folder"))
            continue
        for file in files:
            found.setdefault(file.resolve(), file)
    if problems:
        raise InputError(problems)
    return sorted(found.values())


def _ruleset_file(path: Path) -> bool:
    """Whether a YAML file is a ruleset; False for one that cannot be read (loading it as a scenario says why)."""
    from engine.errors import InputError
    from engine.incidents.load import is_ruleset
    from engine.yamlsafe import load_yaml

    try:
        return is_ruleset(load_yaml(path))
    except InputError:
        return False


def project_scenarios() -> Path:
    """`scenarios/` of the project the working folder is in (see `project_root`), as a path from here;
    `scenarios` outside any project."""
    import os

    from engine.ruleset.load import project_root

    root = project_root(Path.cwd())
    return Path("scenarios") if root is None else Path(os.path.relpath(root / "scenarios"))


def test(args: argparse.Namespace) -> int:
    from engine.analysis.coverage import Judged, coverage
    from engine.analysis.expect import check_judged, judge, load_checked
    from engine.errors import InputError
    from engine.evaluation.pipeline import default_engine
    from engine.incidents.load import found_in

    files = scenario_files(args.paths or [project_scenarios()])
    loaded, problems = [], []
    # every file is read before any is evaluated, so that bad input is reported whole and alone
    for file in files:
        try:
            loaded.append(load_checked(file))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    warn(w for scenario in loaded for w in found_in(scenario))  # as `run` says them
    results: list[Result] = []
    runs = []
    for scenario in loaded:
        verdicts = judge(scenario, args.engine)
        results += check_judged(scenario, verdicts)
        runs.append(Judged(scenario.document.file, scenario.compiled, verdicts))
    fail_under = args.fail_under
    found = coverage(runs) if args.coverage or fail_under is not None else None
    if args.format == "json":
        write_json(results, args.engine or default_engine(), sys.stdout, found, fail_under)
    else:
        write_text(results, sys.stdout, found, fail_under)
    covered = found is None or fail_under is None or not any(c.below(fail_under) for c in found)
    return EXIT_OK if all(r.passed for r in results) and covered else EXIT_FINDINGS


def summary(results: Sequence[Result]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def write_text(
    results: Sequence[Result], out: IO[str], found: Sequence[Coverage] | None = None, fail_under: float | None = None
) -> None:
    """Each failure, the summary line, then (`found`) each ruleset's coverage as a table."""
    for r in results:
        if not r.passed:
            where = f"{r.scenario}:{r.line}" if r.line is not None else r.scenario
            out.write(f"FAIL {where}: {r.incident}\n")
            out.write(f"  expected: {r.expected}\n  got:      {r.got}\n  deciding rule: {r.rule or '(none)'}\n")
    out.write(summary(results) + "\n")
    if found is not None:
        from engine.report.render import console_for, write_coverage_table

        out.write("\n")
        write_coverage_table(found, console_for(out), fail_under)


def write_json(
    results: Sequence[Result],
    engine: str,
    out: IO[str],
    found: Sequence[Coverage] | None = None,
    fail_under: float | None = None,
) -> None:
    """The results and counts as one JSON object; with `found`, also `coverage` (see `render.coverage_json`)."""
    import json
    from dataclasses import asdict

    passed = sum(r.passed for r in results)
    report = {
        "engine": engine,
        "results": [asdict(r) for r in results],
        "passed": passed,
        "failed": len(results) - passed,
    }
    if found is not None:
        from engine.report.render import coverage_json

        report["coverage"] = coverage_json(found, fail_under)
    out.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")

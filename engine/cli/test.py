"""`ceasefire test`: run scenarios and check each incident's verdict against its `expect`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from engine.cli.main import EXIT_FINDINGS, EXIT_OK, add_engine, examples

if TYPE_CHECKING:
    from engine.analysis.expect import Result


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "test",
        help="check the expected verdicts written in scenarios",
        description="Evaluate every scenario under the paths and check each incident that has an `expect` "
        "(a verdict, or {verdict, rule, accounts: {source: verdict}}). Prints each failure, then "
        "`N passed, N failed`. Exit 0 when all pass, 1 when any fails, 2 on bad input.",
        epilog=examples(
            "ceasefire test",
            "ceasefire test scenarios/deir-ezzor-2016-09-17.yaml",
            "ceasefire test scenarios/ my-scenarios/ --engine columnar",
            "ceasefire test --format json",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "paths",
        metavar="PATH",
        type=Path,
        nargs="*",
        help="scenario files or folders of them (*.yaml, searched recursively; default: the project's scenarios/, "
        "found from any folder in it)",
    )
    add_engine(p)
    p.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format (default: text)")
    p.set_defaults(handler=test)


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    """Every scenario file the paths name, sorted, each once; InputError for a path that names none."""
    from engine.errors import InputError, Problem
    from engine.ruleset.load import YAML

    found: dict[Path, Path] = {}
    problems = []
    for path in paths:
        if path.is_dir():
            files = [p for p in path.rglob("*") if p.suffix.lower() in YAML and p.is_file()]
            if not files:
                problems.append(Problem(str(path), "no scenario files (*.yaml) in this folder"))
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


def project_scenarios() -> Path:
    """`scenarios/` of the project the working folder is in (see `project_root`), as a path from here;
    `scenarios` outside any project."""
    import os

    from engine.ruleset.load import project_root

    root = project_root(Path.cwd())
    return Path("scenarios") if root is None else Path(os.path.relpath(root / "scenarios"))


def test(args: argparse.Namespace) -> int:
    from engine.analysis.expect import check_loaded, load_checked
    from engine.errors import InputError
    from engine.evaluation.pipeline import default_engine

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
    results = [result for scenario in loaded for result in check_loaded(scenario, args.engine)]
    if args.format == "json":
        write_json(results, args.engine or default_engine(), sys.stdout)
    else:
        write_text(results, sys.stdout)
    return EXIT_OK if all(r.passed for r in results) else EXIT_FINDINGS


def summary(results: Sequence[Result]) -> str:
    passed = sum(r.passed for r in results)
    return f"{passed} passed, {len(results) - passed} failed"


def write_text(results: Sequence[Result], out: IO[str]) -> None:
    for r in results:
        if not r.passed:
            where = f"{r.scenario}:{r.line}" if r.line is not None else r.scenario
            out.write(f"FAIL {where}: {r.incident}\n")
            out.write(f"  expected: {r.expected}\n  got:      {r.got}\n  deciding rule: {r.rule or '(none)'}\n")
    out.write(summary(results) + "\n")


def write_json(results: Sequence[Result], engine: str, out: IO[str]) -> None:
    import json
    from dataclasses import asdict

    passed = sum(r.passed for r in results)
    report = {
        "engine": engine,
        "results": [asdict(r) for r in results],
        "passed": passed,
        "failed": len(results) - passed,
    }
    out.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")

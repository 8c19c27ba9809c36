"""Shared test fixtures: paths, engines, running the command line in-process, and golden files."""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from engine import Compiled, compile_ruleset, load_ruleset
from engine.evaluation.durable import AVAILABLE
from engine.ruleset.model import Rule

# Property tests assert behaviour, not speed: hypothesis's 200 ms per example failed one on a busy machine.
settings.register_profile("ceasefire", deadline=None)
settings.load_profile("ceasefire")

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

# durable_rules needs a C compiler to install: without it, its tests skip on a user's machine (not in CI, below).
durable_only = pytest.mark.skipif(not AVAILABLE, reason="durable_rules absent")
ENGINES = ["columnar", pytest.param("durable", marks=durable_only)]


def chromium() -> str | None:
    """Debian's Chromium, which the HTML reports' browser tests drive through Playwright (None: not installed,
    or Playwright absent). Playwright's own browser download is never used."""
    from importlib.util import find_spec

    if find_spec("playwright") is None:
        return None
    return next((p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.access(p, os.X_OK)), None)


@functools.cache
def ruleset(name: str) -> Compiled:
    """A shipped ruleset, compiled once per test session."""
    return load_ruleset(name)


def with_rules(compiled: Compiled, *rules: dict[str, Any]) -> Compiled:
    """The ruleset with these rules added."""
    extra = [Rule.model_validate(rule) for rule in rules]
    changed, problems = compile_ruleset(
        compiled.ruleset.model_copy(update={"rules": [*compiled.ruleset.rules, *extra]}), compiled.source
    )
    assert problems == []
    return changed


Cli = Callable[..., tuple[int, str, str]]
"""The `cli` fixture: cli(*argv) runs `ceasefire ARGV...` in-process and gives (exit code, stdout, stderr)."""


# Names a third party's export could hold that a spreadsheet would run as formulas, and one that is a number.
FORMULAS = """scenario: formulas
title: Cells a spreadsheet would read as formulas
ruleset: syria-2016-09
incidents:
  - id: "@one"
    time: 2016-09-13T10:00:00+03:00
    actor: '=HYPERLINK("http://evil","x")'
    act: airstrike
    target: "-3.5"
    location: {region: Raqqa}
  - id: "-two"
    time: 2016-09-13T11:00:00+03:00
    act: airstrike
    target: Islamic State
    location: {region: Raqqa}
    accounts:
      - {source: SANA, actor: "+cmd"}
      - {source: CENTCOM, actor: Syrian Air Force}
"""


def formulas(folder: Path) -> str:
    """`FORMULAS` written to a scenario file in `folder`; its path."""
    path = folder / "formulas.yaml"
    path.write_text(FORMULAS, encoding="utf-8")
    return str(path)


# An actor no shipped ruleset resolves, spelled as names match alike (case, spacing, punctuation) but in five ways,
# the one told most twice; and a party that resolves.
ALIKE = ("HEZBOLLAH", "Hezbollah", " hezbollah ", "Hez-bollah", "Hezbollah", "FSA")
ONE_NAME = "Hezbollah (unresolved)"


def alike(folder: Path, actors: tuple[str, ...] = ALIKE) -> Path:
    """A CSV table of a shelling of the government's forces by each of `actors`, on two days of September 2016, in
    Idlib (inside the truce of `syria-2016-09` and `syria-2016-02`); its path."""
    path = folder / "alike.csv"
    rows = "".join(
        f"u{i},2016-09-{14 + i % 2}T10:00:00+03:00,{actor},shelling,SAA,Idlib\n" for i, actor in enumerate(actors)
    )
    path.write_text("id,time,actor,act,target,admin1\n" + rows, encoding="utf-8")
    return path


def spreadsheet_cells(text: str) -> list[list[str]]:
    """A CSV report's rows, asserting that no cell would be read as a formula: any that starts with `=`, `+`, `-`,
    `@`, a tab or a carriage return is a number (`-3.5`)."""
    rows = list(csv.reader(io.StringIO(text)))
    risky = [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert all(re.fullmatch(r"[+-]?[0-9.]+(e[+-]?[0-9]+)?", c) for c in risky), risky
    return rows


def engine_blanked(text: str) -> str:
    """A JSON report as written, but with the engine named in its header replaced by `<engine>`.

    The header is the report itself or the one object in it that has "engine"; only that value may change.
    """
    report = json.loads(text)
    headers = [report] if "engine" in report else [v for v in report.values() if isinstance(v, dict) and "engine" in v]
    assert len(headers) == 1, f"no single header names the engine among {sorted(report)}"
    name = headers[0]["engine"]
    assert isinstance(name, str) and name, headers[0]
    blanked, count = re.subn(r'("engine"\s*:\s*)' + re.escape(json.dumps(name)), r'\g<1>"<engine>"', text)
    assert count == 1, f"the engine's name {name!r} is written {count} times"
    headers[0]["engine"] = "<engine>"
    assert json.loads(blanked) == report  # that value and nothing else
    return blanked


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from current output")


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI (CI set) durable_rules must be there: its absence fails the run instead of skipping its tests."""
    if os.environ.get("CI") and not AVAILABLE:
        raise pytest.UsageError(
            "CI is set but durable_rules cannot be imported: its tests would be skipped; install it "
            "(pip install '.[test]' on Python < 3.13, with a C compiler) or unset CI"
        )
    if os.environ.get("CI") and chromium() is None:
        raise pytest.UsageError(
            "CI is set but Chromium or Playwright is missing: the HTML reports' browser tests would be skipped; "
            "install them (apt-get install chromium; pip install '.[test]') or unset CI"
        )


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reports not on a terminal are laid out COLUMNS wide where it is set, and pytest-xdist's workers set it
    (to 80): without it, a test's report has the width the test gives (`--width`) or the piped default."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run the command line in-process: cli("run", PATH, ...) -> (exit code, stdout, stderr).

    An exception that escapes `main` is not caught here: it fails the test that ran it.
    """
    from engine.cli.main import main  # here, not at collection: a broken CLI fails only the tests that use it

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME (or rewrite it under --update-golden)."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if request.config.getoption("--update-golden"):
            # Atomically: under xdist, two tests (one per engine) may rewrite the same file at once.
            temporary = path.with_name(f".{name}.{os.getpid()}")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)
        assert path.exists(), f"no golden file {path}; run pytest --update-golden"
        assert text == path.read_text(encoding="utf-8")

    return check

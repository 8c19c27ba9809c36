"""Hostile and broken input: every file under tests/fixtures/invalid/ gives its one line and exit 2, under
`check` and `run` alike, with no traceback and nothing written.

Each case NAME.yaml has its expected line of standard error in NAME.expected. `ruleset-*` cases are
run as the ruleset of a good scenario (`run SCENARIO --rules CASE`); the others as the scenario itself. A line
starts with the case's file; a variant's mistake made in its base, with the base's, and names the case at its end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.cli.main import main
from engine.yamlsafe import MAX_BYTES
from tests.conftest import ROOT

INVALID = ROOT / "tests" / "fixtures" / "invalid"
CASES = sorted(INVALID.glob("*.yaml"))
GOOD_SCENARIO = "scenarios/deir-ezzor-2016-09-17.yaml"
# Cases that would hang rather than fail if their guard broke: run in a subprocess with a timeout.
HANG_PRONE = {"alias-bomb.yaml", "deep-nesting.yaml"}
TIMEOUT = 120


def argv(command: str, case: str, output: Path) -> list[str]:
    if command == "check":
        return ["check", case]
    if Path(case).name.startswith("ruleset-"):
        return ["run", GOOD_SCENARIO, "--rules", case, "--output", str(output)]
    return ["run", case, "--output", str(output)]


def expected(case: Path) -> str:
    return case.with_suffix(".expected").read_text(encoding="utf-8").rstrip("\n")


def test_every_case_has_exactly_one_expected_line() -> None:
    assert len(CASES) >= 30
    expectations = sorted(INVALID.glob("*.expected"))
    assert [p.stem for p in expectations] == [p.stem for p in CASES]
    for path in expectations:
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1, path.name
        case = f"tests/fixtures/invalid/{path.stem}.yaml"
        in_base = lines[0].endswith(f" (in the base that `{case}` extends)")
        assert lines[0].startswith(f"error: {case}") or in_base, path.name


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("case", [c for c in CASES if c.name not in HANG_PRONE], ids=lambda c: c.stem)
def test_bad_input_gives_its_line_and_exit_2(
    case: Path, command: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)  # the expected lines name the files as given, relative to the checkout
    output = tmp_path / "report.json"
    code = main(argv(command, case.relative_to(ROOT).as_posix(), output))
    out, err = capsys.readouterr()
    assert code == 2
    # Its one line and nothing more: no traceback, no second line (an exception escaping main fails the test).
    assert err.splitlines() == [expected(case)]
    assert list(tmp_path.iterdir()) == []
    if command == "run":
        assert out == ""


def run_cli(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("name", sorted(HANG_PRONE))
def test_hang_prone_input_is_refused_in_a_subprocess(name: str, command: str, tmp_path: Path) -> None:
    case = INVALID / name
    output = tmp_path / "report.json"
    done = run_cli(argv(command, case.relative_to(ROOT).as_posix(), output))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == expected(case)
    assert "Traceback" not in done.stderr
    assert not output.exists()


@pytest.mark.parametrize("command", ["check", "run"])
def test_a_file_of_tens_of_megabytes_is_refused_before_it_is_read(command: str, tmp_path: Path) -> None:
    huge = tmp_path / "huge.yaml"
    row = "  - {id: strike, actor: US-led coalition, act: airstrike, target: Syrian Arab Army}\n"
    huge.write_text("scenario: huge\ntitle: t\nruleset: syria-2016-09\nincidents:\n" + row * 500_000)
    size = huge.stat().st_size
    assert size > 10 * MAX_BYTES
    output = tmp_path / "report.json"
    done = run_cli(argv(command, str(huge), output))
    assert done.returncode == 2
    assert done.stderr.splitlines()[0] == f"error: {huge}: file is {size:,} bytes; the limit is {MAX_BYTES:,}"
    assert "Traceback" not in done.stderr
    assert not output.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="needs POSIX pipes and devices")
@pytest.mark.parametrize("command", ["check", "run"])
def test_a_device_or_a_pipe_is_refused_before_it_is_read(command: str, tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.yaml"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    for path in (Path("/dev/zero"), pipe):  # reading /dev/zero never ends
        done = run_cli(argv(command, str(path), tmp_path / "report.json"))
        assert done.returncode == 2
        assert (
            done.stderr.splitlines()[0]
            == f"error: {path}: not a regular file (a device, pipe or socket); expected a file"
        )
        assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == [pipe]

"""`ceasefire test`: counts, failures named, exit codes 0/1/2, paths and formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.analysis.expect import run_scenario
from engine.cli.main import main
from tests.conftest import ROOT, Cli

SCENARIOS = ROOT / "scenarios"

GOOD = """\
scenario: good
title: t
ruleset: syria-2016-09
incidents:
  - id: isis-attack
    time: 2016-09-17T17:10:00+03:00
    actor: ISIS
    act: ground_attack
    target: SAA
    expect: not_covered
  - id: no-expectation
    actor: FSA
    act: shelling
"""

WRONG = """\
scenario: wrong
title: t
ruleset: syria-2016-09
incidents:
  - id: rebel-shelling
    time: 2016-09-14T10:00:00+03:00
    actor: FSA
    act: shelling
    target: SAA
    location: {admin1: Hama}
    expect: {verdict: permitted, rule: strike-on-excluded}
  - id: coalition-on-isis
    time: 2016-09-14T11:00:00+03:00
    actor: coalition
    act: airstrike
    target: ISIS
    location: {admin1: Ar-Raqqa}
    expect: permitted
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_scenarios_all_pass(cli: Cli) -> None:
    expected = sum(len(run_scenario(p, "columnar")) for p in sorted(SCENARIOS.glob("*.yaml")))
    code, out, err = cli("test", str(SCENARIOS), "--engine", "columnar")
    assert (code, out, err) == (0, f"{expected} passed, 0 failed\n", "")
    assert expected >= 25


def test_the_default_path_is_the_scenarios_folder(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    default = cli("test", "-e", "columnar")
    assert default == cli("test", "scenarios", "-e", "columnar")
    assert default[0] == 0


def test_a_wrong_expectation_fails_with_exit_1_and_is_named(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "wrong.yaml", WRONG)
    code, out, err = cli("test", str(path), "-e", "columnar")
    assert code == 1 and err == ""
    assert out == (
        f"FAIL {path}:11: rebel-shelling\n"
        "  expected: permitted (rule strike-on-excluded)\n"
        "  got:      violation (rule attack-on-covered-party)\n"
        "  deciding rule: attack-on-covered-party\n"
        "1 passed, 1 failed\n"
    )


def test_incidents_without_expect_are_not_counted(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path, "good.yaml", GOOD)
    assert cli("test", str(path), "-e", "columnar") == (0, "1 passed, 0 failed\n", "")


def test_folders_are_searched_recursively_sorted_and_each_file_runs_once(cli: Cli, tmp_path: Path) -> None:
    write(tmp_path, "b/wrong.yaml", WRONG)
    good = write(tmp_path, "a/good.yaml", GOOD)
    write(tmp_path, "a/notes.txt", "not a scenario")
    code, out, _ = cli("test", str(tmp_path), str(good), "-e", "columnar", "-f", "json")
    report = json.loads(out)
    assert code == 1
    assert (report["engine"], report["passed"], report["failed"]) == ("columnar", 2, 1)
    assert [(Path(r["scenario"]).parent.name, r["incident"], r["passed"]) for r in report["results"]] == [
        ("a", "isis-attack", True),
        ("b", "rebel-shelling", False),
        ("b", "coalition-on-isis", True),
    ]
    failed = report["results"][1]
    assert (failed["line"], failed["expected"], failed["got"], failed["rule"]) == (
        11,
        "permitted (rule strike-on-excluded)",
        "violation (rule attack-on-covered-party)",
        "attack-on-covered-party",
    )


def test_a_folders_rulesets_are_passed_over_and_its_scenarios_find_them_beside_them(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of rulesets and the scenarios that name them (`ruleset: ID` looks beside the scenario first) runs
    its scenarios; a ruleset named as a file is still no scenario."""
    rules = (ROOT / "rules" / "syria-2016-09.yaml").read_text(encoding="utf-8")
    write(tmp_path, "r3.yaml", rules.replace("id: syria-2016-09\n", "id: r3\n", 1))
    write(tmp_path, "r3-held.yaml", "extends: r3\nid: r3-held\ntitle: t\n")
    write(tmp_path, "s3.yaml", GOOD.replace("ruleset: syria-2016-09", "ruleset: r3"))
    write(tmp_path, "held/s3.yaml", GOOD.replace("ruleset: syria-2016-09", "ruleset: ../r3-held.yaml"))
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("test", ".", "-e", "columnar")
    assert (code, out, err) == (0, "2 passed, 0 failed\n", "")
    code, out, err = cli("test", "r3.yaml", "-e", "columnar")
    assert (code, out) == (2, "")
    assert err == (
        "error: r3.yaml: this is a ruleset; expected a scenario, which names its ruleset (`ruleset: ID`) or takes one "
        "from `--rules RULESET` where the command has it\n"
    )
    code, out, err = cli("test", "r3-held.yaml", "s3.yaml")
    assert (code, out) == (2, "") and err.startswith("error: r3-held.yaml: this is a ruleset")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no scenario files (*.yaml) in this folder"),
        ({"r.yaml": "extends: syria-2016-09\nid: r\ntitle: t\n"}, "in this folder: only rulesets, which scenarios"),
        ({"bad.yaml": "scenario: x\n"}, "`ruleset` is required"),
        ({"s.yaml": WRONG.replace("strike-on-excluded", "strike-on-exclude")}, "did you mean `strike-on-excluded`?"),
        ({"s.yaml": WRONG.replace("ruleset: syria-2016-09", "ruleset: syria-2016-99")}, "no ruleset `syria-2016-99`"),
    ],
    ids=["empty-folder", "only-rulesets", "schema-error", "unknown-rule", "unknown-ruleset"],
)
def test_bad_input_exits_2_with_one_line_and_no_summary(
    cli: Cli, tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        write(tmp_path, name, text)
    code, out, err = cli("test", str(tmp_path), "-e", "columnar")
    assert (code, out) == (2, "")
    # Each problem one `error:` line and nothing else (no traceback, no summary); an exception escaping main fails.
    assert err and all(line.startswith("error: ") for line in err.splitlines()), err
    assert message in err


def test_bad_input_anywhere_stops_the_whole_run(cli: Cli, tmp_path: Path) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    code, out, err = cli("test", str(good), str(tmp_path / "missing.yaml"), "-e", "columnar")
    assert (code, out, err) == (2, "", f"error: {tmp_path / 'missing.yaml'}: no such file or folder\n")


def test_an_unknown_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["test", "--format", "yaml"])
    assert caught.value.code == 2
    assert "invalid choice: 'yaml'" in capsys.readouterr().err

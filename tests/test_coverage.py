"""`ceasefire test --coverage`: rules decided, only matched, never matched; clauses; verdicts; --fail-under."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.analysis.coverage import Judged, coverage
from engine.analysis.expect import judge, load_checked
from tests.conftest import ENGINES, ROOT, Cli

# Rules in file order; clause `C` is cited by two. By construction (see SCENARIOS): `attack` decides two
# incidents (one by an account), `excluded-actor` and `non-hostile` one each, `any-shelling` holds in three
# and decides none, `time-unknown` never holds: 3 of 5 rules decided, 3 of 4 clauses cited.
RULESET = """\
id: {id}
title: A small truce
agreement: {{name: Test agreement}}
window: {{from: 2016-09-12T19:00:00+03:00, until: 2016-09-19T19:00:00+03:00}}
parties:
  army: {{name: Army, role: covered, side: government}}
  rebels: {{name: Rebels, role: covered, side: opposition}}
  isis: {{name: Islamic State, role: excluded, aliases: [ISIS]}}
acts:
  shelling: {{hostile: true}}
  patrol: {{hostile: false}}
rules:
  - {{id: excluded-actor, clause: A, priority: 10, when: {{actor.role: excluded}}, verdict: not_covered,
     explanation: e}}
  - {{id: non-hostile, clause: B, priority: 20, when: {{act.hostile: false}}, verdict: not_covered, explanation: e}}
  - id: attack
    clause: C
    priority: 30
    when: {{actor.role: covered, act: shelling, target.role: covered}}
    verdict: violation
    explanation: e
  - {{id: time-unknown, clause: D, priority: 25, when: {{in_window: {{present: false}}}}, verdict: undetermined,
     explanation: e}}
  - {{id: any-shelling, clause: C, priority: 40, when: {{act: shelling}}, verdict: violation, explanation: e}}
"""

HEAD = "scenario: {name}\ntitle: t\nruleset: ../rules/{ruleset}.yaml\nincidents:\n"
WHEN = "time: 2016-09-13T10:00:00+03:00"
ONE = f"  - {{id: one, {WHEN}, actor: Army, act: shelling, target: Rebels, expect: violation}}\n"
TWO = f"  - {{id: two, {WHEN}, actor: ISIS, act: shelling, target: Army, expect: not_covered}}\n"
THREE = (
    f"  - id: three\n    {WHEN}\n    actor: Army\n    target: Rebels\n    accounts:\n"
    "      - {source: S1, act: patrol}\n      - {source: S2, act: shelling}\n    expect: disputed\n"
)
SCENARIOS = {"s1.yaml": ("s1", "small", ONE + TWO), "s2.yaml": ("s2", "small", THREE)}


def write_small(root: Path, alpha: bool = False) -> Path:
    """The small ruleset in rules/ and its two scenarios in scenarios/ (with `alpha`, also ruleset `alpha` and a
    scenario of one incident under it): the scenarios' folder."""
    rules, folder = root / "rules", root / "scenarios"
    rules.mkdir()
    folder.mkdir()
    (rules / "small.yaml").write_text(RULESET.format(id="small"), encoding="utf-8")
    files = dict(SCENARIOS)
    if alpha:
        (rules / "alpha.yaml").write_text(RULESET.format(id="alpha"), encoding="utf-8")
        files["s3.yaml"] = ("s3", "alpha", ONE)
    for file, (name, ruleset, incidents) in files.items():
        (folder / file).write_text(HEAD.format(name=name, ruleset=ruleset) + incidents, encoding="utf-8")
    return folder


def report(cli: Cli, *argv: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = cli("test", *argv, "-f", "json")
    return code, json.loads(out) if out else {}, err


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_clauses_and_verdicts_are_counted_as_built(engine: str, tmp_path: Path) -> None:
    folder = write_small(tmp_path)
    runs = []
    for file in sorted(folder.glob("*.yaml")):
        loaded = load_checked(file)
        runs.append(Judged(str(file), loaded.compiled, judge(loaded, engine)))
    [found] = coverage(runs)
    assert (found.ruleset, found.incidents, found.scenarios) == (
        "small",
        3,
        (str(folder / "s1.yaml"), str(folder / "s2.yaml")),
    )
    assert [(r.id, r.decided, r.matched, r.status) for r in found.rules] == [
        ("excluded-actor", 1, 1, "decided"),
        ("non-hostile", 1, 1, "decided"),
        ("attack", 2, 2, "decided"),  # `three`'s own verdict is disputed: its account S2 counts
        ("time-unknown", 0, 0, "never matched"),
        ("any-shelling", 0, 3, "matched"),
    ]
    assert [(c.clause, c.rules, c.cited) for c in found.clauses] == [
        ("A", ("excluded-actor",), True),
        ("B", ("non-hostile",), True),
        ("C", ("attack", "any-shelling"), True),
        ("D", ("time-unknown",), False),
    ]
    assert (found.percent, found.clause_percent) == (60.0, 75.0)
    assert found.verdicts == {"violation": 1, "permitted": 0, "not_covered": 1, "disputed": 1, "undetermined": 0}
    assert found.never_given == ["permitted", "undetermined"]


@pytest.mark.parametrize("engine", ENGINES)
def test_both_engines_give_the_same_coverage_of_the_shipped_scenarios(engine: str, cli: Cli) -> None:
    code, columnar, _ = report(cli, str(ROOT / "scenarios"), "--coverage", "-e", "columnar")
    assert (code, report(cli, str(ROOT / "scenarios"), "--coverage", "-e", engine)[1]["coverage"]) == (
        0,
        columnar["coverage"],
    )


def test_the_self_defence_terms_are_covered_like_a_rule(cli: Cli) -> None:
    _, out, _ = report(cli, str(ROOT / "scenarios" / "syria-2016-02-self-defense.yaml"), "--coverage", "-e", "columnar")
    [found] = out["coverage"]["rulesets"]
    last = found["rules"][-1]
    assert (last["id"], last["verdict"], last["coverage"]) == ("self_defense", "permitted", "decided")
    assert last["decided"] >= 1


def test_the_json_coverage_is_sorted_by_ruleset_and_byte_identical(cli: Cli, tmp_path: Path) -> None:
    folder = write_small(tmp_path, alpha=True)
    first = cli("test", str(folder), "--coverage", "-e", "columnar", "-f", "json")
    assert first == cli("test", str(folder), "--coverage", "-e", "columnar", "-f", "json")
    out = json.loads(first[1])
    assert (first[0], out["passed"], out["failed"]) == (0, 4, 0)
    cov = out["coverage"]
    assert cov["fail_under"] is None
    assert [r["ruleset"] for r in cov["rulesets"]] == ["alpha", "small"]
    alpha, small = cov["rulesets"]
    assert sorted(small) == [
        "below",
        "clauses",
        "decided",
        "file",
        "incidents",
        "never_matched",
        "only_matched",
        "percent",
        "rules",
        "ruleset",
        "scenarios",
        "verdicts",
        "verdicts_never_given",
    ]
    assert small["rules"][2] == {
        "id": "attack",
        "clause": "C",
        "verdict": "violation",
        "decided": 2,
        "matched": 2,
        "coverage": "decided",
    }
    assert (small["decided"], small["only_matched"], small["never_matched"]) == (
        ["excluded-actor", "non-hostile", "attack"],
        ["any-shelling"],
        ["time-unknown"],
    )
    assert small["clauses"] == {"total": 4, "cited": 3, "percent": 75.0, "never_cited": ["D"]}
    assert (small["percent"], small["below"], small["verdicts_never_given"]) == (
        60.0,
        None,
        ["permitted", "undetermined"],
    )
    assert (alpha["percent"], alpha["decided"], alpha["incidents"]) == (20.0, ["attack"], 1)
    assert alpha["file"] == str(tmp_path / "rules" / "alpha.yaml")


def test_without_coverage_the_json_report_is_unchanged(cli: Cli, tmp_path: Path) -> None:
    folder = write_small(tmp_path)
    _, out, _ = report(cli, str(folder), "-e", "columnar")
    assert sorted(out) == ["engine", "failed", "passed", "results"]


@pytest.mark.parametrize(
    ("threshold", "code", "below"),
    [("60", 0, False), ("59.9", 0, False), ("60.1", 1, True), ("100", 1, True), ("0", 0, False)],
)
def test_fail_under_fails_a_ruleset_below_it_and_implies_coverage(
    cli: Cli, tmp_path: Path, threshold: str, code: int, below: bool
) -> None:
    folder = write_small(tmp_path)  # rule coverage is exactly 60%
    got, out, err = report(cli, str(folder), "--fail-under", threshold, "-e", "columnar")
    assert (got, err, out["failed"]) == (code, "", 0)
    assert out["coverage"]["fail_under"] == float(threshold)
    assert out["coverage"]["rulesets"][0]["below"] is below


def test_fail_under_names_each_ruleset_below_it_in_the_text(cli: Cli, tmp_path: Path) -> None:
    folder = write_small(tmp_path, alpha=True)
    code, out, err = cli("test", str(folder), "--coverage", "--fail-under", "50", "-e", "columnar")
    assert (code, err) == (1, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[0] == "4 passed, 0 failed"
    assert lines[-1] == "FAIL ruleset alpha: rule coverage 20.0% is under --fail-under 50%"
    assert sum(line.startswith("FAIL") for line in lines) == 1


def test_the_text_table_follows_the_summary(cli: Cli, tmp_path: Path) -> None:
    folder = write_small(tmp_path)
    code, out, err = cli("test", str(folder), "--coverage", "-e", "columnar")
    assert (code, err) == (0, "")
    lines = [line.rstrip() for line in out.splitlines()]
    assert lines[:3] == [
        "3 passed, 0 failed",
        "",
        "coverage · ruleset small · 2 scenarios, 3 incidents · rules 3/5 decided (60.0%) · clauses 3/4 cited (75.0%)",
    ]
    rows = [line.split() for line in lines if line.strip().split(" ")[0] in ("attack", "any-shelling", "time-unknown")]
    assert rows == [
        ["attack", "violation", "2", "2", "decided", "C"],
        ["time-unknown", "undetermined", "0", "0", "never", "matched", "D"],
        ["any-shelling", "violation", "0", "3", "matched", "C"],
    ]
    assert lines[-4:] == ["clauses no deciding rule cited:", "  D", "verdicts never given: permitted, undetermined", ""]


def test_a_failing_expectation_still_fails_when_coverage_passes(cli: Cli, tmp_path: Path) -> None:
    folder = write_small(tmp_path)
    s1 = tmp_path / "scenarios" / "s1.yaml"
    s1.write_text(s1.read_text(encoding="utf-8").replace("expect: violation", "expect: permitted"), encoding="utf-8")
    code, out, _ = report(cli, str(folder), "--fail-under", "10", "-e", "columnar")
    assert (code, out["failed"], out["coverage"]["rulesets"][0]["below"]) == (1, 1, False)


@pytest.mark.parametrize("value", ["abc", "101", "-1", "nan", "", "50%"])
def test_a_bad_threshold_is_a_usage_error_on_one_line(cli: Cli, tmp_path: Path, value: str) -> None:
    folder = write_small(tmp_path)
    with pytest.raises(SystemExit) as caught:
        cli("test", str(folder), "--fail-under", value)
    assert caught.value.code == 2


def test_a_bad_threshold_says_what_would_do(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit) as caught:
        main(["test", "--fail-under", "120"])
    err = capsys.readouterr().err
    assert caught.value.code == 2
    assert err == (
        "ceasefire test: error: argument --fail-under: `120` is not a percentage; expected a number from 0 to 100 "
        "(see `ceasefire test --help`)\n"
    )

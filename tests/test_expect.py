"""Checking verdicts against `expect`: bare verdicts, pinned rules, per-account verdicts, impossible expectations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine import Incident, InputError, evaluate, load_ruleset
from engine.analysis.expect import check, expectation, load_checked, run_scenario
from tests.conftest import ENGINES

STRIKE: dict[str, Any] = {
    "id": "strike",
    "time": "2016-09-17T16:00:00+03:00",
    "actor": "US-led coalition",
    "act": "airstrike",
    "target": "Syrian Arab Army",
    "intended_target": "ISIS",
    "accounts": [{"source": "CENTCOM"}, {"source": "SANA", "intended_target": "Syrian Arab Army"}],
    "location": {"admin1": "Deir ez-Zor"},
}


def checked(expect: Any, incident: dict[str, Any] = STRIKE, engine: str = "columnar") -> Any:
    told = Incident.model_validate({**incident, "expect": expect})
    verdict = evaluate(load_ruleset("syria-2016-09"), [told], engine)[0]
    return check(told, verdict, "s.yaml", 7)


def test_a_bare_verdict_is_the_short_form_and_no_expectation_is_none() -> None:
    assert expectation(Incident(id="a", expect="violation")) == expectation(
        Incident.model_validate({"id": "a", "expect": {"verdict": "violation"}})
    )
    assert checked(None) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_a_matching_verdict_passes_and_a_different_one_fails(engine: str) -> None:
    ok = checked("disputed", engine=engine)
    assert (ok.passed, ok.expected, ok.got, ok.rule) == (True, "disputed", "disputed", None)
    bad = checked("violation", engine=engine)
    assert (bad.passed, bad.scenario, bad.incident, bad.line) == (False, "s.yaml", "strike", 7)
    assert (bad.expected, bad.got) == ("violation", "disputed")


def test_a_pinned_rule_must_be_the_deciding_one() -> None:
    single = {k: v for k, v in STRIKE.items() if k != "accounts"}
    assert checked({"verdict": "permitted", "rule": "mistaken-strike-permitted"}, single).passed
    wrong = checked({"verdict": "permitted", "rule": "strike-on-excluded"}, single)
    assert not wrong.passed
    assert wrong.expected == "permitted (rule strike-on-excluded)"
    assert wrong.got == "permitted (rule mistaken-strike-permitted)"
    assert wrong.rule == "mistaken-strike-permitted"


def test_per_account_verdicts_are_each_checked() -> None:
    right = checked({"verdict": "disputed", "accounts": {"CENTCOM": "permitted", "SANA": "violation"}})
    assert right.passed and right.got == "disputed; CENTCOM: permitted, SANA: violation"
    wrong = checked({"verdict": "disputed", "accounts": {"SANA": "permitted"}})
    assert not wrong.passed
    assert (wrong.expected, wrong.got) == ("disputed; SANA: permitted", "disputed; SANA: violation")


def scenario(tmp_path: Path, expect: str, accounts: str = "") -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenario: s\ntitle: t\nruleset: syria-2016-09\nincidents:\n"
        "  - id: shelling\n    time: 2016-09-14T10:00:00+03:00\n    actor: FSA\n    act: shelling\n"
        f"    target: SAA\n{accounts}    expect: {expect}\n    location: {{admin1: Hama}}\n"
        "  - id: unexpected\n    actor: ISIS\n    act: shelling\n",
        encoding="utf-8",
    )
    return path


def test_run_scenario_checks_only_incidents_with_an_expectation(tmp_path: Path) -> None:
    results = run_scenario(scenario(tmp_path, "{verdict: permitted, rule: strike-on-excluded}"), "columnar")
    assert [(r.incident, r.passed, r.line, r.got) for r in results] == [
        ("shelling", False, 10, "violation (rule attack-on-covered-party)")
    ]
    assert results[0].scenario.endswith("s.yaml")


def test_an_expected_rule_the_ruleset_lacks_is_bad_input_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_checked(scenario(tmp_path, "{verdict: violation, rule: attack-on-covered}"))
    (problem,) = caught.value.problems
    assert (problem.line, problem.path) == (10, "incidents[0].expect.rule")
    assert "no rule `attack-on-covered` in ruleset `syria-2016-09`; did you mean `attack-on-covered-party`?" in str(
        problem
    )


def test_an_expected_account_the_incident_lacks_is_bad_input(tmp_path: Path) -> None:
    accounts = "    accounts:\n      - {source: SANA}\n"
    with pytest.raises(InputError) as caught:
        load_checked(scenario(tmp_path, "{verdict: violation, accounts: {SANAA: violation}}", accounts))
    (problem,) = caught.value.problems
    assert problem.path == "incidents[0].expect.accounts.SANAA"
    assert problem.message == "incident `shelling` has no account from `SANAA`; did you mean `SANA`?"
    with pytest.raises(InputError) as caught:
        load_checked(scenario(tmp_path, "{verdict: violation, accounts: {CENTCOM: violation}}", accounts))
    assert caught.value.problems[0].message.endswith("no account from `CENTCOM`; its accounts are from SANA")
    with pytest.raises(InputError) as caught:
        load_checked(scenario(tmp_path, "{verdict: violation, accounts: {CENTCOM: violation}}"))
    assert caught.value.problems[0].message.endswith("no account from `CENTCOM`; it has no accounts")


def test_a_misspelt_bare_verdict_offers_the_verdict_it_is_close_to(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "scenario: s\nruleset: syria-2016-09\nincidents:\n  - id: a\n    time: 2016-09-14T10:00:00+03:00\n"
        "    actor: ISIS\n    act: shelling\n    target: SDF\n    expect: violaton\n"
    )
    with pytest.raises(InputError) as caught:
        load_checked(path)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:9:5: incidents[0].expect: expected one of violation, permitted, not_covered, disputed, "
        "undetermined or a mapping, got `violaton`; did you mean `violation`?"
    ]

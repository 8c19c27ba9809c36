"""Every shipped scenario gives the verdicts it expects under both engines; shipped rulesets agree where they should."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from engine import Incident, evaluate, load_ruleset, load_scenario
from engine.analysis.expect import run_scenario
from engine.evaluation.facts import Resolver
from engine.ruleset.model import VERDICTS
from tests.conftest import ENGINES, ROOT

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"
FEBRUARY = ROOT / "scenarios" / "syria-2016-02-terms.yaml"
SEPTEMBER_ONLY = {"air-combat-in-agreed-areas"}


def test_the_shipped_scenarios_are_all_found() -> None:
    assert {WEEK, FEBRUARY, ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"} <= set(SCENARIOS)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_meets_every_expectation(path: Path, engine: str) -> None:
    results = run_scenario(path, engine)
    failed = [f"{r.incident}: expected {r.expected}, got {r.got}" for r in results if not r.passed]
    assert not failed, "\n".join(failed)
    incidents = load_scenario(path).scenario.incidents
    assert len(results) == len(incidents), "every shipped incident states what it expects"


def test_the_week_covers_every_verdict_and_every_role() -> None:
    loaded = load_scenario(WEEK)
    incidents = loaded.scenario.incidents
    assert len(incidents) >= 15
    assert {v.verdict for v in evaluate(loaded.compiled, incidents, "columnar")} == set(VERDICTS)
    resolver = Resolver(loaded.compiled)
    roles = {
        resolver.name(name).role
        for incident in incidents
        for told in (incident, *incident.accounts)
        for name in (told.actor, told.target)
        if name is not None
    }
    assert roles == {"covered", "sponsor", "excluded", "civilians", "unidentified", "unknown"}


def test_the_week_runs_from_day_d_to_the_convoy_strike() -> None:
    incidents = load_scenario(WEEK).scenario.incidents
    days = {(i.time or "")[:10] for i in incidents}
    assert min(days) == "2016-09-12" and max(days) == "2016-09-19"
    assert any(i.time is not None and len(i.time) == 10 for i in incidents), "a date-only record"


def test_the_convoy_strike_after_the_syrian_declaration_falls_inside_the_september_window() -> None:
    sep = load_ruleset("syria-2016-09")
    damascus = timezone(timedelta(hours=3))
    assert sep.start == datetime(2016, 9, 12, 19, tzinfo=damascus)
    resolver = Resolver(sep)
    assert resolver.window("2016-09-19T19:30:00+03:00") is True
    assert resolver.window("2016-09-19") is True
    assert resolver.window("2016-09-20T00:00:00+03:00") is False
    assert resolver.window("2016-09-12T18:59:00+03:00") is False


def test_the_february_terms_share_parties_acts_and_policy_with_september_but_not_its_own_rule() -> None:
    feb, sep = load_ruleset("syria-2016-02"), load_ruleset("syria-2016-09")
    assert feb.start == datetime(2016, 2, 27, tzinfo=timezone(timedelta(hours=2))) and feb.until is None
    assert feb.ruleset.agreement.pa_x == 1507
    assert {k: p.role for k, p in feb.ruleset.parties.items()} == {k: p.role for k, p in sep.ruleset.parties.items()}
    assert feb.ruleset.acts == sep.ruleset.acts
    assert feb.ruleset.policy == sep.ruleset.policy
    assert [r.id for r in feb.ruleset.rules] == [r.id for r in sep.ruleset.rules if r.id not in SEPTEMBER_ONLY]
    # every spelling September knows resolves to the same party under February, and back
    assert feb.names == sep.names
    assert feb.names["jabhatalnusra"][0] == "jfs" and feb.ruleset.parties["jfs"].name == "Jabhat al-Nusra"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_syrian_strike_on_jfs_in_aleppo_is_permitted_in_february_and_a_violation_in_september(engine: str) -> None:
    strike = Incident.model_validate(
        {
            "id": "s",
            "time": "2016-09-18T15:00:00+03:00",
            "actor": "Syrian Air Force",
            "act": "airstrike",
            "target": "Jabhat al-Nusra",
            "location": {"region": "Aleppo"},
        }
    )
    feb = evaluate(load_ruleset("syria-2016-02"), [strike], engine)[0]
    sep = evaluate(load_ruleset("syria-2016-09"), [strike], engine)[0]
    assert (feb.verdict, feb.rule) == ("permitted", "strike-on-excluded")
    assert (sep.verdict, sep.rule) == ("violation", "air-combat-in-agreed-areas")

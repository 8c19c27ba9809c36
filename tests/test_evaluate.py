"""How accounts combine into one verdict, and what the API returns."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Incident, compile_ruleset, evaluate, load_ruleset, load_scenario
from engine.evaluation.facts import told
from engine.incidents.frame import frame_of
from tests.conftest import ENGINES, ROOT

STRIKE: dict[str, Any] = {
    "id": "s",
    "time": "2016-09-17T16:00:00+03:00",
    "actor": "coalition",
    "act": "airstrike",
    "target": "Syrian Arab Army",
    "intended_target": "ISIS",
    "casualties": {"killed": 62, "wounded": 100},
    "location": {"admin1": "Deir ez-Zor"},
}


def verdict_of(incident: dict[str, Any], engine: str, *sets: str) -> Any:
    return evaluate(load_ruleset("syria-2016-09", sets=sets), [Incident.model_validate(incident)], engine)[0]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_accounts_gives_the_incident_verdict_with_no_account_list(engine: str) -> None:
    v = verdict_of(STRIKE, engine)
    assert (v.verdict, v.rule, v.accounts) == ("permitted", "mistaken-strike-permitted", ())
    assert v.flags == ("covered_party_harmed", "mistaken_target")
    assert v.matched == ("mistaken-strike-permitted", "attack-on-covered-party")


@pytest.mark.parametrize("engine", ENGINES)
def test_accounts_that_agree_on_the_verdict_give_it_even_by_different_rules(engine: str) -> None:
    told = {**STRIKE, "accounts": [{"source": "A"}, {"source": "B", "intended_target": "SAA"}]}
    v = verdict_of(told, engine, "policy.mistaken_target=violation")
    assert v.verdict == "violation"
    assert [(a.source, a.rule) for a in v.accounts] == [
        ("A", "mistaken-strike-violation"),
        ("B", "attack-on-covered-party"),
    ]
    assert v.rule == "mistaken-strike-violation" and "every account gives violation" in v.explanation


@pytest.mark.parametrize("engine", ENGINES)
def test_accounts_that_disagree_make_the_incident_disputed(engine: str) -> None:
    told = {**STRIKE, "accounts": [{"source": "A"}, {"source": "B", "intended_target": "SAA"}]}
    v = verdict_of(told, engine)
    assert (v.verdict, v.rule, v.clause) == ("disputed", None, None)
    assert v.explanation == "The accounts disagree: A: permitted; B: violation."


def test_an_account_overrides_only_the_fields_it_gives() -> None:
    incident = Incident.model_validate({**STRIKE, "accounts": [{"source": "SOHR", "casualties": {"killed": 83}}]})
    (row,) = told(frame_of([incident])).iter_rows(named=True)
    assert (row["source"], row["killed"], row["wounded"], row["actor"]) == ("SOHR", 83, 100, "coalition")


@pytest.mark.parametrize("engine", ENGINES)
def test_two_rulesets_in_one_process_do_not_share_state(engine: str) -> None:
    base = load_ruleset("syria-2016-09")
    strict = load_ruleset("syria-2016-09", sets=["policy.mistaken_target=violation"])
    incidents = [Incident.model_validate(STRIKE)]
    mixed = [evaluate(r, incidents, engine)[0].verdict for r in (strict, base, strict, base)]
    assert mixed == ["violation", "permitted", "violation", "permitted"]


@pytest.mark.parametrize("engine", ENGINES)
def test_accounts_that_agree_on_the_verdict_but_not_the_actor_say_so(engine: str) -> None:
    convoy = {
        "id": "convoy",
        "time": "2016-09-19T19:30:00+03:00",
        "act": "airstrike",
        "target": "aid convoy",
        "location": {"name": "Urum al-Kubra", "admin1": "Aleppo"},
        "accounts": [
            {"source": "US officials", "actor": "Russian Air Force"},
            {"source": "Russian MoD", "actor": "SAA"},
        ],
    }
    v = verdict_of(convoy, engine)
    assert v.verdict == "violation"
    assert [(a.source, a.actor) for a in v.accounts] == [
        ("US officials", "russia"),
        ("Russian MoD", "syrian-government"),
    ]
    assert "accounts_name_different_actors" in v.flags
    assert v.explanation.endswith(
        "The accounts name different actors (US officials: russia; Russian MoD: syrian-government)."
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_accounts_that_agree_on_verdict_and_actor_raise_no_flag(engine: str) -> None:
    told = {**STRIKE, "accounts": [{"source": "A"}, {"source": "B", "actor": "US-led coalition"}]}
    v = verdict_of(told, engine)
    assert [a.actor for a in v.accounts] == ["coalition", "coalition"]
    assert "accounts_name_different_actors" not in v.flags


def test_the_loaders_take_paths_as_text_and_one_change_given_alone() -> None:
    scenario = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
    assert load_scenario(scenario).scenario.scenario == "deir-ezzor-2016-09-17"
    changed = load_ruleset("syria-2016-09", sets="policy.mistaken_target=violation")
    assert changed.policy == load_ruleset("syria-2016-09", sets=["policy.mistaken_target=violation"]).policy


@pytest.mark.parametrize("engine", ENGINES)
def test_rules_that_always_hold_judge_every_incident(engine: str) -> None:
    # A condition that always holds is a constant: the executor must still answer for every row.
    r = load_ruleset("syria-2016-09").ruleset
    rules = [r.rules[0].model_copy(update={"id": "always", "when": "always", "priority": 0, "verdict": "violation"})]
    compiled, problems = compile_ruleset(r.model_copy(update={"rules": rules}), "")
    assert problems == []
    told_ = [Incident.model_validate({**STRIKE, "id": f"s{n}"}) for n in range(3)]
    assert [(v.incident, v.rule) for v in evaluate(compiled, told_, engine)] == [(f"s{n}", "always") for n in range(3)]


@pytest.mark.parametrize("collide", [False, True])
def test_coded_values_give_back_each_value_told(monkeypatch: pytest.MonkeyPatch, collide: bool) -> None:
    import polars as pl

    from engine.evaluation.facts import coded

    values = pl.Series(["b", None, "a", "b", "", "a", None, "c"], dtype=pl.String())
    if collide:  # every value one hash: told apart by the values themselves
        monkeypatch.setattr(
            pl.Series, "hash", lambda self, *a, **k: pl.repeat(7, self.len(), dtype=pl.UInt64(), eager=True)
        )
    codes, distinct = coded(values)
    assert distinct.to_list() == ["b", "a", "", "c"]
    assert codes.to_list() == [0, None, 1, 0, 2, 1, None, 3]


def test_a_resolver_read_across_parts_gives_each_part_the_facts_a_new_one_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One resolver reads every part of an input, remembering at most `REMEMBERED` answers of each kind."""
    from engine.evaluation import facts as facts_module
    from engine.incidents.synthetic import incidents

    monkeypatch.setattr(facts_module, "REMEMBERED", 5)
    compiled = load_ruleset("syria-2016-09")
    frame = frame_of(incidents(300, seed=3, compiled=compiled))
    shared = facts_module.Resolver(compiled)
    for start in range(0, 300, 100):
        rows = told(frame.slice(start, 100))
        kept, _ = facts_module.facts(compiled, rows, shared)
        fresh, _ = facts_module.facts(compiled, rows)
        assert kept.equals(fresh)
        assert all(len(answers) <= 5 for answers in (shared._spots, shared._spelled, shared._days))
    assert len(shared._spots) > 0

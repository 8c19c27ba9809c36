"""Every shipped scenario gives the verdicts it expects under both engines; shipped rulesets agree where they should."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from engine import Incident, evaluate, load_ruleset, load_scenario
from engine.analysis.expect import run_scenario
from engine.evaluation.facts import Resolver
from engine.ruleset.model import VERDICTS
from tests.conftest import ENGINES, ROOT, Cli

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
    # September adds the knobs of its phases (the JIC after quiet days) and of escalation to February's
    phases = {"jic_after_days": 7, "reduced_violence_max_per_day": 0}
    assert sep.ruleset.policy == {**feb.ruleset.policy, **phases, "escalation_violations": 3, "escalation_hours": 24}
    assert [r.id for r in feb.ruleset.rules] == [r.id for r in sep.ruleset.rules if r.id not in SEPTEMBER_ONLY]
    # every spelling September knows resolves to the same party under February, and back
    assert feb.names == sep.names
    assert feb.names["jabhatalnusra"][0] == "jfs" and feb.ruleset.parties["jfs"].name == "Jabhat al-Nusra"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_syrian_strike_on_jfs_in_aleppo_is_a_violation_only_once_the_jic_has_started(engine: str) -> None:
    told = {"actor": "Syrian Air Force", "act": "airstrike", "target": "Jabhat al-Nusra"}
    told["location"] = {"region": "Aleppo"}
    before = Incident.model_validate({"id": "s", "time": "2016-09-18T15:00:00+03:00", **told})
    after = Incident.model_validate({"id": "t", "time": "2016-09-20T15:00:00+03:00", **told})
    feb = evaluate(load_ruleset("syria-2016-02"), [before], engine)[0]
    sep = evaluate(load_ruleset("syria-2016-09"), [before], engine)[0]
    assert (feb.verdict, feb.rule, feb.phase) == ("permitted", "strike-on-excluded", None)
    assert (sep.verdict, sep.rule, sep.phase) == ("permitted", "strike-on-excluded", "initial")
    # In the truce as if it had held, 13-19 Sep are seven quiet days: the JIC starts at 00:00 on the 20th.
    held = load_ruleset(str(ROOT / "rules" / "variants" / "truce-held.yaml"))
    first, second = evaluate(held, [before, after], engine)
    assert (first.verdict, first.phase) == ("permitted", "initial")
    assert (second.verdict, second.rule, second.phase) == ("violation", "air-combat-in-agreed-areas", "jic")


# A Deir ez-Zor-like strike: two sources, one of which names no actor.
UNATTRIBUTED = {
    "id": "dez",
    "time": "2016-09-17T16:00:00+03:00",
    "actor": "US-led coalition",
    "act": "airstrike",
    "target": "Syrian Arab Army",
    "location": {"name": "Jabal Tharda", "admin1": "Deir ez-Zor", "latitude": 35.285, "longitude": 40.175},
    "casualties": {"killed": 62},
}


def _verdict(cli: Cli, path: Path, engine: str, *extra: str) -> dict[str, Any]:
    code, out, err = cli("run", str(path), "--engine", engine, "--format", "json", *extra)
    assert code == 0, err
    (verdict,) = json.loads(out)["verdicts"]
    return dict(verdict)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("form", ["yaml", "jsonl"])
def test_an_account_that_names_no_actor_makes_the_incident_disputed(
    cli: Cli, tmp_path: Path, engine: str, form: str
) -> None:
    def write(accounts: list[dict[str, Any]], name: str) -> Path:
        incident = {**UNATTRIBUTED, "accounts": accounts}
        if form == "jsonl":
            path = tmp_path / f"{name}.jsonl"
            path.write_text(json.dumps(incident) + "\n", encoding="utf-8")
            return path
        path = tmp_path / f"{name}.yaml"
        scenario = {"scenario": name, "title": "t", "ruleset": "syria-2016-09", "incidents": [incident]}
        path.write_text(json.dumps(scenario), encoding="utf-8")  # JSON is YAML
        return path

    rules = ("--rules", "syria-2016-09")
    told = _verdict(cli, write([{"source": "SANA"}, {"source": "SOHR", "act": "airstrike"}], "told"), engine, *rules)
    assert told["verdict"] == "violation"  # an account that leaves the actor out keeps the incident's
    unnamed = _verdict(cli, write([{"source": "SANA"}, {"source": "SOHR", "actor": None}], "unnamed"), engine, *rules)
    assert unnamed["verdict"] == "disputed"
    verdicts = {a["source"]: a["verdict"] for a in unnamed["accounts"]}
    assert verdicts["SANA"] == "violation" and verdicts["SOHR"] != "violation"
    assert {a["source"]: a["actor"] for a in unnamed["accounts"]}["SOHR"] != "US-led coalition"


def test_an_account_s_null_actor_is_read_as_unidentified_and_an_absent_one_is_not() -> None:
    incident = Incident.model_validate({**UNATTRIBUTED, "accounts": [{"source": "a", "actor": None}, {"source": "b"}]})
    assert [a.actor for a in incident.accounts] == ["unidentified", None]
    resolved = Resolver(load_ruleset("syria-2016-09")).name("unidentified")
    assert resolved.role == "unidentified"


def test_a_location_gives_one_name_of_a_key_and_whole_points() -> None:
    location = {**UNATTRIBUTED, "location": {"region": "Idlib", "lat": 35.9, "lon": 36.6, "precision_km": 5.0}}
    place = Incident.model_validate(location).location
    assert place is not None and (place.standard("admin1"), place.standard("latitude")) == ("Idlib", 35.9)
    for bad, message in (
        ({"region": "Idlib", "admin1": "Idlib"}, "`region` and `admin1` are both given"),
        ({"lon": 1.0, "longitude": 1.0, "latitude": 1.0}, "`lon` and `longitude` are both given"),
        ({"longitude": 1.0}, "`longitude` without `latitude`"),
        ({"precision_km": 0.0}, "`precision_km` without a point"),
    ):
        with pytest.raises(ValueError, match=message):
            Incident.model_validate({"id": "x", "location": bad})


SHIPPED_RULESETS = sorted({*ROOT.glob("rules/*.yaml"), *ROOT.glob("rules/variants/*.yaml")})


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", SHIPPED_RULESETS, ids=lambda p: p.stem)
def test_an_event_outside_the_truces_time_or_place_is_not_covered_whoever_did_it(path: Path, engine: str) -> None:
    compiled = load_ruleset(str(path))
    before = (compiled.start - timedelta(days=2)).isoformat()
    inside = (compiled.start + timedelta(hours=6)).isoformat()
    who = ["Syrian Arab Army", "Unlisted Brigade", "unidentified gunmen", None, "ISIS"]
    told = [
        Incident(id=f"{n}-{k}", time=time, actor=actor, act=act, target="FSA", location=place)
        for n, (time, place) in enumerate([(before, {"admin1": "Aleppo"}), (inside, {"country": "Iraq"})])
        for k, (actor, act) in enumerate((a, act) for a in who for act in ("shelling", "juggling", None))
    ]
    verdicts = evaluate(compiled, told, engine)
    assert {(v.verdict, v.rule) for v in verdicts[: len(told) // 2]} == {("not_covered", "outside-window")}
    assert {(v.verdict, v.rule) for v in verdicts[len(told) // 2 :]} == {("not_covered", "outside-scope")}
    gates = [r for r in compiled.rules if r.id in ("outside-window", "outside-scope")]
    names = [
        r for r in compiled.rules if r.id in ("actor-unresolved", "actor-missing", "actor-not-bound", "act-unresolved")
    ]
    assert max(r.priority for r in gates) < min(r.priority for r in names)

"""Incidents judged both ways (`mutual`: the record does not say who attacked) and actors associated with a side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine import Evaluator, Incident
from engine.evaluation.decide import BOTH_WAYS
from engine.evaluation.result import Verdict
from engine.incidents.frame import frame_of
from tests.conftest import ENGINES, Cli, ruleset

FORMATS = ("jsonl", "csv", "parquet")
SEP = "2016-09-15T10:00:00+03:00"  # inside the September window
ALEPPO = {"country": "Syria", "admin1": "Aleppo"}


def judged(engine: str, *incidents: dict[str, Any], frame: pl.DataFrame | None = None) -> list[Verdict]:
    told = [Incident.model_validate({"time": SEP, "location": ALEPPO, **i}) for i in incidents]
    with Evaluator(ruleset("syria-2016-09"), engine) as evaluator:
        return evaluator.evaluate(frame if frame is not None else frame_of(told))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clash_between_two_covered_parties_is_a_violation_by_both(engine: str) -> None:
    clash = {"id": "c", "actor": "Syrian Arab Army", "act": "Armed clash", "target": "FSA", "mutual": True}
    (v,) = judged(engine, clash)
    assert (v.verdict, v.rule) == ("violation", "attack-on-covered-party")
    assert v.actors == ("syrian-government", "opposition")
    assert "mutual" in v.flags
    assert v.explanation.startswith(BOTH_WAYS)
    assert "Syrian government forces attacked Armed opposition" in v.explanation
    assert "Armed opposition groups party to the cessation attacked Syrian government forces" in v.explanation


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clash_with_an_excluded_group_is_permitted_and_names_only_the_covered_side(engine: str) -> None:
    clash = {"id": "c", "actor": "Jabhat al-Nusra", "act": "Armed clash", "target": "SAA", "mutual": True}
    (v,) = judged(engine, clash)
    assert (v.verdict, v.rule, v.actors) == ("permitted", "strike-on-excluded", ("syrian-government",))
    assert "The other way it is not_covered (rule actor-not-bound)." in v.explanation


@pytest.mark.parametrize("engine", ENGINES)
def test_a_clash_with_an_unidentified_side_is_undetermined(engine: str) -> None:
    clash = {"id": "c", "actor": "FSA", "act": "Armed clash", "target": "unknown gunmen", "mutual": True}
    (v,) = judged(engine, clash)
    assert v.verdict == "undetermined"
    assert set(v.matched) >= {"target-unresolved", "actor-unresolved"}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_same_clash_told_one_way_is_judged_one_way(engine: str) -> None:
    clash = {"id": "c", "actor": "Jabhat al-Nusra", "act": "Armed clash", "target": "SAA"}
    (v,) = judged(engine, clash)
    assert (v.verdict, v.actors, "mutual" in v.flags) == ("not_covered", ("jfs",), False)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("actor", "target"), [("ISIS", "Civilians (Syria)"), ("Civilians (Syria)", "ISIS")], ids=["as-told", "reversed"]
)
def test_civilians_in_a_mutual_incident_are_only_ever_acted_on(engine: str, actor: str, target: str) -> None:
    clash = {"id": "c", "actor": actor, "act": "Armed clash", "target": target, "mutual": True}
    if target == "ISIS":
        clash["assoc_actor"] = ["SAA"]
    else:
        clash["assoc_target"] = ["SAA"]  # the associate of civilians does not act either
    (v,) = judged(engine, clash)
    assert (v.verdict, v.rule, v.actors, v.flags) == (
        "not_covered",
        "actor-not-bound",
        ("isis",),
        ("civilians_harmed",),
    )
    assert v.explanation == "Islamic State is not bound by the cessation, so its acts fall outside it."
    attack = {**clash, "actor": "SAA", "target": "Civilians (Syria)", "assoc_actor": [], "assoc_target": []}
    (v,) = judged(engine, attack)
    assert (v.verdict, v.rule, v.actors) == ("violation", "attack-on-civilians", ("syrian-government",))
    assert "mutual" not in v.flags and not v.explanation.startswith(BOTH_WAYS)


@pytest.mark.parametrize("engine", ENGINES)
def test_each_account_of_a_mutual_incident_is_judged_both_ways(engine: str) -> None:
    clash = {
        "id": "c",
        "act": "Armed clash",
        "mutual": True,
        "accounts": [
            {"source": "A", "actor": "SAA", "target": "FSA"},
            {"source": "B", "actor": "SAA", "target": "ISIS"},
        ],
    }
    (v,) = judged(engine, clash)
    assert v.verdict == "disputed"
    assert [(a.source, a.verdict, a.actors) for a in v.accounts] == [
        ("A", "violation", ("syrian-government", "opposition")),
        ("B", "permitted", ("syrian-government",)),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_associated_actors_are_named_beside_the_actor_but_never_judged(engine: str) -> None:
    strike = {
        "id": "s",
        "actor": "SAA",
        "assoc_actor": ["Russian Air Force", "someone nobody knows", "unknown gunmen"],
        "act": "shelling",
        "target": "FSA",
        "assoc_target": ["Jabhat al-Nusra"],
    }
    (v,) = judged(engine, strike)
    assert (v.verdict, v.rule) == ("violation", "attack-on-covered-party")
    # an associate that resolves to no party, or to a class (unidentified), is left out; the target's too
    assert v.actors == ("syrian-government", "russia")


def test_a_mutual_verdict_counts_once_for_each_party_it_names() -> None:
    told = [
        Incident.model_validate(
            {
                "id": "c",
                "time": SEP,
                "location": ALEPPO,
                "actor": "SAA",
                "act": "clashes",
                "target": "FSA",
                "mutual": True,
            }
        ),
        Incident.model_validate(
            {
                "id": "s",
                "time": SEP,
                "location": ALEPPO,
                "actor": "SAA",
                "assoc_actor": ["Russian Air Force"],
                "act": "shelling",
                "target": "FSA",
            }
        ),
    ]
    with Evaluator(ruleset("syria-2016-09"), "columnar") as evaluator:
        report = evaluator.report("t", frame_of(told))
    counts = {party: n["violation"] for party, n in report.by_party().items()}
    assert counts == {
        "Armed opposition groups party to the cessation": 1,
        "Russian armed forces": 1,
        "Syrian government forces": 2,
    }
    assert report.summary()["violation"] == 2  # the totals count incidents


@pytest.mark.parametrize("engine", ENGINES)
def test_a_flag_the_record_raises_itself_is_kept(engine: str) -> None:
    clash = Incident.model_validate(
        {"id": "c", "time": SEP, "location": ALEPPO, "actor": "SAA", "act": "clashes", "target": "FSA"}
    )
    frame = frame_of([clash]).with_columns(pl.lit(["civilians_harmed"], pl.List(pl.String())).alias("flags"))
    (v,) = judged(engine, frame=frame)
    assert v.flags == ("civilians_harmed", "covered_party_harmed")


@pytest.mark.parametrize("engine", ENGINES)
def test_an_explanation_both_directions_give_alike_is_said_once(engine: str) -> None:
    clash = {"id": "c", "actor": "SAA", "act": "clashes", "target": "FSA", "mutual": True, "time": "2016-01-01"}
    (v,) = judged(engine, clash)
    assert v.verdict == "not_covered"
    assert v.explanation == BOTH_WAYS + "The incident falls outside the period the arrangement was in force."


CLASH_YAML = """scenario: clash
incidents:
  - id: c
    time: 2016-09-15T10:00:00+03:00
    actor: Syrian Arab Army
    act: Armed clash
    target: FSA
    mutual: {mutual}
"""


@pytest.mark.parametrize(
    ("written", "got"),
    [
        ("yes", "text `yes`"),  # YAML 1.2 reads yes, no, on and off as text
        ("on", "text `on`"),
        ("1", "`1`"),
        ('"true"', "text `true` (write true without quotes)"),
    ],
)
def test_mutual_in_a_scenario_is_true_or_false_else_one_line(cli: Cli, tmp_path: Path, written: str, got: str) -> None:
    path = tmp_path / "clash.yaml"
    path.write_text(CLASH_YAML.format(mutual=written), encoding="utf-8")
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: {path}:8:5: incidents[0].mutual: expected true or false, got {got}"]


@pytest.mark.parametrize(
    ("written", "got"),
    [('"yes"', "text `yes`"), ("1", "`1`"), ('"false"', "text `false` (write false without quotes)")],
)
def test_mutual_in_json_lines_is_true_or_false_else_one_line(cli: Cli, tmp_path: Path, written: str, got: str) -> None:
    path = tmp_path / "clash.jsonl"
    path.write_text('{"id": "ok", "mutual": true}\n{"id": "c", "mutual": ' + written + "}\n", encoding="utf-8")
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09")
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: {path}:2: mutual: expected true or false, got {got}"]


@pytest.mark.parametrize("written", ["null", "~", ""])
def test_mutual_null_in_a_scenario_is_not_given(cli: Cli, tmp_path: Path, written: str) -> None:
    """As a null in JSON Lines or Parquet and an empty CSV cell are: judged one way, as without `mutual`."""
    path = tmp_path / "clash.yaml"
    path.write_text(CLASH_YAML.format(mutual="false"), encoding="utf-8")
    expected = cli("run", str(path), "--rules", "syria-2016-09", "-f", "json")
    path.write_text(CLASH_YAML.format(mutual=written), encoding="utf-8")
    assert cli("run", str(path), "--rules", "syria-2016-09", "-f", "json") == expected
    assert expected[0] == 0 and '"mutual"' not in expected[1]


def test_a_null_mutual_is_not_given_in_every_table_format(cli: Cli, tmp_path: Path) -> None:
    """JSON Lines' null, an empty CSV cell and Parquet's null alike: the three reports are the same bytes."""
    clash = {"time": SEP, "actor": "Syrian Arab Army", "act": "Armed clash", "target": "FSA"}
    rows = [{"id": f"c{i}", **clash, "mutual": m} for i, m in enumerate((True, None, False))]
    frame = pl.DataFrame([{**row, **ALEPPO} for row in rows])
    frame.write_csv(tmp_path / "t.csv")
    frame.write_parquet(tmp_path / "t.parquet")
    lines = [json.dumps({**row, "location": ALEPPO}) for row in rows]
    (tmp_path / "t.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert ",," in (tmp_path / "t.csv").read_text(encoding="utf-8") and '"mutual": null' in lines[1]
    reports = {f: cli("run", str(tmp_path / f"t.{f}"), "--rules", "syria-2016-09", "-f", "json") for f in FORMATS}
    assert reports["csv"][0] == 0
    assert reports["jsonl"] == reports["csv"] == reports["parquet"]
    assert [line.count('"mutual"') for line in reports["csv"][1].splitlines()[2:5]] == [1, 0, 0]

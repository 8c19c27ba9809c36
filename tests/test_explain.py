"""`ceasefire explain`: names resolved, every rule tested in order, accounts combined; tree and JSON agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import InputError, load_scenario
from engine.analysis.explain import explain_incident, find_incident
from engine.cli.main import main
from tests.conftest import ENGINES, ROOT

DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"


def explained(path: Path, incident: str, engine: str = "columnar") -> Any:
    loaded = load_scenario(path)
    found = find_incident(loaded.scenario.incidents, incident, str(path))
    return explain_incident(loaded.compiled, found, loaded.scenario.scenario, engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", [DEZ, WEEK], ids=lambda p: p.stem)
def test_the_rules_that_held_are_the_ones_the_engine_matched_and_the_first_decides(path: Path, engine: str) -> None:
    for incident in load_scenario(path).scenario.incidents:
        e = explained(path, incident.id, engine)
        assert e.engine == engine
        for account in e.accounts:
            held = [r.id for r in account.rules if r.held]
            assert tuple(held) == account.verdict.matched
            deciding = [r.id for r in account.rules if r.deciding]
            assert deciding == held[:1]
            assert account.verdict.rule == (held[0] if held else None)


def test_each_account_shows_its_own_words_and_how_names_resolved() -> None:
    e = explained(DEZ, "dez-airstrike")
    assert [a.source for a in e.accounts] == [
        "CENTCOM",
        "Russian MoD (Sputnik)",
        "Syrian military (SANA)",
        "Syrian Observatory for Human Rights",
    ]
    sana = e.accounts[2]
    assert sana.told == {"intended_target": "Syrian Arab Army"}
    assert [(n.field, n.spelling, n.resolved, n.role) for n in sana.names] == [
        ("actor", "US-led coalition", "coalition", "sponsor"),
        ("target", "Syrian Arab Army", "syrian-government", "covered"),
        ("intended_target", "Syrian Arab Army", "syrian-government", "covered"),
        ("act", "airstrike", "airstrike", "hostile"),
    ]
    assert sana.facts["intended_target.role"] == "covered" and sana.facts["in_window"] is True
    assert (sana.verdict.verdict, sana.verdict.rule) == ("violation", "attack-on-covered-party")
    assert e.verdict.verdict == "disputed"
    assert e.combination.startswith("The accounts give different verdicts (CENTCOM: permitted;")


def test_a_name_that_resolves_to_nothing_says_so() -> None:
    (record,) = explained(WEEK, "castello-briefing-shelled").accounts
    assert record.source is None and record.told == {}
    assert (record.names[0].spelling, record.names[0].resolved, record.names[0].role) == ("militants", None, "unknown")
    assert explained(WEEK, "castello-briefing-shelled").combination == (
        "No accounts: the incident as recorded is undetermined."
    )


@pytest.mark.parametrize(
    ("wanted", "meant"),
    [("DEZ-AIRSTRIKE", "dez-airstrike"), ("dez-air", "dez-airstrike")],  # in another case; its first letters
)
def test_an_incident_id_in_another_case_or_cut_short_is_offered_whole(wanted: str, meant: str) -> None:
    with pytest.raises(InputError) as caught:
        explained(DEZ, wanted)
    assert f"no incident `{wanted}`; did you mean `{meant}`?" in str(caught.value)


def test_an_unknown_incident_id_is_bad_input_with_a_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as caught:
        explained(DEZ, "dez-airstrik")
    assert "no incident `dez-airstrik`; did you mean `dez-airstrike`?" in str(caught.value)
    assert main(["explain", str(DEZ), "nothing-like-it"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().endswith(": incidents: no incident `nothing-like-it`")
    assert err.count("\n") == 1


def test_json_gives_the_same_data_as_the_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(DEZ), "dez-airstrike", "-e", "columnar", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["incident"], data["ruleset"], data["engine"]) == ("dez-airstrike", "syria-2016-09", "columnar")
    assert data["facts"]["casualties"] == {"killed": 62, "wounded": 100}
    assert data["combined"]["verdict"] == "disputed" and data["combined"]["how"].startswith("The accounts give")
    centcom = data["accounts"][0]
    assert (centcom["source"], centcom["verdict"], centcom["rule"]) == (
        "CENTCOM",
        "permitted",
        "mistaken-strike-permitted",
    )
    assert [r["id"] for r in centcom["rules"] if r["deciding"]] == ["mistaken-strike-permitted"]
    assert {
        "field": "intended_target",
        "spelling": "ISIS",
        "resolved": "isis",
        "role": "excluded",
        "side": None,
        "note": None,
    } in centcom["names"]
    assert main(["explain", str(DEZ), "dez-airstrike", "-e", "columnar", "--width", "200"]) == 0
    tree = capsys.readouterr().out
    for account in data["accounts"]:
        assert f"account: {account['source']} → {account['verdict']}" in tree
        for rule in account["rules"]:
            assert rule["id"] in tree
    assert tree.count("← decides") == 4


def test_tree_matches_golden(capsys: pytest.CaptureFixture[str], golden) -> None:  # type: ignore[no-untyped-def]
    assert main(["explain", str(DEZ), "dez-isis-attack", "--engine", "columnar", "--width", "120"]) == 0
    out = capsys.readouterr().out
    golden("explain-dez-isis-attack.txt", out)
    assert "\x1b[" not in out


def test_an_incident_table_can_be_explained_with_rules(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    table = tmp_path / "events.jsonl"
    table.write_text(
        json.dumps(
            {
                "id": "e1",
                "time": "2016-09-14",
                "actor": "FSA",
                "act": "mortars",
                "target": "SAA",
                "location": {"admin1": "Hama"},
            }
        )
        + "\n"
    )
    assert main(["explain", str(table), "e1", "--rules", "syria-2016-09", "-e", "columnar", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["scenario"], data["combined"]["verdict"], data["combined"]["rule"]) == (
        "events",
        "violation",
        "attack-on-covered-party",
    )
    assert main(["explain", str(table), "e1"]) == 2
    assert "pass --rules RULESET" in capsys.readouterr().err


def test_an_incident_is_explained_as_the_run_judges_it_among_the_others(capsys: pytest.CaptureFixture[str]) -> None:
    # Escalation: three violations by one party within the window flag each, which judging it alone cannot see.
    scenario = str(ROOT / "scenarios" / "syria-2016-09-escalation.yaml")
    assert main(["run", scenario, "-f", "json"]) == 0
    (ran,) = [v for v in json.loads(capsys.readouterr().out)["verdicts"] if v["incident"] == "shelling-morning"]
    assert "escalation" in ran["flags"]
    assert main(["explain", scenario, "shelling-morning", "-f", "json"]) == 0
    combined = json.loads(capsys.readouterr().out)["combined"]
    assert (combined["flags"], combined["phase"]) == (ran["flags"], ran["phase"])
    assert main(["explain", scenario, "shelling-morning"]) == 0
    assert "also flagged: escalation" in capsys.readouterr().out


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_incident_is_explained_with_the_verdict_the_run_gives_it(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a response (`in_response_to`) is weighed against what it answers, as the run weighs it: self-defence
    assert main(["run", str(path), "-f", "json", "-e", "columnar"]) == 0
    for ran in json.loads(capsys.readouterr().out)["verdicts"]:
        assert main(["explain", str(path), ran["incident"], "-f", "json", "-e", "columnar"]) == 0
        combined = json.loads(capsys.readouterr().out)["combined"]
        shown = {k: combined[k] for k in ("verdict", "rule", "flags", "explanation")}
        assert shown == {k: ran[k] for k in shown}, ran["incident"]


UCDP_SAMPLE = ROOT / "tests" / "fixtures" / "ucdp" / "ged-23.1-sample.csv"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_id_whose_row_was_skipped_as_bad_is_said_so_not_taken_for_another(
    cli: Any, tmp_path: Path, suffix: str
) -> None:
    import polars as pl

    rows = pl.read_csv(UCDP_SAMPLE, infer_schema_length=0).head(12)
    inside = pl.when(pl.int_range(pl.len()) == 8).then(pl.lit("2016-09-18 00:00:00.000"))
    rows = rows.with_columns(
        inside.otherwise(pl.lit("2016-09-15 00:00:00.000")).alias("date_start"),
        pl.lit("2016-09-15 00:00:00.000").alias("date_end"),
    )
    bad = rows.get_column("id")[8]  # its end before its start: skipped
    path = tmp_path / f"ged{suffix}"
    rows.write_csv(path) if suffix == ".csv" else rows.write_parquet(path)
    code, out, err = cli("explain", str(path), bad, "--rules", "syria-2016-09")
    assert (code, out) == (2, "")
    where = f"{path}:10:" if suffix == ".csv" else f"{path}: row 9:"
    assert err.splitlines()[-1] == (
        f"error: {where} incident `{bad}` is a row skipped as bad: `date_end` `2016-09-15 00:00:00.000` is before "
        "`date_start` `2016-09-18 00:00:00.000`; expected an end on or after the start"
    )
    code, _, err = cli("explain", str(path), bad + "0", "--rules", "syria-2016-09")  # no such row: as before
    assert code == 2 and f"no incident `{bad}0`" in err

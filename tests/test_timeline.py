"""`ceasefire timeline`: verdicts per day and party, with phases and escalation, in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.evaluation.durable import AVAILABLE
from tests.conftest import ENGINES, ONE_NAME, ROOT, Cli, alike, engine_blanked, formulas, spreadsheet_cells

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
JIC = ROOT / "scenarios" / "syria-2016-09-jic.yaml"
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"
VERDICTS = ["violation", "permitted", "not_covered", "disputed", "undetermined"]


def ok(cli: Cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 0, err
    return out


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_totals_equal_runs_summary(cli: Cli, scenario: Path) -> None:
    run = json.loads(ok(cli, "run", str(scenario), "-f", "json", "-e", "columnar"))
    timeline = json.loads(ok(cli, "timeline", str(scenario), "-f", "json", "-e", "columnar"))
    assert timeline["summary"] == run["summary"]
    # every incident is on some row: each day's parties count each verdict at least once
    counted = {v: sum(day[v] for day in timeline["days"]) for v in VERDICTS}
    assert all(counted[v] >= run["summary"][v] for v in VERDICTS)
    assert list(timeline) == ["scenario", "ruleset", "engine", "timezone", "days", "phases", "escalation", "summary"]


def test_the_jic_scenario_shows_both_phases_and_its_days(cli: Cli) -> None:
    timeline = json.loads(ok(cli, "timeline", str(JIC), "-f", "json", "-e", "columnar"))
    assert [p["phase"] for p in timeline["phases"]] == ["initial", "jic"]
    assert timeline["phases"][1]["from"] == "2016-09-20T00:00:00+03:00"
    assert timeline["phases"][0]["until"] == timeline["phases"][1]["from"]
    days = [d["day"] for d in timeline["days"]]
    assert "2016-09-12" in days and "2016-09-20" in days and "2016-09-21" in days
    assert days[-1] is None  # an incident whose time falls on no one day: a row of its own, last
    table = ok(cli, "timeline", str(JIC), "-e", "columnar")
    for text in ("initial", "jic", "2016-09-20", "no one day", "incidents by day"):
        assert text in table


def test_escalation_episodes_are_listed(cli: Cli, tmp_path: Path) -> None:
    rules = tmp_path / "escalating.yaml"
    rules.write_text(
        "extends: syria-2016-09\nid: syria-2016-09-escalating\ntitle: with escalation terms\n"
        "escalation:\n  violations: 1\n  hours: 48\n"
    )
    timeline = json.loads(ok(cli, "timeline", str(WEEK), "-r", str(rules), "-f", "json", "-e", "columnar"))
    parties = {e["party"] for e in timeline["escalation"]}
    assert "Syrian government forces" in parties
    assert all(e["from"].endswith("+03:00") and e["violations"] >= 1 for e in timeline["escalation"])
    assert "escalation" in ok(cli, "timeline", str(WEEK), "-r", str(rules), "-e", "columnar")


@pytest.mark.parametrize("scenario", [JIC, WEEK], ids=lambda p: p.stem)
def test_json_is_the_same_bytes_on_either_engine(cli: Cli, scenario: Path) -> None:
    texts = set()
    for engine in ENGINES:
        if not isinstance(engine, str):  # durable, marked to skip where durable_rules is absent
            if not AVAILABLE:
                pytest.skip("durable_rules absent")
            (engine,) = engine.values
        texts.add(engine_blanked(ok(cli, "timeline", str(scenario), "-f", "json", "-e", str(engine))))
    assert len(texts) == 1


def test_csv_has_a_header_and_a_row_per_day_and_party(cli: Cli) -> None:
    text = ok(cli, "timeline", str(WEEK), "-f", "csv", "-e", "columnar")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["day", "party", *VERDICTS]
    timeline = json.loads(ok(cli, "timeline", str(WEEK), "-f", "json", "-e", "columnar"))
    assert len(rows) - 1 == len(timeline["days"])
    assert rows[1][0] == "2016-09-12" and all(cell.isdigit() for cell in rows[1][2:])


def test_a_party_a_spreadsheet_would_run_as_a_formula_is_quoted_in_csv(cli: Cli, tmp_path: Path) -> None:
    rows = spreadsheet_cells(ok(cli, "timeline", formulas(tmp_path), "-f", "csv", "-e", "columnar"))
    assert rows[0] == ["day", "party", *VERDICTS]
    assert ["2016-09-13", '\'=HYPERLINK("http://evil","x") (unresolved)', "0", "0", "0", "0", "1"] in rows


def test_the_plot_is_an_svg_the_same_bytes_each_time(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    charts = []
    for name in ("a.svg", "b.svg"):
        ok(cli, "timeline", str(JIC), "-e", "columnar", "--plot", str(tmp_path / name), "-f", "csv")
        charts.append((tmp_path / name).read_bytes())
    assert charts[0].startswith(b"<?xml") or b"<svg" in charts[0]
    assert charts[0] == charts[1]


def test_the_plot_can_be_a_png(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    ok(cli, "timeline", str(WEEK), "-e", "columnar", "--plot", str(tmp_path / "days.png"), "-o", str(tmp_path / "t"))
    assert (tmp_path / "days.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "t").exists()


def test_a_plot_that_is_neither_png_nor_svg_is_refused(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    code, stdout, err = cli("timeline", str(JIC), "--plot", str(tmp_path / "x.txt"), "-o", str(out))
    assert (code, stdout) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and ".svg" in err
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_the_plot_says_what_to_install(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    code, stdout, err = cli("timeline", str(JIC), "--plot", str(tmp_path / "x.svg"))
    assert (code, stdout) == (2, "")
    assert len(err.splitlines()) == 1 and "pip install 'ceasefire-sim[plot]'" in err
    assert list(tmp_path.iterdir()) == []


def test_help_text(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit):
        main(["timeline", "--help"])
    out = capsys.readouterr().out
    assert "examples:" in out and "ceasefire timeline scenarios/syria-2016-09-jic.yaml --plot days.svg" in out
    assert "--plot" in out and "csv" in out


def test_the_spellings_of_an_unresolved_actor_that_match_alike_are_one_party_each_day(cli: Cli, tmp_path: Path) -> None:
    timeline = json.loads(ok(cli, "timeline", str(alike(tmp_path)), "-r", "syria-2016-09", "-f", "json"))
    named = [(day["day"], day["party"], day["undetermined"]) for day in timeline["days"] if day["undetermined"]]
    assert named == [("2016-09-14", ONE_NAME, 3), ("2016-09-15", ONE_NAME, 2)]

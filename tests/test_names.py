"""`ceasefire names`: each spelling of a person in a scenario or table, where and how often told, and what it names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from engine.analysis.names import list_names, spellings
from engine.incidents.frame import frame_of
from engine.incidents.load import load_input
from engine.incidents.model import Incident
from engine.ruleset.load import load_ruleset
from tests.conftest import ROOT, Cli, alike, formulas, spreadsheet_cells

RULESET = r"""
id: names
title: A truce with spellings by pattern
agreement: {name: Test agreement}
timezone: Asia/Damascus
window: {from: 2016-09-12T19:00:00+03:00, until: 2016-09-20T00:00:00+03:00}
scope: {country: Syria}
parties:
  army:
    name: Syrian government forces
    role: covered
    side: government
    aliases: [SAA]
    patterns: [{pattern: 'Military Forces of Syria \(2000-(2024)?\)( .+)?', from: 2000-01-01, until: 2016-09-16}]
  rebels: {name: Rebels, role: covered, side: opposition, patterns: ['.*Rebels.*']}
  isis: {name: Islamic State, role: excluded, aliases: [ISIS], patterns: ['.* \(IS\)']}
civilians: {patterns: ['Civilians \([^()]+\)']}
acts:
  shelling: {hostile: true}
rules:
  - {id: attack, clause: c, priority: 1, when: {act.hostile: true}, verdict: violation, explanation: x}
"""

TABLE = [
    # the army's dated spelling: inside its days on the 13th, outside them on the 17th
    '{"id": "a1", "time": "2016-09-13T10:00:00+03:00", "actor": "Military Forces of Syria (2000-)", "act": "shelling",'
    ' "target": "Civilians (Syria)", "location": {"country": "Syria"}, "assoc_actor": ["Military Forces of Russia"]}',
    '{"id": "a2", "time": "2016-09-17T10:00:00+03:00", "actor": "Military Forces of Syria (2000-)", "act": "shelling",'
    ' "target": "Free Rebels (IS)", "location": {"country": "Syria"}}',
    # outside the scope; its accounts name other actors, the first without a time of its own
    '{"id": "a3", "time": "2016-09-14", "actor": "Military Forces of Syria (2000-) Air Force", "act": "shelling",'
    ' "target": "Civilians (Syria)", "location": {"country": "Iraq"},'
    ' "accounts": [{"source": "X", "actor": "SAA"},'
    ' {"source": "Y", "actor": "Syrian Arab Amry", "time": "2016-09-15"}]}',
    # before the window
    '{"id": "a4", "time": "2016-09-01", "actor": "SAA", "act": "shelling", "target": "Civilians (Syria)",'
    ' "location": {"country": "Syria"}, "assoc_target": ["Free Rebels"]}',
]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    (tmp_path / "names.yaml").write_text(RULESET, encoding="utf-8")
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(TABLE) + "\n", encoding="utf-8")
    return path


def listed(table: Path) -> list[tuple[str, tuple[str, ...], int, int, str, str]]:
    found = list_names(load_input(table, str(table.parent / "names.yaml"))).spellings
    return [(s.spelling, s.fields, s.rows, s.inside, s.names, s.how) for s in found]


def test_every_spelling_is_listed_with_where_how_often_and_what_it_names(table: Path) -> None:
    assert listed(table) == [
        ("Free Rebels (IS)", ("target",), 1, 1, "unresolved", "ambiguous"),
        ("Military Forces of Russia", ("assoc_actor",), 1, 1, "unresolved", "none"),
        ("Military Forces of Syria (2000-)", ("actor",), 1, 1, "unresolved", "dated"),
        ("Syrian Arab Amry", ("actor",), 1, 0, "unresolved", "none"),
        ("Civilians (Syria)", ("target",), 3, 1, "civilians", "pattern"),
        ("SAA", ("actor",), 2, 0, "army (covered)", "alias"),
        ("Free Rebels", ("assoc_target",), 1, 0, "rebels (covered)", "pattern"),
        ("Military Forces of Syria (2000-)", ("actor",), 1, 1, "army (covered)", "pattern"),
        ("Military Forces of Syria (2000-) Air Force", ("actor",), 1, 0, "army (covered)", "pattern"),
    ]


def test_an_unresolved_spelling_says_why(table: Path) -> None:
    found = {(s.spelling, s.how): s for s in list_names(load_input(table, str(table.parent / "names.yaml"))).spellings}
    assert found["Free Rebels (IS)", "ambiguous"].why == (
        r"matches patterns of more than one party or class: `.*Rebels.*` (rebels), `.* \(IS\)` (isis)"
    )
    dated = found["Military Forces of Syria (2000-)", "dated"]
    assert dated.why is not None and "(army, valid only from 2000-01-01 until 2016-09-16)" in dated.why
    assert dated.why.endswith("and the time told lies outside those days")
    assert found["Syrian Arab Amry", "none"].why == "resolves to no party or class"
    assert found["SAA", "alias"].why is None and found["SAA", "alias"].pattern is None
    assert found["Civilians (Syria)", "pattern"].pattern == r"Civilians \([^()]+\)"


def test_an_unresolved_spelling_says_what_check_suggests_for_it() -> None:
    told = Incident(id="i", time="2016-09-14T10:00:00+03:00", actor="Jabhat al-Nusr", act="shelling", target="FSA")
    nusra = next(s for s in spellings(load_ruleset("syria-2016-09"), frame_of([told])) if not s.resolved)
    assert nusra.why == "resolves to no party or class; did you mean `Jabhat al-Nusra` (Jabhat Fateh al-Sham)?"


def test_a_spelling_in_several_fields_is_one_line_and_a_record_counts_once() -> None:
    compiled = load_ruleset("syria-2016-09")
    both = Incident(id="i", time="2016-09-14T10:00:00+03:00", actor="FSA", act="shelling", target="FSA",
                    intended_target="FSA", assoc_target=["FSA"])  # fmt: skip
    (fsa,) = spellings(compiled, frame_of([both]))
    assert (fsa.spelling, fsa.fields, fsa.rows, fsa.incidents, fsa.names) == (
        "FSA",
        ("actor", "target", "intended_target", "assoc_target"),
        1,
        1,
        "opposition (covered)",
    )


def test_the_table_format_lists_unresolved_first(cli: Cli, table: Path) -> None:
    code, out, err = cli("names", str(table), "--rules", str(table.parent / "names.yaml"), "--width", "200")
    assert (code, err) == (0, "")
    assert "t · ruleset names · 9 spellings, 4 unresolved" in out
    lines = [line for line in out.splitlines() if "Free Rebels (IS)" in line or "SAA" in line]
    assert len(lines) == 2 and "unresolved" in lines[0] and "army (covered)" in lines[1]


def test_csv_and_json_are_for_programs(cli: Cli, table: Path) -> None:
    rules = str(table.parent / "names.yaml")
    code, out, _ = cli("names", str(table), "-r", rules, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 9 and rows[0]["spelling"] == "Free Rebels (IS)" and rows[0]["party"] == ""
    assert rows[4] == {
        "spelling": "Civilians (Syria)",
        "told_as": "target",
        "rows": "3",
        "inside": "1",
        "resolved": "civilians",
        "party": "civilians",
        "role": "civilians",
        "side": "",
        "how": "pattern",
        "pattern": r"Civilians \([^()]+\)",
        "why": "",
        "counted_as": "",
    }
    code, out, _ = cli("names", str(table), "-r", rules, "-f", "json")
    data = json.loads(out)
    assert (data["scenario"], data["ruleset"], data["summary"]) == ("t", "names", {"spellings": 9, "unresolved": 4})
    assert data["spellings"][0]["party"] is None and data["spellings"][0]["told_as"] == ["target"]
    assert cli("names", str(table), "-r", rules, "-f", "json")[1] == out  # deterministic


def test_output_is_written_only_when_the_run_succeeds(cli: Cli, table: Path, tmp_path: Path) -> None:
    report = tmp_path / "names.csv"
    assert cli("names", str(table), "-r", str(table.parent / "names.yaml"), "-f", "csv", "-o", str(report))[:2] == (
        0,
        "",
    )
    assert report.read_text(encoding="utf-8").startswith("spelling,told_as,rows,inside,resolved,")
    missing = tmp_path / "other.csv"
    code, _, err = cli("names", str(table), "-r", "no-such-ruleset", "-o", str(missing))
    assert code == 2 and "no ruleset `no-such-ruleset`" in err and not missing.exists()
    assert cli("names", str(table), "-r", str(table.parent / "names.yaml"), "-o", str(table))[0] == 2  # an input


def test_a_table_needs_a_ruleset_and_a_scenario_names_its_own(cli: Cli, table: Path) -> None:
    code, _, err = cli("names", str(table))
    assert code == 2 and "pass --rules RULESET" in err
    code, out, _ = cli("names", str(ROOT / "scenarios" / "syria-week-2016-09.yaml"), "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["ruleset"] == "syria-2016-09" and data["summary"]["unresolved"] == 1
    assert data["spellings"][0]["spelling"] == "militants"


def test_check_warns_at_the_names_names_lists_as_unresolved(cli: Cli, table: Path) -> None:
    rules = str(table.parent / "names.yaml")
    code, out, err = cli("check", str(table), "--rules", rules)
    assert (code, out) == (0, "1 file checked: 4 warnings\n")
    assert err.splitlines() == [
        f"warning: {table}:1: assoc_actor: `Military Forces of Russia` resolves to no party or class (incident `a1`)",
        f"warning: {table}:2: actor: `Military Forces of Syria (2000-)` matches only patterns valid between days: "
        r"`Military Forces of Syria \(2000-(2024)?\)( .+)?` (army, valid only from 2000-01-01 until 2016-09-16), "
        "and the time told lies outside those days (incident `a2`)",
        f"warning: {table}:2: target: `Free Rebels (IS)` matches patterns of more than one party or class: "
        r"`.*Rebels.*` (rebels), `.* \(IS\)` (isis) (incident `a2`)",
        f"warning: {table}:3: actor: `Syrian Arab Amry` resolves to no party or class (incident `a3`)",
    ]


def test_help_gives_examples(cli: Cli) -> None:
    with pytest.raises(SystemExit) as exc:
        cli("names", "--help")
    assert exc.value.code == 0


def test_a_spelling_a_spreadsheet_would_run_as_a_formula_is_quoted_in_csv(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("names", formulas(tmp_path), "--format", "csv")
    assert code == 0
    spelled = {row[0]: row for row in spreadsheet_cells(out)[1:]}
    assert {'\'=HYPERLINK("http://evil","x")', "'+cmd", "-3.5"} <= spelled.keys()  # a number stays a number
    assert spelled["-3.5"][2] == "1"


def test_the_spellings_the_counts_by_party_count_as_one_say_under_which(cli: Cli, tmp_path: Path) -> None:
    path = alike(tmp_path)
    code, out, _ = cli("names", str(path), "-r", "syria-2016-09", "-f", "csv")
    assert code == 0
    rows = {row["spelling"]: row for row in csv.DictReader(io.StringIO(out))}
    # each spelling stays a line of its own, to be added to the ruleset as it is told
    assert {s: rows[s]["counted_as"] for s in ("Hezbollah", "HEZBOLLAH", " hezbollah ", "Hez-bollah")} == dict.fromkeys(
        ("Hezbollah", "HEZBOLLAH", " hezbollah ", "Hez-bollah"), "Hezbollah"
    )
    assert rows["FSA"]["counted_as"] == rows["SAA"]["counted_as"] == ""  # resolved; SAA is told as a target alone
    code, out, _ = cli("names", str(path), "-r", "syria-2016-09", "-f", "json")
    assert [s["counted_as"] for s in json.loads(out)["spellings"] if s["spelling"] == "Hez-bollah"] == ["Hezbollah"]
    code, out, _ = cli("names", str(path), "-r", "syria-2016-09", "--width", "200")
    assert code == 0
    line = next(line for line in out.splitlines() if "HEZBOLLAH" in line)
    assert line.endswith("resolves to no party or class; counted as `Hezbollah`")
    line = next(line for line in out.splitlines() if line.startswith("  Hezbollah "))
    assert line.endswith("resolves to no party or class")  # the name the others are counted as

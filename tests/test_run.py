"""`ceasefire run`: formats, determinism, tables of incidents, and writing only on success."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine.cli.main import main
from engine.cli.run import load_report, reports_of
from engine.incidents import synthetic, tables
from engine.incidents.load import load_input
from engine.report.data import write_json
from tests.conftest import ENGINES, ONE_NAME, ROOT, Cli, alike, durable_only, engine_blanked

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")


@pytest.mark.parametrize("engine", ENGINES)
def test_json_report_has_the_documented_shape(cli: Cli, engine: str) -> None:
    code, out, _ = cli("run", DEZ, "--format", "json", "--engine", engine)
    assert code == 0
    report = json.loads(out)
    assert (report["scenario"], report["ruleset"], report["engine"]) == (
        "deir-ezzor-2016-09-17",
        "syria-2016-09",
        engine,
    )
    assert report["summary"] == {"violation": 0, "permitted": 0, "not_covered": 1, "disputed": 1, "undetermined": 0}
    strike = report["verdicts"][0]
    assert set(strike) == {
        "incident",
        "phase",
        "verdict",
        "rule",
        "clause",
        "explanation",
        "matched",
        "flags",
        "actors",
        "accounts",
    }
    assert strike["actors"] == ["coalition"]
    assert strike["accounts"][0]["source"] == "CENTCOM"
    assert {"source", "actor", "verdict", "rule"} <= set(strike["accounts"][0])
    assert strike["accounts"][0]["actor"] == "coalition"


def test_json_is_byte_identical_across_runs(cli: Cli) -> None:
    first = cli("run", DEZ, "-f", "json", "-e", "columnar")[1]
    second = cli("run", DEZ, "-f", "json", "-e", "columnar")[1]
    assert first == second


@durable_only
def test_json_of_the_engines_differs_only_in_their_name(cli: Cli) -> None:
    columnar, durable = (cli("run", DEZ, "-f", "json", "-e", engine)[1] for engine in ("columnar", "durable"))
    assert durable != columnar
    assert engine_blanked(durable) == engine_blanked(columnar)


def test_table_report_matches_golden(cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("run", DEZ, "--engine", "columnar", "--width", "160")
    assert code == 0
    golden("deir-ezzor.table.txt", out)
    assert "\x1b[" not in out  # not a terminal: plain text


def test_markdown_report_matches_golden(cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("run", DEZ, "--engine", "columnar", "--format", "markdown")
    assert code == 0
    golden("deir-ezzor.md", out)


def test_set_flips_the_airstrike_to_violation(cli: Cli) -> None:
    _, out, _ = cli("run", DEZ, "-f", "json", "-e", "columnar", "--set", "policy.mistaken_target=violation")
    assert json.loads(out)["verdicts"][0]["verdict"] == "violation"


def test_output_is_written_only_when_the_run_succeeds(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    assert cli("run", DEZ, "-f", "json", "-o", str(target))[0] == 0
    assert json.loads(target.read_text())["scenario"] == "deir-ezzor-2016-09-17"
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\n")
    missing = tmp_path / "never.json"
    code, _, err = cli("run", str(bad), "-f", "json", "-o", str(missing))
    assert code == 2 and err.startswith("error: ") and not missing.exists()
    assert list(tmp_path.iterdir()) == sorted([target, bad], key=lambda p: list(tmp_path.iterdir()).index(p))


def as_incident(row: dict[str, object]) -> dict[str, object]:
    """A flat CSV-style row in the nested incident form of JSON Lines and YAML."""
    out = {k: v for k, v in row.items() if k not in ("region", "killed", "wounded")}
    if "region" in row:
        out["location"] = {"region": row["region"]}
    if "killed" in row or "wounded" in row:
        out["casualties"] = {k: row[k] for k in ("killed", "wounded") if k in row}
    return out


def test_jsonl_csv_and_parquet_tables_give_the_same_report(cli: Cli, tmp_path: Path) -> None:
    clash = {"time": "2016-09-14T10:00:00+03:00", "act": "Armed clash", "region": "Aleppo"}
    rows: list[dict[str, Any]] = [
        {
            "id": "a",
            "time": "2016-09-14T10:00:00+03:00",
            "actor": "SAA",
            "act": "shelling",
            "target": "FSA",
            "region": "Hama",
        },
        {
            "id": "b",
            "time": "2016-09-14",
            "actor": "coalition",
            "act": "Air/drone strike",
            "target": "Daesh",
            "region": "Deir ez-Zor",
            "killed": 3,
        },
        {
            "id": "c",
            "time": "2016-09-10T10:00:00+03:00",
            "actor": "Syrian Arab Army",
            "act": "shelling",
            "target": "FSA",
        },
        {"id": "d", "actor": "mystery men", "act": "shelling", "target": "FSA"},
        {"id": "e", **clash, "actor": "SAA", "target": "FSA", "mutual": True},
        {"id": "f", **clash, "actor": "Jabhat al-Nusra", "target": "SAA", "mutual": True},
        {"id": "g", **clash, "actor": "Jabhat al-Nusra", "target": "SAA", "mutual": False},
    ]
    columns = ["id", "time", "actor", "act", "target", "intended_target", "region", "killed", "wounded", "mutual"]
    folders = {suffix: tmp_path / suffix for suffix in ("jsonl", "csv", "parquet")}
    for folder in folders.values():
        folder.mkdir()
    # each format read by its own name, `events`: the reports' headers name it
    (folders["jsonl"] / "events.jsonl").write_text("\n".join(json.dumps(as_incident(r)) for r in rows) + "\n")
    cells = [[str(r.get(c, "")) for c in columns] for r in rows]  # Python's `True` and `False`, as pandas writes
    (folders["csv"] / "events.csv").write_text("\n".join(",".join(line) for line in [columns, *cells]) + "\n")
    schema = {c: pl.Int64() if c in ("killed", "wounded") else pl.String() for c in columns} | {"mutual": pl.Boolean()}
    pl.DataFrame([{c: r.get(c) for c in columns} for r in rows], schema=schema).write_parquet(
        folders["parquet"] / "events.parquet"
    )
    reports = []
    for suffix, folder in folders.items():
        code, out, err = cli("run", str(folder / f"events.{suffix}"), "--rules", "syria-2016-09", "-f", "json")
        assert code == 0, err
        reports.append(out)
    assert reports[0] == reports[1] == reports[2]
    verdicts = json.loads(reports[0])["verdicts"]
    assert [(v["incident"], v["verdict"], v["rule"]) for v in verdicts] == [
        ("a", "violation", "attack-on-covered-party"),
        ("b", "permitted", "strike-on-excluded"),
        ("c", "not_covered", "outside-window"),
        ("d", "undetermined", "actor-unresolved"),
        ("e", "violation", "attack-on-covered-party"),
        ("f", "permitted", "strike-on-excluded"),
        ("g", "not_covered", "actor-not-bound"),
    ]
    assert [v["actors"] for v in verdicts[4:]] == [["syrian-government", "opposition"], ["syrian-government"], ["jfs"]]


@pytest.mark.parametrize(
    ("content", "suffix", "message"),
    [
        ('{"id": "a", "actor": 3}\n', ".jsonl", "events.jsonl:1: actor: expected text, got `3`"),
        ('{"id": "a"}\nnot json\n', ".jsonl", "events.jsonl:2: not a JSON object"),
        ("id,actr\na,SAA\n", ".csv", "events.csv:1: unknown column `actr`; did you mean `actor`?"),
        ("id,killed\na,many\n", ".csv", "events.csv:2: casualties.killed: expected a whole number, got `many`"),
        ("id,killed\na,-3\n", ".csv", "events.csv:2: casualties.killed: `-3` is too small; expected at least 0"),
        ("id,mutual\na,true\nb,yes\n", ".csv", "events.csv:3: mutual: expected true or false, got `yes`"),
        ('{"id": "a", "mutual": "yes"}\n', ".jsonl", "events.jsonl:1: mutual: expected true or false, got text `yes`"),
        (
            '{"id": "a", "expect": 5}\n',
            ".jsonl",
            "events.jsonl:1: expect: expected one of violation, permitted, not_covered, disputed, undetermined",
        ),
        ('{"id": "a"}\n{"id": "a"}\n', ".jsonl", "events.jsonl:2: id: incident id `a` is used twice (first on line 1)"),
        (
            '{"id": "a", "time": "2016-09-14T10:00:00"}\n',
            ".jsonl",
            "events.jsonl:1: time: `2016-09-14T10:00:00` has no UTC offset",
        ),
    ],
)
def test_bad_tables_get_one_line_and_exit_2(cli: Cli, tmp_path: Path, content: str, suffix: str, message: str) -> None:
    path = tmp_path / f"events{suffix}"
    path.write_text(content)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {path.parent}/{message}")


def test_a_table_without_rules_says_what_to_pass(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"id": "a"}\n')
    code, _, err = cli("run", str(path))
    assert code == 2 and "pass --rules RULESET" in err


def test_usage_errors_are_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", DEZ, "--format", "yaml"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_brackets_and_colons_in_names_are_shown_as_written_not_read_as_markup(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    incident = {
        "id": "a[/]b",
        "actor": "[bold red]Army[/",
        "act": "shelling :bomb:",
        "target": "Jaysh al-Islam [JaI]",
        "time": "2016-09-15T10:00:00+03:00",
    }
    table = tmp_path / "marked.jsonl"
    table.write_text(json.dumps(incident) + "\n", encoding="utf-8")
    assert main(["run", str(table), "--rules", "syria-2016-09", "--engine", "columnar"]) == 0
    out = capsys.readouterr().out
    assert "a[/]b" in out and "[bold red]Army[/ → Jaysh al-Islam [JaI]" in out and "shelling :bomb:" in out
    assert main(["explain", str(table), "a[/]b", "--rules", "syria-2016-09", "--engine", "columnar"]) == 0
    out = capsys.readouterr().out
    assert "actor: [bold red]Army[/" in out and "target: Jaysh al-Islam [JaI]" in out


def test_counts_by_acting_party_follow_the_accounts(tmp_path: Path) -> None:
    scenario = tmp_path / "attr.yaml"
    scenario.write_text(
        "scenario: attr\ntitle: t\nruleset: syria-2016-09\nincidents:\n"
        "  - id: convoy\n    time: 2016-09-19T20:00:00+03:00\n"
        "    location: {admin1: Aleppo}\n    actor: US-led coalition\n"
        "    act: airstrike\n    target: aid convoy\n    accounts:\n"
        "      - {source: US officials, actor: Russian Air Force}\n"
        "      - {source: UN inquiry, actor: Russian military}\n"
        "  - id: split\n    time: 2016-09-19T20:00:00+03:00\n"
        "    location: {admin1: Aleppo}\n    act: shelling\n    target: civilians\n"
        "    accounts:\n      - {source: A, actor: Syrian Arab Army}\n      - {source: B, actor: Russian Air Force}\n",
        encoding="utf-8",
    )
    report = load_report(scenario, None, "columnar")
    assert [v.verdict for v in report.verdicts] == ["violation", "violation"]
    assert report.by_party() == {
        "(accounts name different actors)": {**dict.fromkeys(report.summary(), 0), "violation": 1},
        "Russian armed forces": {**dict.fromkeys(report.summary(), 0), "violation": 1},
    }


def test_the_old_engine_name_native_runs_columnar_and_says_so_once(cli: Cli) -> None:
    scenario = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
    code, out, err = cli("run", scenario, "--engine", "native", "--format", "json")
    assert code == 0
    assert err == "note: --engine native is now called columnar; the old name goes in a later release\n"
    assert json.loads(out)["engine"] == "columnar"
    assert out == cli("run", scenario, "--engine", "columnar", "--format", "json")[1]


def test_a_table_judged_as_it_is_read_gives_the_report_of_the_table_read_whole(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.jsonl"
    synthetic.write_jsonl(path, 2000, 3)
    expected = io.StringIO()
    write_json(reports_of(load_input(path, "syria-2016-09"), None), expected)
    monkeypatch.setattr(tables, "JSONL_BLOCK", 10_000)  # about 30 blocks
    assert cli("run", str(path), "-r", "syria-2016-09", "-f", "json")[:2] == (0, expected.getvalue())


def test_an_id_given_again_late_in_a_table_is_refused_and_nothing_is_written(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "events.csv"
    path.write_text("id,act\n" + "".join(f"r{i},shelling\n" for i in range(3000)) + "r7,shelling\n", encoding="utf-8")
    monkeypatch.setattr(tables, "BLOCK", 4096)
    output = tmp_path / "report.jsonl"
    code, out, err = cli("run", str(path), "-r", "syria-2016-09", "-f", "jsonl", "-o", str(output))
    assert (code, out) == (2, "")
    assert err == f"error: {path}:3002: id: incident id `r7` is used twice (first on line 9)\n"
    assert list(tmp_path.iterdir()) == [path]


def test_rules_gives_a_scenario_that_names_none_its_ruleset(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text(
        "scenario: none\ntitle: t\nincidents:\n  - {id: a, time: 2016-09-14T10:00:00+03:00, actor: FSA, act: shelling,"
        " target: SAA, location: {admin1: Idlib}}\n",
        encoding="utf-8",
    )
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-02", "--format", "json")
    assert code == 0 and json.loads(out)["ruleset"] == "syria-2016-02"
    code, _, err = cli("run", str(path))
    assert code == 2
    hint = "name it (`ruleset: syria-2016-09`) or pass --rules RULESET"
    assert err == f"error: {path}:1:1: `ruleset` is required; {hint}\n"


@pytest.mark.parametrize("engine", ENGINES)
def test_the_spellings_of_an_unresolved_actor_that_match_alike_are_counted_as_one(
    cli: Cli, tmp_path: Path, engine: str
) -> None:
    path = alike(tmp_path)
    report = load_report(path, "syria-2016-09", engine)
    opposition = "Armed opposition groups party to the cessation"
    assert report.by_party() == {
        opposition: {"violation": 1, "permitted": 0, "not_covered": 0, "disputed": 0, "undetermined": 0},
        ONE_NAME: {"violation": 0, "permitted": 0, "not_covered": 0, "disputed": 0, "undetermined": 5},
    }
    assert report.parties().to_list() == [[ONE_NAME]] * 5 + [[opposition]]
    code, out, _ = cli("run", str(path), "-r", "syria-2016-09", "-f", "markdown", "--engine", engine)
    assert code == 0 and f"| {ONE_NAME} | 0 | 0 | 0 | 0 | 5 |\n" in out and out.count("(unresolved) |") == 1
    code, out, _ = cli("run", str(path), "-r", "syria-2016-09", "--engine", engine, "--width", "200")
    assert code == 0 and out.count("(unresolved)") == 1
    code, out, _ = cli("run", str(path), "-r", "syria-2016-09", "-f", "html", "--engine", engine)
    options = out.split('<select id="party">')[1].split("</select>")[0]
    assert code == 0 and options.count("<option>") == 2 and f"<option>{ONE_NAME}</option>" in options
    assert out.count(f'data-parties="{ONE_NAME}"') == 5


def test_the_spelling_shown_is_the_most_told_then_the_first_told() -> None:
    from engine.evaluation.result import unresolved_spellings

    compiled = load_report(DEZ, None, "columnar").compiled

    def shown(*told: str | None) -> dict[str, str]:
        return unresolved_spellings(compiled, pl.Series(told, dtype=pl.String()))

    assert shown("HEZBOLLAH", "hezbollah", None, "hezbollah") == {"HEZBOLLAH": "hezbollah", "hezbollah": "hezbollah"}
    assert shown("HEZBOLLAH", "hezbollah") == {"HEZBOLLAH": "HEZBOLLAH", "hezbollah": "HEZBOLLAH"}
    assert shown("hezbollah", "HEZBOLLAH") == {"HEZBOLLAH": "hezbollah", "hezbollah": "hezbollah"}
    # a spelling a ruleset resolves is not among them, nor one that matches it alike only as names do not (`-`)
    assert shown("SAA", "saa", "?", "--", "-") == {"?": "?", "--": "--", "-": "-"}


def test_a_table_judged_in_parts_counts_its_parties_as_judged_whole(tmp_path: Path) -> None:
    from collections import Counter

    from engine.evaluation.pipeline import Evaluator

    # the most told spelling lies in the last part alone; a ruleset whose verdicts depend on no other incident
    loaded = load_input(alike(tmp_path, ("HEZBOLLAH", "FSA", " hezbollah ", "Hezbollah", "Hezbollah")), "syria-2016-02")
    assert not loaded.compiled.over_time
    with Evaluator(loaded.compiled, "columnar") as evaluator:
        whole = evaluator.report(loaded.name, loaded.frame)
        parts = list(evaluator.reports(loaded.name, loaded.frame, batch=2))
    assert len(parts) == 3
    assert pl.concat([p.parties() for p in parts]).to_list() == whole.parties().to_list()
    summed: dict[str, Counter[str]] = {}
    for part in parts:
        for who, counts in part.by_party().items():
            summed.setdefault(who, Counter()).update(counts)
    assert summed == {who: Counter(counts) for who, counts in whole.by_party().items()}
    assert set(summed) == {"Armed opposition groups party to the cessation", ONE_NAME}

"""`ceasefire whatif`: what changes under a variant, in table and JSON form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.cli.main import main
from tests.conftest import ENGINES, ROOT, Cli, durable_only, engine_blanked

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
WEEK = ROOT / "scenarios" / "syria-week-2016-09.yaml"
VARIANTS = ROOT / "rules" / "variants"
STRICT = str(VARIANTS / "strict-liability.yaml")
SUMMARY_DEZ = {"violation": 0, "permitted": 0, "not_covered": 1, "disputed": 1, "undetermined": 0}


def as_json(cli: Cli, *args: str) -> dict[str, Any]:
    code, out, err = cli("whatif", *args, "--format", "json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def side(verdict: str, rule: str | None) -> dict[str, Any]:
    return {"verdict": verdict, "rule": rule}


def decided(d: dict[str, Any]) -> dict[str, Any]:
    return {"verdict": d["verdict"], "rule": d["rule"]}


@pytest.mark.parametrize("engine", ENGINES)
def test_strict_liability_turns_the_airstrike_from_disputed_into_violation(cli: Cli, engine: str) -> None:
    result = as_json(cli, DEZ, "--variant", STRICT, "--engine", engine)
    assert (result["scenario"], result["engine"], result["incidents"]) == ("deir-ezzor-2016-09-17", engine, 2)
    assert result["base"] == {"ruleset": "syria-2016-09", "summary": SUMMARY_DEZ}
    [variant] = result["variants"]
    assert (variant["name"], variant["ruleset"], variant["file"], variant["sets"]) == (
        "syria-2016-09-strict-liability",
        "syria-2016-09-strict-liability",
        STRICT,
        [],
    )
    assert variant["summary"] == {**SUMMARY_DEZ, "violation": 1, "disputed": 0}
    [change] = variant["changes"]  # the ISIS attack does not change, so it is not reported
    assert change["incident"] == "dez-airstrike"
    assert decided(change["base"]) == side("disputed", None)
    assert decided(change["variant"]) == side("violation", "mistaken-strike-violation")
    accounts = {a["source"]: (a["changed"], decided(a["base"]), decided(a["variant"])) for a in change["accounts"]}
    assert accounts["CENTCOM"] == (
        True,
        side("permitted", "mistaken-strike-permitted"),
        side("violation", "mistaken-strike-violation"),
    )
    assert accounts["Syrian military (SANA)"] == (
        False,
        side("violation", "attack-on-covered-party"),
        side("violation", "attack-on-covered-party"),
    )
    assert len(accounts) == 4


def test_set_alone_makes_one_variant_of_the_base(cli: Cli) -> None:
    inline = as_json(cli, DEZ, "--set", "policy.mistaken_target=violation", "-e", "columnar")
    from_file = as_json(cli, DEZ, "--variant", STRICT, "-e", "columnar")
    [variant] = inline["variants"]
    assert variant["name"] == "syria-2016-09 + policy.mistaken_target=violation"
    assert (variant["ruleset"], variant["file"], variant["sets"]) == (
        "syria-2016-09",
        None,
        ["policy.mistaken_target=violation"],
    )
    assert variant["changes"] == from_file["variants"][0]["changes"]


def test_set_with_variants_changes_every_variant_but_not_the_base(cli: Cli) -> None:
    unbound = str(VARIANTS / "sponsors-not-bound.yaml")
    result = as_json(
        cli, DEZ, "-V", unbound, "-V", STRICT, "--set", "policy.mistaken_target=violation", "-e", "columnar"
    )
    assert result["base"]["summary"] == SUMMARY_DEZ
    names = [v["name"] for v in result["variants"]]
    assert names == [
        "syria-2016-09-sponsors-not-bound + policy.mistaken_target=violation",
        "syria-2016-09-strict-liability + policy.mistaken_target=violation",
    ]
    # the coalition unbound comes first (its rule decides before any strike rule); strict is strict already
    verdicts = [[decided(c["variant"]) for c in v["changes"]] for v in result["variants"]]
    assert verdicts == [[side("not_covered", "actor-not-party")], [side("violation", "mistaken-strike-violation")]]


def test_a_variant_that_changes_nothing_says_so(cli: Cli) -> None:
    base = str(ROOT / "rules" / "syria-2016-09.yaml")
    result = as_json(cli, DEZ, "--variant", base, "-e", "columnar")
    assert result["variants"][0]["changes"] == []
    assert result["variants"][0]["summary"] == SUMMARY_DEZ
    code, out, err = cli("whatif", DEZ, "--variant", base, "-e", "columnar")
    assert code == 0
    assert "syria-2016-09: nothing changes (2 incidents)" in out
    itself = f"warning: --variant `{base}`: the base ruleset itself (`syria-2016-09`); it changes nothing"
    assert err.splitlines() == [itself]
    code, _, err = cli("whatif", DEZ, "--variant", "syria-2016-09", "--variant", STRICT, "-e", "columnar")
    assert (code, err.splitlines()) == (0, [itself.replace(base, "syria-2016-09")])


def test_a_variant_with_the_base_terms_under_another_id_says_it_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    same = tmp_path / "same.yaml"
    same.write_text(f"extends: {ROOT / 'rules' / 'syria-2016-09.yaml'}\nid: same\ntitle: The same terms\n")
    said = f"warning: --variant `{same}`: its terms are the base ruleset's (`syria-2016-09`); it changes nothing"
    for sets in ((), ("--set", "policy.mistaken_target=permitted")):  # the value the base has
        code, _, err = cli("whatif", DEZ, "--variant", str(same), *sets, "-e", "columnar")
        assert (code, err.splitlines()) == (0, [said])
    code, _, err = cli("whatif", DEZ, "--variant", str(same), "--set", "policy.mistaken_target=violation")
    assert (code, err) == (0, "")


def test_a_set_that_does_not_fit_a_variant_names_the_variant(cli: Cli) -> None:
    code, out, err = cli(
        "whatif", DEZ, "--variant", STRICT, "--variant", "idlib-2020-03", "--set", "policy.mistaken_target=violation"
    )
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: --variant `idlib-2020-03`: --set: `policy.mistaken_target`: no such key `policy` to change"
    ]


def test_a_dispute_whose_accounts_shift_is_reported_though_it_stays_disputed(cli: Cli, tmp_path: Path) -> None:
    scenario = tmp_path / "shift.yaml"
    scenario.write_text(
        "scenario: shift\ntitle: A dispute that shifts\nruleset: syria-2016-09\nincidents:\n"
        "  - id: strike\n    time: 2016-09-17T16:00:00+03:00\n"
        "    location: {admin1: Aleppo}\n    actor: coalition\n    act: airstrike\n"
        "    target: SAA\n    accounts:\n"
        "      - {source: aimed at ISIS, intended_target: ISIS}\n"
        "      - {source: hit JFS, target: JFS}\n"
        "      - {source: deliberate, intended_target: SAA}\n"
        "  - id: quiet\n    time: 2016-09-17T16:00:00+03:00\n"
        "    location: {admin1: Aleppo}\n    actor: coalition\n    act: airstrike\n"
        "    target: ISIS\n"
    )
    result = as_json(cli, str(scenario), "--set", "policy.mistaken_target=violation", "-e", "columnar")
    [change] = result["variants"][0]["changes"]
    assert change["incident"] == "strike"
    assert (change["base"]["verdict"], change["variant"]["verdict"]) == ("disputed", "disputed")
    assert [(a["source"], a["changed"], a["variant"]["verdict"]) for a in change["accounts"]] == [
        ("aimed at ISIS", True, "violation"),
        ("hit JFS", False, "permitted"),
        ("deliberate", False, "violation"),
    ]


@pytest.mark.skipif(not WEEK.exists(), reason="the week scenario is not in this checkout")
def test_several_variants_on_the_week(cli: Cli) -> None:
    files = [str(VARIANTS / f"{n}.yaml") for n in ("jfs-covered", "sponsors-not-bound", "strict-liability")]
    result = as_json(cli, str(WEEK), *(a for f in files for a in ("--variant", f)), "-e", "columnar")
    by_name = {v["name"]: v for v in result["variants"]}
    assert list(by_name) == [f"syria-2016-09-{n}" for n in ("jfs-covered", "sponsors-not-bound", "strict-liability")]
    for v in result["variants"]:
        assert sum(v["summary"].values()) == result["incidents"]
        # the counts move exactly as the listed changes say
        moved = dict(result["base"]["summary"])
        for c in v["changes"]:
            moved[c["base"]["verdict"]] -= 1
            moved[c["variant"]["verdict"]] += 1
        assert moved == v["summary"]
    jfs = {c["incident"]: c["variant"]["verdict"] for c in by_name["syria-2016-09-jfs-covered"]["changes"]}
    assert jfs["russian-strike-jfs-idlib"] == "violation"


def test_a_change_of_flags_or_rule_alone_is_a_change_though_no_verdict_changes(cli: Cli) -> None:
    week = str(ROOT / "scenarios" / "syria-week-2016-09.yaml")
    args = ("whatif", week, "--set", "policy.escalation_violations=1", "-e", "columnar")
    result = json.loads(cli(*args, "-f", "json")[1])["variants"][0]
    assert result["changes"] and not any(c["verdict_changed"] for c in result["changes"])
    for change in result["changes"]:  # each newly flagged: one violation now makes an episode
        assert change["base"]["verdict"] == change["variant"]["verdict"]
        assert "escalation" in change["variant"]["flags"] and "escalation" not in change["base"]["flags"]
    code, out, _ = cli(*args)
    assert code == 0
    assert f"{len(result['changes'])} of 18 incidents change (0 in their verdicts)" in out
    assert "flags +escalation" in out
    # a rule taken away: incidents it decided are decided by another, some with the same verdict
    dropped = json.loads(cli("whatif", DEZ, "--set", "rules.actor-not-bound=null", "-f", "json", "-e", "columnar")[1])
    (change,) = dropped["variants"][0]["changes"]
    assert change["base"]["rule"] == "actor-not-bound" and change["variant"]["rule"] != "actor-not-bound"


def test_table_matches_golden(cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("whatif", DEZ, "--variant", STRICT, "-e", "columnar")
    assert code == 0
    golden("whatif-deir-ezzor.table.txt", out)
    assert "\x1b[" not in out


def test_json_is_byte_identical_across_runs(cli: Cli) -> None:
    args = ("whatif", DEZ, "--variant", STRICT, "-f", "json", "-e", "columnar")
    assert cli(*args)[1] == cli(*args)[1]


@durable_only
def test_json_of_the_engines_differs_only_in_their_name(cli: Cli) -> None:
    args = ("whatif", DEZ, "--variant", STRICT, "-f", "json")
    columnar, durable = (cli(*args, "-e", engine)[1] for engine in ("columnar", "durable"))
    assert durable != columnar
    assert engine_blanked(durable) == engine_blanked(columnar)


def test_output_file_is_written_only_on_success(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "whatif.json"
    assert cli("whatif", DEZ, "--variant", STRICT, "-f", "json", "-o", str(target), "-e", "columnar")[0] == 0
    assert json.loads(target.read_text())["variants"][0]["changes"][0]["incident"] == "dez-airstrike"
    missing = tmp_path / "never.json"
    assert cli("whatif", DEZ, "--variant", str(tmp_path / "nope.yaml"), "-o", str(missing))[0] == 2
    assert not missing.exists()


def test_nothing_to_compare_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["whatif", DEZ])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err == "ceasefire whatif: error: nothing to compare: give --variant FILE or --set PATH=VALUE " + (
        "(see `ceasefire whatif --help`)\n"
    )


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        (["missing.yaml"], "missing.yaml: no such file"),
        (["twice.yaml", "twice.yaml"], "twice.yaml: --variant: ruleset id `twice` is also the id of `"),
        (["bad.yaml"], "bad.yaml:2:10: policy.mistaken_target: `maybe` is no value the rules test for"),
    ],
)
def test_bad_variants_are_one_line_and_exit_2(cli: Cli, tmp_path: Path, variants: list[str], message: str) -> None:
    (tmp_path / "twice.yaml").write_text(f"extends: {STRICT}\nid: twice\n")
    (tmp_path / "bad.yaml").write_text(f"extends: {STRICT}\npolicy: {{mistaken_target: maybe}}\n")
    code, out, err = cli("whatif", DEZ, *(a for v in variants for a in ("--variant", str(tmp_path / v))))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {tmp_path}/{message}"), err


def test_help_says_how_set_and_variant_combine(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["whatif", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--set with --variant applies the changes to every variant (never to the base)" in text
    assert "examples:" in text


@pytest.mark.parametrize("suffix", [".yaml", ".csv", ".parquet"])
def test_a_variant_that_cannot_read_the_inputs_local_times_is_refused_at_the_line(
    cli: Cli, tmp_path: Path, suffix: str
) -> None:
    """The input's times are read under its ruleset's zone; a variant that names none cannot read them, and is
    refused where the first is written, as `run --rules VARIANT` refuses it (it was a ValueError traceback)."""
    import polars as pl

    base = tmp_path / "damascus.yaml"
    base.write_text(f"extends: {ROOT / 'rules' / 'syria-2016-09.yaml'}\nid: dam\ntitle: t\ntimezone: Asia/Damascus\n")
    strike = {"actor": "Syrian Air Force", "act": "airstrike", "target": "Jabhat Fateh al-Sham"}
    rows = [{"id": "a", "time": "2016-09-14T10:00+03:00", **strike}, {"id": "b", "time": "2016-09-14T11:00", **strike}]
    path = tmp_path / f"input{suffix}"
    if suffix == ".yaml":
        listed = "".join(f"  - {json.dumps(row)}\n" for row in rows)
        path.write_text(f"scenario: s\ntitle: t\nruleset: ./damascus.yaml\nincidents:\n{listed}")
        rules: tuple[str, ...] = ()
        where = f"{path}:6:17: incidents[1].time"
    else:
        frame = pl.DataFrame(rows)
        frame.write_csv(path) if suffix == ".csv" else frame.write_parquet(path)
        rules = ("--rules", str(base))
        where = f"{path}:3: time" if suffix == ".csv" else f"{path}: row 2: time"
    out = tmp_path / "w.json"
    code, _, err = cli("whatif", str(path), *rules, "--variant", STRICT, "-f", "json", "-o", str(out))
    assert (code, err.splitlines()) == (
        2,
        [
            f"error: {where}: `2016-09-14T11:00` has no UTC offset and ruleset `syria-2016-09-strict-liability` "
            "names no timezone; write it with one, like 2016-09-14T11:00+03:00, or name the zone with a top-level "
            "`timezone` (like `timezone: Asia/Damascus`)"
        ],
    )
    assert not out.exists()

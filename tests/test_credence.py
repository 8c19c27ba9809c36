"""`ceasefire credence`: accounts kept by source with a probability, the verdicts' shares and the parties' counts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine.analysis.credence import Belief, credence, keep, parse_belief, parse_beliefs, sources
from engine.cli.run import load_report
from engine.errors import InputError
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Report
from engine.report.explore import plot_credence
from engine.ruleset.model import VERDICTS
from tests.conftest import ROOT, Cli, formulas, spreadsheet_cells

DEZ = ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"
SANA = "Syrian military (SANA)"
CENTCOM = "CENTCOM"  # the one account that makes the strike permitted: aimed at ISIS, a mistake
OTHERS = (SANA, "Russian MoD (Sputnik)", "Syrian Observatory for Human Rights")


@pytest.fixture(scope="module")
def report() -> Report:
    return load_report(DEZ, None, "columnar")


def plain(report: Report, incidents: pl.DataFrame) -> Report:
    with Evaluator(report.compiled, report.engine) as evaluator:
        return evaluator.report(report.scenario, incidents)


def without(frame: pl.DataFrame, source: str) -> pl.DataFrame:
    """The frame with every account of `source` taken out, by hand."""
    kept = [[a for a in listed if a["source"] != source] for listed in frame.get_column("accounts").to_list()]
    return frame.with_columns(pl.Series("accounts", kept, dtype=frame.schema["accounts"]))


def only_verdicts(report: Report, result: Any) -> list[str]:
    """Each incident's verdict, asserting that every sample gave it the same one."""
    out = []
    for shares in result.incidents:
        (verdict,) = [v for v, n in shares.counts.items() if n]
        assert shares.counts[verdict] == result.samples
        out.append(verdict)
    return out


def test_credence_one_is_the_plain_run(report: Report) -> None:
    result = credence(report, [Belief(s, 1.0) for s in (CENTCOM, *OTHERS)], samples=20, seed=3)
    assert only_verdicts(report, result) == ["disputed", "not_covered"]
    assert only_verdicts(report, result) == report.table.get_column("verdict").to_list()
    assert result.judged == 1  # every sample kept every account: judged once


def test_credence_zero_is_the_plain_run_without_that_sources_accounts(report: Report) -> None:
    result = credence(report, [Belief(CENTCOM, 0.0)], samples=20, seed=3)
    expected = plain(report, without(report.incidents, CENTCOM))
    assert (
        only_verdicts(report, result) == expected.table.get_column("verdict").to_list() == ["violation", "not_covered"]
    )
    parties = {p.party: set(p.violations) for p in result.parties}
    assert parties == {who: {n["violation"]} for who, n in expected.by_party().items()}


def test_an_incident_left_with_no_account_is_judged_on_its_own_record(report: Report) -> None:
    # every account dropped: the record says nothing of the strike's aim, so it is an attack on a covered party
    result = credence(report, [Belief(s, 0.0) for s in (CENTCOM, *OTHERS)], samples=5, seed=1)
    bare = report.incidents.with_columns(pl.lit([], dtype=report.incidents.schema["accounts"]).alias("accounts"))
    assert only_verdicts(report, result) == plain(report, bare).table.get_column("verdict").to_list()


def test_believing_only_centcom_makes_the_strike_permitted_as_often_as_it_is_believed(report: Report) -> None:
    doubted = [Belief(s, 0.0) for s in OTHERS]
    believed = credence(report, [*doubted, Belief(CENTCOM, 1.0)], samples=40, seed=5)
    disbelieved = credence(report, [*doubted, Belief(CENTCOM, 0.0)], samples=40, seed=5)
    half = credence(report, [*doubted, Belief(CENTCOM, 0.5)], samples=400, seed=5)
    strike = 0
    assert believed.share(believed.incidents[strike], "permitted") == 1.0
    assert disbelieved.share(disbelieved.incidents[strike], "permitted") == 0.0
    share = half.share(half.incidents[strike], "permitted")
    assert 0.4 < share < 0.6
    assert half.incidents[strike].counts["violation"] + half.incidents[strike].counts["permitted"] == 400
    coalition = {p.party: p for p in half.parties}["US-led coalition"]
    assert sum(coalition.violations) == half.incidents[strike].counts["violation"]
    assert coalition.histogram() == {0: 400 - sum(coalition.violations), 1: sum(coalition.violations)}
    assert half.judged == 2


def test_keep_draws_one_number_per_sample_and_account_whatever_the_credences(report: Report) -> None:
    always = list(keep(report.incidents, [Belief(SANA, 1.0)], 30, 9))
    never = list(keep(report.incidents, [Belief(SANA, 0.0)], 30, 9))
    sana = [a["source"] for listed in report.incidents.get_column("accounts").to_list() for a in listed].index(SANA)
    assert all(row[sana] for row in always) and not any(row[sana] for row in never)
    # another source's accounts are kept in the same samples whatever SANA's credence
    half = list(keep(report.incidents, [Belief(SANA, 0.3), Belief("CENTCOM", 0.5)], 30, 9))
    quarter = list(keep(report.incidents, [Belief(SANA, 0.9), Belief("CENTCOM", 0.5)], 30, 9))
    assert [row[0] for row in half] == [row[0] for row in quarter]
    assert 0 < sum(row[0] for row in half) < 30


def test_a_source_is_one_of_the_inputs_and_credence_a_probability(report: Report) -> None:
    told = sources(report.incidents)
    assert told == sorted([CENTCOM, *OTHERS])
    with pytest.raises(InputError) as caught:
        parse_beliefs(["Syrian military (SAN)=0.5"], told)
    assert str(caught.value) == (
        "--credence: `Syrian military (SAN)` tells no account of the input; did you mean `Syrian military (SANA)`?"
    )
    with pytest.raises(InputError, match=r"the accounts' sources are CENTCOM, Russian MoD \(Sputnik\)"):
        parse_beliefs(["Reuters=0.5"], told)
    with pytest.raises(InputError, match=r"--credence: CENTCOM: given twice; give each source one probability"):
        parse_beliefs(["CENTCOM=0.5", "CENTCOM=1"], told)
    for text in ("CENTCOM=1.5", "CENTCOM=-0.1", "CENTCOM=half", "CENTCOM=nan", "CENTCOM="):
        with pytest.raises(InputError, match=r"is not a probability; give a number from 0 to 1, e\.g\. 0\.5"):
            parse_belief(text)
    with pytest.raises(InputError, match=r"is not SOURCE=P"):
        parse_belief("CENTCOM")
    assert parse_belief("a=b=0.25") == Belief("a=b", 0.25)  # a source's name may hold `=`


def run_json(cli: Cli, *args: str) -> tuple[str, dict[str, Any]]:
    code, out, err = cli("credence", str(DEZ), "-f", "json", *args)
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return out, result


def test_the_json_gives_shares_and_distributions_and_is_the_same_for_the_same_seed(cli: Cli) -> None:
    args = ["-c", f"{CENTCOM}=0.5", *(x for s in OTHERS for x in ("-c", f"{s}=0")), "-n", "60", "--seed", "7"]
    first, result = run_json(cli, *args)
    again, _ = run_json(cli, *args)
    assert first == again  # byte for byte
    assert run_json(cli, *args[:-1], "8")[0] != first
    assert (result["samples"], result["seed"], result["judged"]) == (60, 7, 2)
    assert result["credence"] == {CENTCOM: 0.5, **dict.fromkeys(OTHERS, 0.0)}
    strike, attack = result["incidents"]
    assert strike["incident"] == "dez-airstrike"
    assert list(strike["samples"]) == list(VERDICTS)
    assert strike["samples"]["violation"] + strike["samples"]["permitted"] == 60
    assert strike["share"]["violation"] == round(strike["samples"]["violation"] / 60, 4)
    assert attack["share"]["not_covered"] == 1.0
    coalition = next(p for p in result["parties"] if p["party"] == "US-led coalition")
    assert (coalition["violations"]["min"], coalition["violations"]["max"]) == (0, 1)
    assert coalition["histogram"] == {"0": strike["samples"]["permitted"], "1": strike["samples"]["violation"]}


def test_the_default_seed_is_0_and_the_table_says_so(cli: Cli) -> None:
    assert run_json(cli, "-c", f"{SANA}=0.5", "-n", "10")[1]["seed"] == 0
    code, out, _ = cli("credence", str(DEZ), "-c", f"{SANA}=0.5", "-n", "10")
    assert code == 0
    assert out.startswith("deir-ezzor-2016-09-17 · ruleset syria-2016-09 · engine columnar · 10 samples, seed 0\n")
    assert "share of samples per verdict" in out and "violations per party, over the samples" in out


def test_the_csv_has_a_row_per_incident_then_per_party(cli: Cli) -> None:
    code, out, _ = cli("credence", str(DEZ), "-c", f"{CENTCOM}=0", "-n", "10", "-f", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["kind", "name", *VERDICTS, "min", "q1", "median", "q3", "max", "mean"]
    assert rows[1] == ["incident", "dez-airstrike", "1.0", "0.0", "0.0", "0.0", "0.0", "", "", "", "", "", ""]
    assert [r[:2] for r in rows[3:]] == [["party", "Islamic State"], ["party", "US-led coalition"]]
    assert rows[4][-6:] == ["1", "1.0", "1.0", "1.0", "1", "1.0"]  # the coalition: one violation in every sample


def test_an_incident_id_a_spreadsheet_would_run_as_a_formula_is_quoted_in_csv(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("credence", formulas(tmp_path), "-c", "SANA=0.5", "-n", "10", "-f", "csv")
    assert code == 0
    rows = spreadsheet_cells(out)
    assert [r[1] for r in rows if r[0] == "incident"] == ["'@one", "'-two"]
    assert ["party", '\'=HYPERLINK("http://evil","x") (unresolved)'] in [r[:2] for r in rows]


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ("ten", "argument --samples/-n: `ten` is not a whole number ("),
        ("1e3", "argument --samples/-n: `1e3` is not a whole number; write 1000 ("),
    ],
)
def test_samples_that_are_not_a_whole_number_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], samples: str, message: str
) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit) as caught:
        main(["credence", str(DEZ), "-c", f"{SANA}=0.5", "-n", samples])
    assert caught.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert message in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "SANA=0.5"], "error: --credence: `SANA` tells no account of the input; the accounts' sources are"),
        (["-c", f"{SANA}=2"], f"error: --credence: {SANA}: `2` is not a probability"),
        (["-c", f"{SANA}=0.5", "-n", "0"], "error: --samples: `0`: give from 1 to 100,000 samples"),
        (["-c", f"{SANA}=0.5", "--plot", "chart.pdf"], "--plot draws a PNG or an SVG"),
    ],
)
def test_bad_credence_options_are_one_line_and_exit_2(cli: Cli, args: list[str], message: str) -> None:
    code, out, err = cli("credence", str(DEZ), *args)
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert message in line


def test_the_chart_is_the_same_bytes_each_time(report: Report, cli: Cli, tmp_path: Path) -> None:
    result = credence(report, [Belief(SANA, 0.5)], samples=30, seed=2)
    svg = plot_credence(result, "svg")
    assert svg == plot_credence(result, "svg")
    assert b"<svg" in svg
    png = plot_credence(result, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == plot_credence(result, "png")
    out = tmp_path / "credence.svg"
    code, _, err = cli("credence", str(DEZ), "-c", f"{SANA}=0.5", "-n", "30", "--seed", "2", "--plot", str(out))
    assert code == 0, err
    assert out.read_bytes() == svg


def test_an_export_is_refused_in_one_line_before_it_is_read(cli: Cli) -> None:
    """An export's rows tell no accounts: credence says so at once, without the warnings its reading would give."""
    sample = ROOT / "tests" / "fixtures" / "ucdp" / "ged-23.1-sample.csv"
    code, out, err = cli("credence", str(sample), "--rules", "syria-2016-09", "--credence", "SOHR=0.5")
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {sample}: this is a UCDP GED export, whose rows tell no accounts: credence keeps or drops each "
        "source's accounts of an incident; give a scenario or table with `accounts`"
    ]

"""`ceasefire sweep`: the grid of combinations, its order, its formats, and its chart."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from engine.analysis.sweep import (
    MAX_COMBINATIONS,
    Param,
    Row,
    Sweep,
    check_size,
    combinations,
    grid,
    parse_param,
    parse_params,
)
from engine.cli.main import main
from engine.errors import InputError
from engine.ruleset.model import VERDICTS
from tests.conftest import ENGINES, ONE_NAME, ROOT, Cli, alike, formulas, spreadsheet_cells

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
STRICT = "policy.mistaken_target=permitted,violation"
BOUND = "policy.sponsors_bound=true,false"


def as_json(cli: Cli, *args: str) -> dict[str, Any]:
    code, out, err = cli("sweep", *args, "--format", "json")
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return result


def test_json_rows_are_plain_rows_of_values_then_verdicts_then_parties(cli: Cli) -> None:
    result = as_json(cli, DEZ, "--param", STRICT, "-e", "columnar", "-j", "1")
    assert (result["scenario"], result["ruleset"], result["engine"]) == (
        "deir-ezzor-2016-09-17",
        "syria-2016-09",
        "columnar",
    )
    assert result["params"] == {"policy.mistaken_target": ["permitted", "violation"]}
    verdicts = ["violation", "permitted", "not_covered", "disputed", "undetermined"]
    parties = [f"{who}: {v}" for who in ("Islamic State", "US-led coalition") for v in verdicts]
    assert result["columns"] == ["policy.mistaken_target", *verdicts, *parties]
    first, second = result["rows"]
    assert list(first) == result["columns"]  # one flat mapping a combination, in column order
    assert first == {
        "policy.mistaken_target": "permitted",
        **dict(zip(verdicts, [0, 0, 1, 1, 0])),
        **dict.fromkeys(parties, 0),
        "Islamic State: not_covered": 1,
        "US-led coalition: disputed": 1,
    }
    assert (second["violation"], second["disputed"], second["US-led coalition: violation"]) == (1, 0, 1)


def test_rows_come_in_grid_order_the_first_param_varying_slowest(cli: Cli) -> None:
    rows = as_json(cli, DEZ, "--param", STRICT, "--param", BOUND, "-e", "columnar", "-j", "2")["rows"]
    assert [(r["policy.mistaken_target"], r["policy.sponsors_bound"]) for r in rows] == [
        ("permitted", True),
        ("permitted", False),
        ("violation", True),
        ("violation", False),
    ]
    # the coalition unbound puts its strike outside the truce, whatever the reading of mistakes
    assert [(r["violation"], r["not_covered"], r["disputed"]) for r in rows] == [
        (0, 1, 1),
        (0, 2, 0),
        (1, 1, 0),
        (0, 2, 0),
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_result_does_not_depend_on_the_number_of_jobs(cli: Cli, engine: str) -> None:
    args = [DEZ, "--param", STRICT, "--param", BOUND, "--param", "rules.strike-on-excluded.verdict=permitted,violation"]
    outputs = {}
    for fmt in ("json", "csv"):
        for jobs in ("1", "2", "3"):
            code, out, err = cli("sweep", *args, "-e", engine, "-f", fmt, "-j", jobs)
            assert code == 0, err
            outputs[fmt, jobs] = out
        assert outputs[fmt, "1"] == outputs[fmt, "2"] == outputs[fmt, "3"]
    assert len(json.loads(outputs["json", "1"])["rows"]) == 8


@pytest.mark.parametrize("jobs", [1, 2])
def test_progress_counts_every_combination_once_in_one_process_or_in_runs_from_many(jobs: int) -> None:
    from engine.analysis.sweep import Base, sweep
    from engine.cli.run import load_report

    base = Base.of(load_report(Path(DEZ), None, "columnar"))
    told: list[int] = []
    result = sweep(base, parse_params([STRICT, BOUND, "parties.jfs.role=excluded,covered"]), jobs, told.append)
    assert told[-1] == len(result.rows) == 8
    assert told == sorted(set(told))  # rising, never told twice
    if jobs == 1:
        assert told == list(range(1, 9))  # in this process: after each combination


def test_csv_has_a_header_and_one_line_per_combination(cli: Cli) -> None:
    code, out, _ = cli("sweep", DEZ, "--param", BOUND, "-e", "columnar", "-f", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["policy.sponsors_bound", "violation", "permitted"]
    assert [r[0] for r in rows[1:]] == ["true", "false"]  # values written as they are read
    assert all(len(r) == len(rows[0]) for r in rows)
    assert dict(zip(rows[0], rows[2]))["not_covered"] == "2"


def test_table_shows_the_grid_then_violations_by_party_then_bars(cli: Cli) -> None:
    code, out, _ = cli("sweep", DEZ, "--param", STRICT, "--param", BOUND, "-e", "columnar")
    assert code == 0
    assert "deir-ezzor-2016-09-17 · ruleset syria-2016-09 · engine columnar · 4 combinations" in out
    assert out.index("violations by acting party") < out.index("violations per combination")
    bars = out[out.index("violations per combination") :].splitlines()[1:]
    assert [line.strip() for line in bars] == ["1  0", "2  0", "3  1 " + "█" * 40, "4  0"]
    assert "\x1b[" not in out


def test_plot_draws_a_png_whose_description_numbers_the_combinations(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from PIL import Image

    target = tmp_path / "violations.png"
    code, _, err = cli("sweep", DEZ, "--param", STRICT, "-e", "columnar", "--plot", str(target))
    assert code == 0, err
    with Image.open(target) as image:
        assert image.format == "PNG" and image.width > 400 and image.height > 300
        assert image.info["Description"] == (
            "1: policy.mistaken_target=permitted (0 violations)\n2: policy.mistaken_target=violation (1 violations)"
        )
        assert "Software" not in image.info  # no matplotlib version: the same sweep, the same bytes


def test_plot_by_suffix_an_svg_the_same_bytes_each_time(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    charts = []
    for name in ("a.svg", "b.SVG"):
        code, _, err = cli("sweep", DEZ, "--param", STRICT, "--param", BOUND, "--plot", str(tmp_path / name))
        assert code == 0, err
        charts.append((tmp_path / name).read_bytes())
    assert charts[0].startswith(b"<?xml") and b"<svg" in charts[0]
    assert b"<dc:description>1: policy.mistaken_target=permitted, policy.sponsors_bound=true" in charts[0]
    assert b"<dc:date>" not in charts[0]
    assert charts[0] == charts[1]


def sweep_of(violations: list[int], incidents: int = 10) -> Sweep:
    """A sweep of one parameter `k` = 0, 1, …, one combination per count of violations; the rest permitted."""
    param = Param("policy.k", tuple(map(str, range(len(violations)))), tuple(range(len(violations))))
    rows = tuple(
        Row((i,), {**dict.fromkeys(VERDICTS, 0), "violation": n, "permitted": incidents - n}, {})
        for i, n in enumerate(violations)
    )
    return Sweep("made-up", "syria-2016-09", "columnar", (param,), rows)


def drawn(s: Sweep) -> Any:
    from engine.report.plot import sweep_figure

    (axes,) = sweep_figure(s).axes
    return axes


def test_the_chart_has_a_title_axis_labels_a_legend_and_a_bar_per_combination_numbered_as_the_table() -> None:
    pytest.importorskip("matplotlib")
    axes = drawn(sweep_of([0, 3, 1]))
    assert axes.get_title(loc="left") == "made-up · ruleset syria-2016-09\nverdicts per combination of policy.k"
    assert axes.get_xlabel() == "combination, numbered as the table numbers its rows: policy.k"
    assert axes.get_ylabel() == "incidents"
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["violation", "permitted"]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["1\n0", "2\n1", "3\n2"]
    # violations at the bottom of each bar, the permitted stacked on them: every bar as high as the incidents
    violation, permitted = axes.containers
    assert [(p.get_x() + p.get_width() / 2, p.get_height()) for p in violation] == [(1, 0), (2, 3), (3, 1)]
    assert [(p.get_y(), p.get_y() + p.get_height()) for p in permitted] == [(0, 10), (3, 10), (1, 10)]


def test_many_combinations_are_numbered_not_named_and_past_bars_drawn_as_an_area() -> None:
    pytest.importorskip("matplotlib")
    from engine.report.plot import BARS, NAMED

    axes = drawn(sweep_of([i % 4 for i in range(NAMED + 1)]))
    assert len(axes.containers) == 2 and len(axes.containers[0]) == NAMED + 1
    assert all(t.get_text().isdigit() for t in axes.get_xticklabels() if t.get_text())
    assert axes.get_xlabel() == "combination, numbered as the table numbers its rows"
    axes = drawn(sweep_of([i % 4 for i in range(BARS + 1)]))
    assert axes.containers == [] and len(axes.collections) == 2  # one area a verdict, not thousands of bars


def test_without_matplotlib_the_plot_says_what_to_install(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    code, out, err = cli("sweep", DEZ, "--param", STRICT, "--plot", str(tmp_path / "chart.png"))
    assert (code, out) == (2, "")
    assert err == "error: --plot: drawing a chart needs matplotlib: pip install 'ceasefire-sim[plot]'\n"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("param", "message"),
    [
        (
            "policy.mistaken_targt=permitted,violation",
            "--param: `policy.mistaken_targt`: no such key `mistaken_targt` to change; did you mean `mistaken_target`?",
        ),
        ("policy.mistaken_target=permitted,maybe", "--param: policy.mistaken_target: `maybe` is no value the rules"),
        ("policy.mistaken_target", "--param: `policy.mistaken_target` is not PATH=V1,V2,…"),
        ("policy.mistaken_target=permitted,,violation", "--param: policy.mistaken_target: `policy.mistaken_target=p"),
        ("policy.mistaken_target=permitted,permitted", "--param: policy.mistaken_target: value `permitted` is given"),
        ("rules.no-such-rule.verdict=violation", "--param: `rules.no-such-rule.verdict`: no entry `no-such-rule`"),
        ("policy.sponsors_bound=[true", "--param: policy.sponsors_bound: `[true` is not a YAML value"),
        (
            "policy.escalation_hours=1,10000000000",
            "--param: policy.escalation_hours: `10000000000` is too large for `escalation.hours`; expected at most "
            "87,672",
        ),
    ],
)
def test_a_bad_param_is_one_line_and_exit_2_before_any_work(cli: Cli, tmp_path: Path, param: str, message: str) -> None:
    plot, report = tmp_path / "chart.png", tmp_path / "report.json"
    code, out, err = cli("sweep", DEZ, "--param", param, "--plot", str(plot), "-f", "json", "-o", str(report))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {message}"), err
    assert list(tmp_path.iterdir()) == []


def test_a_party_a_spreadsheet_would_run_as_a_formula_is_quoted_in_csv(cli: Cli, tmp_path: Path) -> None:
    code, out, _ = cli("sweep", formulas(tmp_path), "--param", BOUND, "-f", "csv")
    assert code == 0
    header, *rows = spreadsheet_cells(out)
    assert '\'=HYPERLINK("http://evil","x") (unresolved): undetermined' in header
    assert [row[0] for row in rows] == ["true", "false"]


def test_the_same_path_swept_twice_is_refused(cli: Cli) -> None:
    code, _, err = cli("sweep", DEZ, "--param", "policy.mistaken_target=permitted", "--param", STRICT)
    assert code == 2
    assert err == "error: --param: policy.mistaken_target: swept twice; give all its values in one --param\n"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_combination_that_fails_though_each_value_passes_names_it(cli: Cli, jobs: str) -> None:
    # each new name is fine alone; together they give two parties one spelling
    code, out, err = cli(
        "sweep", DEZ, "--param", "parties.jfs.name=Nusra2,Foo", "--param", "parties.isis.name=IS2,Foo", "-j", jobs
    )
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "alias `Foo` is also a spelling of `isis`" in err
    assert err.endswith("(in the combination parties.jfs.name=Foo, parties.isis.name=Foo)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--plot", "chart.jpg"], "chart.jpg: --plot draws a PNG or an SVG; name the file with a .png or .svg suffix"),
        (["--plot", "nowhere/chart.png"], "nowhere/chart.png: --plot folder `nowhere` does not exist"),
    ],
)
def test_a_bad_plot_path_is_refused_before_any_work(cli: Cli, args: list[str], message: str) -> None:
    code, out, err = cli("sweep", DEZ, "--param", STRICT, *args)
    assert (code, out, err) == (2, "", f"error: {message}\n")


def test_jobs_must_be_a_positive_number(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["sweep", DEZ, "--param", STRICT, "--jobs", "0"])
    assert exc.value.code == 2
    assert "--jobs/-j: `0`: at least one job is needed" in capsys.readouterr().err


def test_param_values_are_read_like_set_values() -> None:
    param = parse_param("policy.sponsors_bound = true, false")
    assert (param.path, param.texts, param.values) == ("policy.sponsors_bound", ("true", "false"), (True, False))
    assert parse_param("a=1,true,null,x").values == (1, True, None, "x")  # `1` and `true` differ
    with pytest.raises(InputError) as exc:
        parse_params(["a=1", "b=2", "a=3"])
    assert str(exc.value) == "--param: a: swept twice; give all its values in one --param"


def test_a_grid_past_the_maximum_is_refused_before_it_is_built(cli: Cli) -> None:
    # six parameters of a hundred values: 10^12 combinations, which would fill memory if ever listed
    hundred = ",".join(map(str, range(100)))
    params = [a for i in range(6) for a in ("--param", f"policy.k{i}={hundred}")]
    code, out, err = cli("sweep", DEZ, *params)
    assert (code, out) == (2, "")
    assert err == (
        "error: --param: the grid has 1,000,000,000,000 combinations, more than the 100,000 a sweep runs; "
        "narrow the values\n"
    )


def test_the_maximum_is_counted_before_values_are_read_and_is_inclusive() -> None:
    assert MAX_COMBINATIONS == 100_000
    at_most = parse_params([f"a{i}={','.join(map(str, range(10)))}" for i in range(5)])
    assert combinations(at_most) == MAX_COMBINATIONS
    with pytest.raises(InputError) as exc:
        # a value that is no YAML would fail if read: the size is refused first
        parse_params(["a=1,2", f"b={','.join(['[x'] * 50_001)}"])
    assert "the grid has 100,002 combinations, more than the 100,000" in str(exc.value)
    with pytest.raises(InputError) as exc:
        grid([*at_most, parse_param("b=1,2")])
    assert "the grid has 200,000 combinations" in str(exc.value)
    with pytest.raises(InputError) as exc:
        check_size(2**20_000)  # thousands of --param options: a number too long to print whole
    assert str(exc.value).startswith("--param: the grid has about 10^6020 combinations")


def test_a_sweep_runs_columnar_by_default_and_a_durable_one_is_held_to_its_maximum(
    cli: Cli,
) -> None:
    code, out, _ = cli("sweep", DEZ, "--param", STRICT, "-f", "json")
    assert code == 0 and json.loads(out)["engine"] == "columnar"
    values = ",".join(map(str, range(50)))
    many = ["--param", f"rules.attack-on-covered-party.priority={values}", "--param", f"policy.k={values}"]
    # (refused before any value is checked: `policy.k` is no knob)
    code, out, err = cli("sweep", DEZ, *many, "--engine", "durable")
    assert (code, out) == (2, "")
    assert err.startswith("error: --engine: durable_rules keeps every ruleset it is given") and "2,500" in err


def test_the_spellings_of_an_unresolved_actor_that_match_alike_are_one_partys_columns(cli: Cli, tmp_path: Path) -> None:
    args = ("sweep", str(alike(tmp_path)), "-r", "syria-2016-09", "--param", "policy.sponsors_bound=true,false")
    code, out, _ = cli(*args, "-f", "csv", "--jobs", "1")
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert [c for c in header if "(unresolved)" in c] == [f"{ONE_NAME}: {v}" for v in VERDICTS]
    assert cli(*args, "-f", "csv", "--jobs", "2")[1] == out

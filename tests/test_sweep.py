"""`ceasefire sweep`: the grid of combinations, its order, its formats, and the PNG chart."""

from __future__ import annotations

import csv
import io
import json
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from engine.analysis.sweep import (
    MAX_COMBINATIONS,
    MAX_WIDTH,
    PNG_SIGNATURE,
    chart_size,
    check_size,
    combinations,
    grid,
    parse_param,
    parse_params,
)
from engine.cli.main import main
from engine.errors import InputError
from tests.conftest import ENGINES, ROOT, Cli

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


def read_png(data: bytes) -> tuple[int, int, list[bytes], dict[str, str]]:
    """Width, height, rows of RGB bytes, and text chunks, checking every chunk's CRC."""
    assert data.startswith(PNG_SIGNATURE)
    at, idat, text = len(PNG_SIGNATURE), b"", {}
    width = height = 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\x00")
            text[key.decode()] = rest[4:].decode()
        at += 12 + length
    assert kind == b"IEND"
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    assert len(raw) == stride * height
    assert all(raw[y * stride] == 0 for y in range(height))
    return width, height, [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)], text


def red_pixels(rows: list[bytes], x0: int, x1: int) -> int:
    return sum(1 for row in rows for x in range(x0, x1) if row[3 * x : 3 * x + 3] == bytes((200, 40, 40)))


def test_plot_writes_a_png_with_one_bar_per_combination(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "violations.png"
    code, _, err = cli("sweep", DEZ, "--param", STRICT, "-e", "columnar", "--plot", str(target))
    assert code == 0, err
    width, height, rows, text = read_png(target.read_bytes())
    assert (width, height) == (112, 220) == chart_size(2)  # 16 + 2 × 40 + 16 wide; 30 + 160 + 30 high
    # combination 1 has no violation: no bar; combination 2 has the most: a full bar, 28 × 160
    assert red_pixels(rows, 16, 56) == 0
    assert red_pixels(rows, 56, 96) == 28 * 160
    assert text["Description"] == (
        "1: policy.mistaken_target=permitted (0 violations)\n2: policy.mistaken_target=violation (1 violations)"
    )


def test_a_chart_of_many_combinations_stays_a_viewable_size() -> None:
    assert chart_size(1)[0] == 72
    assert chart_size(99)[0] == 3992  # 40 pixels a combination while that fits
    assert chart_size(100)[0] == 3932 <= MAX_WIDTH  # then narrower
    assert chart_size(3968)[0] == MAX_WIDTH
    assert chart_size(10_000) == (10_032, 220)  # never less than a pixel a combination


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
    ],
)
def test_a_bad_param_is_one_line_and_exit_2_before_any_work(cli: Cli, tmp_path: Path, param: str, message: str) -> None:
    plot, report = tmp_path / "chart.png", tmp_path / "report.json"
    code, out, err = cli("sweep", DEZ, "--param", param, "--plot", str(plot), "-f", "json", "-o", str(report))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: {message}"), err
    assert list(tmp_path.iterdir()) == []


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
        (["--plot", "chart.jpg"], "chart.jpg: --plot writes a PNG; name the file with a .png suffix"),
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

"""Incident tables read by columns (`read_table`): the same frame as the row reader's, the same error line."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from engine.errors import InputError, Problem
from engine.incidents import synthetic, synthetic_events, tables
from engine.incidents.frame import INCIDENTS, POINT, frame_of
from engine.incidents.load import load_incidents, load_input
from engine.incidents.tables import read_table
from tests.conftest import Cli, ruleset

HEADER = "id,time,actor,act,target,intended_target,region,killed,wounded\n"
COUNT = 3000


def table(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def jsonl(tmp_path: Path, *rows: dict[str, Any]) -> Path:
    return table(tmp_path, "events.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def error_of(read: Any, path: Path) -> str:
    with pytest.raises(InputError) as exc:
        read(path)
    assert len(exc.value.problems) == 1
    return str(exc.value.problems[0])


def fast_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the row reader unreachable from read_table: what follows must take the columnar path."""

    def refuse(path: Any, *args: Any) -> Any:
        raise AssertionError(f"read_table fell back to the row reader for {path}")

    monkeypatch.setattr(tables, "load_incidents", refuse)


def agrees(path: Path) -> None:
    """read_table and the row reader agree on `path`: the same frame, or the same one-line error."""
    try:
        expected = frame_of(load_incidents(path))
    except InputError as exc:
        assert error_of(read_table, path) == str(exc.problems[0])
        return
    assert_frame_equal(read_table(path), expected)


# -- generated tables ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("generated")
    paths = {fmt: folder / f"incidents.{fmt}" for fmt in ("jsonl", "csv", "parquet")}
    synthetic.write_jsonl(paths["jsonl"], COUNT, 7)
    synthetic.write_csv(paths["csv"], COUNT, 7)
    synthetic.write_parquet(paths["parquet"], COUNT, 7)
    return paths


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_generated_table_reads_as_the_row_reader_reads_it(
    monkeypatch: pytest.MonkeyPatch, generated: dict[str, Path], fmt: str
) -> None:
    expected = frame_of(load_incidents(generated[fmt]))
    fast_only(monkeypatch)
    frame = read_table(generated[fmt])
    assert_frame_equal(frame, expected)
    assert frame.height == COUNT
    accounts = frame["accounts"].list.len()
    assert (accounts > 0).sum() > (COUNT // 20 if fmt == "jsonl" else -1)
    assert fmt == "jsonl" or accounts.sum() == 0


def test_a_generated_parquet_table_reads_as_its_json_lines_twin(
    monkeypatch: pytest.MonkeyPatch, generated: dict[str, Path]
) -> None:
    """Every place field a flat table has: country, admin1, the named location, a point and its precision."""
    expected = frame_of(load_incidents(generated["jsonl"]))
    nulls = expected.select(pl.col("country", "latitude", "precision_km", "location").null_count())
    assert max(nulls.row(0)) < COUNT
    assert expected["latitude"].drop_nulls().len() > 0
    fast_only(monkeypatch)
    assert_frame_equal(read_table(generated["parquet"]), expected)


def test_a_generated_csv_table_is_its_json_lines_twin_without_accounts(generated: dict[str, Path]) -> None:
    expected = frame_of(load_incidents(generated["jsonl"])).with_columns(
        pl.lit([], INCIDENTS["accounts"]).alias("accounts")
    )
    assert_frame_equal(read_table(generated["csv"]), expected)


# -- CSV: bad tables, and good ones the fast checks leave to the row reader ---------------------------

CSV_CASES = [
    "",
    "\n",
    "\nid\na\n",
    "id,act\n",
    "id,act\n\n\n",
    "id,time,actor,act,act\na,,x,y,z\n",
    "ID,act\na,b\n",
    " Killed,id\n1,a\n",
    "id;time;actor\na;b;c\n",
    "id\ttime\na\tb\n",
    "time,act\nx,y\n",
    HEADER + "a,b,c\n",
    HEADER + "a,,,,,,,,,\n",
    HEADER + "a,,,,,,,,\nb\n",
    'id,act\n"a,2016\nb,c\n',
    'id,act\na,b\n"c"d,e\n',
    'id,act\na,b"c\n',
    'id,act\na, "b,c"\n',
    "id,killed\nok,1\na,1_000\n",
    "id,killed\nok,1\na,+3\n",
    "id,killed\nok,1\na,1e3\n",
    "id,killed\nok,1\na,3.0\n",
    "id,killed\nok,1\na,\u0661\u0662\n",
    "id,killed\nok,1\na,-3\n",
    "id,killed\nok,1\na," + "9" * 5000 + "\n",
    "id,killed\nok,1\na,1000000001\n",
    "id,killed\nok,1\na,\u00a012\n",
    "id,wounded\nok,1\na,many\n",
    'id,actor,killed\na,"two\nlines",1\nb,x,many\n',
    HEADER + 'a,,,"shelling\x1b[31m",,,,,\n',
    "id,region\r\na,Aleppo\x9b\r\n",
    "id,killed\na,1\x7f\n",
    "id,act\x1b\na,b\n",
    'id,actor\na,"two\nlines\x07"\n',
    "id,act\ra,b\rc,\x01\r",
    "id,act\na,b,\x1b\n",
    "id,time\na,9999-12-31\n",
    "id,time\na,2016-02-30\n",
    "id,time\na,2016-09-14/2016-09-10\n",
    "id,time\na,soon\n",
    "id,act\na,x\nb,y\na,z\n",
    "id,act\n,x\n",
    'id,act\n"",x\n',
    "id,act\n" + "x" * 201 + ",y\n",
    "id\n\na\n",
    "id\n  \n",
    # good tables: the fast path's or the row reader's, the same frame either way
    HEADER + "a,,ISIS,shelling,,,Aleppo, 12 ,007\n\n" + 'b,,"Free Syrian\nArmy",,,,,  ,\n',
    'id,actor,act\r\na,"two\r\nlines",shelling\ttwice\r\n',
    'id,actor\na,"Aleppo, east"\nb,"say ""hi"""\nc,\n',
    "id,act\r\na,b\r\n\r\n",
    "id,act\na,b\n\n\nc,d\n\n",
    "id,mutual\na,true\nb,False\nc, TRUE \r\nd,\ne,  \n",
    "id,mutual\na,\u00a0true\n",
    "id,mutual\na,true\nb,yes\n",
    "id,mutual\na,1\n",
    "id,mutual\na,tru\u0435\n",
    "\ufeffid,time\na,2016-09-12\nb, 2016-09-12T10:00:00+03:00\n",
    "id,time\na,20160912T1000+0300\nb,0002-01-01T00:00:00-23:59\n",
    "id\n" + "x" * 200 + "\n",
    "killed,id,wounded\n0,a,1000000000\n-0,b,\n",
    "id,actor\na,داعش\u00a0é\nb,x\u2028y\n",
]


@pytest.mark.parametrize("text", CSV_CASES)
def test_csv_is_read_or_refused_as_the_row_reader_does(tmp_path: Path, text: str) -> None:
    agrees(table(tmp_path, "events.csv", text))


def test_plain_csv_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = table(tmp_path, "events.csv", HEADER + "a,2016-09-12,ISIS, shelling ,,,Aleppo, 12 ,007\r\nb,,,,,,,,\r\n")
    expected = frame_of(load_incidents(path))
    fast_only(monkeypatch)
    assert_frame_equal(read_table(path), expected)


def test_a_csv_mutual_column_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`true` and `false` as polars and pandas write them (any case), white space around, an empty cell."""
    path = table(tmp_path, "events.csv", "id,act,mutual\r\na,clash,true\r\nb,clash,False\r\nc,clash,\r\nd,x, TRUE \r\n")
    expected = frame_of(load_incidents(path))
    fast_only(monkeypatch)
    frame = read_table(path)
    assert_frame_equal(frame, expected)
    assert frame["mutual"].to_list() == [True, False, False, True]


@pytest.mark.parametrize(
    "text",
    [
        "id,killed\na,-1\n",
        "id,killed\na,x\n",
        "id,act\na,b\na,c\n",
        "id,act\na,b\nc\n",
        "id,act\na,b\x1b\n",
        "id,time\na,2016-W54\n",
        'id,act\n"a",b"\n',
        "id,mutual\na,yes\n",
    ],
)
def test_a_bad_csv_never_passes_the_fast_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    """Each fast check can fail: with the row reader gone, a bad table is not read as good."""
    fast_only(monkeypatch)
    with pytest.raises(AssertionError, match="fell back"):
        read_table(table(tmp_path, "events.csv", text))


# -- JSON Lines ------------------------------------------------------------------------------------

JSONL_CASES = [
    "",
    "\n",
    "  \n\n\t\n",
    '{"id": "a"}\n\n{"id": "b", "killed": 1}\n',
    '{"id": "a", "x": 1}\n',
    '{"id": "a", "location": {"zz": 1}}\n',
    '{"id": "a", "accounts": [{"source": "s", "zz": 1}]}\n',
    '{"id": "a", "accounts": [{"source": "s", "accounts": []}]}\n',
    '{"id": "a", "casualties": {"killed": true}}\n',
    '{"id": "a", "casualties": {"killed": "12"}}\n',
    '{"id": "a", "casualties": {"wounded": 1.5}}\n',
    '{"id": "a", "casualties": {"killed": 1.0}}\n',
    '{"id": "a", "casualties": {"killed": 1e20}}\n',
    '{"id": "a", "casualties": {"killed": NaN}}\n',
    '{"id": "a", "casualties": {"killed": Infinity}}\n',
    '{"id": "a", "casualties": {"killed": 1e309}}\n',
    '{"id": "a", "casualties": {"killed": -1}}\n',
    '{"id": "a", "casualties": {"killed": 1000000001}}\n',
    '{"id": "a", "casualties": {"killed": ' + "9" * 5000 + "}}\n",
    '{"id": "a", "location": {"lat": ' + "-" + "9" * 5000 + "}}\n",
    '{"id": "a", "location": {"lat": NaN}}\n',
    '{"id": "a", "location": {"lon": -Infinity}}\n',
    '{"id": "a", "location": {"lat": 1e309}}\n',
    '{"id": "a", "location": {"lat": "35.2"}}\n',
    '{"id": "a", "location": {"lat": true}}\n',
    '{"id": "a", "location": {"lat": 91}}\n',
    '{"id": "a", "location": {"lon": -180.5}}\n',
    '{"id": "a", "location": "Aleppo"}\n',
    '{"id": 5}\n',
    '{"id": ""}\n',
    '{"id": null}\n',
    '{"act": "x"}\n',
    '{"id": "' + "x" * 201 + '"}\n',
    '{"id": "a", "actor": 3}\n',
    '{"id": "a", "actor": {"name": "x"}}\n',
    '{"id": "a", "notes": ["x"]}\n',
    '{"id": "a"}\n{"id": "b"}\n{"id": "a"}\n',
    '{"id": "a", "id": "b"}\n',
    '{"id": "a"} {"id": "b"}\n',
    '{"id": "a"}{"id": "b"}\n',
    '{"id": "a"}\r{"id": "b"}\n',
    '{"id": "a", "accounts": null}\n',
    '{"id": "a", "accounts": [null]}\n',
    '{"id": "a", "accounts": [1]}\n',
    '{"id": "a", "accounts": {}}\n',
    '{"id": "a", "accounts": [{"time": "2016-09-12"}]}\n',
    '{"id": "a", "accounts": [{"source": ""}]}\n',
    '{"id": "a", "accounts": [{"source": null}]}\n',
    '{"id": "a", "accounts": [{"source": "' + "s" * 301 + '"}]}\n',
    '{"id": "a", "accounts": [{"source": "C"}, {"source": "S"}, {"source": "C", "target": "ISIS"}]}\n',
    '{"id": "a", "accounts": [{"source": "x", "time": "9999-12-31T23:59:59-03:00"}]}\n',
    '{"id": "a", "accounts": [{"source": "x", "casualties": {"killed": -2}}]}\n',
    '{"id": "a", "accounts": [{"source": "x", "location": {"lat": 100}}]}\n',
    '{"id": "a", "expect": "violaton"}\n',
    '{"id": "a", "expect": {"verdict": "violation", "rule": "r"}}\n',
    '{"id": "a", "expect": {"verdict": "nope"}}\n',
    '{"id": "a", "time": "9999-12-31"}\n',
    '{"id": "a", "time": "0001-01-01T00:00:00+03:00"}\n',
    '{"id": "a", "time": "2016-02-30"}\n',
    '{"id": "a", "time": "2016-09-12T25:00:00+03:00"}\n',
    '{"id": "a", "time": "2016-09-12T10:00:00+24:00"}\n',
    '{"id": "a", "time": "2016-09-12T10:00:00"}\n',
    '{"id": "a", "time": "soon"}\n',
    '{"id": "a", "time": 2016}\n',
    '[{"id": "a"}]\n',
    "3\n",
    '{"id": "a",}\n',
    "{'id': 'a'}\n",
    '{"id": "a"}\n{"id": "b"\n',
    '{"id": "a\\ud800"}\n',
    '{"id": "a", "act": "x\ty"}\n',
    '{"id": "a", "act": "x\\u0000y"}\n',
    '{"id": "a", "act": "shelling\\u001b[31m"}\n',
    '{"id": "a", "act": "x\\u009B2J"}\n',
    '{"id": "a", "act": "x\\b"}\n',
    '{"id": "a", "notes": "x\\f"}\n',
    '{"id": "a", "actor": "x\x7f"}\n',
    '{"id": "a", "notes": "x\x85y"}\n',
    '{"id": "a", "act": "\\\\\\u001b"}\n',
    '{"id": "a", "location": {"name": "Aleppo\\u001b]0;t\\u0007"}}\n',
    '{"id": "a", "accounts": [{"source": "s", "x\\u001b": 1}]}\n',
    '{"\\u001bid": "b"}\n',
    '{"id": "a", "expect": "violation\\u001b"}\n',
    '{"id": "a", "accounts": [{"source": "s\\u0085"}]}\n',
    '{"id": "a", "accounts": [{"source": "s", "notes": "\\u007F"}]}\n',
    '{"id": "a", "location": {"region": "Idlib", "admin1": "Idlib"}}\n',
    '{"id": "a", "accounts": [{"source": "s", "location": {"lat": 35, "latitude": 35, "lon": 1}}]}\n',
    '{"id": "a", "location": {"l\\u0061t": 35, "latitude": 35, "lon": 1}}\n',
    '{"id": 1}\n{"id": "b"}\n',
    '{"id": "a", "other": "x\\u001by"}\n{"id": "b"}\n',
    '{"id": "a", "other": "x\x7f"}\n',
    '{"id": "a", "ot\\u0085her": 1}\n',
    '{"id": "a", "other": ["\\b"]}\n',
    '{"id": "a"}\n{"id": 2}\n',
    '\ufeff{"id": "a"}\n',
    # good tables: the fast path's or the row reader's, the same frame either way
    '{"id": "a", "actor": "ISIS\u2028"}\r\n\n{"id": "b", "notes": "x\u2029y"}\n{"id": "c"}',
    '{"id": "a", "act": "\\\\u001b[31m, C:\\\\bin, \\\\\\\\\\u0041"}\n{"id": "b", "notes": "two\\nlines,\\ta tab"}\n',
    '{"id": "a", "actor": "\\u062f\\u0627\\u0639\\u0634\\u00a0\\u00e9\\ud83d\\ude00"}\n',
    '  {"id": "a"}\n\t{"id": "b"}  \n\n',
    '{"id": "a", "actor": null, "location": null, "casualties": null, "accounts": [], "expect": null}\n',
    '{"id": "a", "location": {"lat": 35, "lon": -40.5, "name": "x"}, "casualties": {"killed": -0}}\n',
    '{"id": "a", "casualties": {"killed": 1000000000, "wounded": 0}}\n',
    '{"id": "a", "accounts": [{"source": "CENTCOM"}, {"source": "centcom", "location": {"country": "Iraq"}}]}\n',
    '{"id": "a", "expect": {"verdict": "violation", "accounts": {"s": "permitted"}}}\n',
    '{"id": "a", "expect": "disputed", "notes": "null"}\n',
    '{"id": "a", "notes": "\\"accounts\\": null"}\n',
    '{"id": "a", "mutual": null}\n{"id": "b", "mutual": true}\n',
    '{"id": "a", "time": " 2016-09-12 "}\n{"id": "b", "time": "2016-09-12T10:00:00Z"}\n',
    '{"id": "' + "x" * 200 + '", "accounts": [{"source": "' + "s" * 300 + '"}]}\n',
]


@pytest.mark.parametrize("text", JSONL_CASES)
def test_json_lines_are_read_or_refused_as_the_row_reader_does(tmp_path: Path, text: str) -> None:
    agrees(table(tmp_path, "events.jsonl", text))


def test_ndjson_is_json_lines(tmp_path: Path) -> None:
    agrees(table(tmp_path, "events.ndjson", '{"id": "a", "casualties": {"killed": -1}}\n'))
    agrees(table(tmp_path, "events.NDJSON", '{"id": "a"}\n'))


def test_plain_json_lines_take_the_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {"id": "a", "time": "2016-09-12", "location": {"region": "Aleppo", "country": "Syria", "lat": 36, "lon": 38}},
        {"id": "b", "accounts": [{"source": "SANA", "casualties": {"killed": 3}}, {"source": "SOHR"}]},
        {"id": "c", "expect": "violation", "notes": "x", "accounts": []},
    )
    expected = frame_of(load_incidents(path))
    fast_only(monkeypatch)
    assert_frame_equal(read_table(path), expected)


@pytest.mark.parametrize(
    "row",
    [
        {"id": "a", "casualties": {"killed": -1}},
        {"id": "a", "location": {"lat": 91}},
        {"id": "a", "time": "9999-12-31"},
        {"id": "a", "expect": "nope"},
        {"id": "a", "notes": "x\x1b"},
        {"id": "a", "accounts": [{"source": "s"}, {"source": "s"}]},
        {"id": "a", "accounts": [{"source": ""}]},
        {"id": "a", "accounts": [None]},
        {"id": "a", "accounts": [{"source": "s", "location": {"lat": 35, "latitude": 35, "lon": 1}}]},
        {"id": "a", "location": {"region": "Idlib", "admin1": "Idlib"}},
        {"id": "a", "accounts": [{"source": "s", "act": "x\u0085"}]},
        {"id": 3},
        {"id": ""},
        {"id": "a", "actor": 1},
    ],
)
def test_bad_json_lines_never_pass_the_fast_checks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, row: dict[str, Any]
) -> None:
    path = jsonl(tmp_path, {"id": "ok"}, row)
    fast_only(monkeypatch)
    with pytest.raises(AssertionError, match="fell back"):
        read_table(path)


# -- files and formats -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events.csv", "events.jsonl"])
def test_files_that_are_not_tables_are_refused_as_the_row_reader_does(tmp_path: Path, name: str) -> None:
    for text in (b"", b"\xff\xfeh\x00", b'{"id": "a"}\x00\n', b'{"id": "\xe9"}\n', b"id\n\x00\n"):
        agrees(table(tmp_path, name, text))
    agrees(tmp_path / "missing.csv")
    folder = tmp_path / "folder.jsonl"
    folder.mkdir()
    agrees(folder)


def test_an_unknown_format_names_the_formats_read(tmp_path: Path) -> None:
    path = table(tmp_path, "events.tsv", "id\na\n")
    assert error_of(read_table, path) == f"{path}: unknown table format `.tsv`; expected .jsonl, .csv or .parquet"


# -- Parquet ---------------------------------------------------------------------------------------


def parquet(tmp_path: Path, frame: pl.DataFrame) -> Path:
    path = tmp_path / "events.parquet"
    frame.write_parquet(path)
    return path


def refusal(path: Path) -> str:
    return error_of(read_table, path).removeprefix(f"{path.parent}/")


ACCOUNT = pl.Struct({"source": pl.String(), "killed": pl.Int64()})


def test_parquet_may_leave_out_columns_and_use_any_integer_type(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = parquet(
        tmp_path,
        pl.DataFrame(
            {
                "killed": pl.Series([3, None], dtype=pl.UInt8()),
                "id": ["a", "b"],
                "act": pl.Series([None, None], dtype=pl.Null()),
                "accounts": pl.Series([[{"source": "s", "killed": 1}], None], dtype=pl.List(ACCOUNT)),
            }
        ),
    )
    fast_only(monkeypatch)
    frame = read_table(path)
    expected = frame_of(
        load_incidents(
            jsonl(
                tmp_path,
                {"id": "a", "casualties": {"killed": 3}, "accounts": [{"source": "s", "casualties": {"killed": 1}}]},
                {"id": "b"},
            )
        )
    )
    assert_frame_equal(frame, expected)


def test_a_null_mutual_is_not_told_alike_in_json_lines_csv_and_parquet(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """JSON Lines' null (as polars and pandas write one), an empty CSV cell, Parquet's null: each read by its
    columnar reader as the row reader reads it, false."""
    told = pl.DataFrame({"id": ["a", "b", "c"], "mutual": [True, None, False]})
    text = "".join(json.dumps(row) + "\n" for row in told.iter_rows(named=True))
    paths = [table(tmp_path, "events.jsonl", text), table(tmp_path, "events.csv", "id,mutual\na,true\nb,\nc,false\n")]
    expected = [frame_of(load_incidents(path)) for path in paths]
    assert expected[0]["mutual"].to_list() == [True, False, False]
    fast_only(monkeypatch)
    for path, frame in zip([*paths, parquet(tmp_path, told)], [*expected, expected[0]], strict=True):
        assert_frame_equal(read_table(path), frame)
        assert_frame_equal(pl.concat(tables.TableReader(path, ruleset("syria-2016-09")).batches()), frame)


@pytest.mark.parametrize("rows", [1, 3])
def test_a_parquet_mutual_column_is_boolean_a_null_not_told(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rows: int
) -> None:
    mutual = pl.Series([True, None, False], dtype=pl.Boolean())
    path = parquet(tmp_path, pl.DataFrame({"id": ["a", "b", "c"], "act": ["clash"] * 3, "mutual": mutual}))
    told = ({"id": "a", "act": "clash", "mutual": True}, {"id": "b", "act": "clash"}, {"id": "c", "act": "clash"})
    expected = frame_of(load_incidents(jsonl(tmp_path, *told)))
    fast_only(monkeypatch)
    assert_frame_equal(read_table(path), expected)
    reader = tables.TableReader(path, ruleset("syria-2016-09"), rows=rows)
    assert_frame_equal(pl.concat(reader.batches()), expected)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"id": ["a"], "killed": ["3"]}, "column `killed` is String; expected whole numbers (an integer or float"),
        ({"id": ["a"], "wounded": [True]}, "column `wounded` is Boolean; expected whole numbers (an integer or float"),
        ({"id": [1.5]}, "column `id` is Float64; expected text or whole numbers"),
        ({"id": [True]}, "column `id` is Boolean; expected text or whole numbers"),
        (
            {"id": ["a"], "latitude": ["36.2"]},
            "column `latitude` is String; expected numbers (a float or integer type)",
        ),
        ({"id": ["a"], "region": ["x"], "admin1": ["y"]}, "columns `region` and `admin1` are both given; `region` is"),
        ({"id": ["a"], "time": [12]}, "column `time` is Int64; expected text, dates or date-times"),
        ({"id": ["a"], "actor": [1]}, "column `actor` is Int64; expected text (a string type)"),
        ({"id": ["a"], "mutual": ["true"]}, "column `mutual` is String; expected true or false (a boolean type)"),
        ({"id": ["a"], "mutual": [1]}, "column `mutual` is Int64; expected true or false (a boolean type)"),
        ({"id": ["a"], "accounts": [[1]]}, "accounts: column `accounts` is List(Int64); expected a list of structs"),
        (
            {"id": ["a"], "accounts": [[{"source": "s", "kiled": 3}]]},
            "accounts: unknown field `kiled`; did you mean `killed`?; expected fields source, time,",
        ),
        ({"id": ["a"], "accounts": [[{"source": "s", "killed": "2"}]]}, "column `accounts.killed` is String; expected"),
        ({"id": ["a"], "Killed": [1]}, "unknown column `Killed`; did you mean `killed`?; expected columns id, time,"),
        (
            {"id": ["a"], "countyr": ["Syria"]},
            "unknown column `countyr`; did you mean `country`?; expected columns id, time,",
        ),
        ({"act": ["a"]}, "no `id` column; expected columns id, time, actor, act, target, intended_target, country,"),
        ({"id": pl.Series([], dtype=pl.String())}, "file holds no incidents; expected a row per incident"),
    ],
)
def test_a_parquet_table_of_the_wrong_shape_gets_one_line(
    tmp_path: Path, columns: dict[str, Any], message: str
) -> None:
    frame = pl.DataFrame(columns)
    assert refusal(parquet(tmp_path, frame)).startswith(f"events.parquet: {message}")


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"id": "a", "killed": -1}], "row 2: casualties.killed: `-1` is too small; expected at least 0"),
        (
            [{"id": "a", "killed": 1_000_000_001}],
            "row 2: casualties.killed: `1000000001` is too large; expected at most 1,000,000,000",
        ),
        ([{"id": None}], "row 2: `id` is required"),
        ([{"id": ""}], "row 2: `id` is required"),  # an empty text is not told, as an empty CSV cell
        ([{"id": "ok"}], "row 2: id: incident id `ok` is used twice (first on row 1)"),
        (
            [{"id": "a", "time": "9999-12-31"}],
            "row 2: time: `9999-12-31` is out of range; expected a year from 2 to 9998",
        ),
        ([{"id": "a", "time": "2016-09-14/2016-09-12"}], "row 2: time: `2016-09-14/2016-09-12` ends before it starts"),
        ([{"id": "a", "act": "x\x1b"}], "row 2: act: text holds a control character (U+001B); remove it"),
        ([{"id": "a", "admin1": "x\x9b"}], "row 2: location.admin1: text holds a control character (U+009B)"),
        ([{"id": "a", "location": "x\x9b"}], "row 2: location.name: text holds a control character (U+009B)"),
        (
            [{"id": "a", "latitude": 91.0, "longitude": 0.0}],
            "row 2: location.latitude: `91.0` is too large; expected at",
        ),
        ([{"id": "a", "latitude": 1.0}], "row 2: location: `latitude` without `longitude`; a point needs both"),
        ([{"id": "a", "precision_km": 1.0}], "row 2: location: `precision_km` without a point; give `latitude`"),
        (
            [{"id": "a", "latitude": 1.0, "longitude": 1.0, "precision_km": -1.0}],
            "row 2: location.precision_km: `-1.0` is too small; expected at least 0",
        ),
        (
            [{"id": "a", "accounts": [{"source": "s", "killed": None}, {"source": "s", "killed": 2}]}],
            "row 2: accounts: source `s` has two accounts (accounts[0] and [1]); merge them or tell the sources apart",
        ),
        ([{"id": "a", "accounts": [{"source": None, "killed": 1}]}], "row 2: accounts[0]: `source` is required"),
        (
            [{"id": "a", "accounts": [{"source": "s", "killed": -5}]}],
            "row 2: accounts[0].casualties.killed: `-5` is too small",
        ),
    ],
)
def test_a_bad_parquet_row_gets_one_line_naming_the_row(
    tmp_path: Path, rows: list[dict[str, Any]], message: str
) -> None:
    schema = {k: INCIDENTS[k] for k in ("id", "source", "time", "act", "admin1", "location", *POINT, "killed")}
    frame = pl.DataFrame(
        [{"id": "ok", "accounts": []}, *({"accounts": [], **r} for r in rows)],
        schema={**schema, "accounts": pl.List(ACCOUNT)},
    )
    assert refusal(parquet(tmp_path, frame)).startswith(f"events.parquet: {message}")


def test_a_parquet_count_past_int64_is_too_large(tmp_path: Path) -> None:
    path = parquet(tmp_path, pl.DataFrame({"id": ["a"], "killed": pl.Series([2**64 - 1], dtype=pl.UInt64())}))
    assert refusal(path).startswith("events.parquet: row 1: casualties.killed: `18446744073709551615` is too large")


def test_parquet_times_may_be_dates_and_date_times_counts_floats_and_text_categorical(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As pandas writes them: a date-time column with its zone (or none), a date column, a count with gaps as
    floats (NaN for a gap), names as categoricals; each read as the text and numbers a JSON Lines table gives."""
    instants = pl.Series([datetime(2016, 9, 17, 11), datetime(2016, 9, 18, 11, 0, 0, 500000), None])
    zoned = instants.dt.replace_time_zone("UTC").dt.convert_time_zone("Asia/Damascus")
    account = pl.Struct({"source": pl.String(), "time": pl.Date(), "killed": pl.Float64()})
    path = parquet(
        tmp_path,
        pl.DataFrame(
            {
                "id": ["a", "b", "c"],
                "time": zoned,
                "actor": pl.Series(["SAA", None, "SAA"], dtype=pl.Categorical()),
                "killed": [1.0, float("nan"), None],
                "accounts": pl.Series(
                    [[], [{"source": "s", "time": datetime(2016, 9, 16).date(), "killed": 2.0}], []],
                    dtype=pl.List(account),
                ),
            }
        ),
    )
    fast_only(monkeypatch)
    rows = [
        {"id": "a", "time": "2016-09-17T14:00:00+03:00", "actor": "SAA", "casualties": {"killed": 1}},
        {"id": "b", "time": "2016-09-18T14:00:00.500+03:00", "accounts": [{"source": "s", "time": "2016-09-16"}]},
        {"id": "c", "actor": "SAA"},
    ]
    rows[1]["accounts"][0]["casualties"] = {"killed": 2}  # type: ignore[index]
    assert_frame_equal(read_table(path), frame_of(load_incidents(jsonl(tmp_path, *rows))))
    naive = parquet(tmp_path, pl.DataFrame({"id": ["a"], "time": [datetime(2016, 9, 17, 11)]}))
    assert read_table(naive).get_column("time").to_list() == ["2016-09-17T11:00:00"]


def test_an_empty_parquet_text_is_not_told_as_an_empty_csv_cell_is(tmp_path: Path) -> None:
    """pyarrow's and pandas' CSV readers keep an empty cell as "": a table converted so says what the CSV says."""
    columns = ("id", "time", "actor", "act", "target", "intended_target", "country", "admin1")
    rows = [("a", "2016-09-17T14:00:00+03:00", "SAA", "shelling", "FSA", "", "", "Aleppo")]
    csv = tmp_path / "events.csv"
    csv.write_text(",".join(columns) + "\n" + "\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    text = pl.DataFrame(rows, schema=list(columns), orient="row")
    categorical = text.with_columns(pl.col("intended_target", "country").cast(pl.Categorical()))
    for table in (text, categorical):
        assert_frame_equal(read_table(parquet(tmp_path, table)), read_table(csv))


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([1.0, 2.5], "row 2: casualties.killed: expected a whole number, got `2.5`"),
        ([float("inf")], "row 1: casualties.killed: expected a whole number, got `inf`"),
        ([float("nan"), -3.0], "row 2: casualties.killed: `-3` is too small; expected at least 0"),
        ([1e30], "row 1: casualties.killed: `1e+30` is too large; expected at most 1,000,000,000"),
    ],
)
def test_a_parquet_count_held_as_a_float_is_a_whole_number_in_range(
    tmp_path: Path, counts: list[float], message: str
) -> None:
    rows = pl.DataFrame({"id": [str(k) for k in range(len(counts))], "killed": counts})
    assert refusal(parquet(tmp_path, rows)) == f"events.parquet: {message}"
    told = pl.Series(
        [[{"source": "s", "killed": c}] for c in counts],
        dtype=pl.List(pl.Struct({"source": pl.String(), "killed": pl.Float64()})),
    )
    accounts = pl.DataFrame({"id": rows.get_column("id"), "accounts": told})
    where = message.replace("casualties", "accounts[0].casualties")
    assert refusal(parquet(tmp_path, accounts)) == f"events.parquet: {where}"


def test_check_lists_every_unfit_parquet_count_in_row_order(tmp_path: Path, cli: Cli) -> None:
    rows = pl.DataFrame(
        {"id": ["a", "b", "c", "d"], "killed": [1.5, 2.0, -1.0, 3.25], "wounded": [0.0, 7.5, float("nan"), 1.0]}
    )
    path = parquet(tmp_path, rows)
    code, out, err = cli("check", str(path))
    assert code == 2 and "1 file checked: 4 errors" in out
    assert err.splitlines() == [
        f"error: {path}: row 1: casualties.killed: expected a whole number, got `1.5`",
        f"error: {path}: row 2: casualties.wounded: expected a whole number, got `7.5`",
        f"error: {path}: row 3: casualties.killed: `-1` is too small; expected at least 0",
        f"error: {path}: row 4: casualties.killed: expected a whole number, got `3.25`",
    ]
    assert refusal(path) == "events.parquet: row 1: casualties.killed: expected a whole number, got `1.5`"


def test_check_lists_a_parquet_table_s_other_problems_beside_its_unfit_counts(tmp_path: Path, cli: Cli) -> None:
    told = pl.List(pl.Struct({"source": pl.String(), "time": pl.String(), "killed": pl.Float64()}))
    rows = pl.DataFrame(
        {
            "id": ["i0", "i1", "i1"],
            "time": [None, "bad-time", None],
            "killed": [0.0, 1.0, 1.5],
            "accounts": [
                [{"source": "s", "time": None, "killed": 2.5}],
                [],
                [{"source": "t", "time": "x", "killed": 1.0}],
            ],
        },
        schema_overrides={"accounts": told},
    )
    path = parquet(tmp_path, rows)
    _, _, err = cli("check", str(path))
    assert [line.split(": ", 3)[2:] for line in err.splitlines()] == [
        ["row 1", "accounts[0].casualties.killed: expected a whole number, got `2.5`"],
        ["row 2", "time: `bad-time` is not an ISO 8601 time" + err.split("ISO 8601 time", 1)[1].split("\n")[0]],
        ["row 3", "casualties.killed: expected a whole number, got `1.5`"],
        ["row 3", "accounts[0].time: `x` is not an ISO 8601 time" + err.split("ISO 8601 time", 2)[2].split("\n")[0]],
    ]  # a row's first problem besides its counts, as a CSV row's first problem


def test_check_finds_a_parquet_id_given_again_after_a_bad_row(tmp_path: Path, cli: Cli) -> None:
    path = parquet(tmp_path, pl.DataFrame({"id": ["i0", "i1", "i1"], "time": [None, "bad-time", None]}))
    _, _, err = cli("check", str(path))
    assert [line.split(": ")[2] for line in err.splitlines()] == ["row 2", "row 3"]
    assert err.splitlines()[1] == f"error: {path}: row 3: id: incident id `i1` is used twice (first on row 2)"


def test_files_that_are_not_parquet_tables_get_one_line(tmp_path: Path) -> None:
    assert refusal(table(tmp_path, "events.parquet", b"")).startswith(
        "events.parquet: file is empty; expected a Parquet"
    )
    assert refusal(table(tmp_path, "events.parquet", "id\na\n")) == (
        "events.parquet: not a Parquet file (its footer cannot be read)"
    )
    missing = tmp_path / "missing.parquet"
    assert error_of(read_table, missing) == f"{missing}: no such file"
    folder = tmp_path / "folder.parquet"
    folder.mkdir()
    assert error_of(read_table, folder) == f"{folder}: is a directory; expected a file"


def test_json_lines_with_other_tools_keys_and_number_ids_take_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = jsonl(
        tmp_path,
        {"id": 1, "event_type": "Battles", "location": {"admin1": "Idlib", "latitude": 35.9, "longitude": 36.6}},
        {"id": 2, "tags": "x", "source": "ACLED", "notes": "n", "location": {"admin2": "Ariha", "precision_km": None}},
    )
    expected = frame_of(load_incidents(path))
    fast_only(monkeypatch)
    warnings: list[Any] = []
    frame = read_table(path, warnings)
    assert_frame_equal(frame, expected)
    assert frame["id"].to_list() == ["1", "2"] and frame["source"].to_list() == [None, "ACLED"]
    assert [w.message for w in warnings] == ["ignoring 2 columns ceasefire does not read: event_type, tags"]


@pytest.mark.parametrize(
    "text",
    [
        "id,latitude,longitude\na,1,\n",
        "id,latitude,longitude\na,91,1\n",
        "id,latitude,longitude,precision_km\na,1,1,-1\n",
        "id,precision_km\na,1\n",
        "id,latitude,longitude\na,1.5e3,1\n",
        "id,source\na,\nb," + "s" * 301 + "\n",
    ],
)
def test_a_bad_place_never_passes_the_fast_checks(tmp_path: Path, text: str) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        load_incidents(path)
    agrees(path)


def test_the_frame_s_columns_are_the_contract_place_resolution_reads() -> None:
    from engine.incidents.frame import ACCOUNT, TOLD

    assert list(TOLD) == [
        "time", "actor", "act", "target", "intended_target", "country", "admin1", "admin2", "admin3",
        "location", "latitude", "longitude", "precision_km", "killed", "wounded",
    ]  # fmt: skip
    assert {TOLD[k] for k in ("latitude", "longitude", "precision_km")} == {pl.Float64()}
    assert list(INCIDENTS) == ["id", "notes", "source", *TOLD, "accounts"]
    assert [(f.name, f.dtype) for f in ACCOUNT.fields] == [("source", pl.String()), *TOLD.items()]


def test_a_place_survives_the_frame_and_back(tmp_path: Path) -> None:
    from engine.incidents.frame import incidents_of
    from engine.incidents.model import Incident

    incident = Incident.model_validate(
        {
            "id": "a",
            "notes": "n",
            "source": "ACLED",
            "location": {"name": "Souran", "region": "Hama", "admin2": "Hama", "lat": 35.3, "lon": 36.7},
            "accounts": [{"source": "SANA", "location": {"admin3": "Souran", "latitude": 1.0, "longitude": 2.0}}],
        }
    )
    frame = frame_of([incident])
    row = frame.row(0, named=True)
    assert (row["admin1"], row["location"], row["latitude"], row["notes"], row["source"]) == (
        "Hama",
        "Souran",
        35.3,
        "n",
        "ACLED",
    )
    assert row["accounts"][0]["admin3"] == "Souran"
    [back] = incidents_of(frame)
    assert back.location is not None and back.location.admin1 == "Hama" and back.location.latitude == 35.3
    assert_frame_equal(frame_of([back]), frame)


@pytest.mark.parametrize("spacing", ['"actor": null', '"actor" :\tnull', '"target":null', '"intended_target" : null'])
def test_json_lines_with_a_null_person_leave_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spacing: str
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"id": "a", "accounts": [{"source": "s", ' + spacing + "}]}\n", encoding="utf-8")
    fast_only(monkeypatch)
    with pytest.raises(AssertionError, match="fell back to the row reader"):
        read_table(path)


# -- read a block at a time ------------------------------------------------------------------------


def whole(path: Path, warnings: list[Problem]) -> pl.DataFrame:
    """The table read whole, as a run that reads it so does: a time the ruleset cannot read refused at its line."""
    frame = read_table(path, warnings)
    tables.refuse_unreadable_times(ruleset("syria-2016-09"), frame, path)
    return frame


def streams_as_whole(path: Path, block: int, rows: int | None = None) -> None:
    """`TableReader` with blocks of `block` bytes (Parquet: `rows` rows) gives what reading the table whole
    gives: the same frame and warnings, or the same one-line error."""
    expected: list[Problem] = []
    reader = tables.TableReader(path, ruleset("syria-2016-09"), block, rows)
    try:
        frame = whole(path, expected)
    except InputError as exc:
        with pytest.raises(InputError) as streamed:
            list(reader.batches())
        assert [str(p) for p in streamed.value.problems] == [str(p) for p in exc.problems]
        return
    parts = list(reader.batches())
    assert parts and all(part.height for part in parts)
    assert_frame_equal(pl.concat(parts), frame)
    assert reader.warnings == expected


@pytest.mark.parametrize("block", [1, 24])
@pytest.mark.parametrize(
    ("name", "text"),
    [
        *(("events.csv", t) for t in CSV_CASES),
        *(("events.jsonl", t) for t in JSONL_CASES),
        ("events.csv", "id,time\na,2016-09-12T10:00:00\nb,2016-09-12\n"),  # a local time: refused at its line
        ("events.csv", "id,time,act\na,2016-09-12T10:00\n" + "b,,x\n" * 20 + "c,,x,y\n"),  # ... after a bad row
        ("events.jsonl", '{"id": "a"}\n' * 2 + '{"id": "b", "tags": 1}\n' + '{"id": "c", "zz": []}\n'),
    ],
)
def test_a_table_read_a_block_at_a_time_is_the_table_read_whole(
    tmp_path: Path, name: str, text: str, block: int
) -> None:
    streams_as_whole(table(tmp_path, name, text), block)


@pytest.mark.parametrize("name", ["events.csv", "events.jsonl", "events.parquet"])
def test_files_that_are_not_tables_stream_as_they_read_whole(tmp_path: Path, name: str) -> None:
    texts = (b"", b"\xff\xfeh\x00", b'{"id": "a"}\x00\n', b'{"id": "\xe9"}\n', b"id\n\x00\n", b"\xef\xbb\xbfid\na\n")
    for text in texts:
        streams_as_whole(table(tmp_path, name, text), 16)
    streams_as_whole(tmp_path / "missing.csv", 16)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_a_generated_table_streams_in_many_blocks_on_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, generated: dict[str, Path], fmt: str
) -> None:
    expected = read_table(generated[fmt])
    fast_only(monkeypatch)
    reader = tables.TableReader(generated[fmt], ruleset("syria-2016-09"), block=20_000, rows=700)
    parts = list(reader.batches())
    assert len(parts) > 4
    assert_frame_equal(pl.concat(parts), expected)


def test_an_id_given_again_in_a_later_block_is_refused_at_its_line(tmp_path: Path) -> None:
    rows = [f"r{i},shelling\n" for i in range(60)]
    rows[50] = "r3,shelling\n"
    path = table(tmp_path, "events.csv", "id,act\n" + "".join(rows))
    streams_as_whole(path, 64)
    with pytest.raises(InputError) as exc:
        list(tables.TableReader(path, ruleset("syria-2016-09"), 64).batches())
    assert str(exc.value.problems[0]) == f"{path}:52: id: incident id `r3` is used twice (first on line 5)"


def test_a_streamed_table_s_parts_are_its_blocks_size_or_the_batch(
    monkeypatch: pytest.MonkeyPatch, generated: dict[str, Path]
) -> None:
    monkeypatch.setattr(tables, "BLOCK", 3000)  # about 25 rows a block
    loaded = load_input(generated["csv"], "syria-2016-09", stream=True)
    whole = load_input(generated["csv"], "syria-2016-09").frame
    parts = [part.height for part in loaded.parts(10)]
    assert parts[0] < 10 and set(parts[1:-1]) == {10} and sum(parts) == COUNT  # the first block an eighth as large
    heights = [part.height for part in loaded.parts(1000)]
    assert heights[0] < 8 and 15 < heights[1] < 40 and sum(heights) == COUNT
    assert sorted(heights[:-1]) == heights[:-1]  # each the largest block's so far
    assert_frame_equal(pl.concat(loaded.parts(1000)), whole)
    assert [part.height for part in loaded.parts(None)] == [COUNT]


def test_the_generator_writes_the_table_its_output_s_suffix_names(tmp_path: Path) -> None:
    for suffix in ("jsonl", "csv", "parquet"):
        synthetic.main(["7", "-o", str(tmp_path / f"g.{suffix}")])
        assert read_table(tmp_path / f"g.{suffix}").height == 7
    with pytest.raises(SystemExit) as exc:
        synthetic.main(["7", "-o", str(tmp_path / "g.txt")])
    assert exc.value.code == 2 and not (tmp_path / "g.txt").exists()


@pytest.mark.parametrize(
    ("main", "args", "said"),
    [
        (synthetic.main, ["10", "--rules", "nope", "-o", "g.csv"], "error: nope: no ruleset `nope`"),
        (synthetic.main, ["-5", "-o", "g.csv"], "error: argument count: `-5`: expected at least 1"),
        (synthetic.main, ["ten", "-o", "g.csv"], "error: argument count: `ten` is not a whole number"),
        (synthetic_events.main, ["-1", "-o", "g.csv"], "error: argument count: `-1`: expected at least 1"),
        (synthetic_events.main, ["10", "-o", "g.parquet"], "g.parquet: an ACLED export is a CSV file; name it .csv"),
    ],
)
def test_the_generators_refuse_what_they_cannot_write_in_one_line(
    main: Any, args: list[str], said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main([a if not a.startswith("g.") else str(tmp_path / a) for a in args])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and said in err and "Traceback" not in err and not list(tmp_path.iterdir())


def test_a_json_line_longer_than_a_parse_block_is_read_on_the_fast_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    long = "x" * (tables.JSON_PARSE_BLOCK + 1000)  # straddles two of pyarrow's blocks: read again as one
    path = jsonl(tmp_path, *({"id": f"r{i}", "act": "airstrike"} for i in range(2000)), {"id": "long", "notes": long})
    expected = frame_of(load_incidents(path))
    fast_only(monkeypatch)
    frame = read_table(path)
    assert_frame_equal(frame, expected)
    assert frame.get_column("notes").to_list()[-1] == long

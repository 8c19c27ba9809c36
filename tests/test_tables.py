"""Incident tables (JSON Lines and CSV) and the values in them: what is read, and what is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import InputError, Problem
from engine.incidents.load import load_incidents
from engine.incidents.model import MAX_COUNT
from engine.yamlsafe import parse_yaml
from tests.conftest import ENGINES, ROOT, Cli

RULES = ROOT / "rules" / "syria-2016-09.yaml"
STRIKE = {"actor": "US-led coalition", "act": "airstrike", "target": "Syrian Arab Army", "location": {"admin1": "Hama"}}
HEADER = "id,time,actor,act,target,intended_target,region,killed,wounded\n"


def table(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(tmp_path: Path, *rows: dict[str, object]) -> Path:
    return table(tmp_path, "events.jsonl", "".join(json.dumps(r) + "\n" for r in rows))


def refusal(path: Path) -> str:
    """The one line loading `path` is refused with, without the file's folder."""
    with pytest.raises(InputError) as exc:
        load_incidents(path)
    assert len(exc.value.problems) == 1
    return str(exc.value.problems[0]).removeprefix(f"{path.parent}/")


# -- times -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("9999-12-31T23:59:59-03:00", "`9999-12-31T23:59:59-03:00` is out of range; expected a year from 2 to 9998"),
        ("0001-01-01T00:00:00+03:00", "`0001-01-01T00:00:00+03:00` is out of range; expected a year from 2 to 9998"),
        ("9999-12-31", "`9999-12-31` is out of range; expected a year from 2 to 9998"),
        ("0001-01-01", "`0001-01-01` is out of range; expected a year from 2 to 9998"),
        ("0000-01-01T00:00:00+00:00", "`0000-01-01T00:00:00+00:00` is out of range; expected a year from 2 to 9998"),
        ("2016-02-30", "`2016-02-30` is not a real date (day is out of range for month)"),
        ("2016-09-12T25:00:00+03:00", "`2016-09-12T25:00:00+03:00` is not a real date-time (hour must be in 0..23)"),
        (
            "2016-09-12T10:00:00+24:00",
            "`2016-09-12T10:00:00+24:00` has a UTC offset out of range; expected one from -23:59 to +23:59",
        ),
        (
            "soon",
            "`soon` is not an ISO 8601 time; write a date-time like 2016-09-17T16:00:00+03:00, a day (2016-09-17), "
            "a week (2016-W37), a month (2016-09) or a span of days (2016-09-10/2016-09-14)",
        ),
    ],
)
def test_a_time_no_datetime_can_hold_is_refused_at_validation(tmp_path: Path, time: str, message: str) -> None:
    path = jsonl(tmp_path, {"id": "ok", "time": "2016-09-14T10:00:00+03:00"}, {"id": "a", "time": time})
    assert refusal(path) == f"events.jsonl:2: time: {message}"


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("2016-02-30T10:00:00+03:00", "is not a real date-time (day is out of range for month)"),
        ("0000-01-01T00:00:00+00:00", "is out of range; expected a year from 2 to 9998"),
    ],
)
def test_a_csv_time_of_the_common_form_on_no_real_date_is_refused_at_its_line(
    tmp_path: Path, time: str, message: str
) -> None:
    """The table reader checks times of the common form a date at a time: a bad date among good ones is still
    found, and said at its line as the row reader says it."""
    from engine.incidents.tables import read_table

    good = "".join(f"ok{k},2016-09-{10 + k % 9}T10:00:00+03:00\n" for k in range(50))
    path = table(tmp_path, "events.csv", f"id,time\n{good}a,{time}\n")
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert str(exc.value.problems[0]).removeprefix(f"{tmp_path}/") == f"events.csv:52: time: `{time}` {message}"


@pytest.mark.parametrize(
    "time", ["２０１６-09-17", "2016-W３7", "2016-0９", "2016-09-17T1０:00:00+03:00", "2016-09-17T10:00:00+0３:00"]
)
@pytest.mark.parametrize("form", ["jsonl", "csv"])
def test_a_time_in_digits_other_than_0_to_9_is_refused_not_read(tmp_path: Path, time: str, form: str) -> None:
    """Python's `int` and `fromisoformat` read some scripts' digits; ISO 8601 has only 0-9."""
    if form == "jsonl":
        path, line = jsonl(tmp_path, {"id": "ok", "time": "2016-09-14"}, {"id": "a", "time": time}), 2
    else:
        path, line = table(tmp_path, "events.csv", f"id,time\nok,2016-09-14\na,{time}\n"), 3
    assert refusal(path).startswith(f"events.{form}:{line}: time: `{time}` is not an ISO 8601 time; write")


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (["a1", " a1"], "id: ` a1` has white space around it; write `a1`"),
        (["a1", "a2\t"], "id: `a2\\t` has white space around it; write `a2`"),  # shown escaped
        (["a1", "  "], "id: expected non-empty text, got `  ` (white space only)"),
    ],
)
@pytest.mark.parametrize("form", ["jsonl", "csv"])
def test_an_id_with_white_space_around_it_is_refused(tmp_path: Path, ids: list[str], message: str, form: str) -> None:
    """` a1` beside `a1` would be two incidents, where names and counts are read without their white space."""
    if form == "jsonl":
        path, line = jsonl(tmp_path, *({"id": i, "time": "2016-09-14"} for i in ids)), 2
    else:
        path, line = table(tmp_path, "events.csv", "id,time\n" + "".join(f"{i},2016-09-14\n" for i in ids)), 3
    assert refusal(path) == f"events.{form}:{line}: {message}"


@pytest.mark.parametrize(
    "line",
    [
        '{"id": "a", "id": "b"}',
        '{"id": "a", "location": {"country": "Syria", "country": "Narnia"}}',
        '{"id": "a", "accounts": [{"source": "s", "act": "shelling", "act": "airstrike"}]}',
    ],
)
def test_a_key_given_twice_in_a_json_object_is_refused(tmp_path: Path, line: str) -> None:
    """JSON parsers differ on which of the two they keep: the row would be read on a guess."""
    path = table(tmp_path, "events.jsonl", '{"id": "ok", "accounts": [{"source": "s"}, {"source": "t"}]}\n' + line)
    key = line.rsplit('", "', 1)[1].split('"')[0]
    assert refusal(path) == f"events.jsonl:2: duplicate key `{key}` in one object; keep one"


def test_an_account_time_is_held_to_the_same_range(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "a", "accounts": [{"source": "x", "time": "9999-12-31T23:59:59-03:00"}]})
    assert refusal(path) == (
        "events.jsonl:1: accounts[0].time: `9999-12-31T23:59:59-03:00` is out of range; expected a year from 2 to 9998"
    )


EDGE_WINDOW = (
    RULES.read_text(encoding="utf-8")
    .replace("from: 2016-09-12T19:00:00+03:00", "from: 0003-01-01T00:00:00+23:59")
    .replace("until: 2016-09-20T00:00:00+03:00", "until: 9997-12-31T23:59:59-23:59")
)


@pytest.mark.parametrize("engine", ENGINES)
def test_times_at_the_ends_of_the_range_are_judged_on_every_path(cli: Cli, tmp_path: Path, engine: str) -> None:
    edge = table(tmp_path, "edge.yaml", EDGE_WINDOW)
    assert "until: 9997-12-31T23:59:59-23:59" in EDGE_WINDOW and "from: 0003-01-01T00:00:00+23:59" in EDGE_WINDOW
    times = {
        "first": "0002-01-01T00:00:00-23:59",
        "first-day": "0002-01-01",
        "last": "9998-12-31T23:59:59-23:59",
        "last-day": "9998-12-31",
        "window-start": "0003-01-01T00:00:00+23:59",
        "window-last-day": "9997-12-31",
    }
    path = jsonl(tmp_path, *({"id": name, "time": time, **STRIKE} for name, time in times.items()))
    for rules, inside in ((str(edge), "violation"), ("syria-2016-09", "not_covered")):
        code, out, err = cli("run", str(path), "-r", rules, "-e", engine, "-f", "json")
        assert code == 0, err
        verdicts = [v["verdict"] for v in json.loads(out)["verdicts"]]
        assert verdicts == ["not_covered"] * 4 + [inside] * 2
    for args in (
        ["explain", str(path), "last", "-r", str(edge)],
        ["whatif", str(path), "-r", str(edge), "-s", "window.from=0003-01-01T00:00:00-23:59"],
        ["sweep", str(path), "-r", str(edge), "-p", "rules.attack-on-covered-party.priority=1,2"],
        ["diff", str(edge), "syria-2016-09"],
        ["diff", "syria-2016-09", str(edge)],
    ):
        code, _, err = cli(*args, "-e", engine)
        assert code == 0, (args, err)


def test_every_command_refuses_a_time_out_of_range_in_one_line(cli: Cli, tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "a", "time": "9999-12-31", **STRIKE})
    line = f"error: {path}:1: time: `9999-12-31` is out of range; expected a year from 2 to 9998\n"
    for args in (
        ["run", str(path), "-r", "syria-2016-09"],
        ["explain", str(path), "a", "-r", "syria-2016-09"],
        ["whatif", str(path), "-r", "syria-2016-09", "-s", "policy.mistaken_target=violation"],
        ["sweep", str(path), "-r", "syria-2016-09", "-p", "rules.attack-on-covered-party.priority=1,2"],
    ):
        assert cli(*args) == (2, "", line), args
    code, _, err = cli("check", str(path))
    assert (code, err) == (2, line)


def test_diff_refuses_a_window_out_of_range_in_one_line(cli: Cli, tmp_path: Path) -> None:
    text = RULES.read_text(encoding="utf-8").replace(
        "until: 2016-09-20T00:00:00+03:00", "until: 9999-12-31T23:59:59-01:00"
    )
    ruleset = table(tmp_path, "late.yaml", text)
    code, out, err = cli("diff", str(ruleset), "syria-2016-09")
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {ruleset}:")
    assert err.endswith(": window.until: `9999-12-31T23:59:59-01:00` is out of range; expected a year from 3 to 9997\n")


# -- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("casualties", "message"),
    [
        ('{"killed": true}', "casualties.killed: expected a whole number, got `true`"),
        ('{"killed": "12"}', "casualties.killed: expected a whole number, got text `12` (write it without quotes)"),
        ('{"wounded": 1.5}', "casualties.wounded: expected a whole number, got `1.5`"),
        ('{"killed": 1e20}', "casualties.killed: expected a whole number, got `1e+20`"),
        ('{"killed": NaN}', "casualties.killed: expected a whole number, got `NaN`"),
        ('{"killed": Infinity}', "casualties.killed: expected a whole number, got `Infinity`"),
        ('{"killed": 1e309}', "casualties.killed: expected a whole number, got `Infinity`"),
        ('{"killed": -1}', "casualties.killed: `-1` is too small; expected at least 0"),
        ('{"killed": 1000000001}', "casualties.killed: `1000000001` is too large; expected at most 1,000,000,000"),
    ],
)
def test_a_casualty_count_is_a_whole_number_written_as_one(tmp_path: Path, casualties: str, message: str) -> None:
    path = table(tmp_path, "events.jsonl", f'{{"id": "a", "casualties": {casualties}}}\n')
    assert refusal(path) == f"events.jsonl:1: {message}"


def test_the_largest_count_is_read(tmp_path: Path) -> None:
    path = jsonl(tmp_path, {"id": "a", "casualties": {"killed": MAX_COUNT, "wounded": 0}})
    casualties = load_incidents(path)[0].casualties
    assert casualties is not None and (casualties.killed, casualties.wounded) == (MAX_COUNT, 0)


@pytest.mark.parametrize(
    ("parent", "key", "number", "message"),
    [
        ("casualties", "killed", "9" * 5000, f"`{'9' * 37}...` (5,000 characters) is too large"),
        ("casualties", "wounded", "9" * 4400, f"`{'9' * 37}...` (4,400 characters) is too large"),
        ("location", "lat", "-" + "9" * 5000, f"`-{'9' * 36}...` (5,001 characters) is too small"),
        ("location", "lon", "1" + "0" * 5000 + ".5", f"`1{'0' * 36}...` (5,003 characters) is too large"),
    ],
    ids=["killed", "wounded", "lat", "lon"],
)
def test_a_number_too_long_for_json_is_quoted_short_with_what_is_right(
    tmp_path: Path, parent: str, key: str, number: str, message: str
) -> None:
    line = f'{{"id": "a", "{parent}": {{"{key}": {number}}}}}'
    path = table(tmp_path, "events.jsonl", line + "\n")
    column = line.index(number) + 1  # where the number starts
    right = {
        "killed": "a whole number up to 1,000,000,000",
        "wounded": "a whole number up to 1,000,000,000",
        "lat": "a latitude from -90 to 90",
        "lon": "a longitude from -180 to 180",
    }
    assert refusal(path) == f"events.jsonl:1:{column}: {key}: {message}; expected {right[key]}"


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ('{"lat": NaN}', "location.lat: expected a finite number, got `NaN`"),
        ('{"lon": -Infinity}', "location.lon: expected a finite number, got `-Infinity`"),
        ('{"lat": "35.2"}', "location.lat: expected a number, got text `35.2` (write it without quotes)"),
        ('{"lat": true}', "location.lat: expected a number, got `true`"),
        ('{"lat": 91}', "location.lat: `91` is too large; expected at most 90"),
    ],
)
def test_a_coordinate_is_a_finite_number_in_range(tmp_path: Path, location: str, message: str) -> None:
    path = table(tmp_path, "events.jsonl", f'{{"id": "a", "location": {location}}}\n')
    assert refusal(path) == f"events.jsonl:1: {message}"


def test_whole_coordinates_are_read_as_numbers(tmp_path: Path) -> None:
    location = load_incidents(jsonl(tmp_path, {"id": "a", "location": {"lat": 35, "lon": -40.5}}))[0].location
    assert location is not None and (location.lat, location.lon) == (35.0, -40.5)


# -- accounts --------------------------------------------------------------------------------------


def test_two_accounts_from_one_source_are_refused(tmp_path: Path) -> None:
    accounts = [{"source": "CENTCOM"}, {"source": "SANA"}, {"source": "CENTCOM", "target": "ISIS"}]
    path = jsonl(tmp_path, {"id": "a", **STRIKE, "accounts": accounts})
    assert refusal(path) == (
        "events.jsonl:1: accounts: source `CENTCOM` has two accounts (accounts[0] and [2]);"
        " merge them or tell the sources apart"
    )


def test_accounts_from_different_sources_are_read(tmp_path: Path) -> None:
    accounts = [
        {"source": "CENTCOM"},
        {"source": "centcom"},
    ]  # spelled apart: two sources, as expect.accounts sees them
    incident = load_incidents(jsonl(tmp_path, {"id": "a", "accounts": accounts}))[0]
    assert [a.source for a in incident.accounts] == ["CENTCOM", "centcom"]


# -- JSON Lines ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n", "  \n\n\t\n"])
def test_a_json_lines_file_without_incidents_is_refused(tmp_path: Path, text: str) -> None:
    path = table(tmp_path, "events.jsonl", text)
    assert refusal(path) == "events.jsonl: file holds no incidents; expected one JSON object a line"


def test_json_lines_end_at_newlines_only(tmp_path: Path) -> None:
    # U+2028 and U+2029 may stand in a JSON string as they are; str.splitlines would end a line at each
    rows = '{"id": "a", "actor": "ISIS\u2028"}\r\n\n{"id": "b", "notes": "x\u2029y"}\n{"id": "c"}'
    incidents = load_incidents(table(tmp_path, "events.jsonl", rows))
    assert [(i.id, i.actor, i.notes) for i in incidents] == [
        ("a", "ISIS\u2028", None),
        ("b", None, "x\u2029y"),
        ("c", None, None),
    ]


def test_a_bad_line_is_named_by_its_number_counting_blank_lines(tmp_path: Path) -> None:
    path = table(tmp_path, "events.jsonl", '{"id": "a"}\n\n{"id": "b", "killed": 1}\n')
    assert refusal(path).startswith("events.jsonl:3: killed: `killed` goes under `casualties`")


# -- CSV -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "events.csv: file is empty; expected a header line naming its columns, from id, time, actor, act, "),
        ("\nid\na\n", "events.csv:1: the first line is empty; expected a header line naming its columns, from id, "),
        ("id,act\n", "events.csv:1: file holds no incidents; expected rows under the header"),
        ("id,act\n\n\n", "events.csv:1: file holds no incidents; expected rows under the header"),
        ("id,time,actor,act,act\na,,x,y,z\n", "events.csv:1: column `act` is given twice (columns 4 and 5)"),
        ("ID,act\na,b\n", "events.csv:1: unknown column `ID`; did you mean `id`?; expected columns id, time, "),
        (" Killed,id\n1,a\n", "events.csv:1: unknown column ` Killed`; did you mean `killed`?; expected columns "),
        ("id;time;actor\na;b;c\n", "events.csv:1: the columns are separated by `;`; save as comma-separated CSV"),
        ("id\ttime\na\tb\n", "events.csv:1: the columns are separated by tabs; save as comma-separated CSV"),
        ("time,act\nx,y\n", "events.csv:1: no `id` column; expected columns id, time, actor, act, target, "),
        (HEADER + "a,b,c\n", "events.csv:2: row has 3 cells; the header has 9"),
        (HEADER + "a,,,,,,,,,\n", "events.csv:2: row has 10 cells; the header has 9"),
        ('id,act\n"a,2016\nb,c\n', 'events.csv:2: not valid CSV: a quoted cell is never closed (a `"` is missing)'),
        ('id,act\na,b\n"c"d,e\n', "events.csv:3: not valid CSV: ',' expected after '\"'"),
    ],
)
def test_a_bad_csv_table_gets_one_line(tmp_path: Path, text: str, message: str) -> None:
    assert refusal(table(tmp_path, "events.csv", text)).startswith(message)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1_000", "expected a whole number, got `1_000`"),
        ("+3", "expected a whole number, got `+3`"),
        ("1e3", "expected a whole number, got `1e3`"),
        ("3.0", "expected a whole number, got `3.0`"),
        ("\u0661\u0662", "expected a whole number, got `\u0661\u0662`"),  # digits, but not plain ASCII ones
        ("-3", "`-3` is too small; expected at least 0"),
        ("9" * 5000, f"`{'9' * 37}...` is too large; expected at most 1,000,000,000"),
    ],
    ids=["underscore", "plus", "exponent", "decimal", "arabic-indic", "negative", "5000-digits"],
)
def test_a_csv_count_is_plain_digits(tmp_path: Path, cell: str, message: str) -> None:
    path = table(tmp_path, "events.csv", f"id,killed\nok,1\na,{cell}\n")
    assert refusal(path) == f"events.csv:3: casualties.killed: {message}"


def test_a_csv_mutual_cell_is_true_or_false_in_any_case_or_empty(tmp_path: Path) -> None:
    text = "id,mutual\na,true\nb,True\nc, TRUE \nd,false\ne,False\nf,\n"
    incidents = load_incidents(table(tmp_path, "events.csv", text))
    assert [(i.id, i.mutual) for i in incidents] == [
        ("a", True),
        ("b", True),
        ("c", True),
        ("d", False),
        ("e", False),
        ("f", False),
    ]


@pytest.mark.parametrize("cell", ["yes", "no", "1", "0", "t", "on", "true?", '"true,false"'])
def test_a_csv_mutual_cell_of_another_word_is_refused_naming_its_line_and_column(tmp_path: Path, cell: str) -> None:
    path = table(tmp_path, "events.csv", f"id,act,mutual\nok,clash,true\na,clash,{cell}\n")
    shown = cell.strip('"')
    assert refusal(path) == f"events.csv:3: mutual: expected true or false, got `{shown}`"


@pytest.mark.parametrize(
    ("value", "got"),
    [('"yes"', "text `yes`"), ("1", "`1`"), ("0", "`0`"), ('"True"', "text `True` (write true without quotes)")],
)
def test_a_json_lines_mutual_is_true_or_false_as_json_writes_them(tmp_path: Path, value: str, got: str) -> None:
    path = table(tmp_path, "events.jsonl", '{"id": "ok", "mutual": true}\n{"id": "a", "mutual": ' + value + "}\n")
    assert refusal(path) == f"events.jsonl:2: mutual: expected true or false, got {got}"


def test_a_json_lines_mutual_is_read_by_the_columnar_reader_as_the_row_reader_reads_it(tmp_path: Path) -> None:
    from engine.incidents.frame import frame_of, with_defaults
    from engine.incidents.tables import _jsonl_frame, read_table

    text = '{"id": "a", "mutual": true, "act": "clash"}\n{"id": "b", "mutual": false}\n{"id": "c"}\n'
    frame, _ = _jsonl_frame(text.encode())  # not left to the row reader, which would take far longer
    assert frame.get_column("mutual").to_list() == [True, False, False]
    path = table(tmp_path, "events.jsonl", text)
    assert with_defaults(frame).equals(frame_of(load_incidents(path)))
    assert read_table(path).equals(frame_of(load_incidents(path)))


def test_a_csv_table_reads_counts_blank_cells_and_blank_lines(tmp_path: Path) -> None:
    text = HEADER + "a,,ISIS,shelling,,,Aleppo, 12 ,007\n\n" + 'b,,"Free Syrian\nArmy",,,,,  ,\n'
    incidents = load_incidents(table(tmp_path, "events.csv", text))
    a, b = incidents
    assert a.casualties is not None and (a.casualties.killed, a.casualties.wounded) == (12, 7)
    assert a.location is not None and a.location.region == "Aleppo"
    assert (a.time, a.target) == (None, None)
    assert (b.actor, b.casualties, b.location) == ("Free Syrian\nArmy", None, None)


def test_a_csv_row_is_named_by_the_line_it_starts_on(tmp_path: Path) -> None:
    text = 'id,actor,killed\na,"two\nlines",1\nb,x,many\n'
    assert refusal(table(tmp_path, "events.csv", text)) == (
        "events.csv:4: casualties.killed: expected a whole number, got `many`"
    )


BARE_RETURNS = "the lines end with a bare carriage return; save the file with LF or CRLF line ends"


@pytest.mark.parametrize("form", ["table", "jsonl"])  # read whole, and a block at a time
@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("events.csv", "id,time,actor,act\ra,2016-09-14,SAA,shelling\rb,2016-09-14,SAA,shelling\r"),
        ("events.jsonl", '{"id": "a", "act": "shelling"}\r{"id": "b", "act": "shelling"}\r'),
    ],
    ids=["csv", "jsonl"],
)
def test_lines_that_end_with_a_bare_carriage_return_are_refused_at_line_1(
    cli: Cli, tmp_path: Path, name: str, text: str, form: str
) -> None:
    # Excel's "CSV (Macintosh)" ends each line with a bare \r: no reader of blocks or headers ends a line there
    path = table(tmp_path, name, text)
    assert refusal(path) == f"{name}:1: {BARE_RETURNS}"
    assert cli("run", str(path), "-r", "syria-2016-09", "-f", form) == (2, "", f"error: {path}:1: {BARE_RETURNS}\n")
    code, _, err = cli("check", str(path))
    assert code == 2 and f"error: {path}:1: {BARE_RETURNS}\n" in err


# -- what `run` reads --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events.json", "events.tsv", "events.txt", "events"])
def test_a_file_of_no_known_format_is_named_as_such(cli: Cli, tmp_path: Path, name: str) -> None:
    path = table(tmp_path, name, '[{"id": "a"}]')
    suffix = path.suffix
    named = f"`{suffix}` is not a format ceasefire reads" if suffix else "a file without an extension"
    line = f"error: {path}: {named}; expected a scenario (.yaml) or an incident table (.jsonl, .csv, .parquet)\n"
    assert cli("run", str(path), "-r", "syria-2016-09") == (2, "", line)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("events.csv.gz", "unpack it first"),
        ("events.zip", "unpack it first"),
        ("events.xlsx", "save it as comma-separated CSV (Excel: CSV UTF-8)"),
        ("events.xls", "save it as comma-separated CSV (Excel: CSV UTF-8)"),
        ("events.ods", "save it as comma-separated CSV (Excel: CSV UTF-8)"),
    ],
)
def test_an_archive_or_a_spreadsheet_is_named_with_what_to_do(cli: Cli, tmp_path: Path, name: str, hint: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"PK\x03\x04\x14\x00")  # not read: its suffix says what it is
    suffix = path.suffix
    line = (
        f"error: {path}: `{suffix}` is not a format ceasefire reads; expected a scenario (.yaml) or an incident table "
        f"(.jsonl, .csv, .parquet); {hint}\n"
    )
    assert cli("run", str(path), "-r", "syria-2016-09") == (2, "", line)
    code, _, err = cli("check", str(path))  # it read any such file as YAML
    assert code == 2 and err.startswith(line)


def test_a_path_too_long_for_the_system_is_one_line(cli: Cli, tmp_path: Path) -> None:
    path = str(tmp_path) + "/a" * 3000 + "/x.yaml"
    assert cli("run", path) == (2, "", f"error: {path}: cannot read: file name too long\n")


def test_a_missing_file_and_a_folder_are_one_line_each(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert cli("run", str(missing), "-r", "syria-2016-09") == (2, "", f"error: {missing}: no such file\n")
    folder = (
        f"error: {tmp_path}: folder holds no .parquet files; expected a folder of Parquet files (or key=value/ "
        "folders)\n"
    )
    assert cli("run", str(tmp_path)) == (2, "", folder)


# -- control characters, in every format -----------------------------------------------------------
# Printed as given, ESC [ 3 1 m turns a terminal red, and other controls move its cursor or retitle it:
# text holding one (but a tab, line feed or carriage return) is refused wherever it comes in.

GOOD_LINE = '{"id": "a", "act": "shelling"}\n'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (r'{"id": "b", "act": "shelling\u001b[31m"}', "2:29: act: text holds a control character (U+001B)"),
        (r'{"id": "b", "act": "x\u009B2J"}', "2:22: act: text holds a control character (U+009B)"),
        (r'{"id": "b", "act": "x\b"}', "2:22: act: text holds a control character (U+0008)"),
        (r'{"id": "b", "notes": "x\f"}', "2:24: notes: text holds a control character (U+000C)"),
        ('{"id": "b", "actor": "x\x7f"}', "2:24: actor: text holds a control character (U+007F)"),
        ('{"id": "b", "actor": "x\x9b2J"}', "2:24: actor: text holds a control character (U+009B)"),
        ('{"id": "b", "notes": "x\x85y"}', "2:24: notes: text holds a control character (U+0085)"),
        (r'{"id": "b", "act": "\\\u001b"}', "2:23: act: text holds a control character (U+001B)"),
        (
            r'{"id": "b", "accounts": [{"source": "s", "act": "\u0000"}]}',
            "2:50: accounts[0].act: text holds a control character (U+0000)",
        ),
        (
            r'{"id": "b", "location": {"region": "Aleppo\u001b]0;title\u0007"}}',
            "2:43: location.region: text holds a control character (U+001B)",
        ),
        (
            r'{"id": "b", "accounts": [{"source": "s", "x\u001b": 1}]}',
            "2:44: accounts[0]: key holds a control character (U+001B)",
        ),
        (r'{"\u001bid": "b"}', "2:3: key holds a control character (U+001B)"),
    ],
    ids=[
        "esc",
        "csi-escaped-uppercase",
        "backspace-short-escape",
        "form-feed-short-escape",
        "raw-del",
        "raw-csi",
        "raw-nel",
        "after-an-escaped-backslash",
        "nul-in-an-account",
        "in-a-nested-value",
        "in-a-key",
        "in-a-top-level-key",
    ],
)
def test_a_control_character_in_json_lines_is_refused_where_it_is(tmp_path: Path, line: str, message: str) -> None:
    path = table(tmp_path, "events.jsonl", GOOD_LINE + line + "\n")
    assert refusal(path) == f"events.jsonl:{message}; remove it"


def test_json_lines_keep_line_breaks_tabs_and_the_text_of_an_escape(tmp_path: Path) -> None:
    rows = [
        r'{"id": "a", "act": "\\u001b[31m, C:\\bin, C:\\fonts, \\\\\u0041"}',  # backslashes, escaped: plain text
        r'{"id": "b", "notes": "two\nlines,\ta tab\r\n"}',
        r'{"id": "c", "actor": "\u062f\u0627\u0639\u0634\u00a0\u00e9"}',
        '{"id": "d", "actor": "داعش\u00a0é"}',
    ]
    incidents = load_incidents(table(tmp_path, "events.jsonl", "\n".join(rows)))
    assert [(i.id, i.act, i.notes, i.actor) for i in incidents] == [
        ("a", r"\u001b[31m, C:\bin, C:\fonts, \\A", None, None),
        ("b", None, "two\nlines,\ta tab\r\n", None),
        ("c", None, None, "داعش\u00a0é"),
        ("d", None, None, "داعش\u00a0é"),
    ]


def test_a_control_character_after_lines_that_only_look_like_one_is_found(tmp_path: Path) -> None:
    rows = [r'{"id": "a", "act": "C:\\bin"}', "", r'{"id": "b", "act": "\\f"}', GOOD_LINE.replace('"a"', '"c"')]
    text = "\n".join(rows) + r'{"id": "d", "target": "x\f"}' + "\n"
    assert refusal(table(tmp_path, "events.jsonl", text)) == (
        "events.jsonl:5:25: target: text holds a control character (U+000C); remove it"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + 'a,,,"shelling\x1b[31m",,,,,\n', "2:14: act: text holds a control character (U+001B)"),
        ("id,region\r\na,Aleppo\x9b\r\n", "2:9: location.region: text holds a control character (U+009B)"),
        ("id,killed\na,1\x7f\n", "2:4: casualties.killed: text holds a control character (U+007F)"),
        ("id,act\x1b\na,b\n", "1:7: column name holds a control character (U+001B)"),
        ('id,actor\na,"two\nlines\x07"\n', "3:6: actor: text holds a control character (U+0007)"),
        ("id,act\r\na,b\rc,\x01\r\n", "3:3: act: text holds a control character (U+0001)"),
        ("id,act\na,b,\x1b\n", "2:5: text holds a control character (U+001B)"),
    ],
    ids=["esc", "c1-crlf", "del-in-a-count", "in-the-header", "multi-line-cell", "cr-lines", "past-the-header"],
)
def test_a_control_character_in_csv_is_refused_where_it_is(tmp_path: Path, text: str, message: str) -> None:
    assert refusal(table(tmp_path, "events.csv", text)) == f"events.csv:{message}; remove it"


def test_csv_keeps_tabs_and_line_breaks(tmp_path: Path) -> None:
    text = 'id,actor,act\r\na,"two\r\nlines",shelling\ttwice\r\n'
    (incident,) = load_incidents(table(tmp_path, "events.csv", text))
    assert (incident.actor, incident.act) == ("two\r\nlines", "shelling\ttwice")


@pytest.mark.parametrize(
    ("escape", "code"),
    [
        *((e, "001B") for e in (r"\e", r"\x1b", r"\u001b", r"\U0000001b")),
        *((r"\a", "0007"), (r"\b", "0008"), (r"\v", "000B"), (r"\f", "000C"), (r"\0", "0000")),
        *((r"\N", "0085"), (r"\x7f", "007F"), (r"\x9b", "009B"), (r"\u0080", "0080"), (r"\x9f", "009F")),
    ],
)
def test_a_yaml_escape_that_gives_a_control_character_is_refused(escape: str, code: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_yaml(f'title: t\nincidents:\n  - {{id: a, act: "shelling{escape}"}}\n', "s.yaml")
    assert [str(p) for p in exc.value.problems] == [
        f"s.yaml:3:18: incidents[0].act: text holds a control character (U+{code}); remove it"
    ]


def test_yaml_keeps_tabs_and_line_breaks() -> None:
    doc = parse_yaml('notes: |\n  two\tcolumns\n  and lines\nquoted: "a\\tb\\r\\n"\n', "s.yaml")
    assert doc.data == {"notes": "two\tcolumns\nand lines\n", "quoted": "a\tb\r\n"}


@pytest.mark.parametrize("command", ["run", "explain"])
def test_no_command_prints_a_control_character_from_a_table(cli: Cli, tmp_path: Path, command: str) -> None:
    path = table(tmp_path, "events.jsonl", r'{"id": "a", "actor": "ISIS", "act": "shelling\u001b[31m"}' + "\n")
    args = [command, str(path), *(["a"] if command == "explain" else []), "-r", "syria-2016-09"]
    message = "act: text holds a control character (U+001B); remove it"
    assert cli(*args) == (2, "", f"error: {path}:1:46: {message}\n")


def test_a_problem_quoting_control_characters_prints_them_escaped_on_one_line() -> None:
    shown = str(Problem("f.jsonl", "bad `a\x1bb\x9bc\nd\u2028e`", 3))
    assert shown == "f.jsonl:3: bad `a\\x1bb\\x9bc\\nd\\u2028e`"


# -- places, numeric ids, other tools' columns -------------------------------------------------------

PLACE_HEADER = "id,country,admin1,admin2,admin3,location,latitude,longitude,precision_km,notes,source,killed\n"


def test_a_csv_table_carries_a_full_place_and_the_record_s_own_notes_and_source(tmp_path: Path) -> None:
    from engine.incidents.tables import read_table

    path = table(
        tmp_path,
        "events.csv",
        PLACE_HEADER + "a,Syria,Deir ez-Zor,Deir ez-Zor,Al-Bukamal,Jabal Tharda,35.285,40.175,2,seen twice,ACLED,3\n"
        "b,,,,,,,,,,,\n",
    )
    frame = read_table(path)
    assert frame.row(0, named=True) | {"accounts": []} == {
        "mutual": False,
        "assoc_actor": [],
        "assoc_target": [],
        "flags": [],
        "in_response_to": None,
        "id": "a",
        "notes": "seen twice",
        "source": "ACLED",
        "time": None,
        "actor": None,
        "act": None,
        "target": None,
        "intended_target": None,
        "country": "Syria",
        "admin1": "Deir ez-Zor",
        "admin2": "Deir ez-Zor",
        "admin3": "Al-Bukamal",
        "location": "Jabal Tharda",
        "latitude": 35.285,
        "longitude": 40.175,
        "precision_km": 2.0,
        "killed": 3,
        "wounded": None,
        "accounts": [],
    }
    assert frame.row(1, named=True)["latitude"] is None
    [a, _] = load_incidents(path)  # the row reader reads the same
    assert a.location is not None and a.location.admin3 == "Al-Bukamal" and a.location.precision_km == 2.0
    assert (a.notes, a.source) == ("seen twice", "ACLED")


def test_older_column_names_are_read_as_the_standard_ones(tmp_path: Path) -> None:
    from engine.incidents.tables import read_table

    path = table(tmp_path, "events.csv", "id,region,lat,lon\na,Idlib,35.9,36.6\n")
    row = read_table(path).row(0, named=True)
    assert (row["admin1"], row["latitude"], row["longitude"]) == ("Idlib", 35.9, 36.6)
    path = jsonl(tmp_path, {"id": "a", "location": {"region": "Idlib", "lat": 35.9, "lon": 36.6}})
    row = read_table(path).row(0, named=True)
    assert (row["admin1"], row["latitude"], row["longitude"]) == ("Idlib", 35.9, 36.6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,region,admin1\na,x,y\n", "events.csv:1: columns `region` and `admin1` are both given; `region` is"),
        ("id,latitude,lat\na,1,2\n", "events.csv:1: columns `lat` and `latitude` are both given; `lat` is another"),
        ("id,admn1\na,x\n", "events.csv:1: unknown column `admn1`; did you mean `admin1`?; expected columns id, "),
        ("id,Admin1\na,x\n", "events.csv:1: unknown column `Admin1`; did you mean `admin1`?"),
        ("id,lattitude\na,x\n", "events.csv:1: unknown column `lattitude`; did you mean `latitude`?"),
        ("id,latitude\na,1\n", "events.csv:2: location: `latitude` without `longitude`; a point needs both"),
        ("id,lon\na,1\n", "events.csv:2: location: `lon` without `latitude`; a point needs both"),
        ("id,precision_km\na,1\n", "events.csv:2: location: `precision_km` without a point; give `latitude` and"),
        (
            "id,latitude,longitude\na,91,0\n",
            "events.csv:2: location.latitude: `91.0` is too large; expected at most 90",
        ),
        ("id,latitude,longitude\na,0,-181\n", "events.csv:2: location.longitude: `-181.0` is too small; expected at"),
        (
            "id,latitude,longitude,precision_km\na,0,0,-1\n",
            "events.csv:2: location.precision_km: `-1.0` is too small; expected at least 0",
        ),
        (
            "id,latitude,longitude\na,nan,0\n",
            "events.csv:2: location.latitude: expected a number like 36.2 or -0.5, got",
        ),
        ("id,latitude,longitude\na,1e3,0\n", "events.csv:2: location.latitude: expected a number like 36.2 or -0.5"),
        ("id,source\na,\nb,\n", None),
    ],
)
def test_a_csv_place_is_held_to_what_a_scenario_s_is(tmp_path: Path, text: str, message: str | None) -> None:
    from engine.incidents.tables import read_table

    path = table(tmp_path, "events.csv", text)
    if message is None:
        assert read_table(path)["source"].to_list() == [None, None]
        return
    assert refusal(path).startswith(message)
    with pytest.raises(InputError) as exc:
        read_table(path)  # the columnar reader gives the same line
    assert str(exc.value.problems[0]).removeprefix(f"{path.parent}/") == refusal(path)


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ({"region": "x", "admin1": "y"}, "location: `region` and `admin1` are both given; `region` is another name"),
        ({"lat": 1, "latitude": 1, "lon": 2}, "location: `lat` and `latitude` are both given"),
        ({"latitude": 1}, "location: `latitude` without `longitude`; a point needs both"),
        ({"precision_km": 3}, "location: `precision_km` without a point"),
        ({"latitude": 1, "longitude": 2, "precision_km": -0.5}, "location.precision_km: `-0.5` is too small"),
        ({"admin4": "x"}, "location.admin4: unknown key `admin4`; expected one of name, country, admin1, "),
    ],
)
def test_a_json_lines_place_is_held_to_what_a_scenario_s_is(
    tmp_path: Path, location: dict[str, object], message: str
) -> None:
    from engine.incidents.tables import read_table

    path = jsonl(tmp_path, {"id": "ok"}, {"id": "a", "location": location})
    assert refusal(path).startswith(f"events.jsonl:2: {message}")
    with pytest.raises(InputError) as exc:
        read_table(path)
    assert str(exc.value.problems[0]).endswith(refusal(path))


def test_ids_written_as_whole_numbers_are_read_as_their_digits(tmp_path: Path) -> None:
    import polars as pl

    from engine.incidents.tables import read_table

    numbered = jsonl(tmp_path, {"id": 244657}, {"id": -3})
    assert [i.id for i in load_incidents(numbered)] == ["244657", "-3"]
    assert read_table(numbered)["id"].to_list() == ["244657", "-3"]
    mixed = table(tmp_path, "mixed.jsonl", '{"id": 244657}\n{"id": "b"}\n')
    assert read_table(mixed)["id"].to_list() == ["244657", "b"]
    csv_path = table(tmp_path, "events.csv", "id,act\n244657,airstrike\n")
    assert read_table(csv_path)["id"].to_list() == ["244657"]
    parquet = tmp_path / "events.parquet"
    pl.DataFrame({"id": [244657, 7]}).write_parquet(parquet)
    assert read_table(parquet)["id"].to_list() == ["244657", "7"]


@pytest.mark.parametrize("value", ["1.5", "true", "null", "[1]"])
def test_an_id_of_another_kind_than_text_or_a_whole_number_is_refused(tmp_path: Path, value: str) -> None:
    path = table(tmp_path, "events.jsonl", '{"id": "ok"}\n{"id": ' + value + "}\n")
    assert refusal(path).startswith("events.jsonl:2: id: ")


def test_a_scenario_id_stays_text(tmp_path: Path) -> None:
    from engine.incidents.model import Scenario

    data = {"scenario": "s", "title": "t", "ruleset": "syria-2016-09", "incidents": [{"id": 5}]}
    with pytest.raises(ValueError, match="valid string"):
        Scenario.model_validate(data)


def test_columns_of_other_tools_are_left_out_with_one_warning(tmp_path: Path) -> None:
    import polars as pl

    from engine.incidents.tables import read_table

    expected = "ignoring 3 columns ceasefire does not read: event_type, fatalities, tags"
    csv_path = table(
        tmp_path,
        "data.csv",
        "id,time,actor,event_type,act,fatalities,tags\na,,,Battles,airstrike,3,x\nb,,,Riots,shelling,0,\n",
    )
    told = {"time": None, "actor": None}
    rows = [
        {"id": "a", **told, "event_type": "Battles", "act": "airstrike", "fatalities": 3, "tags": "x"},
        {"id": "b", **told, "event_type": "Riots", "act": "shelling", "tags": ["y"]},
        {"id": "c", "fatalities": 1},
    ]
    jsonl_path = table(tmp_path, "data.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    parquet_path = tmp_path / "data.parquet"
    pl.DataFrame([rows[0], {**rows[1], "tags": "y"}]).write_parquet(parquet_path)
    for path in (csv_path, jsonl_path, parquet_path):
        warnings: list[Problem] = []
        frame = read_table(path, warnings)
        assert frame["act"].to_list()[:2] == ["airstrike", "shelling"]
        assert [str(w) for w in warnings] == [f"{path}: {expected}"]
        assert {w.severity for w in warnings} == {"warning"}
    warnings = []
    assert [i.id for i in load_incidents(jsonl_path, warnings)] == ["a", "b", "c"]  # the row reader alike
    assert [str(w) for w in warnings] == [f"{jsonl_path}: {expected}"]
    warnings = []
    load_incidents(csv_path, warnings)
    assert [str(w) for w in warnings] == [f"{csv_path}: {expected}"]


def test_a_json_lines_key_that_belongs_elsewhere_or_is_misspelt_is_still_refused(tmp_path: Path) -> None:
    from engine.incidents.tables import read_table

    for row, message in (
        ({"id": "a", "acter": "x"}, "events.jsonl:1: acter: unknown key `acter`; expected one of "),
        ({"id": "a", "admin1": "x"}, "events.jsonl:1: admin1: `admin1` goes under `location`: location: {admin1: ...}"),
        ({"id": "a", "tags": "x", "location": {"tags": "y"}}, "events.jsonl:1: location.tags: unknown key `tags`"),
    ):
        path = jsonl(tmp_path, row)
        assert refusal(path).startswith(message)
        with pytest.raises(InputError) as exc:
            read_table(path)
        assert str(exc.value.problems[0]).endswith(refusal(path))


def test_another_level_of_a_numbered_column_is_left_out_not_read_as_a_misspelling(cli: Cli, tmp_path: Path) -> None:
    # `admin0` (a country, in GADM's words) is no misspelling of `admin3`; `adm1` is one of `admin1`
    path = table(tmp_path, "data.csv", "id,time,actor,act,target,admin0\na,,ISIS,airstrike,SAA,Syria\n")
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert (code, err) == (0, f"warning: {path}: ignoring 1 column ceasefire does not read: admin0\n")
    path = table(tmp_path, "data.csv", "id,time,actor,act,target,adm1\na,,ISIS,airstrike,SAA,Aleppo\n")
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert code == 2 and "unknown column `adm1`; did you mean `admin1`?" in err


@pytest.mark.parametrize("name", ["location_id", "source_url", "admin1_pcode", "event_location", "actor-type"])
def test_a_column_named_as_another_field_of_a_known_one_is_left_out_not_read_as_a_misspelling(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    path = table(tmp_path, "data.csv", f"id,time,actor,act,target,{name}\na,,ISIS,airstrike,SAA,7\n")
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert (code, err) == (0, f"warning: {path}: ignoring 1 column ceasefire does not read: {name}\n")


@pytest.mark.parametrize(
    ("name", "meant"), [("intended-target", "intended_target"), ("Intended.Targt", "intended_target")]
)
def test_a_known_column_spelled_with_other_separators_is_a_misspelling(
    cli: Cli, tmp_path: Path, name: str, meant: str
) -> None:
    path = table(tmp_path, "data.csv", f"id,time,actor,act,target,{name}\na,,ISIS,airstrike,SAA,x\n")
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert code == 2 and f"unknown column `{name}`; did you mean `{meant}`?" in err


def test_run_says_once_which_columns_it_leaves_out(cli: Cli, tmp_path: Path) -> None:
    path = table(tmp_path, "data.csv", "id,time,actor,act,target,tags,fatalities\na,,ISIS,airstrike,SAA,x,1\n")
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert code == 0
    assert err == f"warning: {path}: ignoring 2 columns ceasefire does not read: fatalities, tags\n"
    assert json.loads(out)["verdicts"][0]["incident"] == "a"
    code, _, err = cli("explain", str(path), "a", "--rules", "syria-2016-09")
    assert code == 0 and err.count("warning: ") == 1


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_flat_table_without_a_time_actor_or_act_column_is_read_with_one_warning(
    cli: Cli, tmp_path: Path, suffix: str
) -> None:
    import polars as pl

    path = tmp_path / f"data{suffix}"
    army = "Syrian Arab Army"
    rows = pl.DataFrame({"id": ["a", "b"], "region": ["Hama", "Idlib"], "actor": [army, army]})
    rows.write_csv(path) if suffix == ".csv" else rows.write_parquet(path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    assert code == 0
    assert err.startswith(f"warning: {path}: no `time` or `act` column: every incident's time and act is read as")
    assert err.count("\n") == 1 and "expected columns id, time, actor, act," in err
    assert [v["verdict"] for v in json.loads(out)["verdicts"]] == ["undetermined", "undetermined"]
    code, _, err = cli("check", str(path))
    assert code == 0 and "no `time` or `act` column" in err
    with_accounts = tmp_path / "told.parquet"  # accounts may tell them instead
    pl.DataFrame({"id": ["a"], "accounts": [[{"source": "SOHR", "act": "shelling"}]]}).write_parquet(with_accounts)
    assert "column" not in cli("run", str(with_accounts), "--rules", "syria-2016-09", "--format", "json")[2]


# -- an account that names none --------------------------------------------------------------------


def test_an_account_s_explicit_null_person_is_read_as_unidentified(tmp_path: Path) -> None:
    from engine.incidents.tables import read_table

    rows = [
        {"id": "a", **STRIKE, "actor": None, "accounts": [{"source": "SOHR", "actor": None}, {"source": "SANA"}]},
        {"id": "b", **STRIKE, "accounts": [{"source": "SOHR", "target": None, "intended_target": None}]},
    ]
    path = table(tmp_path, "events.jsonl", "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
    [a, b] = load_incidents(path)
    assert a.actor is None  # the incident's own null is "not told"
    assert [x.actor for x in a.accounts] == ["unidentified", None]
    assert (b.accounts[0].target, b.accounts[0].intended_target, b.accounts[0].actor) == (
        "unidentified",
        "unidentified",
        None,
    )
    frame = read_table(path)  # pyarrow cannot tell null from absent: the row reader reads it
    assert frame["accounts"].to_list()[0][0]["actor"] == "unidentified"
    assert frame["accounts"].to_list()[0][1]["actor"] is None


_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=4)


@given(
    st.sampled_from(["2016", "0001", "0002", "9999", "2015"]),
    st.sampled_from(["02", "09", "13", "00", "12"]),
    st.sampled_from(["29", "30", "31", "01", "00"]),
    st.sampled_from(["T", " ", "t", ""]),
    st.sampled_from(["00:52", "23:59", "24:00", "23:60", "7:05", "00:52:00", "23:59:60", "00:52:00.5"]),
    st.sampled_from(["Z", "+02:00", "-23:59", "+24:00", "+0200", "+02", "", "z"]),
    _DIGITS,
)
def test_times_checked_over_a_column_are_those_the_model_takes(
    year: str, month: str, day: str, sep: str, clock: str, offset: str, noise: str
) -> None:
    """The column check of times accepts exactly what the model takes, text by text."""
    import polars as pl

    from engine.incidents.tables import _time_ok, _times_ok

    texts = [f"{year}-{month}-{day}{sep}{clock}{offset}", f"{year}-{month}-{day}", f"{noise}-{month}-{day}"]
    for text in texts:
        assert _times_ok(pl.Series([text])) == _time_ok(text), text

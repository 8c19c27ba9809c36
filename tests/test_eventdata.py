"""ACLED and UCDP GED exports read as they come: each mapping, dates and precisions, sniffing, bad rows, batches.

ACLED rows here are synthetic, in ACLED's exact column layout (its licence forbids sharing real rows); the
UCDP rows are real (tests/fixtures/ucdp/, CC BY 4.0).
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine.errors import InputError
from engine.evaluation.pipeline import evaluate
from engine.incidents.eventdata import NO_PRECISION, EventTable, acled_day, acled_time, kind_of, sniff, ucdp_time
from engine.incidents.load import load_input
from engine.incidents.synthetic_events import ACLED_COLUMNS, acled_frame, write_acled_csv
from engine.ruleset.model import VERDICTS
from tests.conftest import ENGINES, ROOT, Cli, ruleset

UCDP_SAMPLE = ROOT / "tests" / "fixtures" / "ucdp" / "ged-23.1-sample.csv"

# One ACLED row inside the September 2016 cessation, in Aleppo: every column as an export writes it.
BASE = {
    "event_id_cnty": "SYR1001",
    "event_date": "2016-09-14",
    "year": "2016",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Shelling/artillery/missile attack",
    "actor1": "Military Forces of Syria (2000-)",
    "assoc_actor_1": "",
    "inter1": "1",
    "actor2": "Opposition Rebels (Syria)",
    "assoc_actor_2": "",
    "inter2": "2",
    "interaction": "12",
    "civilian_targeting": "",
    "iso": "760",
    "region": "Middle East",
    "country": "Syria",
    "admin1": "Aleppo",
    "admin2": "Jebel Saman",
    "admin3": "Jebel Saman",
    "location": "Aleppo - Bustan al Qasr",
    "latitude": "36.1976",
    "longitude": "37.1518",
    "geo_precision": "1",
    "source": "SOHR",
    "source_scale": "National",
    "notes": "On 14 September 2016, regime forces shelled Bustan al Qasr. [synthetic row]",
    "fatalities": "2",
    "tags": "",
    "timestamp": "1474000000",
}


def acled_csv(path: Path, *rows: dict[str, Any], columns: tuple[str, ...] = ACLED_COLUMNS) -> Path:
    """An ACLED CSV export of `rows` (each BASE with its changes), written as ACLED writes one."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([{**BASE, **row}.get(c, "") for c in columns])
    return path


def read(path: Path) -> list[dict[str, Any]]:
    kind = kind_of(path)
    assert kind is not None
    return EventTable(path, kind).frame().to_dicts()


def test_acled_row_mapped(tmp_path: Path) -> None:
    (row,) = read(
        acled_csv(
            tmp_path / "a.csv", {"assoc_actor_1": "Military Forces of Russia (2000-); NDF: National Defence Forces"}
        )
    )
    assert row["id"] == "SYR1001"
    assert (row["time"], row["actor"], row["act"], row["target"]) == (
        "2016-09-14",
        "Military Forces of Syria (2000-)",
        "Shelling/artillery/missile attack",
        "Opposition Rebels (Syria)",
    )
    assert row["assoc_actor"] == ["Military Forces of Russia (2000-)", "NDF: National Defence Forces"]
    assert row["assoc_target"] == []
    assert (row["country"], row["admin1"], row["admin2"], row["admin3"]) == (
        "Syria",
        "Aleppo",
        "Jebel Saman",
        "Jebel Saman",
    )
    assert row["location"] == "Aleppo - Bustan al Qasr"
    assert (row["latitude"], row["longitude"], row["precision_km"]) == (36.1976, 37.1518, 5.0)
    assert (row["killed"], row["wounded"]) == (2, None)
    assert row["notes"].startswith("On 14 September 2016") and row["source"] == "SOHR"
    assert row["mutual"] is False and row["flags"] == [] and row["accounts"] == []
    assert row["acled"] == {
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
        "disorder_type": "Political violence",
        "inter1": "1",
        "inter2": "2",
        "interaction": "12",
        "time_precision": 1,
        "geo_precision": 1,
        "civilian_targeting": None,
        "source_scale": "National",
        "tags": None,
        "timestamp": 1474000000,
    }


def test_acled_region_is_never_admin1(tmp_path: Path) -> None:
    (row,) = read(acled_csv(tmp_path / "a.csv", {"admin1": "", "region": "Middle East"}))
    assert row["admin1"] is None


@pytest.mark.parametrize(
    ("sub_event", "mutual"),
    [
        ("Armed clash", True),
        ("Government regains territory", False),
        ("Non-state actor overtakes territory", False),
        ("Attack", False),
        ("Air/drone strike", False),
    ],
)
def test_acled_only_armed_clashes_are_mutual(tmp_path: Path, sub_event: str, mutual: bool) -> None:
    (row,) = read(acled_csv(tmp_path / "a.csv", {"sub_event_type": sub_event}))
    assert row["mutual"] is mutual
    assert row["act"] == sub_event


@pytest.mark.parametrize(
    ("actor2", "assoc2", "target", "assoc_target"),
    [
        ("", "", "Civilians", []),
        ("Civilians (Syria)", "Journalists (Syria)", "Civilians (Syria)", ["Journalists (Syria)"]),
        ("Opposition Rebels (Syria)", "", "Civilians", ["Opposition Rebels (Syria)"]),
    ],
)
def test_acled_civilian_targeting(
    tmp_path: Path, actor2: str, assoc2: str, target: str, assoc_target: list[str]
) -> None:
    changes = {"civilian_targeting": "Civilian targeting", "actor2": actor2, "assoc_actor_2": assoc2}
    (row,) = read(acled_csv(tmp_path / "a.csv", changes))
    assert (row["target"], row["assoc_target"]) == (target, assoc_target)


def test_acled_civilian_targeting_is_as_acled_writes_it_or_the_row_is_bad(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        {"civilian_targeting": "Civilian targeting"},
        {"event_id_cnty": "SYR1002", "civilian_targeting": "No"},
        {"event_id_cnty": "SYR1003", "civilian_targeting": "yes"},
        {"event_id_cnty": "SYR1004"},
    )
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0
    assert [json.loads(line)["incident"] for line in out.splitlines()] == ["SYR1001", "SYR1004"]
    expected = "expected `Civilian targeting` or empty"
    assert err.splitlines()[1:] == [
        f"warning: {path}:3: `civilian_targeting` is `No`; {expected}",
        f"warning: {path}:4: `civilian_targeting` is `yes`; {expected}",
        f"warning: {path}: 2 bad rows skipped",
    ]
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert (code, out) == (2, "") and f"error: {path}:3: `civilian_targeting` is `No`; {expected}\n" in err


# Islamic State and the Syrian army in a battle, as ACLED codes one: either side may have started it.
CLASH = {
    "event_type": "Battles",
    "sub_event_type": "Armed clash",
    "actor1": "Islamic State (Syria)",
    "inter1": "2",
    "actor2": "Military Forces of Syria (2000-)",
    "inter2": "1",
    "interaction": "12",
}


def test_acled_civilian_targeting_on_a_battle_makes_the_row_bad(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        CLASH,
        {**CLASH, "event_id_cnty": "SYR1002", "civilian_targeting": "Civilian targeting"},
        {
            "event_id_cnty": "SYR1003",
            "event_type": "Battles",
            "sub_event_type": "Government regains territory",
            "civilian_targeting": "Civilian targeting",
        },
    )
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0
    (verdict,) = (json.loads(line) for line in out.splitlines())
    assert (verdict["incident"], verdict["verdict"], verdict["rule"]) == ("SYR1001", "permitted", "strike-on-excluded")
    said = "expected empty: in ACLED's coding a battle is fought between armed groups, never aimed at civilians"
    assert err.splitlines()[1:] == [
        f"warning: {path}:3: `civilian_targeting` is `Civilian targeting` on a battle (`Armed clash`); {said}",
        f"warning: {path}:4: `civilian_targeting` is `Civilian targeting` on a battle "
        f"(`Government regains territory`); {said}",
        f"warning: {path}: 2 bad rows skipped",
    ]
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert (code, out) == (
        2,
        "",
    ) and f"error: {path}:3: `civilian_targeting` is `Civilian targeting` on a battle" in err


@pytest.mark.parametrize(
    ("changes", "act"),
    [
        (
            {"event_type": "Violence against civilians", "sub_event_type": "Attack", "actor2": "Civilians (Syria)"},
            "ground attack",
        ),
        ({"event_type": "Violence against civilians", "sub_event_type": "Attack", "actor2": ""}, "ground attack"),
        ({"sub_event_type": "Air/drone strike", "actor2": "Civilians (Syria)"}, "airstrike"),
        ({}, "shelling"),  # actor2 names the rebels: civilians were the main target, the rebels are kept beside them
    ],
)
def test_acled_civilian_targeting_is_an_attack_on_civilians(tmp_path: Path, changes: dict[str, str], act: str) -> None:
    path = acled_csv(tmp_path / "a.csv", {**changes, "civilian_targeting": "Civilian targeting"})
    loaded = load_input(path, "syria-2016-09")
    (verdict,) = evaluate(loaded.compiled, loaded.frame, engine="columnar")
    assert (verdict.verdict, verdict.rule, verdict.actors) == (
        "violation",
        "attack-on-civilians",
        ("syrian-government",),
    )
    assert verdict.explanation == f"Syrian government forces attacked civilians ({act}), which the truce forbids."
    assert "mutual" not in verdict.flags


def test_acled_actor_types_are_kept_as_the_export_writes_them(tmp_path: Path, cli: Cli) -> None:
    labels = {"inter1": "State forces", "inter2": "Rebel group", "interaction": "State forces-Rebel group"}
    path = acled_csv(
        tmp_path / "a.csv",
        {},
        {"event_id_cnty": "SYR1002", **labels},  # newer exports' labels
        {"event_id_cnty": "SYR1003", "inter1": "1.0", "inter2": "0", "interaction": "10.0"},
        {"event_id_cnty": "SYR1004", "inter1": "", "inter2": "", "interaction": ""},
    )
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert code == 0 and "warning" not in err
    assert [{k: json.loads(line)["acled"][k] for k in labels} for line in out.splitlines()] == [
        {"inter1": "1", "inter2": "2", "interaction": "12"},
        labels,
        {"inter1": "1", "inter2": "0", "interaction": "10"},
        {"inter1": None, "inter2": None, "interaction": None},
    ]


def test_acled_actor_types_outside_acled_s_codes_are_said_and_the_row_kept(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        {"inter1": "9", "interaction": "99"},
        {"event_id_cnty": "SYR1002", "inter2": "-1", "interaction": "21"},
        {"event_id_cnty": "SYR1003", "inter1": "0", "interaction": "1"},
    )
    table = EventTable(path, "acled")
    assert table.frame().get_column("id").to_list() == ["SYR1001", "SYR1002", "SYR1003"]  # no verdict reads them
    kept = "(the row is kept: no verdict reads it)"
    inter1 = f"expected an actor type, 1 to 8 {kept}"
    interaction = f"expected two actor types, the lower first (12), or one and 0 for an actor alone (10) {kept}"
    assert [(p.line, p.message) for p in table.noted.found] == [
        (2, f"`inter1` is `9`; {inter1}; `interaction` is `99`; {interaction}"),
        (
            3,
            f"`inter2` is `-1`; expected an actor type, 1 to 8, or 0 for no second actor {kept}; "
            f"`interaction` is `21`; {interaction}",
        ),
        (4, f"`inter1` is `0`; {inter1}; `interaction` is `1`; {interaction}"),
    ]
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert code == 0 and len(out.splitlines()) == 3
    assert f"warning: {path}:2: `inter1` is `9`; {inter1}" in err


def test_acled_empty_time_precision_makes_the_row_bad(tmp_path: Path) -> None:
    path = acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002", "time_precision": ""})
    table = EventTable(path, "acled")
    assert table.frame().get_column("id").to_list() == ["SYR1001"]
    assert [(p.line, p.message) for p in table.bad.found] == [(3, "`time_precision` is empty; expected 1, 2 or 3")]


@pytest.mark.parametrize(
    ("precision", "point", "km"),
    [
        ("1", (36.1976, 37.1518), 5.0),
        ("2", (36.1976, 37.1518), 25.0),
        ("3", (None, None), None),
        ("", (None, None), None),  # the point may be an area's centre: left out, with a warning
    ],
)
def test_acled_geo_precision(tmp_path: Path, precision: str, point: tuple[Any, Any], km: float | None) -> None:
    (row,) = read(acled_csv(tmp_path / "a.csv", {"geo_precision": precision}))
    assert ((row["latitude"], row["longitude"]), row["precision_km"]) == (point, km)
    assert row["admin1"] == "Aleppo"  # a point left out leaves the admin names to place it


@pytest.mark.parametrize("command", ["run", "check"])
def test_an_export_s_kept_and_skipped_rows_are_said_in_row_order(tmp_path: Path, cli: Cli, command: str) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        {"event_id_cnty": "SYR1"},
        {"event_id_cnty": "SYR2", "geo_precision": ""},
        {"event_id_cnty": "SYR3", "geo_precision": "4"},
        {"event_id_cnty": "SYR4"},
        {"event_id_cnty": "SYR5", "geo_precision": "x"},
    )
    args = ["run", str(path), "--rules", "syria-2016-09", "-f", "jsonl"] if command == "run" else ["check", str(path)]
    _, out, err = cli(*args)
    assert re.findall(r"a\.csv:(\d+): `geo_precision`", out + err) == ["3", "4", "6"]


def test_an_acled_row_without_a_geo_precision_is_kept_with_a_warning(tmp_path: Path) -> None:
    table = EventTable(acled_csv(tmp_path / "a.csv", {"geo_precision": ""}), "acled")
    assert table.frame().height == 1 and not table.bad.found
    assert [(p.line, p.message) for p in table.noted.found] == [
        (2, f"`geo_precision` is empty; expected 1, 2 or 3 ({NO_PRECISION})")
    ]


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2016-09-14", "2016-09-14"),
        ("14 September 2016", "2016-09-14"),
        ("14-September-2016", "2016-09-14"),
        ("14-Sep-16", "2016-09-14"),  # a spreadsheet's way: met in a real 2020 export as 9-May-20
        ("9-May-20", "2020-05-09"),
        ("3 Dec 1997", "1997-12-03"),
        ("31-Dec-97", "1997-12-31"),
        ("2016-09-14 00:00:00", "2016-09-14"),  # a date-time column at midnight, as a Parquet file may hold one
        ("2016-09-14T00:00", "2016-09-14"),
        ("2016-09-14 00:00:00.000", "2016-09-14"),
        ("2016-09-14T00:00:00Z", "2016-09-14"),  # a date-time column in UTC, written to CSV
        ("2016-09-14 00:00:00+00:00", "2016-09-14"),
        ("2016-09-14T00:00:00.000+0300", "2016-09-14"),
    ],
)
def test_acled_date_forms(written: str, day: str) -> None:
    found = acled_day(written)
    assert found is not None and found.isoformat() == day


@pytest.mark.parametrize(
    "written",
    [
        "2016-02-30",
        "14/09/2016",
        "September 14, 2016",
        "14 Septembre 2016",
        "",
        "2016",
        "1４ Sep 2016",
        "14 Sep ２０16",
        "2016-09-14 10:30:00",  # ACLED dates are days
        "2016-09-14 00:00:30",
        "2016-09-14 00:00:00.5",
        "2016-09-14T10:00:00Z",
        "2016-09-14T00:00:00 UTC",
    ],
)
def test_acled_dates_not_read(written: str) -> None:
    assert acled_day(written) is None


@pytest.mark.parametrize(
    ("precision", "time"),
    [("1", "2016-09-14"), ("", None), ("2", "2016-09-11/2016-09-17"), ("3", "2016-09"), ("4", None)],
)
def test_acled_time_precision(precision: str, time: str | None) -> None:
    assert acled_time(f"14 September 2016\t{precision}") == time


def test_ucdp_sample_mapped() -> None:
    rows = {r["id"]: r for r in read(UCDP_SAMPLE)}
    assert len(rows) == 23
    clash = rows["228796"]  # Government of Syria against Syrian insurgents, Aleppo, 30 Sep 2016
    assert (clash["time"], clash["actor"], clash["target"], clash["act"]) == (
        "2016-09-30",
        "Government of Syria",
        "Syrian insurgents",
        "state-based conflict",
    )
    assert clash["mutual"] is True and clash["flags"] == []
    assert (clash["country"], clash["admin1"]) == ("Syria", "Aleppo governorate")
    assert clash["ucdp"]["type_of_violence"] == 1 and clash["ucdp"]["relid"].startswith("SYR-2016")
    one_sided = rows["320214"]
    assert (one_sided["target"], one_sided["act"], one_sided["mutual"]) == ("Civilians", "one-sided violence", False)
    assert one_sided["flags"] == ["civilians_harmed"] and one_sided["ucdp"]["deaths_civilians"] == 12
    assert rows["227091"]["flags"] == ["civilians_harmed"]  # a state-based event that killed civilians
    assert rows["317217"]["act"] == "non-state conflict" and rows["317217"]["mutual"] is True
    span = rows["363818"]
    assert span["time"] == "2013-07-25/2013-07-27" and span["ucdp"]["date_prec"] == 2
    assert rows["300380"]["precision_km"] == 5.0 and rows["300380"]["location"] == "Rami village"
    wide = rows["335339"]  # where_prec 4: the province, no point
    assert (wide["latitude"], wide["precision_km"], wide["admin1"]) == (None, None, "Idlib governorate")
    assert all(isinstance(r["killed"], int) for r in rows.values())


@pytest.mark.parametrize(
    ("key", "time"),
    [
        ("2016-09-17 00:00:00.000\t2016-09-17 00:00:00.000", "2016-09-17"),
        ("2016-09-17 00:00:00.000\t2016-09-19 00:00:00.000", "2016-09-17/2016-09-19"),
        ("2016-09-17\t", "2016-09-17"),
        ("2016-09-19\t2016-09-17", None),
        ("17/09/2016\t17/09/2016", None),
    ],
)
def test_ucdp_dates(key: str, time: str | None) -> None:
    assert ucdp_time(key) == time


def ucdp_csv(path: Path, changes: dict[int, dict[str, str]]) -> Path:
    """The UCDP sample's first rows, each changed as `changes` says (by its index), as a CSV export."""
    rows = pl.read_csv(UCDP_SAMPLE, infer_schema=False).head(max(changes) + 1).to_dicts()
    for index, changed in changes.items():
        rows[index].update(changed)
    pl.DataFrame(rows).write_csv(path)
    return path


def test_ucdp_dates_that_cannot_be_read_name_the_cell(tmp_path: Path) -> None:
    path = ucdp_csv(
        tmp_path / "ged.csv",
        {
            1: {"date_start": "2016-13-01 00:00:00.000"},
            2: {"date_end": "17/09/2016"},
            3: {"date_start": "2016-09-19", "date_end": "2016-09-17"},
        },
    )
    table = EventTable(path, "ucdp")
    assert table.frame().get_column("id").to_list() == ["300380"]
    like = "expected one like 2016-09-17 00:00:00.000 or 2016-09-17"
    assert [(p.line, p.message) for p in table.bad.found] == [
        (3, f"`date_start` `2016-13-01 00:00:00.000` is not a date; {like}"),
        (4, f"`date_end` `17/09/2016` is not a date; {like}"),
        (5, "`date_end` `2016-09-17` is before `date_start` `2016-09-19`; expected an end on or after the start"),
    ]


def test_ucdp_precisions_and_estimates_are_checked(tmp_path: Path, cli: Cli) -> None:
    path = ucdp_csv(
        tmp_path / "ged.csv",
        {
            0: {"date_prec": "9"},  # not read for the verdict: said, and the row judged
            1: {"where_prec": "8"},  # places the event: the row is bad
            2: {"where_prec": ""},  # the point may be an area's centre: left out, the row judged by its admin names
            3: {"best": "20", "low": "1", "high": "5"},  # the deaths judged: the row is bad
            4: {"best": "0", "low": "1"},
        },
    )
    table = EventTable(path, "ucdp")
    frame = table.frame()
    assert frame.get_column("id").to_list() == ["300380", "248414"]
    assert frame.row(1, named=True)["latitude"] is None and frame.row(1, named=True)["admin1"] is not None
    assert [(p.line, p.message) for p in table.noted.found] == [
        (2, "`date_prec` is `9`; expected 1 to 5 (the row is kept: its time is `date_start` to `date_end`)"),
        (4, f"`where_prec` is empty; expected 1 to 7 ({NO_PRECISION})"),
    ]
    assert [(p.line, p.message) for p in table.bad.found] == [
        (3, "`where_prec` is `8`; expected 1 to 7"),
        (5, "`best` `20` is outside `low` `1` to `high` `5`; expected `low` ≤ `best` ≤ `high`"),
        (6, "`best` `0` is outside `low` `1` to `high` `1`; expected `low` ≤ `best` ≤ `high`"),
    ]
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2
    assert f"warning: {path}:2: `date_prec` is `9`; expected 1 to 5" in err and "3 bad rows skipped" in err
    assert f"warning: {path}:4: `where_prec` is empty" in err
    code, _, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert code == 2 and f"error: {path}:3: `where_prec` is `8`" in err and ":2:" not in err and ":4:" not in err
    code, out, _ = cli("check", str(path))
    assert "1 file checked: 5 warnings" in out
    ucdp_csv(tmp_path / "both.csv", {0: {"date_prec": "9", "where_prec": ""}})  # each note said, in one line
    both = EventTable(tmp_path / "both.csv", "ucdp")
    assert both.frame().height == 1
    assert [(p.line, p.message) for p in both.noted.found] == [
        (
            2,
            "`date_prec` is `9`; expected 1 to 5 (the row is kept: its time is `date_start` to `date_end`); "
            f"`where_prec` is empty; expected 1 to 7 ({NO_PRECISION})",
        )
    ]
    ucdp_csv(tmp_path / "kept.csv", {0: {"date_prec": "0"}})
    code, out, err = cli("run", str(tmp_path / "kept.csv"), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert code == 0 and len(out.splitlines()) == 1 and "`date_prec` is `0`" in err


def test_a_row_is_said_cut_short_only_where_every_cell_after_is_empty(tmp_path: Path) -> None:
    estimates = {"best": "", "low": "", "high": ""}
    path = ucdp_csv(
        tmp_path / "ged.csv", {1: {**estimates, "gwnoa": "652"}, 2: {**estimates, "gwnoa": "", "gwnob": ""}}
    )
    empty = "`best` is empty; expected a whole number"
    cut = f"{empty} (the row looks cut short: every cell from `best` on is empty)"
    table = EventTable(path, "ucdp")
    assert table.frame().height == 1
    assert [(p.line, p.message) for p in table.bad.found] == [(3, empty), (4, cut)]
    # a Parquet file's columns not read (`gwnoa`, `gwnob`) may hold anything: no row is said to be cut short there
    pl.read_csv(path, infer_schema=False).write_parquet(tmp_path / "ged.parquet")
    table = EventTable(tmp_path / "ged.parquet", "ucdp")
    assert table.frame().height == 1
    assert [(p.path, p.message) for p in table.bad.found] == [("row 2", empty), ("row 3", empty)]
    short = dict.fromkeys(ACLED_COLUMNS[ACLED_COLUMNS.index("assoc_actor_2") :], "")
    table = EventTable(acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002", **short}), "acled")
    assert table.frame().height == 1
    assert [(p.line, p.message) for p in table.bad.found] == [
        (
            3,
            "`fatalities` is empty; expected a whole number (the row looks cut short: every cell from "
            "`assoc_actor_2` on is empty)",
        )
    ]


def test_sniffing(tmp_path: Path) -> None:
    assert sniff(["actor1", "event_date", "event_id_cnty"]) == "acled"
    assert sniff(["type_of_violence", "side_a", "date_start", "id"]) == "ucdp"
    assert sniff(["id", "time", "actor", "act"]) is None
    older = ("data_id", "iso", "event_id_cnty", "event_id_no_cnty", *ACLED_COLUMNS[1:], "iso3")
    assert kind_of(acled_csv(tmp_path / "old.csv", {}, columns=older)) == "acled"
    shuffled = tuple(reversed(ACLED_COLUMNS))
    assert read(acled_csv(tmp_path / "r.csv", {}, columns=shuffled))[0]["id"] == "SYR1001"
    assert kind_of(UCDP_SAMPLE) == "ucdp"
    assert kind_of(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml") is None


def test_parquet_export(tmp_path: Path) -> None:
    path = acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002", "event_date": "15 September 2016"})
    typed = pl.read_csv(path, infer_schema=False).with_columns(
        pl.col("fatalities", "inter1", "inter2", "timestamp").cast(pl.Int64()),
        pl.col("latitude", "longitude").cast(pl.Float64()),
    )
    typed.write_parquet(tmp_path / "a.parquet")
    assert kind_of(tmp_path / "a.parquet") == "acled"
    assert read(tmp_path / "a.parquet") == read(path)


@pytest.mark.parametrize(
    "dtype", [pl.Date(), pl.Datetime("ns"), pl.Datetime("us", "UTC")], ids=["date", "datetime", "datetime-utc"]
)
def test_a_parquet_export_s_event_date_may_be_typed_as_days(tmp_path: Path, dtype: pl.DataType) -> None:
    path = acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002", "event_date": "2016-09-15"})
    typed = pl.read_csv(path, infer_schema=False).with_columns(pl.col("event_date").str.to_date().cast(dtype))
    typed.write_parquet(tmp_path / "a.parquet")  # as pandas' `parse_dates` and `to_parquet` write it
    assert read(tmp_path / "a.parquet") == read(path)


def test_a_parquet_export_s_event_date_with_a_time_of_day_makes_the_row_bad(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002"}, {"event_id_cnty": "SYR1003"})
    times = pl.Series(["2016-09-14 00:00:00", "2016-09-14 10:30:00", "2016-09-14 00:00:00.250"]).str.to_datetime()
    pl.read_csv(path, infer_schema=False).with_columns(times.alias("event_date")).write_parquet(tmp_path / "a.parquet")
    code, out, err = cli("run", str(tmp_path / "a.parquet"), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and [json.loads(line)["incident"] for line in out.splitlines()] == ["SYR1001"]
    said = "has a time of day; expected a day (ACLED dates are days: a date-time is read as its day only at midnight)"
    assert err.splitlines()[1:] == [
        f"warning: {tmp_path / 'a.parquet'}: row 2: `event_date` `2016-09-14 10:30:00` {said}",
        f"warning: {tmp_path / 'a.parquet'}: row 3: `event_date` `2016-09-14 00:00:00.250` {said}",
        f"warning: {tmp_path / 'a.parquet'}: 2 bad rows skipped",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_export_without_a_column_its_verdicts_depend_on_is_refused(tmp_path: Path, cli: Cli, suffix: str) -> None:
    columns = tuple(c for c in ACLED_COLUMNS if c not in ("fatalities", "sub_event_type"))
    path = acled_csv(tmp_path / "a.csv", {}, columns=columns)
    if suffix == ".parquet":
        pl.read_csv(path, infer_schema=False).write_parquet(path := tmp_path / "a.parquet")
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "--format", "json")
    where = f"{path}:1" if suffix == ".csv" else str(path)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {where}: an ACLED export without the columns `sub_event_type`, `fatalities`; ")
    assert err.count("\n") == 1
    ucdp = pl.read_csv(UCDP_SAMPLE, infer_schema=False).drop("date_prec")
    ucdp.write_csv(tmp_path / "ged.csv")
    code, _, err = cli("check", str(tmp_path / "ged.csv"))
    assert code == 2 and "a UCDP GED export without the column `date_prec`" in err
    fewer = tuple(c for c in ACLED_COLUMNS if c not in ("notes", "disorder_type", "tags"))  # not needed: read
    assert read(acled_csv(tmp_path / "fewer.csv", {}, columns=fewer))[0]["id"] == "SYR1001"


@pytest.mark.parametrize("source", [[], ["--from", "acled"]])
def test_an_export_whose_lines_end_with_a_bare_carriage_return_is_refused_at_line_1(
    tmp_path: Path, cli: Cli, source: list[str]
) -> None:
    # Excel's "CSV (Macintosh)": the header cannot be told from the rows, so the export was taken for a plain table
    path = acled_csv(tmp_path / "a.csv", {}, {"event_id_cnty": "SYR1002"})
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    line = f"error: {path}:1: the lines end with a bare carriage return; save the file with LF or CRLF line ends\n"
    assert cli("run", str(path), "--rules", "syria-2016-09", *source) == (2, "", line)
    code, _, err = cli("check", str(path), *source)
    assert code == 2 and err.startswith(line)
    with pytest.raises(InputError, match="bare carriage return"):
        EventTable(path, "acled")


@pytest.mark.parametrize("source", [[], ["--from", "acled"]])
@pytest.mark.parametrize(("separator", "named"), [(";", "`;`"), ("\t", "tabs")])
def test_an_export_whose_columns_are_not_separated_by_commas_is_refused_at_line_1(
    tmp_path: Path, cli: Cli, source: list[str], separator: str, named: str
) -> None:
    # as Excel saves CSV where a comma is the decimal mark: the header is read as one column, and not quoted back
    path = tmp_path / "a.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
        writer.writerow(ACLED_COLUMNS)
        writer.writerow([BASE[c] for c in ACLED_COLUMNS])
    line = f"error: {path}:1: the columns are separated by {named}; save as comma-separated CSV\n"
    assert cli("run", str(path), "--rules", "syria-2016-09", *source) == (2, "", line)
    code, _, err = cli("check", str(path), *source)
    assert code == 2 and err.startswith(line)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_export_s_column_spelled_nearly_as_one_it_lacks_is_named(tmp_path: Path, cli: Cli, suffix: str) -> None:
    columns = tuple({"admin1": "Admin1"}.get(c, c) for c in ACLED_COLUMNS)
    path = acled_csv(tmp_path / "a.csv", {}, columns=columns)
    if suffix == ".parquet":
        pl.read_csv(path, infer_schema=False).write_parquet(path := tmp_path / "a.parquet")
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    where = f"{path}:1" if suffix == ".csv" else str(path)
    assert (code, out) == (2, "")
    assert err.startswith(
        f"error: {where}: an ACLED export without the column `admin1` (its header has `Admin1`; did you mean "
        "`admin1`?); its verdicts depend on "
    )
    assert err.count("\n") == 1
    columns = tuple({"actor1": "ACTOR1"}.get(c, c) for c in ACLED_COLUMNS)
    code, _, err = cli("run", str(acled_csv(tmp_path / "b.csv", {}, columns=columns)), "--from", "acled")
    assert code == 2
    assert err == (
        f"error: {tmp_path / 'b.csv'}:1: not an ACLED export: no column `actor1` (its header has `ACTOR1`; did you "
        "mean `actor1`?)\n"
    )
    # a column of the dataset's own is no misspelling of another: UCDP's `country_id` beside `country`
    pl.read_csv(UCDP_SAMPLE, infer_schema=False).drop("country").write_csv(tmp_path / "ged.csv")
    code, _, err = cli("run", str(tmp_path / "ged.csv"), "--rules", "syria-2016-09")
    assert code == 2 and "a UCDP GED export without the column `country`; its verdicts" in err


def test_from_override(tmp_path: Path, cli: Cli) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("id,time,actor,act\nx,2016-09-14,SAA,shelling\n", encoding="utf-8")
    code, out, err = cli("run", str(plain), "--rules", "syria-2016-09", "--from", "acled")
    assert code == 2 and out == ""
    assert err == f"error: {plain}:1: not an ACLED export: no columns `event_id_cnty`, `event_date`, `actor1`\n"
    code, _, err = cli("run", str(UCDP_SAMPLE), "--rules", "syria-2016-09", "--from", "acled", "-f", "jsonl")
    assert code == 2 and "no columns `event_id_cnty`, `event_date`, `actor1`" in err
    code, out, _ = cli("run", str(UCDP_SAMPLE), "--rules", "syria-2016-09", "--from", "ucdp", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 23


BAD = (
    {"event_id_cnty": ""},
    {"event_id_cnty": "SYR1004", "event_date": "14/09/2016"},
    {"event_id_cnty": "SYR1005", "fatalities": "unknown"},
    {"event_id_cnty": "SYR1001", "notes": "the same id again"},
)


def bad_export(tmp_path: Path) -> Path:
    """Five good rows and five bad ones (one cut short), in a known order."""
    path = acled_csv(
        tmp_path / "bad.csv",
        {},
        BAD[0],
        {"event_id_cnty": "SYR1002"},
        BAD[1],
        {"event_id_cnty": "SYR1003", "notes": "two\nlines"},
        BAD[2],
        BAD[3],
        {"event_id_cnty": "SYR1006"},
    )
    with path.open("a", encoding="utf-8") as out:
        out.write("SYR1007,2016-09-14,2016,1,Political violence\n")
        out.write(
            ",".join(json.dumps(v) if "," in v else v for v in {**BASE, "event_id_cnty": "SYR1008"}.values()) + "\n"
        )
    return path


def test_bad_rows_skipped_and_counted(tmp_path: Path, cli: Cli) -> None:
    path = bad_export(tmp_path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0
    assert [json.loads(line)["incident"] for line in out.splitlines()] == [
        "SYR1001",
        "SYR1002",
        "SYR1003",
        "SYR1006",
        "SYR1008",
    ]
    lines = err.splitlines()
    assert lines[0].startswith("5 incidents: ")
    assert lines[1:] == [
        f"warning: {path}:3: no `event_id_cnty`: a row without an id",
        f"warning: {path}:5: `event_date` `14/09/2016` is not a date; expected one like 2020-04-27, 27 April 2020, "
        "27-April-2020 or 27-Apr-20",
        f"warning: {path}:8: `fatalities` is `unknown`; expected a whole number",
        f"warning: {path}:9: event id `SYR1001` is given twice; the first row is kept",
        f"warning: {path}:11: the row has 5 cells, the header 31: it stops before `event_type` (cut short?)",
        f"warning: {path}: 5 bad rows skipped",
    ]


def test_strict_refuses_bad_rows(tmp_path: Path, cli: Cli) -> None:
    path = bad_export(tmp_path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "--strict")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 5 and all(line.startswith(f"error: {path}:") for line in err.splitlines())
    assert f"error: {path}:9: event id `SYR1001` is given twice\n" in err  # refused: no row is kept
    code, _, err = cli("run", str(acled_csv(tmp_path / "good.csv", {})), "--rules", "syria-2016-09", "--strict")
    assert code == 0 and "warning" not in err


def test_bad_rows_in_the_table_report_and_check(tmp_path: Path, cli: Cli) -> None:
    path = bad_export(tmp_path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09")
    assert code == 0 and "SYR1008" in out and err.endswith(f"warning: {path}: 5 bad rows skipped\n")
    code, out, err = cli("check", str(path))
    assert code == 0 and err.count("warning: ") == 5 and "5 warnings" in out
    code, _, _ = cli("check", str(path), "--strict")
    assert code == 1
    code, out, err = cli("names", str(path), "--rules", "syria-2016-09")
    assert code == 0 and "Military Forces of Syria (2000-)" in out
    assert err.count("warning: ") == 6 and err.endswith(f"warning: {path}: 5 bad rows skipped\n")


# What the warnings on stderr say of `bad_export`'s rows skipped, after `{path}:`, in row order.
SKIPPED = [
    (3, "no `event_id_cnty`: a row without an id"),
    (5, "`event_date` `14/09/2016` is not a date; expected one like 2020-04-27, 27 April 2020, 27-April-2020 or "
     "27-Apr-20"),
    (8, "`fatalities` is `unknown`; expected a whole number"),
    (9, "event id `SYR1001` is given twice; the first row is kept"),
    (11, "the row has 5 cells, the header 31: it stops before `event_type` (cut short?)"),
]  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_the_json_report_says_which_rows_were_skipped_as_the_warnings_do(tmp_path: Path, cli: Cli, engine: str) -> None:
    path = bad_export(tmp_path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "json", "--engine", engine)
    assert code == 0
    report = json.loads(out)
    assert report["skipped"] == {"rows": 5, "first": [{"line": n, "message": m} for n, m in SKIPPED]}
    assert list(report)[-2:] == ["skipped", "summary"]  # with the summary, after the verdicts
    assert all(f"warning: {path}:{n}: {m}\n" in err for n, m in SKIPPED)
    # the same bytes on either engine, the engine's name aside
    assert out.replace(f'"engine":"{engine}"', "") == cli(
        "run", str(path), "--rules", "syria-2016-09", "-f", "json", "--engine", "columnar"
    )[1].replace('"engine":"columnar"', "")
    # a report of an export without bad rows has no `skipped`; JSON Lines has no header: stderr says it
    code, out, _ = cli("run", str(acled_csv(tmp_path / "good.csv", {})), "--rules", "syria-2016-09", "-f", "json")
    assert code == 0 and "skipped" not in json.loads(out)
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 5 and "skipped" not in out


def test_a_parquet_exports_rows_skipped_are_told_by_row(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "bad.parquet"
    pl.read_csv(
        acled_csv(tmp_path / "bad.csv", {}, BAD[2], {"event_id_cnty": "SYR1006"}), infer_schema=False
    ).write_parquet(path)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "json")
    assert code == 0 and f"warning: {path}: row 2: `fatalities` is `unknown`; expected a whole number\n" in err
    first = [{"row": 2, "message": "`fatalities` is `unknown`; expected a whole number"}]
    assert json.loads(out)["skipped"] == {"rows": 1, "first": first}


SAID = "5 bad rows of the input skipped, not judged and not counted here:"  # of `bad_export`, above `SKIPPED`


def skipped_note(page: str) -> list[str]:
    """The lines of an HTML page's note of the rows skipped, as a reader sees them."""
    note = page.split('id="skipped">')[1].split("</div>")[0]
    return [line for line in html.unescape(re.sub(r"<[^>]+>", "\n", note)).splitlines() if line]


def embedded(page: str) -> dict[str, Any]:
    """The JSON report inside an HTML page."""
    text = page.split('<script type="application/json" id="report">')[1].split("</script>")[0]
    data: dict[str, Any] = json.loads(text)
    return data


def test_the_reports_for_people_say_which_rows_were_skipped(tmp_path: Path, cli: Cli) -> None:
    path = bad_export(tmp_path)
    said = SAID
    lines = [f"{path}:{n}: {m}" for n, m in SKIPPED]
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "--width", "400")
    assert code == 0
    assert out.splitlines()[:7] == [
        "bad · ruleset syria-2016-09 · engine columnar",
        said,
        *(f"  {line}" for line in lines),
    ]
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "-f", "markdown")
    assert code == 0
    head = "# bad\n\nRuleset `syria-2016-09`, engine `columnar`.\n\n"
    assert out.startswith(head + f"**{said}**\n\n" + "".join(f"- {line}\n" for line in lines) + "\n| time |")
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "-f", "html")
    assert code == 0
    assert skipped_note(out) == [said, *lines]
    assert embedded(out)["skipped"]["rows"] == 5


def test_a_report_lists_the_first_rows_skipped_and_counts_the_rest(tmp_path: Path, cli: Cli) -> None:
    rows = [{"event_id_cnty": f"SYR{i}", "fatalities": "?"} for i in range(60)]
    path = acled_csv(tmp_path / "many.csv", {}, *rows)
    code, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "-f", "json")
    skipped = json.loads(out)["skipped"]
    assert code == 0 and skipped["rows"] == 60 and [r["line"] for r in skipped["first"]] == [3, 4, 5, 6, 7]
    _, out, _ = cli("run", str(path), "--rules", "syria-2016-09", "-f", "markdown")
    assert "\n- … and 55 more\n\n| time |" in out and out.count(f"- {path}:") == 5


VARIANTS = [str(ROOT / "rules" / "variants" / name) for name in ("jfs-covered.yaml", "sponsors-not-bound.yaml")]
BOUND = ("--param", "policy.sponsors_bound=true,false")

# Every report besides `run`'s that counts an input's rows: the command, its arguments after the input, the keys
# either side of `skipped` in its JSON report (None: the report's end), and how many incidents the JSON report
# says were judged (None: it gives no such count).
Judged = Callable[[dict[str, Any]], int] | None
REPORTS: dict[str, tuple[str, tuple[str, ...], tuple[str | None, str | None], Judged]] = {
    "timeline": ("timeline", (), ("escalation", "summary"), lambda r: sum(r["summary"].values())),
    "whatif": ("whatif", ("-V", VARIANTS[0], "-V", VARIANTS[1]), ("incidents", "base"), lambda r: r["incidents"]),
    "sweep": ("sweep", BOUND, ("rows", None), lambda r: sum(r["rows"][0][v] for v in VERDICTS)),
    "discover": ("sweep", (*BOUND, "--discover", "violation>0"), ("boxes", None), None),
    "names": ("names", (), ("spellings", "summary"), None),
}
PAGES = ("timeline", "whatif", "sweep")  # those of them with an HTML page


def report_of(cli: Cli, path: Path, name: str, form: str, *more: str) -> str:
    """The report `name` (of `REPORTS`) of the export at `path`, in `form`."""
    command, args, _, _ = REPORTS[name]
    code, out, err = cli(command, str(path), "--rules", "syria-2016-09", *args, "-f", form, *more)
    assert code == 0, err
    return out


@pytest.mark.parametrize("name", REPORTS)
def test_every_json_report_says_which_rows_were_skipped_beside_its_counts(tmp_path: Path, cli: Cli, name: str) -> None:
    path = bad_export(tmp_path)
    report = json.loads(report_of(cli, path, name, "json"))
    assert report["skipped"] == {"rows": 5, "first": [{"line": n, "message": m} for n, m in SKIPPED]}
    _, _, around, judged = REPORTS[name]
    keys = [*report, None]
    at = keys.index("skipped")
    assert (keys[at - 1], keys[at + 1]) == around
    assert judged is None or judged(report) == 5  # the good rows alone
    # an export without bad rows: no `skipped`, and the report as it was before reports said it
    good = acled_csv(tmp_path / "good.csv", {}, {"event_id_cnty": "SYR1002"})
    assert "skipped" not in json.loads(report_of(cli, good, name, "json"))


@pytest.mark.parametrize("name", REPORTS)
def test_every_terminal_report_says_which_rows_were_skipped_under_its_heading(
    tmp_path: Path, cli: Cli, name: str
) -> None:
    path = bad_export(tmp_path)
    lines = report_of(cli, path, name, "table", "--width", "400").splitlines()
    assert lines[0].startswith("bad · ") and lines[1:7] == [SAID, *(f"  {path}:{n}: {m}" for n, m in SKIPPED)]
    good = acled_csv(tmp_path / "good.csv", {}, {"event_id_cnty": "SYR1002"})
    shown = report_of(cli, good, name, "table", "--width", "400").splitlines()
    assert shown[0] == lines[0].replace("bad", "good", 1) and shown[1] == lines[7]  # then the report as it was
    assert not any("skipped" in line for line in shown)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_says_which_rows_were_skipped_beside_its_counts(tmp_path: Path, cli: Cli, name: str) -> None:
    path = bad_export(tmp_path)
    page = report_of(cli, path, name, "html")
    assert skipped_note(page) == [SAID, *(f"{path}:{n}: {m}" for n, m in SKIPPED)]
    summary = page.split('<section id="summary">')[1].split("</section>")[0]
    assert summary.index('id="skipped"') < summary.index('<figure class="chart">')  # above the chart, by the counts
    assert embedded(page)["skipped"] == json.loads(report_of(cli, path, name, "json"))["skipped"]
    good = acled_csv(tmp_path / "good.csv", {}, {"event_id_cnty": "SYR1002"})
    page = report_of(cli, good, name, "html")
    assert 'id="skipped"' not in page and "skipped" not in embedded(page)


@pytest.mark.parametrize("name", ["timeline", "sweep"])
def test_a_csv_report_holds_its_rows_alone(tmp_path: Path, cli: Cli, name: str) -> None:
    kept = [{"event_id_cnty": f"SYR100{n}"} for n in (2, 3, 6, 8)]  # `bad_export`'s good rows alone
    expected = report_of(cli, acled_csv(tmp_path / "good.csv", {}, *kept), name, "csv")
    assert report_of(cli, bad_export(tmp_path), name, "csv") == expected  # stderr says the rows skipped


@pytest.mark.parametrize("name", ["whatif", "sweep"])
def test_rows_skipped_are_said_once_whatever_the_number_of_jobs(tmp_path: Path, cli: Cli, name: str) -> None:
    path = bad_export(tmp_path)
    alone = report_of(cli, path, name, "json", "--jobs", "1")
    assert report_of(cli, path, name, "json", "--jobs", "2") == alone
    assert alone.count('"skipped"') == 1 and json.loads(alone)["skipped"]["rows"] == 5
    table = report_of(cli, path, name, "table", "--jobs", "2")
    assert table.count("bad rows of the input skipped") == 1


def test_every_report_lists_the_first_rows_skipped_and_counts_the_rest(tmp_path: Path, cli: Cli) -> None:
    rows = [{"event_id_cnty": f"SYR{i}", "fatalities": "?"} for i in range(60)]
    path = acled_csv(tmp_path / "many.csv", {}, *rows)
    for name in REPORTS:
        skipped = json.loads(report_of(cli, path, name, "json"))["skipped"]
        assert skipped["rows"] == 60 and [r["line"] for r in skipped["first"]] == [3, 4, 5, 6, 7]
        lines = report_of(cli, path, name, "table", "--width", "400").splitlines()
        assert lines[1] == "60 bad rows of the input skipped, not judged and not counted here:"
        assert lines[7] == "  … and 55 more"
    assert skipped_note(report_of(cli, path, "timeline", "html"))[-1] == "… and 55 more"


def test_a_parquet_extracts_rows_skipped_are_told_by_row_in_every_report(tmp_path: Path, cli: Cli) -> None:
    rows = pl.read_csv(UCDP_SAMPLE, infer_schema_length=0).head(12)
    inside = pl.when(pl.int_range(pl.len()) == 8).then(pl.lit("2016-09-18 00:00:00.000"))
    rows = rows.with_columns(
        inside.otherwise(pl.lit("2016-09-15 00:00:00.000")).alias("date_start"),
        pl.lit("2016-09-15 00:00:00.000").alias("date_end"),
    )
    rows.write_parquet(path := tmp_path / "ged.parquet")
    why = (
        "`date_end` `2016-09-15 00:00:00.000` is before `date_start` `2016-09-18 00:00:00.000`; expected an end on "
        "or after the start"
    )
    for name in REPORTS:
        report = json.loads(report_of(cli, path, name, "json"))
        assert report["skipped"] == {"rows": 1, "first": [{"row": 9, "message": why}]}
        judged = REPORTS[name][3]
        assert judged is None or judged(report) == 11  # the good rows alone
        lines = report_of(cli, path, name, "table", "--width", "400").splitlines()
        said = "1 bad row of the input skipped, not judged and not counted here:"
        assert lines[1:3] == [said, f"  {path}: row 9: {why}"]


def test_a_report_judged_as_it_is_read_counts_the_rows_skipped_after_its_last_incident(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine import ahead
    from engine.cli.run import reports_of
    from engine.incidents.load import Loaded
    from engine.report.data import write_json

    good = [{"event_id_cnty": f"SYR{i}"} for i in range(40)]
    bad = [{"event_id_cnty": f"SYR-{i}", "fatalities": "?"} for i in range(40)]
    path = acled_csv(tmp_path / "late.csv", *good, *bad)  # the last blocks hold bad rows alone
    compiled = ruleset("syria-2016-02")  # no verdict depends on another part: each part is given as it is judged
    assert not compiled.over_time
    monkeypatch.setattr(ahead, "read_ahead", iter)  # no part read on a thread while the one before is judged
    written = []
    for batch in (None, 1):
        loaded = Loaded(path.stem, compiled, EventTable(path, "acled", block=2048), None, None)
        reports = list(reports_of(loaded, "columnar", batch))
        assert (len(reports) > 1) == (batch is not None) and reports[-1].skipped.rows == 40
        out = io.StringIO()
        write_json(reports, out)
        written.append(out.getvalue())
    assert written[0] == written[1] and json.loads(written[0])["skipped"]["rows"] == 40


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_export_with_no_events_is_refused(tmp_path: Path, cli: Cli, suffix: str) -> None:
    path = acled_csv(tmp_path / "a.csv")
    if suffix == ".parquet":
        pl.read_csv(path, infer_schema=False).write_parquet(path := tmp_path / "a.parquet")
    where = f"{path}:1" if suffix == ".csv" else str(path)
    expected = "a row per event" if suffix == ".parquet" else "rows under the header"
    output = tmp_path / "verdicts.jsonl"
    for strict in ((), ("--strict",)):
        code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl", "-o", str(output), *strict)
        assert (code, out, err) == (2, "", f"error: {where}: file holds no events; expected {expected}\n")
        assert not output.exists()
    code, _, err = cli("names", str(path), "--rules", "syria-2016-09")
    assert code == 2 and err.count("\n") == 1


def test_an_export_whose_every_row_is_bad_is_refused(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(tmp_path / "a.csv", BAD[0], BAD[1])
    output = tmp_path / "verdicts.parquet"
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(output))
    assert (code, out) == (2, "") and not output.exists()
    assert err.splitlines() == [
        f"warning: {path}:2: no `event_id_cnty`: a row without an id",
        f"warning: {path}:3: `event_date` `14/09/2016` is not a date; expected one like 2020-04-27, 27 April 2020, "
        "27-April-2020 or 27-Apr-20",
        f"error: {path}: no row could be read; the first bad row is line 2: no `event_id_cnty`: a row without an id",
    ]


def test_many_bad_rows_are_counted_past_the_limit(tmp_path: Path, cli: Cli) -> None:
    rows = [{"event_id_cnty": f"SYR{i}", "fatalities": "?"} for i in range(60)]
    path = acled_csv(tmp_path / "many.csv", {}, *rows)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 1
    lines = err.splitlines()
    assert lines[-2:] == [f"warning: {path}: … and 10 more bad rows", f"warning: {path}: 60 bad rows skipped"]
    assert len(lines) == 1 + 50 + 2


def test_one_bad_row_of_thousands(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_acled_csv(path, 5_000, seed=3)
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    text[2501] = text[2501].replace("2016", "20l6", 1)  # the date of the 2,501st row
    path.write_text("".join(text), encoding="utf-8")
    table = EventTable(path, "acled", block=64 * 1024)  # many blocks
    frame = table.frame()
    assert frame.height == 4_999 and table.bad.count == 1
    assert table.bad.found[0].line == 2502
    assert frame.get_column("id").n_unique() == 4_999


def test_blocks_give_what_one_read_gives(tmp_path: Path) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        *(
            {"event_id_cnty": f"SYR{i}", "notes": "a note\nover, two lines" if i % 7 == 0 else "plain"}
            for i in range(200)
        ),
        {"event_id_cnty": "SYR-bad", "fatalities": "x"},
    )
    whole = EventTable(path, "acled")
    parts = EventTable(path, "acled", block=997)
    assert parts.frame().equals(whole.frame())
    assert parts.lines() == whole.lines()
    assert whole.lines()[:9] == [2, 4, 5, 6, 7, 8, 9, 10, 12]  # a quoted line break takes a line
    assert [p.line for p in parts.bad.found] == [p.line for p in whole.bad.found] == [231]


def test_synthetic_export_is_acled_shaped() -> None:
    frame = acled_frame(1_000, seed=1)
    assert tuple(frame.columns) == ACLED_COLUMNS
    assert frame.get_column("event_id_cnty").n_unique() == 1_000
    assert acled_frame(1_000, seed=1).equals(frame) and not acled_frame(1_000, seed=2).equals(frame)
    assert set(frame.get_column("time_precision")) == {"1", "2", "3"}
    # ACLED's coding: a battle is between armed groups, never civilian targeting; that is for attacks on civilians
    battles = frame.filter(pl.col("event_type") == "Battles")
    assert battles.height and (battles.get_column("civilian_targeting") == "").all()
    assert not battles.get_column("inter2").is_in(["0", "7"]).any()
    targeted = frame.filter(pl.col("civilian_targeting") == "Civilian targeting").get_column("event_type")
    assert set(targeted) == {"Violence against civilians", "Explosions/Remote violence"}


def test_foreign_rows_not_covered() -> None:
    loaded = load_input(UCDP_SAMPLE, "syria-2016-09")
    verdicts = evaluate(loaded.compiled, loaded.frame, engine="columnar")
    abroad = loaded.frame.get_column("country") != "Syria"
    assert abroad.sum() == 3
    for verdict, foreign in zip(verdicts, abroad, strict=True):
        if foreign:
            assert (verdict.verdict, verdict.rule) in {
                ("not_covered", "outside-scope"),
                ("not_covered", "outside-window"),
            }


def test_foreign_row_in_the_window_is_outside_the_scope(tmp_path: Path) -> None:
    path = acled_csv(
        tmp_path / "a.csv",
        {"country": "Iraq", "admin1": "Ninewa", "admin2": "Mosul", "admin3": "Mosul", "location": "Mosul"},
        {"event_id_cnty": "IRQ2", "country": "Iraq", "actor1": "Unidentified Armed Group (Iraq)", "admin1": "Ninewa"},
    )
    loaded = load_input(path, "syria-2016-09")
    verdicts = evaluate(loaded.compiled, loaded.frame, engine="columnar")
    assert [(v.verdict, v.rule) for v in verdicts] == [("not_covered", "outside-scope")] * 2


@pytest.mark.parametrize("engine", ENGINES)
def test_engines_agree_on_exports(tmp_path: Path, engine: str) -> None:
    path = tmp_path / "acled.csv"
    write_acled_csv(path, 400, seed=5)
    compiled = ruleset("syria-2016-09")
    for source in (path, UCDP_SAMPLE):
        loaded = load_input(source, "syria-2016-09")
        assert evaluate(compiled, loaded.frame, engine=engine) == evaluate(compiled, loaded.frame, engine="columnar")


def test_synthetic_export_judged(tmp_path: Path, cli: Cli) -> None:
    path = tmp_path / "acled.csv"
    write_acled_csv(path, 2_000, seed=9)
    code, out, err = cli("run", str(path), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and len(out.splitlines()) == 2_000
    counts = {}
    for line in out.splitlines():
        verdict = json.loads(line)["verdict"]
        counts[verdict] = counts.get(verdict, 0) + 1
    assert counts.get("violation", 0) > 100 and counts.get("not_covered", 0) > 100
    assert "warning" not in err


def test_explain_an_export_row(tmp_path: Path, cli: Cli) -> None:
    path = acled_csv(tmp_path / "a.csv", {})
    code, out, err = cli("explain", str(path), "SYR1001", "--rules", "syria-2016-09", "-f", "json")
    assert code == 0, err
    assert json.loads(out)["combined"]["verdict"] == "violation"


def test_a_scenario_is_no_export(cli: Cli) -> None:
    code, _, err = cli("run", str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml"), "--from", "acled")
    assert code == 2 and "--from acled reads an export (.csv or .parquet); this is a scenario" in err


def test_help_shows_from(cli: Cli) -> None:
    for command in ("run", "explain", "whatif", "sweep", "check"):
        with pytest.raises(SystemExit):
            cli(command, "--help")


def test_unreadable_header(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(InputError):
        load_input(path, "syria-2016-09", source="acled")


def test_an_id_given_twice_blocks_apart(tmp_path: Path) -> None:
    path = acled_csv(tmp_path / "a.csv", *({"event_id_cnty": f"SYR{i}"} for i in range(50)), {"event_id_cnty": "SYR3"})
    table = EventTable(path, "acled", block=2048)
    frame = table.frame()
    assert frame.height == 50 and table.bad.count == 1
    assert table.bad.found[0].line == 52 and "SYR3" in table.bad.found[0].message


def test_reports_carry_the_export_s_own_record(tmp_path: Path, cli: Cli) -> None:
    code, out, _ = cli("run", str(UCDP_SAMPLE), "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0
    first = json.loads(out.splitlines()[0])
    assert list(first)[-1] == "ucdp"  # after every field of the verdict
    record = first["ucdp"]
    assert {"notes", "source", "type_of_violence", "best", "low", "high", "where_prec"} <= set(record)
    assert record["source"].startswith('"')  # UCDP's source_article as written
    parquet = tmp_path / "v.parquet"
    assert cli("run", str(UCDP_SAMPLE), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(parquet))[0] == 0
    table = pl.read_parquet(parquet)
    assert table.get_column("ucdp").struct.field("relid").to_list()[0] == record["relid"]
    assert table.height == len(out.splitlines())


def test_a_run_says_how_many_incidents_in_scope_and_window_name_someone_unresolved(cli: Cli) -> None:
    sample = str(UCDP_SAMPLE)
    code, _, err = cli("run", sample, "--rules", "syria-2016-09", "-f", "jsonl")
    assert code == 0 and "cannot resolve" not in err  # every row is outside the window: no name matters
    widened = ("--set", "window.until=2025-01-01T00:00:00+03:00")
    code, _, err = cli("run", sample, "--rules", "syria-2016-09", *widened, "-f", "jsonl")
    assert code == 0
    assert (
        "note: 1 incident inside the truce's scope and window names someone the ruleset cannot resolve; "
        f"`ceasefire names {sample} --rules syria-2016-09 --set window.until=2025-01-01T00:00:00+03:00` lists each "
        "spelling"
    ) in err.splitlines()


@pytest.mark.parametrize("ruleset", ["syria-2016-09", "syria-2016-02"])
def test_a_ucdp_one_sided_event_is_said_as_ucdp_records_it_not_as_a_ground_attack(ruleset: str) -> None:
    """UCDP records who killed civilians, not by what means: the act is `one-sided violence`, of no class (so no
    response is measured against it as ground fighting), and its explanation says it so."""
    from engine.evaluation.facts import Resolver
    from engine.ruleset.load import load_ruleset

    compiled = load_ruleset(ruleset)
    deed = Resolver(compiled).act("one-sided violence")
    assert (deed.act, deed.hostile) == ("one_sided_violence", True)
    assert deed.shown == "one-sided violence"
    assert (compiled.act_classes or {})["one_sided_violence"] == "one_sided_violence"  # its own class: no other's
    assert Resolver(compiled).act("ground assault").shown == "ground attack"  # an act without a name: its id


def test_a_folder_holding_an_export_is_refused_as_one_naming_the_export(tmp_path: Path, cli: Cli) -> None:
    """A folder run reads ceasefire's own tables: an ACLED export in it is said to be one (its `region` is no
    other name for `admin1` to drop), and nothing is written."""
    folder = tmp_path / "exports"
    folder.mkdir()
    acled_frame(5, seed=1).write_parquet(folder / "a.parquet")
    out = tmp_path / "verdicts"
    code, _, err = cli("run", str(folder), "--rules", "syria-2016-09", "-f", "parquet", "-o", str(out))
    assert code == 2
    assert err.strip().splitlines() == [
        f"error: {folder / 'a.parquet'}: this is an ACLED export, and a folder run reads ceasefire's own tables: run "
        f"the export as one file (`ceasefire run {folder / 'a.parquet'} --rules syria-2016-09`)"
    ]
    assert not out.exists()

"""Times at every precision: read, placed in the window (in, out, or straddling an end), in a ruleset's zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from engine.evaluation.facts import Resolver
from engine.evaluation.pipeline import Evaluator, evaluate
from engine.incidents.frame import frame_of
from engine.incidents.model import Incident
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.times import FORMS, MAX_DURATION, PLAUSIBLE_YEARS, read_duration, read_time
from tests.conftest import ENGINES, ROOT, Cli, ruleset

SEPTEMBER = "syria-2016-09"  # from 2016-09-12T19:00+03:00 until 2016-09-20T00:00+03:00
FEBRUARY = "syria-2016-02"  # from 2016-02-27T00:00+02:00, open


def zoned(name: str, zone: str, **window: str) -> Compiled:
    """A shipped ruleset with a `timezone` (and, if given, other window ends)."""
    base = ruleset(name).ruleset
    update: dict[str, Any] = {"timezone": zone}
    if window:
        update["window"] = base.window.model_copy(update=window)
    compiled, problems = compile_ruleset(base.model_copy(update=update))
    assert problems == []
    return compiled


@pytest.mark.parametrize(
    ("text", "precision", "first", "end"),
    [
        ("2016-09-17T16:00:00+03:00", "time", "2016-09-17T16:00:00+03:00", "2016-09-17T16:00:00.000001+03:00"),
        ("2016-09-17T13:00Z", "time", "2016-09-17T13:00:00+00:00", "2016-09-17T13:00:00.000001+00:00"),
        ("2016-09-17T16:00", "time", "2016-09-17T16:00:00", "2016-09-17T16:00:00.000001"),
        ("2016-09-12T24:00+03:00", "time", "2016-09-13T00:00:00+03:00", "2016-09-13T00:00:00.000001+03:00"),
        ("2016-09-17", "day", "2016-09-17T00:00:00", "2016-09-18T00:00:00"),
        ("20160917", "day", "2016-09-17T00:00:00", "2016-09-18T00:00:00"),
        ("2016-W37-6", "day", "2016-09-17T00:00:00", "2016-09-18T00:00:00"),
        ("2016-W37", "week", "2016-09-12T00:00:00", "2016-09-19T00:00:00"),
        ("2015-W53", "week", "2015-12-28T00:00:00", "2016-01-04T00:00:00"),
        ("2016-09", "month", "2016-09-01T00:00:00", "2016-10-01T00:00:00"),
        ("2016-12", "month", "2016-12-01T00:00:00", "2017-01-01T00:00:00"),
        ("2016-09-10/2016-09-14", "days", "2016-09-10T00:00:00", "2016-09-15T00:00:00"),
        ("2016-09-14/2016-09-14", "days", "2016-09-14T00:00:00", "2016-09-15T00:00:00"),
        (
            "2016-09-12T10:00+03:00/2016-09-12T12:00+03:00",
            "times",
            "2016-09-12T10:00:00+03:00",
            "2016-09-12T12:00:00.000001+03:00",
        ),
    ],
)
def test_each_form_names_its_period(text: str, precision: str, first: str, end: str) -> None:
    period = read_time(text)
    assert (period.precision, period.first.isoformat(), period.end.isoformat()) == (precision, first, end)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2016-W54", "`2016-W54` is not a real ISO week; 2016 has weeks 2016-W01 to 2016-W52"),
        ("2015-W54", "`2015-W54` is not a real ISO week; 2015 has weeks 2015-W01 to 2015-W53"),
        ("2016-W00", "`2016-W00` is not a real ISO week; 2016 has weeks 2016-W01 to 2016-W52"),
        ("2016-13", "`2016-13` is not a real month; write it like 2016-09 (months 01 to 12)"),
        (
            "2016-09-14/2016-09-10",
            "`2016-09-14/2016-09-10` ends before it starts; write the earlier end first, like 2016-09-10/2016-09-14",
        ),
        ("2016-09-10/", "`2016-09-10/` is not a span; write two days joined by `/`, like 2016-09-10/2016-09-14"),
        ("2016-W37/2016-W38", "`2016-W37/2016-W38`: a span's ends are days or date-times, like 2016-09-10/2016-09-14"),
        # a span quoted whole, with the end that is not a time
        ("2016-09-10/soon", f"`2016-09-10/soon`: its end `soon` is not an ISO 8601 time; write {FORMS}"),
        ("x/2016-09-10", f"`x/2016-09-10`: its start `x` is not an ISO 8601 time; write {FORMS}"),
        (
            "2016-09-10/2016-13-01",
            "`2016-09-10/2016-13-01`: its end `2016-13-01` is not a real date (month must be in 1..12)",
        ),
        # a time with its zone's name: its `/` is no span's
        (
            "2016-09-13T10:00:00 Asia/Damascus",
            "`2016-09-13T10:00:00 Asia/Damascus` names a zone (`Asia/Damascus`), and a time is not read with a zone's "
            "name; write it with its UTC offset, like 2016-09-13T10:00:00+03:00, or without one under a ruleset whose "
            "top-level `timezone` names the zone",
        ),
        (
            "2016-09-13T10:00 America/Argentina/Buenos_Aires",
            "`2016-09-13T10:00 America/Argentina/Buenos_Aires` names a zone (`America/Argentina/Buenos_Aires`), and a "
            "time is not read with a zone's name; write it with its UTC offset, like 2016-09-13T10:00-03:00, or "
            "without one under a ruleset whose top-level `timezone` names the zone",
        ),
        (  # no zone of that name: the offset's form
            "2016-09-13T10:00 Mars/Olympus",
            "`2016-09-13T10:00 Mars/Olympus` names a zone (`Mars/Olympus`), and a time is not read with a zone's "
            "name; write it with its UTC offset, like 2016-09-13T10:00+HH:MM, or without one under a ruleset whose "
            "top-level `timezone` names the zone",
        ),
        (
            "2016-09-13T10:00+03:00 Asia/Damascus",
            "`2016-09-13T10:00+03:00 Asia/Damascus` names a zone (`Asia/Damascus`), and a time is not read with a "
            "zone's name; its UTC offset says the instant: write 2016-09-13T10:00+03:00",
        ),
        (
            "2016-09-13 Asia/Damascus",
            "`2016-09-13 Asia/Damascus` names a zone (`Asia/Damascus`), and a time is not read with a zone's name; "
            "write the day alone (2016-09-13): a day is read in the ruleset's `timezone`",
        ),
        (
            "2016-09-12T10:00/2016-09-12T12:00Z",
            "`2016-09-12T10:00/2016-09-12T12:00Z` gives a UTC offset at one end only; give both ends one, or neither",
        ),
        ("2016-09-12T24:30+03:00", "`2016-09-12T24:30+03:00` is not a real date-time (hour must be in 0..23)"),
        ("0001-09", "`0001-09` is out of range; expected a year from 2 to 9998"),
        # a day written with slashes: the ISO day where the order is sure
        ("15/09/2016", "`15/09/2016` is not an ISO 8601 day; write year-month-day: 2016-09-15"),
        ("9/15/2016", "`9/15/2016` is not an ISO 8601 day; write year-month-day: 2016-09-15"),
        ("3/4/2016", "`3/4/2016` is not an ISO 8601 day; write year-month-day, like 2016-09-17 for 17 September 2016"),
        ("15/09/16", "`15/09/16` is not an ISO 8601 day; write year-month-day, like 2016-09-17 for 17 September 2016"),
    ],
)
def test_a_malformed_time_is_refused_with_the_right_form(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_time(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("name", "time", "inside"),
    [
        # a day
        (SEPTEMBER, "2016-09-14", True),
        (SEPTEMBER, "2016-09-01", False),
        (SEPTEMBER, "2016-09-12", None),
        (SEPTEMBER, "2016-09-19", True),
        (SEPTEMBER, "2016-09-20", False),
        # an ISO week
        (FEBRUARY, "2016-W09", True),
        (FEBRUARY, "2016-W07", False),
        (FEBRUARY, "2016-W08", None),
        (SEPTEMBER, "2016-W37", None),
        # a month
        (FEBRUARY, "2016-03", True),
        (FEBRUARY, "2016-01", False),
        (FEBRUARY, "2016-02", None),
        # a span of days, and of date-times
        (SEPTEMBER, "2016-09-13/2016-09-15", True),
        (SEPTEMBER, "2016-09-01/2016-09-05", False),
        (SEPTEMBER, "2016-09-10/2016-09-14", None),
        (SEPTEMBER, "2016-09-19/2016-09-20", None),
        (SEPTEMBER, "2016-09-12T19:00+03:00/2016-09-12T23:00+03:00", True),
        (SEPTEMBER, "2016-09-12T10:00+03:00/2016-09-12T18:59:59+03:00", False),
        (SEPTEMBER, "2016-09-12T10:00+03:00/2016-09-12T20:00+03:00", None),
        # 24:00 is the next day's 00:00; Z is UTC
        (SEPTEMBER, "2016-09-19T24:00+03:00", False),
        (SEPTEMBER, "2016-09-19T23:59:59+03:00", True),
        (SEPTEMBER, "2016-09-12T24:00:00+03:00", True),
        (SEPTEMBER, "2016-09-12T16:00:00Z", True),
        (SEPTEMBER, "2016-09-12T15:59:59Z", False),
    ],
)
def test_a_period_is_inside_outside_or_straddling_the_window(name: str, time: str, inside: bool | None) -> None:
    assert Resolver(ruleset(name)).window(time) is inside


@pytest.mark.parametrize("engine", ENGINES)
def test_the_window_test_decides_the_verdict_alike_on_each_engine(engine: str) -> None:
    told = {
        "actor": "Syrian Arab Army",
        "act": "shelling",
        "target": "Free Syrian Army",
        "location": {"admin1": "Hama"},
    }
    times = ["2016-W37", "2016-09-13/2016-09-15", "2016-09", "2016-09-19T24:00+03:00", "2016-08"]
    incidents = [Incident(id=str(i), time=t, **told) for i, t in enumerate(times)]
    rules = [v.rule for v in evaluate(ruleset(SEPTEMBER), incidents, engine)]
    assert rules == ["time-unknown", "attack-on-covered-party", "time-unknown", "outside-window", "outside-window"]


def test_a_day_in_many_rows_takes_the_bulk_path_and_agrees_with_one_by_one() -> None:
    compiled = ruleset(SEPTEMBER)
    times = ["2016-09-14T10:00:00+03:00", "2016-09-14T10:00", "2016-09-10/2016-09-20", "2016-09-14", "2016-W37"]
    with Evaluator(zoned(SEPTEMBER, "Asia/Damascus"), "columnar") as evaluator:
        table, _ = evaluator.facts(frame_of([Incident(id=str(i), time=t) for i, t in enumerate(times)]))
    assert table.get_column("in_window").to_list() == [True, True, None, True, None]
    with pytest.raises(ValueError, match="names no timezone"):
        Resolver(compiled).window("2016-09-12T19:30")


def test_daylight_saving_is_honoured_in_the_rulesets_zone() -> None:
    """Damascus was UTC+2 in February 2016 and UTC+3 in September: a local time is read at each."""
    february = zoned(FEBRUARY, "Asia/Damascus", start="2016-02-27T00:00")
    assert february.start == datetime(2016, 2, 26, 22, 0, tzinfo=UTC)
    assert Resolver(february).window("2016-02-27T00:30") is True  # 22:30 UTC: at +03:00 it would be outside
    assert Resolver(february).window("2016-02-26T23:30") is False
    september = zoned(SEPTEMBER, "Asia/Damascus")
    assert Resolver(september).window("2016-09-12T18:30") is False  # 15:30 UTC: at +02:00 it would be inside
    assert Resolver(september).window("2016-09-12T19:00") is True
    # days are the zone's calendar days: 27 Feb began at 00:00+02:00
    assert Resolver(february).window("2016-02-27") is True
    assert september.reading("2016-09-17T16:00") == "time 2016-09-17T16:00 read in Asia/Damascus (UTC+03:00)"
    assert february.reading("2016-02-28T16:00") == "time 2016-02-28T16:00 read in Asia/Damascus (UTC+02:00)"
    assert september.reading("2016-W37") == (
        "time 2016-W37 read in Asia/Damascus: from 2016-09-12T00:00:00+03:00 until 2016-09-19T00:00:00+03:00"
    )
    assert september.reading("2016-09-17T16:00:00+03:00") is None


MINSK = """\
id: minsk-ii
title: Minsk II, a sketch
agreement: {name: Package of Measures for the Implementation of the Minsk Agreements}
{zone}window: {from: 2015-02-15T00:00:00+02:00}
parties:
  ukraine: {name: Armed Forces of Ukraine, role: covered, side: ukraine, aliases: [AFU]}
  dpr: {name: DPR forces, role: covered, side: separatists, aliases: [DPR]}
acts:
  shelling: {hostile: true}
rules:
  - id: outside-window
    clause: "Art. 1: ceasefire from 00:00 (Kyiv time) on 15 February 2015"
    priority: 10
    when: {in_window: false}
    verdict: not_covered
    explanation: Before the ceasefire.
  - id: attack
    clause: "Art. 1: an immediate and comprehensive ceasefire"
    priority: 20
    when: {in_window: true, actor.role: covered, act.hostile: true, target.role: covered}
    verdict: violation
    explanation: "{actor} attacked {target}."
"""

KYIV_SCENARIO = """\
scenario: minsk-night
title: Shelling half an hour into the ceasefire
ruleset: minsk.yaml
incidents:
  - id: shelling
    time: 2015-02-15T00:30
    actor: DPR
    act: shelling
    target: AFU
"""


def test_a_kyiv_local_time_is_read_in_kyiv(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "minsk.yaml").write_text(MINSK.replace("{zone}", "timezone: Europe/Kyiv\n"), encoding="utf-8")
    scenario = tmp_path / "night.yaml"
    scenario.write_text(KYIV_SCENARIO, encoding="utf-8")
    code, out, err = cli("run", str(scenario), "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["verdicts"][0]["rule"] == "attack"  # at +03:00 it would fall before the truce
    code, out, _ = cli("explain", str(scenario), "shelling")
    assert code == 0 and "time 2015-02-15T00:30 read in Europe/Kyiv (UTC+02:00)" in out


def test_a_local_time_without_a_zone_is_refused_with_the_windows_offset(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "minsk.yaml").write_text(MINSK.replace("{zone}", ""), encoding="utf-8")
    scenario = tmp_path / "night.yaml"
    scenario.write_text(KYIV_SCENARIO, encoding="utf-8")
    code, out, err = cli("run", str(scenario))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"error: {scenario}:6:5: incidents[0].time: `2015-02-15T00:30` has no UTC offset and ruleset `minsk-ii` "
        "names no timezone; write it with one, like 2015-02-15T00:30+02:00, or name the zone with a top-level "
        "`timezone` (like `timezone: Asia/Damascus`)"
    ]


def test_a_tables_local_time_is_refused_at_its_line(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "events.csv"
    table.write_text(
        'id,time,actor\na,2016-09-14T10:00:00+03:00,"two\nlines"\nb,2016-09-14,SAA\nc,2016-09-14T10:00,SAA\n',
        encoding="utf-8",
    )
    code, _, err = cli("run", str(table), "--rules", SEPTEMBER)
    assert code == 2
    assert err.startswith(f"error: {table}:5: time: `2016-09-14T10:00` has no UTC offset and ruleset")
    parquet = tmp_path / "events.parquet"
    pl.DataFrame({"id": ["a", "b"], "time": ["2016-09-14", "2016-09-14T10:00"]}).write_parquet(parquet)
    code, _, err = cli("run", str(parquet), "--rules", SEPTEMBER)
    assert code == 2 and err.startswith(f"error: {parquet}: row 2: time: `2016-09-14T10:00` has no UTC offset")
    lines = tmp_path / "events.jsonl"
    lines.write_text(
        '{"id": "a", "time": "2016-09-14"}\n{"id": "b", "accounts": [{"source": "s", "time": "2016-09-14T10:00"}]}\n',
        encoding="utf-8",
    )
    code, _, err = cli("run", str(lines), "--rules", SEPTEMBER)
    assert code == 2 and err.startswith(f"error: {lines}:2: accounts[0].time: `2016-09-14T10:00` has no UTC offset")


def test_an_unknown_zone_is_a_ruleset_error_with_a_suggestion() -> None:
    base = ruleset(SEPTEMBER).ruleset
    _, problems = compile_ruleset(base.model_copy(update={"timezone": "Europe/Kyev"}))
    assert [(p.path, p.message) for p in problems] == [
        (
            "timezone",
            "unknown time zone `Europe/Kyev`; expected an IANA name like Asia/Damascus or Europe/Kyiv; "
            "did you mean `Europe/Kyiv`?",
        )
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_implausible_time_is_flagged_alike_on_each_engine(engine: str) -> None:
    told = {"actor": "Syrian Arab Army", "act": "shelling", "target": "Free Syrian Army"}
    incidents = [
        Incident(id="typo", time="0016-09-14T10:00:00+03:00", **told),
        Incident(id="fine", time="2016-09-14T10:00:00+03:00", **told),
        Incident(id="far-span", time="2016-09-14/2099-09-14", **told),
        Incident(id="edge", time=f"{2016 + PLAUSIBLE_YEARS}-01", **told),
        Incident(id="account", time="2016-09-14", accounts=[{"source": "s", "time": "2106-09-14"}], **told),
    ]
    flagged = {v.incident: "implausible_time" in v.flags for v in evaluate(ruleset(SEPTEMBER), incidents, engine)}
    assert flagged == {"typo": True, "fine": False, "far-span": True, "edge": False, "account": True}


def test_run_warns_once_of_implausible_times_and_check_strict_fails_on_them(cli: Cli, tmp_path: Path) -> None:
    scenario = tmp_path / "typo.yaml"
    scenario.write_text(
        (ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
        .read_text(encoding="utf-8")
        .replace("ruleset: syria-2016-09", f"ruleset: {ROOT / 'rules' / 'syria-2016-09.yaml'}")
        .replace("time: 2016-09-17T16:00:00+03:00", "time: 0016-09-17T16:00:00+03:00", 1),
        encoding="utf-8",
    )
    code, out, err = cli("run", str(scenario), "--format", "json")
    assert code == 0
    warning = err.splitlines()
    assert len(warning) == 1 and warning[0].startswith(f"warning: {scenario}:")
    assert "1 incident tells a time implausibly far from the window (years 1996 to 2036 are plausible), " in err
    assert "the first `0016-09-17T16:00:00+03:00`" in err
    flags = [v["flags"] for v in json.loads(out)["verdicts"]]
    assert sum("implausible_time" in f for f in flags) == 1
    code, _, err = cli("check", str(scenario))
    assert code == 0 and "warning: " in err and "`0016-09-17T16:00:00+03:00` is implausibly far" in err
    code, _, _ = cli("check", "--strict", str(scenario))
    assert code == 1


def test_a_tables_implausible_times_are_counted_and_the_first_named(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "events.csv"
    table.write_text("id,time\na,2016-09-14\nb,0016-09-14\nc,9016-09\n", encoding="utf-8")
    code, _, err = cli("run", str(table), "--rules", SEPTEMBER, "-f", "jsonl", "-o", str(tmp_path / "out.jsonl"))
    assert code == 0
    assert err.splitlines()[-1] == (
        f"warning: {table}: incident `b`: 2 incidents tell a time implausibly far from the window (years 1996 to "
        "2036 are plausible), the first `0016-09-14`; check its year (verdicts flag it `implausible_time`)"
    )


def test_a_plausible_year_is_within_twenty_years_of_the_window() -> None:
    assert ruleset(SEPTEMBER).plausible_years == (1996, 2036)
    assert ruleset(FEBRUARY).plausible_years == (1996, 2036)  # an open window counts from its start


def test_a_local_time_a_clock_change_repeats_is_both_its_readings() -> None:
    """Damascus put its clocks back at 00:00 on 28 Oct 2016: 23:30 on the 27th came twice, at +03:00 and
    +02:00. A window ending between the two readings cannot place it; one ending after both can."""
    ends_between = zoned(SEPTEMBER, "Asia/Damascus", until="2016-10-27T21:00:00+00:00")
    assert Resolver(ends_between).window("2016-10-27T23:30") is None
    ends_after = zoned(SEPTEMBER, "Asia/Damascus", until="2016-10-28T12:00:00+00:00")
    assert Resolver(ends_after).window("2016-10-27T23:30") is True


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("PT6H", timedelta(hours=6)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P3653D", MAX_DURATION),
        ("P" + "0" * 5000 + "7D", timedelta(days=7)),  # thousands of digits, but a week
    ],
)
def test_a_duration_of_at_most_ten_years_is_read(text: str, length: timedelta) -> None:
    assert read_duration(text) == length


@pytest.mark.parametrize(
    "text", ["P3654D", "P522W", "PT87673H", "P3650000D", "PT99999999999999H", "PT" + "9" * 5000 + "S"]
)
def test_a_duration_longer_than_ten_years_is_refused_in_words(text: str) -> None:
    # timedelta overflows past 999,999,999 days, and `int` refuses thousands of digits: neither is met
    with pytest.raises(ValueError, match=r"is too long; expected at most P3653D \(ten years\)$"):
        read_duration(text)


# Damascus put its clocks forward at 00:00 on 25 Mar 2016 (to 01:00: 00:30 never came) and back at 00:00 on 28 Oct
# 2016 (to 23:00 on the 27th: 23:30 came twice, at +03:00 and then at +02:00).
DAMASCUS_2016 = f"""\
extends: {ROOT / "rules" / "syria-2016-09.yaml"}
id: damascus-2016
title: The September terms over the months of 2016 that changed the clocks
timezone: Asia/Damascus
window: {{from: 2016-03-24T19:00, until: 2016-10-29T00:00}}
"""
SKIPPED = (
    "`2016-03-25T00:30` is no time in Asia/Damascus: its clocks went forward an hour at 00:00 on 2016-03-25; "
    "write it with its UTC offset, 2016-03-25T00:30+02:00 (by the clocks before the change) or "
    "2016-03-25T00:30+03:00 (after it)"
)
REPEATED = (
    "`2016-10-27T23:30` happens twice in Asia/Damascus: its clocks went back an hour at 00:00 on 2016-10-28; "
    "read as either, from 2016-10-27T23:30+03:00 to 2016-10-27T23:30+02:00; write the UTC offset of the one meant"
)
STRIKE = {"actor": "Syrian Air Force", "act": "airstrike", "target": "Jabhat Fateh al-Sham", "admin1": "Aleppo"}


def _damascus(tmp_path: Path, *times: str) -> tuple[Path, Path]:
    """The 2016 ruleset and a scenario of a strike at each time (incident i's on line 6 + 6i), under `tmp_path`."""
    rules = tmp_path / "damascus.yaml"
    rules.write_text(DAMASCUS_2016, encoding="utf-8")
    incidents = "".join(
        f"  - id: s{i}\n    time: {t}\n    actor: {STRIKE['actor']}\n    act: airstrike\n"
        f"    target: {STRIKE['target']}\n    location: {{region: Aleppo}}\n"
        for i, t in enumerate(times)
    )
    scenario = tmp_path / "strikes.yaml"
    scenario.write_text(f"scenario: strikes\ntitle: t\nruleset: ./damascus.yaml\nincidents:\n{incidents}", "utf-8")
    return rules, scenario


def test_a_local_time_the_clocks_skip_is_refused_wherever_it_is_told(cli: Cli, tmp_path: Path) -> None:
    """A time the clocks never showed names no instant: refused in one line, never read at a guessed offset, in a
    scenario, in each table format (by the columnar reader and the row reader alike) and by `check`."""
    rules, scenario = _damascus(tmp_path, "2016-09-14T10:00", "2016-03-25T00:30")
    code, out, err = cli("run", str(scenario))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"error: {scenario}:12:5: incidents[1].time: {SKIPPED}"]
    code, _, err = cli("check", str(rules), str(scenario))
    assert code == 2 and f"error: {scenario}:12:5: incidents[1].time: {SKIPPED}" in err.splitlines()
    many = f"{SKIPPED} (2 incidents tell a time its clocks skip, this the first)"
    table = tmp_path / "events.csv"
    rows = ["2016-09-14T10:00", "2016-03-25T00:30", "2016-03-25T00:59:59"]
    body = ["id,time,actor,act\n", *(f"s{i},{t},{STRIKE['actor']},airstrike\n" for i, t in enumerate(rows))]
    table.write_text("".join(body), encoding="utf-8")
    quoted = tmp_path / "quoted.csv"  # a quote within a cell: the row reader reads it
    quoted.write_text("".join(body).replace("Syrian Air Force", '"Syrian ""Air"" Force"', 1), encoding="utf-8")
    for path, line in ((table, 3), (quoted, 3)):
        code, out, err = cli("run", str(path), "--rules", str(rules))
        assert (code, out, err.splitlines()) == (2, "", [f"error: {path}:{line}: time: {many}"])
        code, _, err = cli("run", str(path), "--rules", str(rules), "-f", "jsonl", "-o", str(tmp_path / "v.jsonl"))
        assert (code, err.splitlines()) == (2, [f"error: {path}:{line}: time: {many}"])
        assert not (tmp_path / "v.jsonl").exists()
        code, _, err = cli("check", str(path), "--rules", str(rules))
        assert code == 2 and f"error: {path}:{line}: time: {many}" in err.splitlines()
    lines = tmp_path / "events.jsonl"
    lines.write_text(
        '{"id": "a", "time": "2016-09-14T10:00"}\n'
        '{"id": "b", "time": "2016-09-14", "accounts": [{"source": "s", "time": "2016-03-25T00:30"}]}\n',
        encoding="utf-8",
    )
    code, _, err = cli("run", str(lines), "--rules", str(rules))
    assert (code, err.splitlines()) == (2, [f"error: {lines}:2: accounts[0].time: {SKIPPED}"])
    parquet = tmp_path / "events.parquet"  # a date-time without a zone, as pandas and polars write a local time
    pl.DataFrame({"id": ["a", "b"], "time": [datetime(2016, 9, 14, 10), datetime(2016, 3, 25, 0, 30)]}).write_parquet(
        parquet
    )
    code, _, err = cli("run", str(parquet), "--rules", str(rules))
    assert code == 2 and err.startswith(f"error: {parquet}: row 2: time: `2016-03-25T00:30:00` is no time in")


def test_a_local_time_the_clocks_show_twice_is_read_as_either_and_said_once(cli: Cli, tmp_path: Path) -> None:
    """A time the clocks showed twice is read as the span from its first reading to its second (a verdict that
    hangs on which is unknown), never as one of them silently: `run` says so in one line however many incidents
    tell one, `check` at each (a table's: once), `explain` in the incident's reading."""
    rules, scenario = _damascus(tmp_path, "2016-10-27T23:30", "2016-09-14T10:00", "2016-10-27T23:45")
    code, _, err = cli("run", str(scenario), "-f", "json")
    assert code == 0
    assert err.splitlines() == [
        f"warning: {scenario}:6:5: incidents[0].time: {REPEATED} (2 incidents tell a time its clocks show twice, "
        "this the first)"
    ]
    code, _, err = cli("check", str(rules), str(scenario))
    assert code == 0
    assert [line for line in err.splitlines() if "happens twice" in line] == [
        f"warning: {scenario}:6:5: incidents[0].time: {REPEATED}",
        f"warning: {scenario}:18:5: incidents[2].time: {REPEATED.replace('23:30', '23:45')}",
    ]
    code, out, _ = cli("explain", str(scenario), "s0")
    assert code == 0
    assert (
        "time 2016-10-27T23:30 read in Asia/Damascus as either 2016-10-27T23:30:00+03:00 or "
        "2016-10-27T23:30:00+02:00 (its clocks show it twice)"
    ) in out
    table = tmp_path / "events.csv"
    times = ["2016-09-14T10:00", "2016-10-27T23:30", "2016-10-27T23:45", "2016-10-27T23:30"]
    table.write_text("id,time\n" + "".join(f"e{i},{t}\n" for i, t in enumerate(times)), encoding="utf-8")
    said = (
        f"warning: {table}: incident `e1`: time: {REPEATED} (3 incidents tell a time its clocks show twice, this "
        "the first)"
    )
    for options in ((), ("-f", "jsonl", "-o", str(tmp_path / "v.jsonl"))):  # read whole, and a block at a time
        code, _, err = cli("run", str(table), "--rules", str(rules), *options)
        assert code == 0 and [line for line in err.splitlines() if "happens twice" in line] == [said]
    code, _, err = cli("check", str(table), "--rules", str(rules))
    assert code == 0
    assert [line for line in err.splitlines() if "happens twice" in line] == [
        f"warning: {table}:3: time: {REPEATED.replace('; read', ' (3 incidents, the first `e1`); read')}"
    ]
    folder = tmp_path / "parts"  # a dataset's parts: one line for them all
    folder.mkdir()
    for name, rows in (("a", times[:2]), ("b", times[2:])):
        pl.DataFrame({"id": [f"{name}{i}" for i in range(2)], "time": rows}).write_parquet(folder / f"{name}.parquet")
    code, _, err = cli("run", str(folder), "--rules", str(rules), "-f", "parquet", "-o", str(tmp_path / "out"))
    assert code == 0 and [line for line in err.splitlines() if "happens twice" in line] == [
        f"warning: {folder / 'a.parquet'}: incident `a1`: time: {REPEATED} (3 incidents tell a time its clocks show "
        "twice, this the first)"
    ]


def test_every_command_that_judges_an_input_says_what_run_says_of_it_once(cli: Cli, tmp_path: Path) -> None:
    """A time the clocks show twice, a time far from the window and a name the ruleset cannot resolve are said by
    whatif, sweep, timeline and credence as `run` says them, each once; `explain`, `names` and `test`, which do not
    report on the whole input, say what reading it found."""
    _, scenario = _damascus(tmp_path, "2016-10-27T23:30", "1916-09-14T10:00")
    text = scenario.read_text(encoding="utf-8").replace("Syrian Air Force", "Syrain Air Farce", 1)
    scenario.write_text(text + "    accounts: [{source: CENTCOM}]\n", encoding="utf-8")
    variant = tmp_path / "strict.yaml"
    variant.write_text("extends: ./damascus.yaml\nid: strict\npolicy: {mistaken_target: violation}\n", "utf-8")
    code, _, said = cli("run", str(scenario))
    assert code == 0 and [line.split(":")[0] for line in said.splitlines()] == ["warning", "warning", "note"]
    assert "happens twice" in said and "implausibly far" in said and "cannot resolve" in said
    for command in (
        ("whatif", "--set", "policy.mistaken_target=violation"),
        ("whatif", "--variant", str(variant)),
        ("sweep", "--param", "policy.mistaken_target=permitted,violation"),
        ("timeline",),
        ("credence", "--credence", "CENTCOM=0.5"),
    ):
        code, _, err = cli(command[0], str(scenario), *command[1:])
        assert (code, err) == (0, said), command
    first = said.splitlines()[0]
    for command in (("explain", str(scenario), "s0"), ("names", str(scenario)), ("test", str(scenario))):
        code, _, err = cli(*command)
        assert (code, err.splitlines()) == (0, [first]), command


def test_a_ruleset_time_the_clocks_skip_or_show_twice_is_an_error() -> None:
    """A window's end or a phase's start is one instant: a local time with none, or two, is refused at its place."""
    base = ruleset(SEPTEMBER).ruleset
    window = base.window.model_copy(update={"start": "2016-03-25T00:30", "until": "2016-10-27T23:30"})
    phases = [base.phases[0], base.phases[1].model_copy(update={"start": "2016-10-27T23:15"})]
    _, problems = compile_ruleset(base.model_copy(update={"timezone": "Asia/Damascus", "window": window}))
    assert [(p.path, p.message) for p in problems] == [
        ("window.from", SKIPPED),
        (
            "window.until",
            "`2016-10-27T23:30` happens twice in Asia/Damascus: its clocks went back an hour at 00:00 on 2016-10-28; "
            "write the UTC offset of the one meant, 2016-10-27T23:30+03:00 (the first) or 2016-10-27T23:30+02:00 "
            "(the second)",
        ),
    ]
    window = base.window.model_copy(update={"until": "2016-10-29T00:00:00+02:00"})
    _, problems = compile_ruleset(
        base.model_copy(update={"timezone": "Asia/Damascus", "phases": phases, "window": window})
    )
    assert [p.path for p in problems] == ["phases[1].from"]
    assert problems[0].message.startswith("`2016-10-27T23:15` happens twice in Asia/Damascus")


def test_a_day_begins_when_the_clocks_first_show_it() -> None:
    """A day whose midnight the clocks skip begins at the change (Damascus, 25 Mar 2016, at 01:00+03:00); one whose
    midnight they show twice, at the first (Amman, 28 Oct 2016, 00:00+03:00), and the day before ends there."""
    damascus = zoned(SEPTEMBER, "Asia/Damascus")
    assert damascus.bounds(read_time("2016-03-25"), "2016-03-25") == (
        datetime(2016, 3, 24, 22, tzinfo=UTC),
        datetime(2016, 3, 25, 21, tzinfo=UTC),
    )
    assert damascus.bounds(read_time("2016-03-24"), "2016-03-24")[1] == datetime(2016, 3, 24, 22, tzinfo=UTC)
    amman = zoned(SEPTEMBER, "Asia/Amman")
    assert amman.bounds(read_time("2016-10-27"), "2016-10-27")[1] == datetime(2016, 10, 27, 21, tzinfo=UTC)
    assert amman.bounds(read_time("2016-10-28"), "2016-10-28")[0] == datetime(2016, 10, 27, 21, tzinfo=UTC)

"""Reports for programs: the same bytes however the run is cut into parts and however verdicts are encoded."""

from __future__ import annotations

import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from engine import load_ruleset
from engine.evaluation import kept
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Report
from engine.incidents import synthetic
from engine.incidents.eventdata import EventTable
from engine.incidents.frame import frame_of
from engine.incidents.synthetic import incidents
from engine.incidents.synthetic_events import write_acled_csv
from engine.report.data import write_json, write_jsonl, write_parquet
from tests.conftest import ENGINES, Cli, ruleset

FRAME = frame_of(incidents(1500, seed=11))


def parts(engine: str, batch: int | None) -> list[Report]:
    # February's terms: September's quiet days and escalation make it judge an input whole, never in parts
    with Evaluator(ruleset("syria-2016-02"), engine) as evaluator:
        if batch is None:
            return [evaluator.report("generated", FRAME)]
        return list(evaluator.reports("generated", FRAME, batch))


def as_json(reports: list[Report]) -> str:
    out = io.StringIO()
    write_json(reports, out)
    return out.getvalue()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("sets", [(), ("policy.jic_after_days=1", "policy.reduced_violence_max_per_day=40")])
@pytest.mark.parametrize("in_memory", [kept.IN_MEMORY, 60_000, 0])  # parts held in memory: all, some, none
def test_verdicts_that_depend_on_one_another_judged_in_parts_give_the_bytes_of_one_judged_whole(
    engine: str, sets: tuple[str, ...], in_memory: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kept, "IN_MEMORY", in_memory)
    # September's terms: the JIC begins after quiet days (with these knobs, inside the input), escalation episodes
    with Evaluator(load_ruleset("syria-2016-09", sets=sets), engine) as evaluator:
        whole = list(evaluator.reports("generated", FRAME, 5000))
        cut = list(evaluator.reports("generated", FRAME, 97))
    assert len(whole) == 1 and len(cut) == 16
    assert whole[0].episodes and [p.phase for p in whole[0].phases] == ["initial", "jic"][: 1 + bool(sets)]
    assert as_json(cut) == as_json(whole)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_run_written_in_parts_gives_the_bytes_of_one_written_whole(engine: str) -> None:
    whole = parts(engine, None)
    for batch in (97, 499, 1500, 5000):
        cut = parts(engine, batch)
        assert len(cut) == -(-1500 // batch)
        assert as_json(cut) == as_json(whole)
        lines, one = io.StringIO(), io.StringIO()
        assert write_jsonl(cut, lines) == write_jsonl(whole, one) == whole[0].summary()
        assert lines.getvalue() == one.getvalue()


def test_the_json_report_is_one_document_with_a_line_a_verdict() -> None:
    text = as_json(parts("columnar", 100))
    report = json.loads(text)
    assert len(report["verdicts"]) == 1500 == sum(report["summary"].values())
    lines = text.split("\n")
    assert lines[1] == '"verdicts":[' and lines[-3] == "]," and lines[-1] == ""
    assert all(line.startswith('{"incident":') for line in lines[2:-3])


def test_verdicts_that_say_the_same_are_encoded_as_each_would_be_alone() -> None:
    (report,) = parts("columnar", None)
    assert report.said is not None and report.said.n_unique() < 1500  # many verdicts share what they say
    assert as_json([report]) == as_json([dataclasses.replace(report, said=None)])


@pytest.mark.parametrize("engine", ENGINES)
def test_an_export_s_verdicts_judged_both_ways_share_what_they_say_too(engine: str, tmp_path: Path) -> None:
    write_acled_csv(tmp_path / "acled.csv", 3000, seed=5)
    frame = EventTable(tmp_path / "acled.csv", "acled").frame()
    with Evaluator(ruleset("syria-2016-02"), engine) as evaluator:
        report = evaluator.report("acled", frame)
    both = frame.get_column("mutual")
    assert report.said is not None and both.any() and report.said.filter(both).null_count() == 0
    assert report.said.filter(both).n_unique() < both.sum()  # folded verdicts alike share a number
    assert as_json([report]) == as_json([dataclasses.replace(report, said=None)])  # each with its own record


def test_a_run_written_in_parts_as_parquet_holds_every_verdict_as_typed_columns() -> None:
    out = io.BytesIO()
    write_parquet(parts("columnar", 400), out)
    read = pl.read_parquet(io.BytesIO(out.getvalue()))
    assert_frame_equal(read, parts("columnar", None)[0].table)
    assert read.schema["accounts"] == pl.List(pl.Struct(read.schema["accounts"].inner.fields))  # type: ignore[union-attr]


def test_an_empty_run_is_one_part_and_a_valid_report() -> None:
    with Evaluator(ruleset("syria-2016-09"), "columnar") as evaluator:
        reports = list(evaluator.reports("empty", FRAME.head(0)))
    assert len(reports) == 1
    assert json.loads(as_json(reports)) == {
        "scenario": "empty",
        "ruleset": "syria-2016-09",
        "engine": "columnar",
        "verdicts": [],
        "phases": [
            {
                "phase": "initial",
                "clause": ruleset("syria-2016-09").phases[0].clause,
                "from": "2016-09-12T19:00:00+03:00",
                "until": "2016-09-20T00:00:00+03:00",
            }
        ],
        "escalation": [],
        "summary": {"violation": 0, "permitted": 0, "not_covered": 0, "disputed": 0, "undetermined": 0},
    }


@pytest.mark.slow
def test_a_reader_that_goes_away_ends_a_json_lines_report_quietly(tmp_path: Path) -> None:
    table = tmp_path / "t.jsonl"
    synthetic.write_jsonl(table, 300_000, seed=5)  # more than a pipe holds, so the writer meets the closed end
    argv = [sys.executable, "-m", "engine", "run", str(table), "-r", "syria-2016-09", "-f", "jsonl"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b'{"incident":"gen-000000"')
        process.stdout.close()
        err = process.stderr.read().decode()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Error" not in err


def test_explain_reads_one_row_of_a_table_and_runs_it_on_columnar(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "t.jsonl"
    synthetic.write_jsonl(table, 50, seed=5)
    code, out, _ = cli("explain", str(table), "gen-000011", "-r", "syria-2016-09", "-f", "json")
    assert code == 0 and json.loads(out)["engine"] == "columnar"
    code, _, err = cli("explain", str(table), "gen-000099", "-r", "syria-2016-09")
    assert code == 2 and err.startswith(f"error: {table}: incidents: no incident `gen-000099`")


def test_parts_read_ahead_come_in_order_and_a_bad_one_is_raised_in_its_turn() -> None:
    from engine.ahead import read_ahead

    def parts() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("the third part is bad")

    got = []
    with pytest.raises(ValueError, match="third"):
        for part in read_ahead(parts()):
            got.append(part)
    assert got == [1, 2]


@pytest.mark.parametrize("kind", ["table", "acled"])
def test_a_file_judged_in_parts_is_read_again_where_a_phase_begins_after_quiet_days(kind: str, tmp_path: Path) -> None:
    from engine.cli.run import reports_of
    from engine.incidents.load import load_input

    path = tmp_path / ("t.csv" if kind == "table" else "acled.csv")
    if kind == "table":
        synthetic.write_csv(path, 1500, seed=11)
    else:
        write_acled_csv(path, 1500, seed=5)
    # the JIC begins inside the input: every part is judged twice, the second time as read again from the file
    sets = ("policy.jic_after_days=1", "policy.reduced_violence_max_per_day=40")
    cut = list(reports_of(load_input(path, "syria-2016-09", sets, stream=True), "columnar", batch=97))
    whole = list(reports_of(load_input(path, "syria-2016-09", sets), "columnar"))
    assert len(cut) == 16 and [p.phase for p in whole[0].phases] == ["initial", "jic"]
    assert as_json(cut) == as_json(whole)
    # the parts are kept with what their reports read, not whole
    assert "actor" not in cut[0].incidents.columns and cut[0].incidents.get_column("id").len() == 97


def test_a_file_that_changes_before_it_is_read_again_is_refused(tmp_path: Path) -> None:
    import os

    from engine.errors import InputError
    from engine.incidents.load import load_input

    path = tmp_path / "t.csv"
    synthetic.write_csv(path, 300, seed=11)
    loaded = load_input(path, "syria-2016-09", stream=True)
    again = loaded.again(97)
    assert again is not None and sum(p.height for p in again()) == 300  # unchanged: read again as it was
    with path.open("a", encoding="utf-8") as out:
        out.write("late,2016-09-20T10:00:00Z,SAA,shelling,FSA,,Hama,,\n")
    with pytest.raises(InputError) as raised:
        list(again())
    # rewritten in place, its size and time of change put back: its status change time tells
    again = load_input(path, "syria-2016-09", stream=True).again(97)
    assert again is not None
    seen = path.stat()
    with path.open("r+b") as out:
        out.write(b"x")
    os.utime(path, ns=(seen.st_atime_ns, seen.st_mtime_ns))
    with pytest.raises(InputError, match="changed while it was being read"):
        list(again())
    assert str(raised.value) == (
        f"{path}: changed while it was being read (a phase that begins after quiet days has it read twice); "
        "run again once it is written whole"
    )
    pipe = tmp_path / "p.csv"
    os.mkfifo(pipe)  # what cannot be read twice (a pipe, through the Python API): its parts are kept whole
    assert load_input(pipe, "syria-2016-09", stream=True).again(97) is None


@pytest.mark.parametrize("in_memory", [kept.IN_MEMORY, 0])
def test_parts_kept_while_verdicts_depend_on_one_another_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: int
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(kept, "IN_MEMORY", in_memory)
    with Evaluator(ruleset("syria-2016-09"), "columnar") as evaluator:
        reports = evaluator.reports_over_time("generated", (FRAME.slice(s, 500) for s in range(0, 1500, 500)))
        first = next(reports)
        (folder,) = tmp_path.iterdir()  # the parts are kept while the reports are given: on disk, none in memory
        assert bool(list(folder.iterdir())) == (not in_memory)
        rest = list(reports)
        whole = evaluator.report("generated", FRAME)
    assert [r.incidents.height for r in (first, *rest)] == [500, 500, 500]
    assert as_json([first, *rest]) == as_json([whole])
    assert not list(tmp_path.iterdir())


def test_a_part_held_in_memory_is_counted_at_about_the_bytes_it_holds() -> None:
    # polars' own estimate leaves out each text value's 16-byte view, half a plain table's bytes and more
    written = len(FRAME.write_ipc(None, compression="uncompressed").getvalue())
    assert FRAME.estimated_size() < 0.5 * written
    assert 0.9 * written < kept.resident(FRAME) < 1.1 * written


def test_a_temporary_folder_that_cannot_be_written_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import polars as pl

    from engine.errors import InputError

    def full(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_ipc", full)
    monkeypatch.setattr(kept, "IN_MEMORY", 0)  # nothing held in memory: every part is written
    with Evaluator(ruleset("syria-2016-09"), "columnar") as evaluator:
        reports = evaluator.reports_over_time("generated", (FRAME.slice(s, 500) for s in range(0, 1500, 500)))
        with pytest.raises(InputError) as raised:
            next(reports)
    (problem,) = raised.value.problems
    assert "cannot keep the input's parts in a temporary folder (No space left on device)" in problem.message
    assert "TMPDIR" in problem.message


@pytest.mark.parametrize("form", ["table", "markdown", "json"])
def test_a_reader_that_goes_away_ends_any_report_quietly(form: str, tmp_path: Path) -> None:
    table = tmp_path / "t.jsonl"
    synthetic.write_jsonl(table, 3000, seed=5)  # a report longer than a pipe holds (the terminal lists 1,000)
    argv = [sys.executable, "-m", "engine", "run", str(table), "-r", "syria-2016-02", "-f", form]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline()
        process.stdout.close()
        err = process.stderr.read().decode()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Error" not in err

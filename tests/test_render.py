"""Tables at the console's width: key columns whole, names wrapped, one block a row below a width; piped unpadded."""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from rich import box
from rich.table import Table

from engine.incidents import synthetic
from engine.report.render import PIPED_WIDTH, _fit, console_for
from engine.ruleset.model import VERDICTS
from tests.conftest import GOLDEN, ROOT, Cli

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
WEEK = str(ROOT / "scenarios" / "syria-week-2016-09.yaml")
JIC = str(ROOT / "scenarios" / "syria-2016-09-jic.yaml")
STRICT = str(ROOT / "rules" / "variants" / "strict-liability.yaml")
WIDTHS = [60, 80, 120]


def words(line: str) -> list[str]:
    """The words of a line as a reader takes them: split at spaces and at the punctuation around ids."""
    return [w for w in re.split(r"[\s:;,()]+", line) if w]


def assert_laid_out(text: str, width: int) -> list[str]:
    """Every line within `width` and without trailing spaces; the lines."""
    lines = text.splitlines()
    assert lines
    too_wide = [line for line in lines if len(line) > width]
    assert not too_wide, f"{len(too_wide)} lines wider than {width}, e.g. {too_wide[0]!r}"
    padded = [line for line in lines if line != line.rstrip()]
    assert not padded, f"{len(padded)} lines end in spaces, e.g. {padded[0]!r}"
    return lines


def judged(cli: Cli, *args: str) -> list[dict[str, object]]:
    code, out, err = cli("run", *args, "-e", "columnar", "-f", "json")
    assert code == 0, err
    verdicts: list[dict[str, object]] = json.loads(out)["verdicts"]
    return verdicts


def generated(tmp_path: Path) -> str:
    path = tmp_path / "events.jsonl"
    synthetic.write_jsonl(path, 40, 3)
    return str(path)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scenario", ["dez", "week", "generated"])
def test_run_keeps_each_incident_id_with_its_verdict_and_rule_whole(
    cli: Cli, tmp_path: Path, scenario: str, width: int
) -> None:
    args = {"dez": [DEZ], "week": [WEEK], "generated": [generated(tmp_path), "--rules", "syria-2016-09"]}[scenario]
    code, out, err = cli("run", *args, "-e", "columnar", "--width", str(width))
    assert code == 0, err
    lines = assert_laid_out(out, width)
    verdicts = judged(cli, *args)
    for v in verdicts:
        # the id and its verdict word on one line, whether a table row or the head of a block
        assert any(v["incident"] in words(line) and v["verdict"] in words(line) for line in lines), v["incident"]
        if v["rule"]:
            assert any(v["rule"] in words(line) for line in lines), v["rule"]
    said = Counter(w for line in lines for w in words(line))
    given = Counter(v["verdict"] for v in verdicts)
    given.update(a["verdict"] for v in verdicts if v["verdict"] == "disputed" for a in v["accounts"])  # type: ignore[attr-defined]
    assert all(said[verdict] >= n for verdict, n in given.items()), (said, given)  # each account's verdict too


def test_run_is_a_table_where_it_fits_and_a_block_per_incident_below(cli: Cli) -> None:
    wide = cli("run", DEZ, "-e", "columnar", "--width", "160")[1].splitlines()
    assert words(wide[2]) == ["time", "incident", "actor", "→", "target", "act", "phase", "verdict", "rule"]
    assert {"dez-airstrike", "US-led", "disputed"} <= set(words(wide[4]))
    narrow = cli("run", DEZ, "-e", "columnar", "--width", "80")[1].splitlines()
    assert "incident" not in words(narrow[2])
    assert narrow[2:4] == ["dez-airstrike  disputed", "  actor → target  US-led coalition → Syrian Arab Army"]
    assert "  account         CENTCOM: permitted by mistaken-strike-permitted" in narrow
    assert any(line.startswith("  explanation     Islamic State is not bound") for line in narrow)
    assert "  place           Jabal Tharda, near Deir ez-Zor airport, Deir ez-Zor" in narrow


def test_run_blocks_at_80_columns_match_golden(cli: Cli, golden) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("run", DEZ, "-e", "columnar", "--width", "80")
    assert code == 0
    golden("deir-ezzor.table-80.txt", out)
    assert (GOLDEN / "deir-ezzor.table-80.txt").exists()


def test_names_wrap_between_words_not_a_letter_a_line(cli: Cli) -> None:
    out = cli("run", DEZ, "-e", "columnar", "--width", "120")[1]
    lines = assert_laid_out(out, 120)
    assert lines.index("clauses") < 25  # the verdict table once took 185 lines, a letter of each name a line
    actor = [line[34:52].strip() for line in lines[4:16]]
    assert "US-led coalition" in actor and "Observatory for" in actor
    assert all(len(name) > 3 for name in actor if name)


@pytest.mark.parametrize("width", WIDTHS)
def test_whatif_keeps_verdict_words_whole(cli: Cli, width: int) -> None:
    code, out, err = cli("whatif", DEZ, "--variant", STRICT, "-e", "columnar", "--width", str(width))
    assert code == 0, err
    lines = assert_laid_out(out, width)
    said = [w for line in lines for w in words(line)]
    assert not {"permitte", "violati", "violatio", "disput"} & set(said)
    changed = [line for line in lines if "dez-airstrike" in words(line)]
    assert changed and {"disputed", "violation"} <= set(words(changed[0]) + words(lines[lines.index(changed[0]) + 1]))
    assert said.count("mistaken-strike-violation") == 2  # the incident and the one account that changes (CENTCOM)


@pytest.mark.parametrize("width", [40, *WIDTHS])
def test_sweep_keeps_the_row_numbers_its_chart_refers_to(cli: Cli, width: int) -> None:
    params = ["--param", "policy.mistaken_target=permitted,violation", "--param", "policy.sponsors_bound=true,false"]
    code, out, err = cli("sweep", WEEK, *params, "--width", str(width))
    assert code == 0, err
    lines = assert_laid_out(out, width)
    chart = lines.index("violations per combination")
    assert [words(line)[0] for line in lines[chart + 1 :]] == ["1", "2", "3", "4"]
    firsts = {words(line)[0] for line in lines[:chart] if line.strip()}
    assert {"1", "2", "3", "4"} <= firsts  # each row of the grid numbered, table or blocks
    grid = "\n".join(lines[:chart])
    for name in VERDICTS:
        assert re.search(rf"(^|\s){name}(:|\s|$)", grid, re.MULTILINE), name


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "args",
    [
        ["timeline", JIC, "-e", "columnar"],
        ["timeline", WEEK, "-e", "columnar"],
        ["names", WEEK],
        ["diff", "syria-2016-09", STRICT, "-e", "columnar"],
    ],
    ids=["timeline-jic", "timeline-week", "names", "diff"],
)
def test_other_tables_fit_the_width_with_every_verdict_word_whole(cli: Cli, args: list[str], width: int) -> None:
    code, out, err = cli(*args, "--width", str(width))
    assert code in (0, 1), err
    lines = assert_laid_out(out, width)
    if args[0] == "timeline":
        said = {w for line in lines for w in words(line)}
        assert set(VERDICTS) <= said
        assert "2016-09-15" in said


def test_piped_output_is_not_padded_and_honours_columns(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    out = cli("run", DEZ, "-e", "columnar")[1]
    lines = assert_laid_out(out, PIPED_WIDTH)
    assert lines[0] == "deir-ezzor-2016-09-17 · ruleset syria-2016-09 · engine columnar"  # not padded to a table
    assert "incident" in words(lines[2])
    monkeypatch.setenv("COLUMNS", "80")
    narrow = assert_laid_out(cli("run", DEZ, "-e", "columnar")[1], 80)
    assert narrow[2] == "dez-airstrike  disputed"
    out = cli("test", "--coverage", "-e", "columnar")[1]
    assert_laid_out(out, 80)


@pytest.mark.parametrize("columns", ["0", "-5", "wide", ""])
def test_columns_that_give_no_width_are_as_if_unset(cli: Cli, monkeypatch: pytest.MonkeyPatch, columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    for command in (["run", DEZ, "-e", "columnar"], ["names", DEZ]):
        lines = assert_laid_out(cli(*command)[1], PIPED_WIDTH)
        assert len(lines) > 5


def test_console_for_a_pipe_passes_lines_on_without_trailing_spaces() -> None:
    out = io.StringIO()
    console = console_for(out, 30)
    table = Table("a", "b", box=box.SIMPLE_HEAD)
    table.add_row("x", "a longer cell")
    console.print(table)
    console.print("tail", end="")
    console.file.flush()
    assert out.getvalue() == "\n  a   b\n ───────────────────\n  x   a longer cell\n\ntail"


def test_a_table_whose_key_columns_cannot_fit_is_left_to_blocks() -> None:
    console = console_for(io.StringIO(), 40)
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("incident", no_wrap=True)
    table.add_column("actor", overflow="fold")
    table.add_column("verdict", no_wrap=True)
    table.add_row("an-incident-with-a-long-id", "Syrian Observatory for Human Rights", "undetermined")
    assert not _fit(table, console)
    assert [c.width for c in table.columns] == [None, None, None]
    console = console_for(io.StringIO(), 60)
    assert _fit(table, console)
    # the key columns whole; the name narrowed to what is left (60 - 10 for the box and padding), not below
    # its longest word
    assert [c.width for c in table.columns] == [26, 12, 12]


@pytest.mark.parametrize("width", [160, 60])
def test_a_long_run_lists_its_first_verdicts_and_counts_them_all(width: int) -> None:
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.frame import frame_of
    from engine.report.render import LISTED, write_table
    from tests.conftest import ruleset

    frame = frame_of(synthetic.incidents(LISTED + 250, seed=3))
    with Evaluator(ruleset("syria-2016-02"), "columnar") as evaluator:
        report = evaluator.report("generated", frame)
    out = io.StringIO()
    write_table(report, console_for(out, width))
    text = out.getvalue()
    ids = frame.get_column("id").to_list()
    assert ids[LISTED - 1] in text and ids[LISTED] not in text
    assert "… and 250 more incidents, not listed here" in text
    # the counts below cover every incident, listed or not
    *_, last = re.finditer(r"^\s*all\b", text, re.MULTILINE)  # a row of the table, or a block when narrow
    total = text[last.start() :]
    assert sum(int(n) for n in re.findall(r"\d+", total)) == LISTED + 250


@pytest.mark.parametrize(
    ("told", "shown"),
    [
        ("2016-09-17T16:00:00+03:00", "2016-09-17 16:00+03:00"),
        ("2024-05-03T10:00+03:00", "2024-05-03 10:00+03:00"),  # no seconds: the minutes stay
        ("2024-05-03T24:00+03:00", "2024-05-03 24:00+03:00"),
        ("2016-09-17T16:00:30Z", "2016-09-17 16:00:30Z"),
        ("2016-09-17T16:00:00Z", "2016-09-17 16:00Z"),
        ("2016-09-17T16:00:00-05:00", "2016-09-17 16:00-05:00"),
        ("2016-09-17T16:00:00", "2016-09-17 16:00"),
        ("2016-09-17", "2016-09-17"),
        ("2016-09-10/2016-09-14", "2016-09-10/2016-09-14"),
        (None, ""),
    ],
)
def test_a_time_in_a_table_cell_loses_zero_seconds_only(told: str | None, shown: str) -> None:
    from engine.report.render import _when

    assert _when(told) == shown


MARKED = """scenario: marked
title: t
ruleset: syria-2016-09
incidents:
  - id: "strike\\u202eone\\u061c"
    time: 2016-09-13T10:00:00+03:00
    actor: "\\u202eAAS"
    act: airstrike
    target: "Islamic\\u200bState"
    location: {region: Raqqa}
"""
# Marks that turn the rest of a terminal line around, or show nothing: none may reach a report for people.
MARKS = ("\u202e", "\u061c", "\u2066", "\u200b", "\ufeff")


@pytest.mark.parametrize("args", [["--width", "160"], ["--width", "60"], ["-f", "markdown"]])
def test_marks_that_reorder_or_hide_text_are_shown_escaped(cli: Cli, tmp_path: Path, args: list[str]) -> None:
    path = tmp_path / "marked.yaml"
    path.write_text(MARKED, encoding="utf-8")
    code, out, _ = cli("run", str(path), "-e", "columnar", *args)
    assert code == 0
    assert not any(mark in out for mark in MARKS)
    assert "strike\\u202eone\\u061c" in out and "Islamic\\u200bState" in out
    assert "\\u202eAAS (unresolved)" in out  # the acting party counted
    if "--width" in args:
        assert_laid_out(out, int(args[1]))  # measured as shown: an escape is six columns wide, the mark none
    # reports for programs keep the text as told
    assert '"incident":"strike\u202eone\u061c"' in cli("run", str(path), "-e", "columnar", "-f", "jsonl")[1]


def test_names_and_explain_show_marks_escaped(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "marked.yaml"
    path.write_text(MARKED, encoding="utf-8")
    for args in (["names", str(path)], ["explain", str(path), "strike\u202eone\u061c"]):
        code, out, _ = cli(*args, "-e", "columnar") if args[0] == "explain" else cli(*args)
        assert code == 0
        assert "\\u202eAAS" in out and "\u202e" not in out


def test_an_escaped_text_keeps_its_styles() -> None:
    from rich.text import Span, Text

    from engine.report.render import _escaped_text

    text = Text.assemble(("a\u202eb", "bold"), " c", ("\u2066d", "red"))
    shown = _escaped_text(text)
    assert shown.plain == "a\\u202eb c\\u2066d"
    assert shown.spans == [Span(0, 8, "bold"), Span(10, 17, "red")]
    plain = Text("no marks")
    assert _escaped_text(plain) is plain


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("-3.5", "-3.5"),  # a number stays a number
        ("+7", "+7"),
        ("-1.5e-07", "-1.5e-07"),
        (-3.5, -3.5),
        ("Syrian Arab Army", "Syrian Arab Army"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
    ],
)
def test_a_csv_cell_a_spreadsheet_would_read_as_a_formula_is_written_after_a_quote(
    value: object, written: object
) -> None:
    from engine.report.render import csv_cell

    assert csv_cell(value) == written

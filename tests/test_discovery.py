"""Scenario discovery (`sweep --discover`): the boxes of swept values where an outcome passes a threshold."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from engine.analysis.discovery import Box, Limit, Threshold, discover, parse_threshold
from engine.analysis.ranges import Span
from engine.analysis.sweep import Param, Row, Sweep, parse_param
from engine.errors import InputError
from engine.report.explore import write_discovery_csv
from engine.ruleset.model import VERDICTS
from tests.conftest import ROOT, Cli, spreadsheet_cells

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
STRICT = "policy.mistaken_target=permitted,violation"
BOUND = "policy.sponsors_bound=true,false"


def made(params: list[Param], rows: list[tuple[tuple[Any, ...], int]]) -> Sweep:
    """A sweep whose rows have the values given and that many violations (by one party, `A`)."""
    out = []
    for values, n in rows:
        verdicts = dict.fromkeys(VERDICTS, 0) | {"violation": n}
        out.append(Row(values, verdicts, {"A": verdicts}))
    return Sweep("s", "r", "columnar", tuple(params), tuple(out))


KNOB = Param("policy.x", (), (), Span(0, 10, whole=True))
MODE = parse_param("policy.mode=a,b,c")


def test_a_planted_threshold_on_a_number_is_found_as_its_range() -> None:
    # violations equal the knob: more than 5 exactly from 6 up
    result = made([KNOB], [((x,), x) for x in range(11)])
    found = discover(result, Threshold("violation", ">", 5))
    assert (found.cases, found.of_interest) == (11, 5)
    assert found.boxes == (Box((Limit("policy.x", 6, 10),), 5, 5, 1.0, 1.0),)


def test_a_planted_threshold_is_found_among_sampled_numbers_and_a_list() -> None:
    # of interest: x of 4 or more with mode b; the other knob, y, does nothing
    noise = Param("policy.y", (), (), Span(0, 99, whole=True))
    rows = []
    for x in range(11):
        for mode in ("a", "b", "c"):
            for y in (3, 50, 97):
                rows.append(((x, mode, y), 9 if x >= 4 and mode == "b" else (x + y) % 3))
    found = discover(made([KNOB, MODE, noise], rows), parse_threshold("violation>=5"))
    (box,) = found.boxes
    assert box.limits == (Limit("policy.x", 4, 10), Limit("policy.mode", values=("b",)))
    assert (box.cases, box.of_interest, box.coverage, box.density) == (21, 21, 1.0, 1.0)


def test_a_box_may_allow_several_values_of_a_list() -> None:
    rows = [((x, mode), 1 if mode != "c" else 0) for x in range(11) for mode in ("a", "b", "c")]
    (box,) = discover(made([KNOB, MODE], rows), Threshold("violation", ">=", 1)).boxes
    assert box.limits == (Limit("policy.mode", values=("a", "b")),)


def test_coverage_and_density_count_the_cases_inside_the_box() -> None:
    # of interest from x = 5 up, but for one case in ten there (the same values: no split tells it apart), and
    # for one case at x = 1, which the box leaves out
    rows = [((x,), 1 if (x >= 5 and k) or (x, k) == (1, 0) else 0) for x in range(11) for k in range(10)]
    found = discover(made([KNOB], rows), Threshold("violation", ">", 0))
    assert (found.cases, found.of_interest) == (110, 55)
    (box,) = found.boxes
    assert box.limits == (Limit("policy.x", 5, 10),)
    assert (box.cases, box.of_interest, box.coverage, box.density) == (60, 54, 54 / 55, 0.9)


@pytest.mark.parametrize("n", [0, 1])
def test_no_box_when_no_case_or_every_case_is_of_interest(n: int) -> None:
    found = discover(made([KNOB], [((x,), n) for x in range(11)]), Threshold("violation", ">=", 1))
    assert found.boxes == ()
    assert found.of_interest == 11 * n


def test_a_partys_count_is_an_outcome_and_counts_0_where_the_party_never_acts() -> None:
    result = made([KNOB], [((x,), x) for x in range(11)])
    named = parse_threshold("A: violation > 7", {"a": "A"})
    assert discover(result, named).boxes[0].limits == (Limit("policy.x", 8, 10),)
    assert parse_threshold("a: violation > 7", {"a": "A"}) == named  # a party by its id, counted under its name
    assert discover(result, parse_threshold("B: violation > 0", {"a": "A", "b": "B"})).of_interest == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("violation>5", Threshold("violation", ">", 5)),
        ("violation >= 2", Threshold("violation", ">=", 2)),
        ("disputed<1", Threshold("disputed", "<", 1)),
        ("US-led coalition: violation <= 0", Threshold("US-led coalition: violation", "<=", 0)),
        ("coalition: violation <= 0", Threshold("US-led coalition: violation", "<=", 0)),
        (
            "(accounts name different actors): violation > 0",
            Threshold("(accounts name different actors): violation", ">", 0),
        ),
    ],
)
def test_threshold_forms(text: str, expected: Threshold) -> None:
    assert parse_threshold(text, {"coalition": "US-led coalition"}) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("violations", "`violations` is not OUTCOME>N; write a verdict or `PARTY: VERDICT`, one of > >= < <="),
        ("violation>x", "`violation>x` is not OUTCOME>N"),
        ("violation=3", "`violation=3` is not OUTCOME>N"),
        (
            "violatoin>1",
            "`violatoin` is no verdict; expected one of violation, permitted, not_covered, disputed, "
            "undetermined; did you mean `violation`?",
        ),
        # a near miss is refused with the word meant, never read as it
        ("violations>1", "`violations` is no verdict; expected one of violation, permitted, "),
        ("violations>1", "; did you mean `violation`?"),
        ("Violation>1", "`Violation` is no verdict; expected one of violation, "),
        ("coalition: violations>1", "`coalition: violations`: `violations` is no verdict; "),
        (
            "US coalition: violation>1",
            "`US coalition` is no party of the ruleset; expected a party's id or name: coalition (US-led coalition); "
            "did you mean `coalition`?",
        ),
    ],
)
def test_a_bad_threshold_is_one_problem(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_threshold(text, {"coalition": "US-led coalition"})
    (problem,) = caught.value.problems
    assert problem.file == "--discover"
    assert message in problem.message


def discovered(cli: Cli, form: str, *args: str) -> str:
    code, out, err = cli("sweep", DEZ, "-p", STRICT, "-p", BOUND, "--discover", "violation>=1", "-f", form, *args)
    assert code == 0, err
    return out


def test_discovery_of_a_real_sweep_names_the_terms_that_make_the_strike_a_violation(cli: Cli) -> None:
    # the Deir ez-Zor strike is a violation only under strict liability with the sponsors bound
    result = json.loads(discovered(cli, "json", "-j", "1"))
    assert (result["cases"], result["of_interest"]) == (4, 1)
    assert result["threshold"] == {"outcome": "violation", "op": ">=", "value": 1}
    assert result["boxes"] == [
        {
            "limits": {"policy.mistaken_target": {"in": ["violation"]}, "policy.sponsors_bound": {"in": [True]}},
            "cases": 1,
            "of_interest": 1,
            "coverage": 1.0,
            "density": 1.0,
        }
    ]
    assert discovered(cli, "json", "-j", "2") == discovered(cli, "json", "-j", "1")


def test_discovery_as_csv_and_table(cli: Cli) -> None:
    rows = list(csv.reader(io.StringIO(discovered(cli, "csv", "-j", "1"))))
    assert rows == [
        ["box", "param", "from", "to", "in", "cases", "of_interest", "coverage", "density"],
        ["1", "policy.mistaken_target", "", "", "violation", "1", "1", "1.0", "1.0"],
        ["1", "policy.sponsors_bound", "", "", "true", "1", "1", "1.0", "1.0"],
    ]
    table = discovered(cli, "table", "-j", "1")
    assert "violation >= 1 in 1 of 4 combinations (25.0%)" in table
    assert "policy.sponsors_bound" in table and "100.0%" in table


def test_discovery_over_a_sample_gives_ranges(cli: Cli) -> None:
    code, out, err = cli(
        "sweep", DEZ, "-p", STRICT, "-p", "policy.jic_after_days=1..30", "--sample", "lhs:16", "--seed", "4",
        "--discover", "violation>0", "-f", "json", "-j", "1",
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["sample"] == {"method": "lhs", "samples": 16, "seed": 4}
    (box,) = result["boxes"]
    assert box["limits"] == {"policy.mistaken_target": {"in": ["violation"]}}  # the days change nothing here


def test_a_bad_threshold_on_the_command_line_is_one_line_and_exit_2(cli: Cli) -> None:
    code, out, err = cli("sweep", DEZ, "-p", STRICT, "--discover", "Syrian army: violation>0")
    assert (code, out) == (2, "")
    (line,) = err.splitlines()
    assert line.startswith(
        "error: --discover: `Syrian army` is no party of the ruleset; expected a party's id or name: "
        "syrian-government (Syrian government forces), russia (Russian armed forces), "
    )
    assert "accounts name different actors" not in line  # no party, and nothing a user is to name
    code, _, err = cli("sweep", DEZ, "-p", STRICT, "--discover", "violations>0")
    assert (code, err) == (
        2,
        "error: --discover: `violations` is no verdict; expected one of violation, permitted, not_covered, disputed, "
        "undetermined; did you mean `violation`?\n",
    )


def test_a_party_is_named_by_its_id_or_its_name_on_the_command_line(cli: Cli) -> None:
    by_id = cli("sweep", DEZ, "-p", STRICT, "--discover", "coalition: violation>0", "-f", "json")
    by_name = cli("sweep", DEZ, "-p", STRICT, "--discover", "US-led coalition: violation>0", "-f", "json")
    assert by_id == by_name and by_id[0] == 0
    assert json.loads(by_id[1])["threshold"] == {"outcome": "US-led coalition: violation", "op": ">", "value": 0}


def test_the_csv_quotes_a_value_a_spreadsheet_would_run_as_a_formula_but_not_a_negative_number() -> None:
    knob = Param("policy.x", (), (), Span(-10, 0, whole=True))
    mode = parse_param("policy.mode==cmd,b")
    rows = [((x, m), 9 if x >= -4 and m == "=cmd" else 0) for x in range(-10, 1) for m in ("=cmd", "b")]
    out = io.StringIO()
    write_discovery_csv(discover(made([knob, mode], rows), parse_threshold("violation>=5")), out)
    cells = spreadsheet_cells(out.getvalue())
    assert [row[1:5] for row in cells[1:]] == [["policy.x", "-4", "0", ""], ["policy.mode", "", "", "'=cmd"]]

"""Ranges of numbers in `--param`, and sampled sweeps (`--sample lhs:N`, `mc:N`, `--seed`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.analysis.ranges import Span, number_text, parse_span
from engine.analysis.sampling import DEFAULT_SEED, Design, draw, parse_design, units
from engine.analysis.sweep import MAX_COMBINATIONS, Base, Param, check, grid, parse_param, parse_params
from engine.cli.run import load_report
from engine.errors import InputError
from engine.ruleset.variants import parse_set, value_at
from tests.conftest import ROOT, Cli

DEZ = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
JIC = "policy.jic_after_days"


def only_error(cli: Cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_range_of_whole_numbers_is_every_one_of_them_on_the_grid() -> None:
    p = parse_param(f"{JIC}=2..5")
    assert p.values == (2, 3, 4, 5)
    assert p.texts == ("2", "3", "4", "5")
    assert p.span == Span(2, 5, whole=True)
    assert [values for values, _ in grid([p])] == [(2,), (3,), (4,), (5,)]
    assert p.listed() == {"from": 2, "to": 5}


def test_a_range_of_any_numbers_keeps_its_ends_as_numbers() -> None:
    span = parse_span("x", "0.5..2")
    assert (span.low, span.high, span.whole) == (0.5, 2, False)
    assert span.count() is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5..2", "the range `5..2` runs downwards; write the lower end first, e.g. 2..5"),
        ("a..b", "`a..b` is not a range of numbers; write LOW..HIGH, e.g. 0..10 (or 0.5..2.5)"),
        ("0..", "`0..` is not a range of numbers"),
        ("..3", "`..3` is not a range of numbers"),
        ("0..nan", "`0..nan` is not a range of numbers"),
    ],
)
def test_a_bad_range_is_one_problem_saying_what_to_write(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_param(f"{JIC}={text}")
    (problem,) = caught.value.problems
    assert (problem.file, problem.path) == ("--param", JIC)
    assert message in problem.message


def test_a_range_of_any_numbers_on_the_grid_asks_for_a_sample() -> None:
    with pytest.raises(InputError, match=r"only a sample draws from; add --sample lhs:N"):
        parse_params([f"{JIC}=0.5..2"])
    assert parse_params([f"{JIC}=0.5..2"], sampled=True)[0].span == Span(0.5, 2, whole=False)


def test_a_grid_too_large_is_refused_from_the_range_before_any_value_is_made() -> None:
    with pytest.raises(InputError, match=r"the grid has 1,000,000,001 combinations, more than the 100,000"):
        parse_params([f"{JIC}=0..1000000000"])
    # a sample draws from a range of any size
    (p,) = parse_params([f"{JIC}=0..1000000000"], sampled=True)
    assert (p.values, p.texts) == ((), ())


@pytest.fixture(scope="module")
def base() -> Base:
    return Base.of(load_report(Path(DEZ), None, "columnar"))


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            "policy.mistaken_target=0..3",
            "--param: policy.mistaken_target: `0..3` is a range of numbers, but this value is `permitted`; "
            "list the values to try instead, separated by commas, e.g. policy.mistaken_target=A,B",
        ),
        (
            "policy.sponsors_bound=0..1",
            "--param: policy.sponsors_bound: `0..1` is a range of numbers, but this value is `true`;",
        ),
        (
            f"{JIC}=0.5..3",
            f"--param: {JIC}: `0.5` is not a whole number, which `phases[1].from.quiet_days` reads it as",
        ),
        ("policy.jic_after_dayz=1..3", "--param: `policy.jic_after_dayz`: no such key `jic_after_dayz` to change"),
    ],
)
def test_a_range_must_fit_the_value_it_changes(base: Base, expr: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        check(base, parse_params([expr], sampled=True))
    assert len(caught.value.problems) == 1
    assert str(caught.value.problems[0]).startswith(message)


def test_a_range_is_checked_at_its_ends_not_at_every_value(base: Base) -> None:
    check(base, parse_params([f"{JIC}=1..3653"]))  # 3,653 values (the most quiet days); two compiled
    with pytest.raises(InputError, match=r"a phase needs at least one quiet day"):
        check(base, parse_params([f"{JIC}=0..3"]))


JIC_SCENARIO = str(ROOT / "scenarios" / "syria-2016-09-jic.yaml")  # judged under a variant that extends syria-2016-09
STRICT_VARIANT = str(ROOT / "rules" / "variants" / "strict-liability.yaml")


@pytest.mark.parametrize(
    "args",
    [
        [JIC_SCENARIO],
        [JIC_SCENARIO, "--sample", "lhs:2"],
        [DEZ, "--rules", STRICT_VARIANT],
    ],
)
def test_a_range_changes_a_value_a_variant_takes_from_the_ruleset_it_extends(cli: Cli, args: list[str]) -> None:
    """The variant's own file sets no `jic_after_days`: the range is checked against the ruleset it extends, as the
    list of the same values is."""
    code, out, err = cli("sweep", *args, "-p", f"{JIC}=1..2", "-j", "1", "-f", "json")
    assert code == 0, err
    grid = [a for a in args if a not in ("--sample", "lhs:2")]
    listed = cli("sweep", *grid, "-p", f"{JIC}=1,2", "-j", "1", "-f", "json")
    assert listed[0] == 0, listed[2]
    by_value = {row[JIC]: row for row in json.loads(listed[1])["rows"]}
    assert [row == by_value[row[JIC]] for row in json.loads(out)["rows"]] == [True, True]
    message = "policy.sponsors_bound: `0..1` is a range of numbers, but this value is `true`"
    assert message in only_error(cli, "sweep", *args, "-p", "policy.sponsors_bound=0..1", "-j", "1")


def test_value_at_finds_what_set_would_change(base: Base) -> None:
    assert value_at(base.document, JIC) == 7
    assert value_at(base.document, "rules.mistaken-strike-violation.verdict") == "violation"


@pytest.mark.parametrize("value", [2.5, 1e-07, 1.5e20, 3.0, 0.1 + 0.2, 7])
def test_a_drawn_number_reads_back_as_a_set_value_unchanged(value: float) -> None:
    got = parse_set(f"x={number_text(value)}")[1]
    assert got == value
    assert type(got) is type(value)


def test_latin_hypercube_takes_each_stratum_once_in_every_dimension() -> None:
    n = 50
    for row in zip(*units(Design("lhs", n, 11), 3)):
        assert sorted(int(u * n) for u in row) == list(range(n))
    # so a range of n whole numbers sampled n times takes each value once
    (p,) = parse_params(["policy.reduced_violence_max_per_day=0..9"], sampled=True)
    assert sorted(v for (v,), _ in draw([p], Design("lhs", 10, 3))) == list(range(10))


def test_monte_carlo_draws_independently_and_can_repeat_values() -> None:
    (p,) = parse_params(["policy.reduced_violence_max_per_day=0..9"], sampled=True)
    values = [v for (v,), _ in draw([p], Design("mc", 10, 3))]
    assert all(0 <= v <= 9 for v in values)
    assert len(set(values)) < 10  # ten draws of ten values, seed 3: some value twice, as chance has it


def test_a_list_is_drawn_from_in_equal_strata_with_its_own_text() -> None:
    p = parse_param("policy.mistaken_target=permitted,violation")
    combos = draw([p], Design("lhs", 4, 0))
    assert sorted(v for (v,), _ in combos) == ["permitted", "permitted", "violation", "violation"]
    assert {sets for _, sets in combos} == {
        ("policy.mistaken_target=permitted",),
        ("policy.mistaken_target=violation",),
    }


def test_a_range_of_any_numbers_draws_numbers_between_its_ends_to_six_digits() -> None:
    p = Param("x", (), (), Span(0.5, 2.5, whole=False))
    combos = draw([p], Design("lhs", 20, 5))
    values = [v for (v,), _ in combos]
    assert all(0.5 <= v <= 2.5 and isinstance(v, float) for v in values)
    assert all(len(repr(v).replace(".", "").lstrip("0")) <= 6 for v in values)
    assert sorted(int((v - 0.5) / 2 * 20) for v in values) == list(range(20))  # one in each stratum still
    assert [s for _, (s,) in combos] == [f"x={number_text(v)}" for v in values]


def test_the_same_seed_draws_the_same_sample_and_another_seed_another() -> None:
    params = parse_params([f"{JIC}=1..30", "policy.mistaken_target=permitted,violation"], sampled=True)
    assert draw(params, Design("lhs", 25, 7)) == draw(params, Design("lhs", 25, 7))
    assert draw(params, Design("lhs", 25, 7)) != draw(params, Design("lhs", 25, 8))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lhs", "`lhs` is not METHOD:N; write lhs:N (Latin hypercube) or mc:N (Monte Carlo), e.g. lhs:1000"),
        ("sobol:10", "`sobol:10` is not METHOD:N"),
        ("lhs:-3", "`lhs:-3`: a sample has from 1 to 100,000 combinations"),
        ("lhs:\u00b2", "`lhs:\u00b2` is not METHOD:N"),  # a digit to str.isdigit, not to int()
        ("lhs:0", "`lhs:0`: a sample has from 1 to 100,000 combinations"),
        (f"mc:{MAX_COMBINATIONS + 1}", "a sample has from 1 to 100,000 combinations"),
    ],
)
def test_a_bad_sample_is_one_problem(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_design(text)
    (problem,) = caught.value.problems
    assert problem.file == "--sample"
    assert message in problem.message


def sampled(cli: Cli, *args: str) -> tuple[str, dict[str, Any]]:
    code, out, err = cli(
        "sweep", DEZ, "-p", f"{JIC}=1..14", "-p", "policy.mistaken_target=permitted,violation", "-f", "json", *args
    )
    assert code == 0, err
    result: dict[str, Any] = json.loads(out)
    return out, result


def test_a_sampled_sweep_says_how_it_was_drawn_and_is_the_same_whatever_the_jobs(cli: Cli) -> None:
    one, result = sampled(cli, "--sample", "lhs:12", "--seed", "7", "-j", "1")
    two, _ = sampled(cli, "--sample", "lhs:12", "--seed", "7", "-j", "2")
    assert one == two  # byte for byte
    assert result["sample"] == {"method": "lhs", "samples": 12, "seed": 7}
    assert result["params"] == {JIC: {"from": 1, "to": 14}, "policy.mistaken_target": ["permitted", "violation"]}
    rows = result["rows"]
    assert len(rows) == 12
    expected = [
        values
        for values, _ in draw(
            parse_params([f"{JIC}=1..14", "policy.mistaken_target=permitted,violation"], True), Design("lhs", 12, 7)
        )
    ]
    assert [(r[JIC], r["policy.mistaken_target"]) for r in rows] == expected
    # each row is the sampled combination judged: a mistaken strike is a violation only under strict liability
    assert {r["policy.mistaken_target"] for r in rows if r["violation"]} == {"violation"}


def test_the_default_seed_is_fixed_and_given(cli: Cli) -> None:
    out, result = sampled(cli, "--sample", "mc:5", "-j", "1")
    assert result["sample"] == {"method": "mc", "samples": 5, "seed": DEFAULT_SEED}
    assert sampled(cli, "--sample", "mc:5", "--seed", str(DEFAULT_SEED), "-j", "1")[0] == out
    code, table, _ = cli("sweep", DEZ, "-p", f"{JIC}=1..14", "--sample", "lhs:3", "-j", "1")
    assert code == 0
    assert table.startswith(f"Latin hypercube sample of 3, seed {DEFAULT_SEED}\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-p", f"{JIC}=3..1"], f"error: --param: {JIC}: the range `3..1` runs downwards; write the lower end first"),
        (["-p", "policy.mistaken_target=0..1"], "error: --param: policy.mistaken_target: `0..1` is a range of numbers"),
        (["-p", f"{JIC}=1..5", "--seed", "3"], "error: --seed: a seed is for drawing a sample; give it with --sample"),
        (["-p", f"{JIC}=1.5..5"], "is a range of any numbers, which only a sample draws from; add --sample lhs:N"),
        (
            ["-p", f"{JIC}=1..3,5"],
            f"error: --param: {JIC}: `1..3,5`: a range and a list cannot be mixed; write 1,2,3,5 or 1..5",
        ),
        (
            ["-p", f"{JIC}=1..30,40"],
            f"error: --param: {JIC}: `1..30,40`: a range and a list cannot be mixed; write 1..40, or list each value",
        ),
        (
            ["-p", f"{JIC}=0.5..2,3", "--sample", "lhs:3"],
            "`0.5..2,3`: a range and a list cannot be mixed; write a range (LOW..HIGH) or a list (A,B,C)",
        ),
        (
            ["-p", f"{JIC}=1..5.0"],
            f"error: --param: {JIC}: `1..5.0` is a range of any numbers, which only a sample draws from; write 1..5 "
            "for its whole numbers, add --sample lhs:N (or mc:N), or list the values to try",
        ),
        (["-p", f"{JIC}=1..5", "--sample", "lhs:ten"], "error: --sample: `lhs:ten` is not METHOD:N"),
    ],
)
def test_a_bad_range_or_sample_on_the_command_line_is_one_line_and_exit_2(
    cli: Cli, args: list[str], message: str
) -> None:
    assert message in only_error(cli, "sweep", DEZ, *args)


def test_a_list_s_value_that_holds_two_dots_is_text_not_a_range() -> None:
    assert parse_param("rules.r.explanation=Wait...,No..w").texts == ("Wait...", "No..w")


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--seed", "-1"], "argument --seed: `-1`: a seed is a whole number from 0 to 2^63 - 1 ("),
        (["--seed", "1.5"], "argument --seed: `1.5` is not a whole number ("),
        # a whole number written as another is refused, not read as one: with what to write, or as out of range
        (["--seed", "1e3"], "argument --seed: `1e3` is not a whole number; write 1000 ("),
        (["--seed", "1e19"], "argument --seed: `1e19`: a seed is a whole number from 0 to 2^63 - 1 ("),
        (["--jobs", "2.0"], "argument --jobs/-j: `2.0` is not a whole number; write 2 ("),
        (["--jobs", "0.0"], "argument --jobs/-j: `0.0`: at least one job is needed ("),
        (["--jobs", "1e300"], "argument --jobs/-j: `1e300` is not a whole number ("),  # no digits past 2^53
    ],
)
def test_a_seed_or_jobs_that_is_not_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], option: list[str], message: str
) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit) as caught:
        main(["sweep", DEZ, "-p", f"{JIC}=1..5", "--sample", "lhs:3", *option])
    assert caught.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert message in line


@pytest.mark.parametrize(
    ("option", "module", "message"),
    [
        ("--sample=lhs:5", "scipy", "--sample: a sampled sweep needs scipy: pip install 'ceasefire-sim[explore]'"),
        ("--discover=violation>1", "sklearn", "--discover: scenario discovery needs sklearn: pip install"),
    ],
)
def test_an_option_whose_library_is_missing_is_refused_in_one_line_before_any_work(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, option: str, module: str, message: str
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else found(name, *a))
    scenario = str(ROOT / "scenarios" / "deir-ezzor-2016-09-17.yaml")
    code, out, err = cli("sweep", scenario, "--param", "policy.mistaken_target=permitted,violation", option)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("option", "module", "message"),
    [
        ("--sample=lhs:-3", "scipy", "--sample: `lhs:-3`: a sample has from 1 to 100,000 combinations"),
        ("--sample=lhs", "scipy", "--sample: `lhs` is not METHOD:N; write lhs:N (Latin hypercube)"),
        ("--discover=violation", "sklearn", "--discover: `violation` is not OUTCOME>N; write a verdict"),
    ],
)
def test_an_option_s_argument_is_checked_before_the_library_it_needs(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, option: str, module: str, message: str
) -> None:
    import importlib.util

    found = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == module else found(name, *a))
    code, out, err = cli("sweep", DEZ, "--param", "policy.mistaken_target=permitted,violation", option)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {message}") and err.count("\n") == 1

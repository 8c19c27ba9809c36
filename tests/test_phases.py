"""A truce over time: phases placed in time order, self-defence windows, escalation episodes."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine import Incident, evaluate, load_ruleset, load_scenario
from engine.errors import InputError, Problem
from engine.evaluation.phases import Unreached, schedule
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.model import Ruleset
from tests.conftest import ENGINES, ROOT, Cli

HELD = str(ROOT / "rules" / "variants" / "truce-held.yaml")
STRIKE = {"actor": "Syrian Air Force", "act": "airstrike", "target": "JFS", "location": {"region": "Aleppo"}}
SHELLING = {"actor": "Syrian Arab Army", "act": "shelling", "target": "FSA", "location": {"region": "Hama"}}


def incident(name: str, time: str, **told: Any) -> Incident:
    return Incident.model_validate({"id": name, "time": time, **(told or STRIKE)})


def phases_of(compiled: Compiled, incidents: list[Incident], engine: str = "columnar") -> dict[str, str | None]:
    return {v.incident: v.phase for v in evaluate(compiled, incidents, engine)}


def held(**policy: Any) -> Compiled:
    base = load_ruleset(HELD).ruleset.model_dump(by_alias=True, exclude_none=True)
    compiled, problems = compile_ruleset(Ruleset.model_validate({**base, "policy": {**base["policy"], **policy}}))
    assert problems == []
    return compiled


@pytest.mark.parametrize("engine", ENGINES)
def test_the_jic_starts_at_midnight_after_seven_whole_quiet_days(engine: str) -> None:
    # Day D's evening (12 Sep) does not count: 13-19 Sep are the seven days, so the JIC starts on the 20th.
    before = incident("before", "2016-09-19T23:59:00+03:00")
    after = incident("after", "2016-09-20T00:00:00+03:00")
    found = phases_of(held(), [after, before], engine)
    assert found == {"after": "jic", "before": "initial"}
    verdicts = {v.incident: v.rule for v in evaluate(held(), [after, before], engine)}
    assert verdicts == {"after": "air-combat-in-agreed-areas", "before": "strike-on-excluded"}


def test_a_day_whose_midnight_the_clocks_skip_counts_whole_from_its_first_instant() -> None:
    """Damascus went from 00:00 to 01:00 on 25 Mar 2016: a truce from 01:00 that day holds the whole of it, so one
    quiet day (the 25th) starts the JIC at 00:00 on the 26th."""
    base = load_ruleset(HELD).ruleset.model_dump(by_alias=True, exclude_none=True)
    window = {"from": "2016-03-25T01:00", "until": "2016-04-30T00:00"}
    policy = {**base["policy"], "jic_after_days": 1}
    compiled, problems = compile_ruleset(
        Ruleset.model_validate({**base, "timezone": "Asia/Damascus", "window": window, "policy": policy})
    )
    assert problems == []
    told = [incident("25th", "2016-03-25T12:00"), incident("26th", "2016-03-26T00:30")]
    assert phases_of(compiled, told) == {"25th": "initial", "26th": "jic"}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_day_with_a_violation_starts_the_count_again(engine: str) -> None:
    violation = incident("shelling", "2016-09-15T10:00:00+03:00", **SHELLING)
    late = [incident("22nd", "2016-09-22T12:00:00+03:00"), incident("23rd", "2016-09-23T00:30:00+03:00")]
    found = phases_of(held(), [violation, *late], engine)
    assert found == {"shelling": "initial", "22nd": "initial", "23rd": "jic"}  # 16-22 Sep are the seven days
    # a day may have one violation and still count, under the knob
    assert phases_of(held(reduced_violence_max_per_day=1), [violation, *late], engine)["22nd"] == "jic"
    assert phases_of(held(jic_after_days=3), [violation, *late], engine)["22nd"] == "jic"


def test_an_incident_dated_to_a_week_counts_on_no_day() -> None:
    week = incident("week", "2016-W37", **SHELLING)  # 12-18 Sep: a violation, but on no one day
    assert phases_of(held(), [week, incident("after", "2016-09-20T10:00:00+03:00")]) == {
        "week": "unknown",
        "after": "jic",
    }


def test_days_after_the_last_time_told_are_not_counted() -> None:
    # Nothing is known of the days after the input ends: no phase begins on their quiet.
    assert phases_of(held(), [incident("only", "2016-09-14T10:00:00+03:00")]) == {"only": "initial"}


def test_the_order_of_the_input_does_not_matter() -> None:
    rng = random.Random(11)
    days = [f"2016-09-{d:02d}T{h:02d}:00:00+03:00" for d in range(13, 30) for h in (3, 15)]
    told = [incident(f"i{k}", t, **(SHELLING if rng.random() < 0.1 else STRIKE)) for k, t in enumerate(days)]
    first = evaluate(held(), told, "columnar")
    rng.shuffle(told)
    again = {v.incident: v for v in evaluate(held(), told, "columnar")}
    assert [again[v.incident] for v in first] == first


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        (
            [{"id": "a", "clause": "c"}, {"id": "b", "clause": "c", "from": {"after": "x", "duration": "P1D"}}],
            "phases[1].from.after: `x` is no phase listed before this one",
        ),
        (
            [
                {"id": "a", "clause": "c"},
                {"id": "b", "clause": "c", "from": {"after": "a", "quiet_days": "policy.nope"}},
            ],
            "phases[1].from.quiet_days: `policy.nope` names no policy knob",
        ),
        (
            [
                {"id": "a", "clause": "c"},
                {"id": "b", "clause": "c", "from": {"after": "c", "duration": "P1D"}},
                {"id": "c", "clause": "c", "from": {"after": "a", "duration": "P1D"}},
            ],
            "phases[1].from.after: `c` is not listed before this phase; a phase follows an earlier one",
        ),
        (
            [{"id": "a", "clause": "c"}, {"id": "b", "clause": "c"}],
            "phases[1].from: only the first phase may leave out",
        ),
        (
            [{"id": "a", "clause": "c"}, {"id": "a", "clause": "c", "from": "2016-09-14T00:00:00+03:00"}],
            "phases[1].id: duplicate phase id `a`",
        ),
        (  # listed after one dated later: a run began it, and never began the other
            [
                {"id": "a", "clause": "c"},
                {"id": "b", "clause": "c", "from": "2016-09-21T00:00:00+03:00"},
                {"id": "c", "clause": "c", "from": {"after": "a", "duration": "P1D"}},
                {"id": "d", "clause": "c", "from": "2016-09-15T00:00:00+03:00"},
            ],
            "phases[3].from: `2016-09-15T00:00:00+03:00` is not after `b`'s start (2016-09-21T00:00:00+03:00), "
            "which is listed before it; phases are listed in the order they begin: move this phase before it, or "
            "correct either date",
        ),
        (  # two phases cannot begin at once
            [
                {"id": "a", "clause": "c", "from": "2016-09-14T00:00:00+03:00"},
                {"id": "b", "clause": "c", "from": "2016-09-13T21:00:00Z"},
            ],
            "phases[1].from: `2016-09-13T21:00:00Z` is not after `a`'s start",
        ),
    ],
)
def test_phases_that_cannot_be_placed_are_refused(phases: list[dict[str, Any]], message: str) -> None:
    _, problems = with_phases(phases)
    assert any(message in str(p) for p in problems), problems


def with_phases(phases: list[dict[str, Any]]) -> tuple[Compiled, list[Problem]]:
    """The September 2016 ruleset (window 12 Sep 19:00 to 20 Sep 00:00, +03:00) with these phases."""
    base = load_ruleset("syria-2016-09").ruleset.model_dump(by_alias=True, exclude_none=True)
    rules = [r for r in base["rules"] if r["id"] != "air-combat-in-agreed-areas"]
    return compile_ruleset(Ruleset.model_validate({**base, "phases": phases, "rules": rules}))


def test_the_schedule_says_when_each_phase_can_begin_and_which_never_are_in_force() -> None:
    compiled, problems = with_phases(
        [
            {"id": "initial", "clause": "c"},
            {"id": "jic", "clause": "c", "from": {"after": "initial", "quiet_days": 3}},
            {"id": "talks", "clause": "c", "from": {"after": "initial", "duration": "P5D"}},
            {"id": "review", "clause": "c", "from": "2016-09-17T00:00:00+03:00"},
            {"id": "handover", "clause": "c", "from": "2016-09-21T00:00:00+03:00"},
            {"id": "after", "clause": "c", "from": {"after": "handover", "duration": "P1D"}},
        ]
    )
    assert problems == []
    found = schedule(compiled)
    # the quiet days are 13-15 Sep (the 12th is not whole); `talks` would begin on the 17th at 19:00, after `review`
    assert found.earliest == {
        0: datetime(2016, 9, 12, 16, tzinfo=UTC),
        1: datetime(2016, 9, 15, 21, tzinfo=UTC),
        2: datetime(2016, 9, 17, 16, tzinfo=UTC),
        3: datetime(2016, 9, 16, 21, tzinfo=UTC),
    }
    assert found.overtaken == {2: 3}
    assert found.unreached == (Unreached(4, True, (4, 5)),)  # `handover` is dated after the window ends
    assert found.never == {4, 5}
    # a phase dated before the window's start is in force from it: those listed before it never are
    dated = {"id": "dated", "clause": "c", "from": "2016-09-01T00:00:00+03:00"}
    early, _ = with_phases([{"id": "initial", "clause": "c"}, dated])
    assert schedule(early).unreached == (Unreached(1, False, (0,)),)
    assert schedule(early).overtaken == {}  # said of a phase that follows another only


def test_quiet_days_that_would_end_past_the_last_date_begin_no_phase(cli: Cli, tmp_path: Path) -> None:
    far = tmp_path / "far.yaml"
    far.write_text(
        "extends: syria-2016-09\nid: far\ntitle: far\n"
        'window: {from: "9997-06-01T00:00:00+03:00", until: null}\n'
        "phases:\n  - {id: initial, clause: c}\n  - {id: jic, clause: c, from: {after: initial, duration: P935D}}\n"
        "  - {id: late, clause: c, from: {after: jic, quiet_days: 20}}\n",
        encoding="utf-8",
    )
    compiled = load_ruleset(far)
    assert 2 not in schedule(compiled).earliest  # 20 quiet days after 23 Dec 9999 would end past 31 Dec 9999
    code, out, err = cli("check", str(far))
    assert code == 0 and "Traceback" not in out + err, err


def test_quiet_days_counted_from_the_last_day_a_date_can_name_begin_no_phase(cli: Cli, tmp_path: Path) -> None:
    far = tmp_path / "far.yaml"
    far.write_text(
        "extends: syria-2016-09\nid: far\ntitle: far\n"
        'window: {from: "9997-12-31T12:00:00+00:00", until: null}\ntimezone: UTC\n'
        "phases:\n  - {id: initial, clause: c}\n  - {id: jic, clause: c, from: {after: initial, duration: P730D}}\n"
        "  - {id: late, clause: c, from: {after: jic, quiet_days: 1}}\n",
        encoding="utf-8",
    )
    assert 2 not in schedule(load_ruleset(far)).earliest  # `jic` begins at 12:00 on 31 Dec 9999: no whole day after
    code, out, err = cli("check", str(far))
    assert code == 0 and "Traceback" not in out + err, err


def test_a_rule_that_tests_the_phase_needs_phases(cli: Cli, tmp_path: Path) -> None:
    text = (ROOT / "rules" / "syria-2016-02.yaml").read_text(encoding="utf-8")
    path = tmp_path / "r.yaml"
    path.write_text(text.replace("when: {in_window: false}", "when: {in_window: false, phase: jic}", 1))
    code, _, err = cli("check", str(path))
    assert code == 2 and len(err.splitlines()) == 1
    assert "`phase` is tested, but the ruleset declares no `phases`" in err


SCENARIO = """scenario: s
title: t
ruleset: syria-2016-02
incidents:
  - {id: a, time: "2016-03-02T10:00:00+02:00", actor: SAA, act: shelling, target: FSA}
  - {id: b, time: "2016-03-02T12:00:00+02:00", actor: FSA, act: shelling, target: SAA, in_response_to: RESPONDS}
"""


@pytest.mark.parametrize(
    ("responds", "message"),
    [
        ("c", "no incident `c` in this input"),
        ("b", "incident `b` cannot respond to itself"),
    ],
)
def test_a_response_to_nothing_is_refused_at_its_line(responds: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO.replace("RESPONDS", responds), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert problem.line == 6 and message in problem.message


def test_a_cycle_of_responses_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    text = SCENARIO.replace("RESPONDS", "a").replace("target: FSA}", "target: FSA, in_response_to: b}")
    path.write_text(text.replace('"2016-03-02T10:00:00+02:00"', '"2016-03-02"'), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert all("cycle of responses" in p.message for p in caught.value.problems)


@pytest.mark.parametrize("engine", ENGINES)
def test_self_defence_follows_the_knob(engine: str, tmp_path: Path) -> None:
    scenario = ROOT / "scenarios" / "syria-2016-02-self-defense.yaml"
    loaded = load_scenario(scenario, sets=["policy.proportionate_casualty_ratio=5"])
    found = {v.incident: (v.verdict, v.flags) for v in evaluate(loaded.compiled, loaded.scenario.incidents, engine)}
    assert found["barrage-out-of-proportion"] == ("permitted", ("covered_party_harmed", "self_defense"))


@pytest.mark.parametrize("engine", ENGINES)
def test_a_casualty_ratio_need_not_be_whole(engine: str) -> None:
    # 21 casualties answering 5: within 4.2 times them, not within 4.1 times
    scenario = ROOT / "scenarios" / "syria-2016-02-self-defense.yaml"
    for ratio, verdict in (("4.2", "permitted"), ("4.1", "violation")):
        loaded = load_scenario(scenario, sets=[f"policy.proportionate_casualty_ratio={ratio}"])
        found = {v.incident: v for v in evaluate(loaded.compiled, loaded.scenario.incidents, engine)}
        assert found["barrage-out-of-proportion"].verdict == verdict
    assert "more than 4.1 times that incident's 5" in found["barrage-out-of-proportion"].explanation
    written = load_scenario(scenario, sets=["self_defense.max_casualty_ratio=4.2"])
    assert written.compiled.self_defense is not None and written.compiled.self_defense.ratio == 4.2


LAST_YEARS = """scenario: s
title: t
ruleset: syria-2016-02
incidents:
  - id: a
    time: "9998-12-30T10:00:00+02:00"
    actor: SAA
    act: shelling
    target: FSA
    location: {region: Hama}
    casualties: {killed: 2}
  - id: b
    time: "9998-12-30T12:00:00+02:00"
    actor: FSA
    act: shelling
    target: SAA
    location: {region: Hama}
    casualties: {killed: 1}
    in_response_to: a
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_the_longest_window_holds_in_the_last_years_a_date_can_name(engine: str, tmp_path: Path) -> None:
    # The window reaches past the last day a date can name: it is measured from the incident, not added to it.
    path = tmp_path / "s.yaml"
    path.write_text(LAST_YEARS, encoding="utf-8")
    loaded = load_scenario(path, sets=["self_defense.window=P3653D"])
    found = {v.incident: v.verdict for v in evaluate(loaded.compiled, loaded.scenario.incidents, engine)}
    assert found == {"a": "violation", "b": "permitted"}


def test_a_phase_that_would_begin_after_the_last_day_a_date_can_name_never_begins() -> None:
    sets = [
        "window.from=9997-06-01T00:00:00+03:00",
        "window.until=null",
        "phases.jic.from={after: initial, duration: P3653D}",
    ]
    loaded = load_scenario(ROOT / "scenarios" / "syria-2016-09-jic.yaml", sets=sets)
    late = incident("late", "9998-06-01T10:00:00+03:00")
    assert phases_of(loaded.compiled, [late]) == {"late": "initial"}


def test_escalation_follows_the_knobs() -> None:
    loaded = load_scenario(
        ROOT / "scenarios" / "syria-2016-09-escalation.yaml", sets=["policy.escalation_violations=2"]
    )
    flagged = {v.incident for v in evaluate(loaded.compiled, loaded.scenario.incidents) if "escalation" in v.flags}
    assert {"rebel-rockets-one", "rebel-rockets-two", "shelling-morning"} <= flagged
    assert "shelling-days-later" not in flagged


@pytest.mark.parametrize("engine", ENGINES)
def test_a_violation_whose_accounts_name_different_actors_counts_towards_no_party_s_escalation(engine: str) -> None:
    # each account blames the other side: counted for both, it made an episode of each party out of the same shots
    two_ways = [
        {"source": "SAA", "actor": "FSA", "target": "Syrian Arab Army"},
        {"source": "FSA", "actor": "Syrian Arab Army", "target": "FSA"},
    ]
    incidents = [
        Incident.model_validate(
            {
                "id": f"shelling-{hour}",
                "time": f"2016-09-14T{hour:02d}:00:00+03:00",
                "actor": "Syrian Arab Army",
                "act": "shelling",
                "target": "FSA",
                "location": {"country": "Syria", "admin1": "Aleppo"},
                "accounts": two_ways,
            }
        )
        for hour in (8, 10, 12)
    ]
    verdicts = evaluate(load_ruleset("syria-2016-09"), incidents, engine)
    assert [v.verdict for v in verdicts] == ["violation"] * 3
    assert all("accounts_name_different_actors" in v.flags and "escalation" not in v.flags for v in verdicts)


FLAG_NAMES = ["act_unresolved", "civilians_harmed", "escalation", "mutual", "self_defense", "accounts_name_different"]


@given(st.lists(st.lists(st.sampled_from(FLAG_NAMES), unique=True, max_size=4).map(sorted), max_size=60))
def test_a_flag_added_keeps_each_list_sorted_and_without_repeats(lists: list[list[str]]) -> None:
    import polars as pl

    from engine.evaluation.decide import flag_added

    flags = pl.Series("flags", lists, dtype=pl.List(pl.String()))
    assert flag_added(flags, "escalation").to_list() == [sorted({*flags, "escalation"}) for flags in lists]
    assert flag_added(flags, "escalation").name == "flags"


def runs_by_hand(firsts: list[int], ends: list[int], needed: int, window: int) -> list[tuple[int, int, int]]:
    """Escalation episodes as the terms say them, one violation at a time: from each violation, the run of those
    from it on that start and end within the window of its start (one that does not is passed over); runs of at
    least `needed` joined while each starts by the episode's latest end; an episode counts its runs' violations."""
    episodes: list[tuple[set[int], int]] = []  # the violations of each episode's runs, and its latest end
    for i, first in enumerate(firsts):
        run = {k for k in range(i, len(firsts)) if firsts[k] < first + window and ends[k] <= first + window}
        if i not in run or len(run) < needed:
            continue
        latest = max(ends[k] for k in run)
        if episodes and first <= episodes[-1][1]:
            episodes[-1] = (episodes[-1][0] | run, max(episodes[-1][1], latest))
        else:
            episodes.append((run, latest))
    return [(firsts[min(run)], latest, len(run)) for run, latest in episodes]


@given(
    st.lists(st.tuples(st.integers(0, 60), st.sampled_from([0, 0, 1, 2, 5, 25])), max_size=40),
    st.integers(1, 5),
    st.integers(1, 20),
)
def test_escalation_runs_are_the_episodes_the_terms_describe(
    told: list[tuple[int, int]], needed: int, window: int
) -> None:
    import numpy as np

    from engine.evaluation.timed import _runs

    firsts = sorted(start for start, _ in told)
    ends = [start + length for start, (_, length) in zip(firsts, told)]
    found = _runs(np.array(firsts, dtype=np.int64), np.array(ends, dtype=np.int64), needed, window)
    assert found == runs_by_hand(firsts, ends, needed, window)


def test_violations_per_day_are_counted_alike_with_one_version_an_incident_or_several() -> None:
    from engine.evaluation.pipeline import Evaluator, _spans, violation_days
    from engine.incidents.frame import frame_of
    from engine.incidents.synthetic import incidents

    compiled = load_ruleset("syria-2016-09")
    flat = frame_of([i.model_copy(update={"accounts": []}) for i in incidents(3000, seed=3)])
    with Evaluator(compiled, "columnar") as evaluator:
        run = evaluator.run(flat)
        table, resolution = evaluator.facts(flat)
    spans = _spans(compiled, table, resolution)
    once = violation_days(table, spans, run.verdicts)  # a row per incident
    twice = violation_days(pl.concat([table, table]), pl.concat([spans, spans]), run.verdicts)  # two alike each
    assert once == twice and sum(once.values()) > 100


def episodes(compiled: Compiled, incidents: list[Incident], engine: str) -> list[tuple[str, int]]:
    from engine.evaluation.pipeline import Evaluator
    from engine.incidents.frame import frame_of

    with Evaluator(compiled, engine) as evaluator:
        run = evaluator.run(frame_of(incidents))
    return [(e.party, e.violations) for e in run.episodes]


ALEPPO_STRIKE = {"actor": "Syrian Arab Army", "act": "airstrike", "target": "FSA", "location": {"region": "Aleppo"}}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_violation_told_over_more_than_the_window_leaves_the_episode_around_it(engine: str) -> None:
    compiled = load_ruleset("syria-2016-09", sets=["policy.escalation_violations=3"])  # 3 within 24 hours
    strikes = [incident(f"s{h}", f"2016-09-14T{h}:00:00+03:00", **ALEPPO_STRIKE) for h in (10, 11, 12)]
    long = incident("long", "2016-09-14T10:30:00+03:00/2016-09-16T10:30:00+03:00", **ALEPPO_STRIKE)
    assert episodes(compiled, strikes, engine) == [("syrian-government", 3)]
    assert episodes(compiled, [*strikes[:1], long, *strikes[1:]], engine) == [("syrian-government", 3)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_violation_that_runs_past_the_window_is_passed_over_not_the_end_of_the_run(engine: str) -> None:
    compiled = load_ruleset("syria-2016-09", sets=["policy.escalation_violations=3"])  # 3 within 24 hours
    times = ("2016-09-14T10:00:00+03:00", "2016-09-14T11:00:00+03:00", "2016-09-15T09:00:00+03:00")
    strikes = [incident(f"s{k}", time, **ALEPPO_STRIKE) for k, time in enumerate(times)]
    # told for under 24 hours, but ending after the window of each strike before it
    straddles = incident("straddles", "2016-09-14T11:30:00+03:00/2016-09-15T11:20:00+03:00", **ALEPPO_STRIKE)
    assert episodes(compiled, strikes, engine) == [("syrian-government", 3)]
    # one more violation does not take the episode away: the three strikes still lie within 24 hours
    assert episodes(compiled, [*strikes, straddles], engine) == [("syrian-government", 3)]


@pytest.mark.parametrize("engine", ENGINES)
def test_escalation_episodes_do_not_depend_on_the_order_of_the_file(engine: str) -> None:
    compiled = load_ruleset("syria-2016-09", sets=["policy.escalation_violations=3"])
    told = [
        incident("days", "2016-09-14/2016-09-15", **ALEPPO_STRIKE),  # two whole days: longer than the window
        *(incident(f"s{h}", f"2016-09-14T0{h}:00:00+03:00", **ALEPPO_STRIKE) for h in (0, 1, 2)),
    ]
    found = episodes(compiled, told, engine)
    assert found and all(episodes(compiled, order, engine) == found for order in (told[::-1], told[1:] + told[:1]))


def test_a_phase_that_follows_another_and_can_begin_at_no_time_in_the_window_is_never_in_force(
    cli: Cli, tmp_path: Path
) -> None:
    compiled, problems = with_phases(
        [
            {"id": "initial", "clause": "c"},
            {"id": "jic", "clause": "c", "from": {"after": "initial", "duration": "P90D"}},  # past 20 Sep
            {"id": "late", "clause": "c", "from": {"after": "jic", "duration": "P1D"}},
            {"id": "tuned", "clause": "c", "from": {"after": "initial", "quiet_days": "policy.jic_after_days"}},
        ]
    )
    assert problems == []
    assert schedule(compiled).unbegun == (1, 2)  # not `tuned`: a what-if may set its knob so that it begins
    assert schedule(compiled).never == {1, 2}
    variant = tmp_path / "v.yaml"
    variant.write_text(
        "extends: syria-2016-09\nid: v\ntitle: v\nphases:\n  - {id: initial, clause: c}\n"
        "  - {id: jic, clause: c, from: {after: initial, quiet_days: 90}}\n",
        encoding="utf-8",
    )
    code, _, err = cli("check", str(variant))
    assert code == 0
    assert "phase `jic` is never in force: its 90 quiet days after `initial` begins cannot all pass" in err
    assert "rule `air-combat-in-agreed-areas` can never decide" in err  # it tests `phase: jic` alone
    _, problems = with_phases(
        [
            {"id": "initial", "clause": "c"},
            {"id": "jic", "clause": "c", "from": {"after": "initial", "duration": "PT0H"}},
        ]
    )
    assert any("a duration of zero leaves `initial` in force for no time" in str(p) for p in problems), problems

"""`ceasefire diff`: equivalence, exactly the classes each variant changes, and no class missed."""

from __future__ import annotations

import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.analysis.diff import RulesetDiff, diff_rulesets
from engine.evaluation.facts import FIELDS, Resolver
from engine.evaluation.pipeline import Evaluator
from engine.incidents.frame import told_of
from engine.incidents.load import load_scenario
from engine.incidents.model import Casualties, Incident, Location
from engine.report.render import console_for, write_diff_json, write_diff_table
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.load import load_ruleset
from engine.ruleset.model import Ruleset
from tests.conftest import ENGINES, ROOT, Cli

BASE = "syria-2016-09"
VARIANTS = ROOT / "rules" / "variants"
STRICT = str(VARIANTS / "strict-liability.yaml")
UNBOUND = str(VARIANTS / "sponsors-not-bound.yaml")
JFS = str(VARIANTS / "jfs-covered.yaml")
FEB = ROOT / "rules" / "syria-2016-02.yaml"
# The base with a window one day longer, and attacks on civilians a violation only from 10 killed.
LONGER_AND_COUNTED = (
    "window.until=2016-09-21T00:00:00+03:00",
    "rules.attack-on-civilians.when="
    "{actor.role: [covered, sponsor], act.hostile: true, target.role: civilians, killed: {gte: 10}}",
)


@cache
def ruleset(ref: str, sets: tuple[str, ...] = ()) -> Compiled:
    return load_ruleset(ref, sets=sets)


@cache
def diff(b: str, engine: str = "columnar", a: str = BASE, sets: tuple[str, ...] = ()) -> RulesetDiff:
    return diff_rulesets(ruleset(a), ruleset(b, sets), engine)


HAMA = Location(admin1="Hama")


def facts(c: Compiled, incident: Incident) -> dict[str, Any]:
    return dict(zip(FIELDS, Resolver(c).row(told_of(incident))))


def rules_of(d: RulesetDiff) -> set[tuple[str | None, str | None]]:
    return {(x.a.rule, x.b.rule) for x in d.differences}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ruleset_is_equivalent_to_itself(engine: str) -> None:
    d = diff(BASE, engine)
    assert d.equivalent and d.differences == ()
    assert d.engine == engine
    assert 0 < d.classes < d.kinds


def test_equivalence_is_reported_with_the_class_count_and_exit_0(cli: Cli) -> None:
    code, out, _ = cli("diff", BASE, BASE, "--engine", "columnar", "--exit-code")
    assert code == 0
    classes = diff(BASE).classes
    assert f"A and B are equivalent: no incident gets a different verdict ({classes} classes checked" in out


def test_differences_exit_0_unless_exit_code_is_asked(cli: Cli) -> None:
    assert cli("diff", BASE, STRICT, "-e", "columnar")[0] == 0
    assert cli("diff", BASE, STRICT, "-e", "columnar", "--exit-code")[0] == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_strict_liability_changes_only_mistaken_strikes_on_covered_or_sponsor_parties(engine: str) -> None:
    d = diff(STRICT, engine)
    assert rules_of(d) == {("mistaken-strike-permitted", "mistaken-strike-violation")}
    base = ruleset(BASE)
    for x in d.differences:
        told = facts(base, x.example)
        assert (x.a.verdict, x.b.verdict) == ("permitted", "violation")
        assert told["actor.role"] in ("covered", "sponsor") and told["act.hostile"] is True
        assert told["target.role"] in ("covered", "sponsor") and told["intended_target.role"] == "excluded"
        assert dict(x.when)["intended_target"] == "excluded"
    # every covered party and the sponsor acts in some differing class
    actors = {facts(base, x.example)["actor.party"] for x in d.differences}
    assert actors == {"syrian-government", "russia", "coalition"}  # opposition shares russia's class


def test_the_deir_ezzor_strike_as_centcom_tells_it_is_in_a_strict_liability_class() -> None:
    strike = Incident(
        id="dez",
        time="2016-09-17T16:00:00+03:00",
        actor="US-led coalition",
        act="airstrike",
        target="Syrian Arab Army",
        intended_target="ISIS",
        location=Location(admin1="Deir ez-Zor"),
        casualties=Casualties(killed=62, wounded=100),
    )
    found = diff(STRICT).difference_for(strike)
    assert found is not None and found.b.rule == "mistaken-strike-violation"
    # the same strike, on ISIS itself, is no mistake and keeps its verdict
    assert diff(STRICT).difference_for(strike.model_copy(update={"target": "ISIS"})) is None


@pytest.mark.parametrize("engine", ENGINES)
def test_sponsors_not_bound_changes_only_coalition_acts_that_were_not_already_not_covered(engine: str) -> None:
    d = diff(UNBOUND, engine)
    for x in d.differences:
        assert facts(ruleset(BASE), x.example)["actor.party"] == "coalition"
        assert dict(x.when)["actor"] == "coalition (sponsor)"
        assert (x.b.verdict, x.b.rule) == ("not_covered", "actor-not-party")
        assert x.a.verdict in ("violation", "permitted", "undetermined")
    # actor-not-party decides before an unknown act, time or place, so those undetermined verdicts change too
    assert rules_of(d) == {
        (rule, "actor-not-party")
        for rule in (
            "act-unresolved",
            "time-unknown",
            "place-unknown",
            "aid-obstruction",
            "attack-on-civilians",
            "strike-on-excluded",
            "mistaken-strike-permitted",
            "attack-on-covered-party",
            "target-unresolved",
        )
    }


def test_sponsors_not_bound_leaves_non_hostile_and_out_of_window_coalition_acts_alone() -> None:
    d = diff(UNBOUND)
    patrol = Incident(id="p", time="2016-09-14T10:00:00+03:00", actor="coalition", act="patrol")
    late = Incident(
        id="l", time="2016-10-01T10:00:00+03:00", actor="coalition", act="airstrike", target="SAA", location=HAMA
    )
    assert d.difference_for(patrol) is None and d.difference_for(late) is None
    strike = late.model_copy(update={"time": "2016-09-14T10:00:00+03:00"})
    found = d.difference_for(strike)
    assert found is not None and (found.a.rule, found.b.rule) == ("attack-on-covered-party", "actor-not-party")


@pytest.mark.parametrize("engine", ENGINES)
def test_jfs_covered_changes_only_acts_by_or_against_jfs(engine: str) -> None:
    d = diff(JFS, engine)
    jfs = "jfs (excluded → covered, opposition)"
    for x in d.differences:
        when = dict(x.when)
        pinned = [who for who in ("actor", "target", "intended_target") if when.get(who) == jfs]
        assert pinned, x.when
        told = facts(ruleset(BASE), x.example)
        assert all(told[f"{who}.party"] == "jfs" for who in pinned)
    pairs = rules_of(d)
    assert ("actor-not-bound", "attack-on-covered-party") in pairs  # JFS attacks the army
    assert ("strike-on-excluded", "attack-on-covered-party") in pairs  # the army attacks JFS
    assert ("mistaken-strike-permitted", "attack-on-covered-party") in pairs  # aimed at JFS, hit the army


def test_every_example_gets_the_reported_verdicts_when_evaluated_again() -> None:
    for ref in (STRICT, UNBOUND, JFS):
        d = diff(ref)
        examples = [x.example for x in d.differences]
        for c, side in ((ruleset(BASE), "a"), (ruleset(ref), "b")):
            with Evaluator(c, "columnar") as ev:
                got = [(v.verdict, v.rule) for v in ev.evaluate(examples)]
            assert got == [(getattr(x, side).verdict, getattr(x, side).rule) for x in d.differences]


def test_a_longer_window_and_a_casualty_threshold_give_exactly_their_classes() -> None:
    d = diff(BASE, sets=LONGER_AND_COUNTED)
    assert not d.equivalent
    for x in d.differences:
        when = dict(x.when)
        longer = when.get("time") == "outside the window → inside the window"
        fewer = x.a.rule == "attack-on-civilians" and x.b.rule is None
        assert longer != fewer, x.when
        if longer:
            assert "2016-09-20T00:00:00+03:00" <= (x.example.time or "") < "2016-09-21T00:00:00+03:00"
        else:
            killed = x.example.casualties.killed if x.example.casualties else None
            assert killed is None or killed < 10
            assert (x.b.verdict, x.b.explanation) == ("undetermined", "No rule of the ruleset applies to these facts.")
    nine = Incident(
        id="n", time="2016-09-14T10:00:00+03:00", actor="SAA", act="shelling", target="civilians", location=HAMA
    )
    assert d.difference_for(nine.model_copy(update={"casualties": Casualties(killed=9)})) is not None
    assert d.difference_for(nine.model_copy(update={"casualties": Casualties(killed=10)})) is None


def test_json_lists_every_difference_with_a_pasteable_example(cli: Cli) -> None:
    code, out, _ = cli("diff", BASE, JFS, "-e", "columnar", "--format", "json")
    assert code == 0
    report = json.loads(out)
    assert (report["a"], report["b"], report["engine"], report["equivalent"]) == (
        BASE,
        "syria-2016-09-jfs-covered",
        "columnar",
        False,
    )
    assert report["classes"] == diff(JFS).classes and len(report["differences"]) == len(diff(JFS).differences)
    first = report["differences"][0]
    assert set(first) == {"when", "phase", "a", "b", "example"}
    incident = Incident.model_validate(first["example"])
    with Evaluator(ruleset(JFS), "columnar") as ev:
        assert ev.evaluate([incident])[0].verdict == first["b"]["verdict"]
    assert cli("diff", BASE, JFS, "-e", "columnar", "--format", "json")[1] == out  # deterministic


def test_table_shows_each_group_with_an_example_that_loads_as_a_scenario_incident(
    cli: Cli,
) -> None:
    code, out, _ = cli("diff", BASE, STRICT, "-e", "columnar", "--width", "160")
    assert code == 0
    assert "A permitted (mistaken-strike-permitted) → B violation (mistaken-strike-violation)" in out
    block = out.split("in a scenario", 1)[1].split(":\n", 1)[1].split("\n  A: ", 1)[0]
    incident = Incident.model_validate(yaml.safe_load(block)[0])
    assert incident == diff(STRICT).differences[0].example
    assert "\x1b[" not in out


def test_an_unknown_ruleset_is_one_line_and_exit_2(cli: Cli) -> None:
    code, out, err = cli("diff", BASE, "syria-2016-9")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no ruleset `syria-2016-9`; did you mean `syria-2016-09`?" in err


def test_a_variant_past_a_term_s_largest_number_is_one_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    variant = tmp_path / "eschuge.yaml"
    variant.write_text("extends: syria-2016-09\nid: eschuge\ntitle: X\npolicy: {escalation_hours: 10000000000}\n")
    code, out, err = cli("diff", BASE, str(variant))
    assert code == 2 and out == ""
    assert err == (
        f"error: {variant}:4:10: policy.escalation_hours: `10000000000` is too large for `escalation.hours`; "
        "expected at most 87,672\n"
    )


@pytest.mark.skipif(not FEB.exists(), reason="rules/syria-2016-02.yaml not written yet")
def test_february_against_september_differs_in_time_and_the_september_rules() -> None:
    d = diff(BASE, a=str(FEB))
    assert not d.equivalent
    for x in d.differences:
        when = dict(x.when)
        # the February window has no end and opens earlier: times and agreed-area air strikes are all that differ
        assert "→" in when.get("time", "") or x.b.rule == "air-combat-in-agreed-areas", x.when


# -- no class missed: any incident whose verdicts differ lies in a reported class, and no other does ----

_NAMES = [
    "Syrian Arab Army",
    "Russian Aerospace Forces",
    "FSA",
    "CENTCOM",
    "ISIS",
    "JFS",
    "Jabhat al-Nusra",
    "civilian",
    "aid convoy",
    "unidentified gunmen",
    "Hezbollah",
    None,
]
_ACTS = ["airstrike", "mortars", "Armed clash", "advance", "blocking aid", "patrol", "redeployment", "arson", None]
_TIMES = [
    "2016-02-26T23:00:00+02:00",
    "2016-02-27T00:00:00+02:00",
    "2016-06-01T12:00:00+03:00",
    "2016-09-12T18:59:59+03:00",
    "2016-09-12T19:00:00+03:00",
    "2016-09-17T16:00:00+03:00",
    "2016-09-19T23:59:59+03:00",
    "2016-09-20T00:00:00+03:00",
    "2016-09-20T23:00:00+03:00",
    "2016-09-21T00:00:00+03:00",
    "2016-09-12",
    "2016-09-13",
    "2016-09-19",
    "2016-09-20",
    "2016-09-22",
    "2016-02-27",
    None,
]
_PLACES = [None, "Aleppo", "Idleb", "idlib", "Deir ez-Zor", "Raqqa"]
_COUNTRIES = [None, "Syria", "syria", "Iraq"]
_PAIRS = [
    (BASE, BASE, ()),
    (BASE, STRICT, ()),
    (BASE, UNBOUND, ()),
    (BASE, JFS, ()),
    (BASE, BASE, LONGER_AND_COUNTED),
    *([(str(FEB), BASE, ())] if FEB.exists() else []),
]


@st.composite
def incidents(draw: st.DrawFn) -> Incident:
    data: dict[str, Any] = {"id": "x"}
    for key, pool in (
        ("actor", _NAMES),
        ("target", _NAMES),
        ("intended_target", _NAMES),
        ("act", _ACTS),
        ("time", _TIMES),
    ):
        data[key] = draw(st.sampled_from(pool))
    region, country = draw(st.sampled_from(_PLACES)), draw(st.sampled_from(_COUNTRIES))
    if region or country:
        data["location"] = {"region": region, "country": country}
    killed = draw(st.one_of(st.none(), st.integers(0, 30)))
    if killed is not None:
        data["casualties"] = {"killed": killed}
    return Incident.model_validate(data)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(pair=st.sampled_from(_PAIRS), incident=incidents())
def test_an_incident_lies_in_a_reported_class_exactly_when_its_verdict_differs(
    pair: tuple[str, str, tuple[str, ...]], incident: Incident
) -> None:
    a, b, sets = pair
    d = diff(b, a=a, sets=sets)
    verdicts = []
    for c in (ruleset(a), ruleset(b, sets)):
        with Evaluator(c, "columnar") as ev:
            verdicts.append(ev.evaluate([incident])[0].verdict)
    found = d.difference_for(incident)
    assert (found is not None) == (verdicts[0] != verdicts[1])
    if found is not None:
        assert (found.a.verdict, found.b.verdict) == tuple(verdicts)


def scoped(exclude: dict[str, str]) -> Compiled:
    base = ruleset(BASE)
    data = base.ruleset.model_dump(by_alias=True, exclude_none=True)
    compiled, problems = compile_ruleset(
        Ruleset.model_validate({**data, "scope": {"country": "Syria", "exclude": [exclude]}}), base.source
    )
    assert problems == []
    return compiled


def test_excluding_a_district_or_one_of_its_sub_districts_differs_on_the_others() -> None:
    """The areas a scope names are tried, and around them the areas they lie in and another within them."""
    a, b = scoped({"admin3": "Jandairis"}), scoped({"admin2": "Afrin"})
    d = diff_rulesets(a, b, "columnar")
    places = {json.dumps(x.example.location.model_dump(exclude_none=True)) for x in d.differences if x.example.location}
    assert '{"country": "Syria", "admin3": "Afrin"}' in places  # another sub-district of Afrin: in A, out in B
    strike = Incident(
        id="raju", time="2016-09-15T10:00:00+03:00", actor="SAA", act="shelling", target="FSA",
        location=Location(country="Syria", admin3="Raju"),
    )  # fmt: skip
    found = d.difference_for(strike)
    assert found is not None and (found.a.rule, found.b.rule) == ("attack-on-covered-party", "outside-scope")
    assert diff_rulesets(a, a, "columnar").differences == ()


def test_a_pattern_one_ruleset_adds_is_tried_by_a_spelling_it_matches() -> None:
    # Under B, ACLED's name for the coalition's aircraft is the coalition's by pattern; under A, nobody's.
    pattern = "parties.coalition.patterns=['US Air Force .+']"
    d = diff(BASE, sets=(pattern,), a=BASE)
    assert not d.equivalent
    added = [x for x in d.differences if dict(x.when).get("actor", "").startswith("unknown name → coalition")]
    assert added and {(x.a.rule, x.b.rule) for x in added} >= {("actor-unresolved", "attack-on-covered-party")}
    example = added[0].example
    assert example.actor is not None and example.actor.startswith("US Air Force ")
    assert d.untried == ()


def test_a_spelling_whose_meaning_depends_on_the_time_is_named_when_the_two_read_it_differently() -> None:
    dated = "parties.isis.patterns=[{pattern: 'IS .+', from: 2016-09-15}]"
    later = "parties.isis.patterns=[{pattern: 'IS .+', from: 2016-09-16}]"
    d = diff(BASE, sets=(dated,), a=BASE)
    assert d.untried == ("IS a",)  # not compared: under B it is ISIS from the 15th, under A nobody
    assert diff_rulesets(ruleset(BASE, (dated,)), ruleset(BASE, (dated,)), "columnar").untried == ()  # read alike
    assert diff_rulesets(ruleset(BASE, (dated,)), ruleset(BASE, (later,)), "columnar").untried == ("IS a",)
    out = io.StringIO()
    write_diff_table(d, console_for(out, 200))
    assert "Not compared: `IS a`, whose meaning depends on when it is told" in out.getvalue()
    assert json.loads(_json(d))["untried"] == ["IS a"]


def _json(d: RulesetDiff) -> str:
    out = io.StringIO()
    write_diff_json(d, out)
    return out.getvalue()


# -- what turns on more than one incident: named, never called equivalent ------------------------------

FEB_ID = "syria-2016-02"
HELD = str(VARIANTS / "truce-held.yaml")  # syria-2016-09 for a month: the JIC can begin inside its window
SCENARIOS = ROOT / "scenarios"


def table(d: RulesetDiff) -> str:
    out = io.StringIO()
    write_diff_table(d, console_for(out, 400))
    return out.getvalue()


def judged_alone(c: Compiled, incidents: list[Incident]) -> list[tuple[str, str | None, str | None]]:
    """Each incident's verdict, rule and phase as a scenario of these incidents alone gives them."""
    with Evaluator(c, "columnar") as ev:
        return [(v.verdict, v.rule, v.phase) for v in ev.evaluate(incidents)]


def scenario_verdicts(name: str, c: Compiled) -> list[str]:
    """The verdicts of a shipped scenario's incidents, judged together under `c`."""
    with Evaluator(c, "columnar") as ev:
        return [v.verdict for v in ev.evaluate(load_scenario(SCENARIOS / name).scenario.incidents)]


def changes(scenario: str, base: str, sets: tuple[str, ...]) -> bool:
    """Whether the shipped scenario gets other verdicts under `base` with `sets` than under `base` alone."""
    return scenario_verdicts(scenario, ruleset(base)) != scenario_verdicts(scenario, ruleset(base, sets))


@pytest.mark.parametrize(
    ("sets", "words"),
    [
        (("self_defense=null",), "none"),
        (("policy.proportionate_casualty_ratio=100",), "at most 100 (policy.proportionate_casualty_ratio) times"),
    ],
)
def test_self_defence_terms_set_differently_are_not_compared_and_the_two_are_not_called_equivalent(
    sets: tuple[str, ...], words: str
) -> None:
    d = diff(FEB_ID, a=FEB_ID, sets=sets)
    # no incident judged alone differs, but a response does: self-defence measures it against what it answers
    assert changes("syria-2016-02-self-defense.yaml", FEB_ID, sets)
    assert d.differences == () and not d.equivalent
    (u,) = d.not_compared
    assert u.term == "self_defense"
    assert "at most 2 (policy.proportionate_casualty_ratio) times the casualties" in u.a and words in u.b
    text = table(d)
    assert "equivalent" not in text
    assert "Not compared: the self-defence terms (A: a response within 6 hours" in text
    assert "No incident compared gets a different verdict" in text
    report = json.loads(_json(d))
    assert report["equivalent"] is False
    assert [(x["term"], x["a"], x["b"]) for x in report["not_compared"]] == [("self_defense", u.a, u.b)]
    assert diff(FEB_ID, a=FEB_ID).not_compared == () and diff(FEB_ID, a=FEB_ID).equivalent


def test_a_variant_that_drops_self_defence_exits_1_under_exit_code(cli: Cli, tmp_path: Path) -> None:
    variant = tmp_path / "sd-null.yaml"
    variant.write_text(f"extends: {FEB_ID}\nid: sd-null\ntitle: T\nself_defense: null\n", encoding="utf-8")
    code, out, _ = cli("diff", FEB_ID, str(variant), "-e", "columnar", "--exit-code")
    assert code == 1
    assert "Not compared: the self-defence terms" in out and "equivalent" not in out


def test_phases_that_begin_after_other_quiet_days_are_not_compared() -> None:
    three = ("policy.jic_after_days=3",)
    d = diff(HELD, a=HELD, sets=three)
    assert changes("syria-2016-09-jic.yaml", HELD, three)
    assert d.differences == () and not d.equivalent
    (u,) = d.not_compared
    assert u.term == "phases"
    assert "jic (2016-09-20T00:00:00+03:00 at the earliest) after 7 (policy.jic_after_days) quiet days" in u.a
    assert "jic (2016-09-16T00:00:00+03:00 at the earliest) after 3 (policy.jic_after_days) quiet days" in u.b
    assert "Not compared: when the phases begin (A: initial from 2016-09-12T19:00:00+03:00;" in table(d)
    # in the September window seven quiet days end with it, eight never do: the JIC begins under neither
    assert diff(BASE, sets=("policy.jic_after_days=8",)).equivalent


def test_quiet_days_counting_violations_a_and_b_find_differently_are_named() -> None:
    strict = ("policy.mistaken_target=violation",)
    d = diff(HELD, a=HELD, sets=strict)
    assert d.differences and [u.term for u in d.not_compared] == ["phases"]
    (u,) = d.not_compared
    assert u.a == u.b and "counts violations, which A and B find differently" in u.why
    assert "Not compared: when the phases begin (A and B alike: initial" in table(d)
    # where no phase that waits for quiet days can begin inside the window, the classes say it all
    assert diff(STRICT).not_compared == ()


def test_escalation_terms_set_differently_are_named_though_they_change_no_verdict() -> None:
    d = diff(BASE, sets=("escalation=null",))
    assert d.differences == () and not d.equivalent
    assert [(u.term, u.b) for u in d.not_compared] == [("escalation", "none")]
    assert d.not_compared[0].a == (
        "3 (policy.escalation_violations) violations by one party within 24 (policy.escalation_hours) hours"
    )


def test_a_class_of_one_phase_says_the_phase_is_given_and_where_its_example_falls_alone() -> None:
    d = diff(str(FEB), a=BASE)
    jic = [x for x in d.differences if x.a.rule == "air-combat-in-agreed-areas"]
    assert jic and all(x.phase is not None and x.phase.given == "jic" for x in jic)
    # the JIC cannot begin inside the September window: judged alone, the example falls in the initial phase
    for x in jic:
        assert x.phase is not None and (x.phase.alone, x.phase.agrees) == (("initial", None), False)
        assert judged_alone(ruleset(BASE), [x.example])[0][2] == "initial"
    text = table(d)
    assert "phase (given)" in text
    assert "(judged in phase jic, given as if in force; judged alone, it falls in phase initial under A):" in text
    assert "jic (never inside the window) after 7 (policy.jic_after_days) quiet days" in text
    phased = next(x for x in json.loads(_json(d))["differences"] if x["phase"] is not None)
    assert phased["phase"] == {"given": "jic", "alone": {"a": "initial", "b": None}, "agrees": False}


def test_an_example_of_one_phase_is_told_at_a_time_where_it_falls_in_that_phase_alone() -> None:
    # B forbids nothing more once the JIC has begun, and ends on 22 September; A is the truce that held
    sets = ("rules.air-combat-in-agreed-areas.verdict=undetermined", "window.until=2016-09-22T00:00:00+03:00")
    d = diff(HELD, a=HELD, sets=sets)
    both = [x for x in d.differences if (x.a.rule, x.b.rule) == ("air-combat-in-agreed-areas",) * 2]
    assert both
    for x in both:
        assert x.phase is not None and x.phase.agrees and x.phase.alone == ("jic", "jic")
        # the window's middle (17 September) falls before the JIC: a time after it is told instead
        assert x.example.time == "2016-09-21T00:00:00+03:00"
        assert judged_alone(ruleset(HELD), [x.example]) == [(x.a.verdict, x.a.rule, "jic")]
        assert judged_alone(ruleset(HELD, sets), [x.example]) == [(x.b.verdict, x.b.rule, "jic")]
    assert "(judged alone, it falls in phase jic under both):" in table(d)


def test_one_party_under_a_that_is_two_under_b_is_named_where_self_defence_reads_it(tmp_path: Path) -> None:
    # B makes the Free Syrian Army a party of its own, beside the opposition it was an alias of: no rule tells
    variant = tmp_path / "split.yaml"
    variant.write_text(
        f"extends: {FEB}\nid: split\ntitle: The FSA apart\nparties:\n"
        "  fsa: {name: Free Syrian Army, role: covered, side: opposition, aliases: [FSA]}\n"
        "  opposition: {aliases: [Opposition Rebels (Syria), Syrian insurgents, armed opposition]}\n",
        encoding="utf-8",
    )
    split = load_ruleset(variant)
    shelling = Incident(
        id="shelling", time="2016-03-01T10:00:00+02:00", actor="SAA", act="shelling", target="armed opposition",
        location=HAMA, casualties=Casualties(killed=2),
    )  # fmt: skip
    answer = shelling.model_copy(
        update={
            "id": "answer", "time": "2016-03-01T11:00:00+02:00", "actor": "FSA", "target": "SAA",
            "in_response_to": "shelling",
        }
    )  # fmt: skip
    alone = [judged_alone(c, [shelling, answer])[1][:2] for c in (ruleset(FEB_ID), split)]
    assert alone == [("permitted", "self_defense"), ("violation", "attack-on-covered-party")]
    d = diff_rulesets(ruleset(FEB_ID), split, "columnar")
    assert d.differences == () and not d.equivalent
    (u,) = d.not_compared
    assert u.term == "self_defense" and u.a == u.b
    assert "name one party under A, opposition, and two under B, opposition and fsa" in u.why


def test_help_says_the_engine_diff_runs_on_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    from engine.cli.main import main

    with pytest.raises(SystemExit):
        main(["diff", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "executor (default: durable where installed, else columnar)" in shown  # diff reads no scenario or table


def test_examples_are_told_at_times_an_incident_can_tell_when_phases_reach_the_year_9999(
    cli: Cli, tmp_path: Path
) -> None:
    far = tmp_path / "far.yaml"
    far.write_text(
        "extends: syria-2016-09\nid: far\ntitle: far\n"
        'window: {from: "9997-06-01T00:00:00+03:00", until: null}\n'
        "phases:\n  - {id: initial, clause: c}\n  - {id: jic, clause: c, from: {after: initial, duration: P935D}}\n",
        encoding="utf-8",
    )
    code, out, err = cli("diff", BASE, str(far), "-e", "columnar", "-f", "json")
    assert code == 0, err
    times = [c["example"].get("time") for c in json.loads(out)["differences"]]
    assert times and all(t is None or "9999" not in t for t in times)  # jic begins on 23 Dec 9999

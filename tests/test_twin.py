"""The two executors are twins: the same verdict, field for field, on every scenario and thousands of incidents."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from engine import Compiled, Evaluator, Incident, Verdict, compile_ruleset, evaluate, load_scenario
from engine.cli.main import main
from engine.evaluation import facts as fact_table
from engine.evaluation.columnar import ColumnarExecutor
from engine.evaluation.durable import DurableExecutor
from engine.incidents.frame import frame_of
from engine.incidents.load import load_incidents
from engine.incidents.model import Location
from engine.incidents.synthetic import UNKNOWN_ACTORS, UNKNOWN_ACTS, incidents, write_jsonl
from engine.ruleset.model import Ruleset
from engine.ruleset.spellings import sample
from tests.conftest import ENGINES, ROOT, durable_only, ruleset, with_rules

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
RULESETS = [p.stem for p in sorted((ROOT / "rules").glob("*.yaml"))]  # every shipped ruleset (variants below)
REGIONS = ["Aleppo", "IDLEB", "idlib", "Deir ez-Zor", "Homs", "Rif Dimashq", "Ar-Raqqa", "Anbar"]
COUNTRIES = ["Syria", "syria", "Iraq", "Turkey"]


@functools.cache
def evaluators(name: str) -> tuple[Evaluator, Evaluator]:
    """One evaluator per executor, kept for the whole module (each keeps no state a verdict depends on)."""
    return Evaluator(ruleset(name), "columnar"), Evaluator(ruleset(name), "durable")


def differences(name: str, told: Sequence[Incident]) -> Iterator[str]:
    columnar, durable = (e.evaluate(told) for e in evaluators(name))
    assert len(columnar) == len(durable) == len(told)
    for n, d in zip(columnar, durable):
        if n != d:
            yield f"{n.incident}:\n  columnar  {n}\n  durable {d}"


def test_the_shipped_rulesets_and_scenarios_are_all_here() -> None:
    assert "syria-2016-09" in RULESETS and len(SCENARIOS) >= 2


@durable_only
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_gets_identical_verdicts_from_both_executors(path: Path) -> None:
    loaded = load_scenario(path)
    columnar = evaluate(loaded.compiled, loaded.scenario.incidents, "columnar")
    durable = evaluate(loaded.compiled, loaded.scenario.incidents, "durable")
    assert columnar == durable
    assert len(columnar) == len(loaded.scenario.incidents) > 0


@durable_only
@pytest.mark.parametrize("name", RULESETS)
def test_generated_incidents_get_identical_verdicts_from_both_executors(name: str) -> None:
    told = incidents(3000, seed=7, compiled=ruleset(name))
    assert sum(1 for i in told if i.accounts) > 100  # the mix has accounts to combine
    assert list(differences(name, told)) == []
    verdicts = {v.verdict for v in evaluate(ruleset(name), told, "columnar")}
    assert verdicts == {"violation", "permitted", "not_covered", "disputed", "undetermined"}


@durable_only
@pytest.mark.parametrize("name", RULESETS)
def test_both_executors_match_the_same_rules_on_the_same_fact_rows(name: str) -> None:
    compiled = ruleset(name)
    rows = fact_table.told(frame_of(incidents(1000, seed=9, compiled=compiled)))
    table, _ = fact_table.facts(compiled, rows)
    durable = DurableExecutor(compiled)
    try:
        masks = durable.match(table)
    finally:
        durable.close()
    assert_frame_equal(ColumnarExecutor(compiled).match(table), masks)
    assert masks.get_column("mask.0").n_unique() > 10  # many different sets of rules matched


VARIANTS = sorted((ROOT / "rules" / "variants").glob("*.yaml"))


@durable_only
@pytest.mark.parametrize("variant", VARIANTS, ids=lambda p: p.stem)
@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_scenario_under_every_variant_gets_identical_verdicts_from_both_executors(
    path: Path, variant: Path
) -> None:
    loaded = load_scenario(path, rules=str(variant))
    frame = frame_of(loaded.scenario.incidents)
    runs = []
    for engine in ("columnar", "durable"):
        with Evaluator(loaded.compiled, engine) as evaluator:
            runs.append(evaluator.run(frame))
    assert_frame_equal(runs[0].verdicts, runs[1].verdicts)
    assert_frame_equal(runs[0].accounts.drop("said"), runs[1].accounts.drop("said"))  # `said` numbers, any order


@durable_only
@pytest.mark.slow
def test_a_100k_generated_table_gets_identical_reports_from_both_executors(tmp_path: Path) -> None:
    table = tmp_path / "incidents.jsonl"
    write_jsonl(table, 100_000, seed=2016)
    reports = []
    for engine in ("columnar", "durable"):
        out = tmp_path / f"{engine}.json"
        assert (
            main(["run", str(table), "--rules", "syria-2016-09", "--engine", engine, "-f", "json", "-o", str(out)]) == 0
        )
        reports.append(out.read_text(encoding="utf-8").replace(f'"engine":"{engine}"', '"engine":"?"', 1))
    assert reports[0] == reports[1]
    assert reports[0].count('\n{"incident"') == 100_000


def test_the_generator_is_deterministic_and_its_lines_are_incidents(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_jsonl(first, 500, seed=3)
    write_jsonl(second, 500, seed=3)
    assert first.read_bytes() == second.read_bytes()
    assert load_incidents(first) == incidents(500, seed=3)
    assert incidents(50, seed=4) != incidents(50, seed=3)


# -- hypothesis: incidents drawn from a ruleset's own vocabulary, respelled, and from outside it -------


# Spellings as event data writes them, many read by patterns (units after a force, regime years, a country).
ACLED_NAMES = [
    "Military Forces of Syria (2000-)",
    "Military Forces of Syria (2000-2024) Air Force",
    "Military Forces of Syria (2024-)",
    "Police Forces of Syria (2000-)",
    "Military Forces of Russia (2000-) Air Force",
    "HTS: Hayat Tahrir al Sham",
    "Islamic State (Iraq)",
    "Civilians (International)",
    "Unidentified Armed Group (Syria)",
    "Government of Russia (Soviet Union)",
]


def spellings(compiled: Compiled) -> list[str]:
    r = compiled.ruleset
    known = [s for pid, p in r.parties.items() for s in (pid, p.name, *p.aliases)]
    made = [s for s in (sample(p.regex) for p in compiled.patterns) if s is not None]
    names = [*r.civilians.aliases, *r.unidentified.aliases, "civilians", *UNKNOWN_ACTORS]
    return [*known, *names, *made, *ACLED_NAMES]


def acts(compiled: Compiled) -> list[str]:
    return [s for aid, a in compiled.ruleset.acts.items() for s in (aid, *a.aliases)] + list(UNKNOWN_ACTS)


def respelled(names: list[str]) -> st.SearchStrategy[str]:
    def respell(name: str, how: int) -> str:
        return (name, name.upper(), name.lower(), name.replace("-", " "), f" {name}.", name.replace(" ", ""))[how]

    return st.builds(respell, st.sampled_from(names), st.integers(0, 5)) | st.text(min_size=1, max_size=6)


def times(compiled: Compiled) -> st.SearchStrategy[str]:
    start = compiled.start
    until = compiled.until or start + timedelta(days=30)
    moments = st.integers(-3 * 24 * 60, int((until - start).total_seconds() // 60) + 3 * 24 * 60).map(
        lambda m: start + timedelta(minutes=m)
    )
    zones = st.sampled_from([timezone(timedelta(hours=h)) for h in (0, 2, 3, -5)])
    stamped = st.builds(lambda m, z: m.astimezone(z).isoformat(), moments, zones)
    dated = moments.map(lambda m: m.astimezone(start.tzinfo).date().isoformat())
    # the window's own edges, where a date straddles and an instant is just in or out
    edges = st.sampled_from(
        [
            start.isoformat(),
            (start - timedelta(seconds=1)).isoformat(),
            start.date().isoformat(),
            *([until.isoformat(), (until - timedelta(seconds=1)).isoformat()] if compiled.until else []),
        ]
    )
    return stamped | dated | edges


def told(compiled: Compiled) -> st.SearchStrategy[dict[str, Any]]:
    """The fields an incident or an account may give, each possibly absent."""
    name = respelled(spellings(compiled))
    place = st.fixed_dictionaries(
        {},
        optional={
            "region": st.sampled_from(REGIONS),
            "admin2": st.sampled_from(["Jebel Saman", "Afrin", "Al Bab", "Idleb", "Nowhere"]),
            "country": st.sampled_from(COUNTRIES),
        },
    )
    toll = st.fixed_dictionaries({}, optional={"killed": st.integers(0, 90), "wounded": st.integers(0, 200)})
    return st.fixed_dictionaries(
        {},
        optional={
            "time": times(compiled),
            "actor": name,
            "act": respelled(acts(compiled)),
            "target": name,
            "intended_target": name,
            "location": place,
            "casualties": toll,
        },
    )


def incident_lists(compiled: Compiled) -> st.SearchStrategy[list[Incident]]:
    account = st.builds(lambda d, s: {**d, "source": s}, told(compiled), st.sampled_from(["A", "B", "C", "D"]))
    accounts = st.lists(account, max_size=3, unique_by=lambda a: str(a["source"]))  # one account per source
    # An incident may be judged both ways (`mutual`) and name associated actors of either side.
    associates = st.lists(st.sampled_from(spellings(compiled)), max_size=2)
    judged = st.fixed_dictionaries(
        {}, optional={"mutual": st.booleans(), "assoc_actor": associates, "assoc_target": associates}
    )
    one = st.builds(lambda d, j, a: {**d, **j, "accounts": a}, told(compiled), judged, accounts)
    return st.lists(one, min_size=20, max_size=60).map(
        lambda ds: [Incident.model_validate({"id": f"h{n}", **d}) for n, d in enumerate(ds)]
    )


def twin_property(name: str) -> None:
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(incident_lists(ruleset(name)))
    def check(told: list[Incident]) -> None:
        assert list(differences(name, told)) == []

    check()


@pytest.mark.slow
@durable_only
@pytest.mark.parametrize("name", RULESETS)
def test_drawn_incidents_get_identical_verdicts_from_both_executors(name: str) -> None:
    twin_property(name)  # 60 lists of 20 to 60 incidents: a few thousand per ruleset


HOMS = Location(country="Syria", admin1="Homs")


def with_dated_patterns(compiled: Compiled) -> Compiled:
    """The ruleset with patterns valid only between days that fall inside its window: some spellings change
    party halfway through it, and a pattern of one party overlaps another's for a day."""
    start = compiled.start.astimezone(compiled.zone).date()
    day = [(start + timedelta(days=k)).isoformat() for k in range(6)]
    r = compiled.ruleset
    added = {
        "syrian-government": [{"pattern": r"Military Forces of Syria \(2000-\)( .+)?", "until": day[3]}],
        "opposition": [
            {"pattern": r"Military Forces of Syria \(2000-\)( .+)?", "from": day[3], "until": day[5]},
            r".*Rebels.*",
        ],
        "isis": [{"pattern": r".*Rebels \(IS\)", "from": day[2]}, {"pattern": r"IS \(.+\)", "from": day[1]}],
        "jfs": [{"pattern": r"IS \(.+\)", "until": day[2]}],
    }
    data = r.model_dump(by_alias=True, exclude_none=True)
    for pid, patterns in added.items():
        data["parties"][pid]["patterns"] += patterns
    dated, problems = compile_ruleset(Ruleset.model_validate(data), "")
    assert problems == [] and dated.dated
    return dated


@durable_only
def test_spellings_read_by_dated_patterns_get_identical_verdicts_from_both_executors() -> None:
    compiled = with_dated_patterns(ruleset("syria-2016-09"))
    names = ["Military Forces of Syria (2000-) Navy", "Free Rebels", "Free Rebels (IS)", "IS (Iraq)", "SAA"]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.lists(
            st.builds(lambda t, a, b: (t, a, b), times(compiled), st.sampled_from(names), st.sampled_from(names)),
            min_size=20,
            max_size=60,
        )
    )
    def check(drawn: list[tuple[str, str, str]]) -> None:
        told = [
            Incident(id=f"d{n}", time=t, actor=a, act="shelling", target=b, location=HOMS)
            for n, (t, a, b) in enumerate(drawn)
        ]
        columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
        assert columnar == durable

    check()
    told = [
        Incident(
            id=f"d{n}",
            time=t,
            actor="Military Forces of Syria (2000-) Navy",
            act="shelling",
            target="FSA",
            location=HOMS,
        )
        for n, t in enumerate(
            (compiled.start + timedelta(days=k, hours=h)).isoformat() for k in range(6) for h in (0, 12)
        )
    ]
    by = {v.incident: v.rule for v in evaluate(compiled, told, "columnar")}
    assert {"attack-on-covered-party", "actor-unresolved"} <= set(by.values())  # named, then ambiguous


@durable_only
def test_a_rule_with_two_any_groups_across_fields_gets_identical_verdicts() -> None:
    # each group spans two fields' groups: the columnar executor tests both on the whole row
    compiled = with_rules(
        ruleset("syria-2016-09"),
        {
            "id": "two-groups",
            "clause": "test",
            "priority": 1,
            "when": {
                "all": [
                    {"any": [{"actor.party": "syrian-government"}, {"act": "shelling"}]},
                    {"any": [{"target.role": "covered"}, {"region": "Raqqa"}]},
                ]
            },
            "verdict": "violation",
            "explanation": "{actor} and {target}.",
        },
    )
    told = incidents(2000, seed=29, compiled=compiled)
    columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
    assert columnar == durable
    assert 50 < sum(v.rule == "two-groups" for v in columnar) < len(told) - 50


@durable_only
def test_rules_on_the_toll_and_across_fields_get_identical_verdicts_from_both_executors() -> None:
    # A test of the toll, and an `any:` over the actor's and the act's fields, take the columnar
    # executor off its lookup-by-parts path: the twins must still agree.
    compiled = with_rules(
        ruleset("syria-2016-09"),
        {
            "id": "mass-casualty",
            "clause": "test",
            "priority": 1,
            "when": {"killed": {"gte": 20}, "act.hostile": True},
            "verdict": "violation",
            "explanation": "{actor} killed many.",
        },
        {
            "id": "government-or-shelling",
            "clause": "test",
            "priority": 2,
            "when": {"in_window": True, "any": [{"actor.party": "syrian-government"}, {"act": "shelling"}]},
            "verdict": "violation",
            "explanation": "{actor} or shelling.",
        },
    )
    told = incidents(2000, seed=13, compiled=compiled)
    columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
    assert columnar == durable
    decided = {v.rule for v in columnar} | {a.rule for v in columnar for a in v.accounts}
    assert {"mass-casualty", "government-or-shelling"} <= decided
    # both branches of the `any:` hold: durable_rules fires the rule once per branch, yet it matched once
    both = Incident(id="both", time="2016-09-15T10:00:00+03:00", actor="Syrian Arab Army", act="shelling")
    for engine in ("columnar", "durable"):
        (verdict,) = evaluate(compiled, [both], engine)
        assert verdict.matched.count("government-or-shelling") == 1 and verdict.rule == "government-or-shelling"


# -- rules drawn at random: the twins agree on any condition the language can write ------------------


def field_values(compiled: Compiled) -> dict[str, st.SearchStrategy[Any]]:
    """For each field a condition can test, values a rule might compare it with."""
    r = compiled.ruleset
    parties = st.sampled_from([*r.parties, "civilians", "unidentified"])
    roles = st.sampled_from(["covered", "sponsor", "excluded", "civilians", "unidentified", "unknown"])
    sides = st.sampled_from(sorted({p.side for p in r.parties.values() if p.side}))
    people = {f"{who}.{attr}": v for who in ("actor", "target", "intended_target") for attr, v in
              (("party", parties), ("role", roles), ("side", sides))}  # fmt: skip
    return {
        **people,
        "act": st.sampled_from([*r.acts, "unknown"]),
        "act.hostile": st.booleans(),
        "in_window": st.booleans(),
        "in_scope": st.booleans(),
        "region": st.sampled_from([r for r in REGIONS if r != "Anbar"]),  # a rule names Syria's: the gazetteer's
        "admin2": st.sampled_from(["Jebel Saman", "Afrin", "Idleb"]),
        "area.agreed": st.booleans(),
        "killed": st.integers(0, 60),
        "wounded": st.integers(0, 120),
    }


def field_tests(compiled: Compiled) -> st.SearchStrategy[dict[str, Any]]:
    """One to three field tests, each a value, a list, or an operator map."""

    def test(field: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        ops = [
            values,
            st.lists(values, min_size=1, max_size=3, unique=True),
            st.builds(lambda v: {"not": v}, values | st.lists(values, min_size=1, max_size=3, unique=True)),
            st.builds(lambda b: {"present": b}, st.booleans()),
        ]
        if field in ("killed", "wounded"):
            ops.append(st.builds(lambda op, v: {op: v}, st.sampled_from(["lt", "lte", "gt", "gte"]), values))
        return st.one_of(ops)

    tests = {field: test(field, values) for field, values in field_values(compiled).items()}
    return st.lists(st.sampled_from(sorted(tests)), min_size=1, max_size=3, unique=True).flatmap(
        lambda fields: st.fixed_dictionaries({f: tests[f] for f in fields})
    )


def conditions(compiled: Compiled) -> st.SearchStrategy[dict[str, Any]]:
    """Field tests, and now and then an `any:` of them (which may hold an `all:`)."""
    leaf = field_tests(compiled)
    branch = leaf | st.builds(lambda items: {"all": items}, st.lists(leaf, min_size=2, max_size=2))
    alternatives = st.lists(branch, min_size=2, max_size=3)
    return st.builds(
        lambda tests, any_of, more: {
            **tests,
            **({"any": any_of} if any_of else {}),
            **({"all": [{"any": more[0]}, {"any": more[1]}]} if more else {}),  # two any-groups in one rule
        },
        leaf,
        st.none() | alternatives,
        st.none() | st.tuples(alternatives, alternatives),
    )


def drawn_rules(compiled: Compiled) -> st.SearchStrategy[list[dict[str, Any]]]:
    rule = st.builds(
        lambda n, when, verdict, priority: {
            "id": f"drawn-{n}",
            "clause": "drawn",
            "priority": priority,
            "when": when,
            "verdict": verdict,
            "explanation": "{actor}, {act}, {target}.",
        },
        st.integers(0, 9),
        conditions(compiled),
        st.sampled_from(["violation", "permitted", "not_covered", "undetermined"]),
        st.integers(0, 40),
    )
    return st.lists(rule, min_size=1, max_size=4, unique_by=lambda r: r["id"])


@pytest.mark.slow
@durable_only
def test_drawn_rules_get_identical_verdicts_from_both_executors() -> None:
    base = ruleset("syria-2016-09")
    told = incidents(150, seed=17, compiled=base)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(drawn_rules(base))
    def check(rules: list[dict[str, Any]]) -> None:
        compiled = with_rules(base, *rules)
        columnar, durable = evaluate(compiled, told, "columnar"), evaluate(compiled, told, "durable")
        assert [v for v in columnar if v not in durable] == []
        assert columnar == durable

    check()


# -- no state shared between rulesets or runs ---------------------------------------------------------


def flipped(compiled: Compiled) -> Compiled:
    """The ruleset with `mistaken_target` set the other way."""
    policy = dict(compiled.ruleset.policy)
    policy["mistaken_target"] = "violation" if policy["mistaken_target"] == "permitted" else "permitted"
    variant, problems = compile_ruleset(compiled.ruleset.model_copy(update={"policy": policy}), compiled.source)
    assert problems == []
    return variant


def one_by_one(compiled: Compiled, told: list[Incident], engine: str) -> list[Verdict]:
    """Each incident judged alone (as `interleaved` judges them: quiet days and escalation see one at a time)."""
    with Evaluator(compiled, engine) as evaluator:
        return [v for incident in told for v in evaluator.evaluate([incident])]


def interleaved(pairs: Sequence[tuple[Compiled, list[Incident]]], engine: str) -> list[list[Verdict]]:
    """Evaluate with every evaluator open at once, taking turns one incident at a time."""
    evaluators = [Evaluator(compiled, engine) for compiled, _ in pairs]
    try:
        out: list[list[Verdict]] = [[] for _ in pairs]
        for n in range(max(len(told) for _, told in pairs)):
            for k, (evaluator, (_, told)) in enumerate(zip(evaluators, pairs)):
                if n < len(told):
                    out[k] += evaluator.evaluate([told[n]])
        return out
    finally:
        for evaluator in evaluators:
            evaluator.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ruleset_and_its_variant_in_one_process_give_what_each_gives_alone(engine: str) -> None:
    base = ruleset("syria-2016-09")
    variant = flipped(base)
    told = incidents(400, seed=11)
    alone = [evaluate(base, told, engine), evaluate(variant, told, engine)]
    assert alone[0] != alone[1]  # the knob matters to these incidents, so a leak would show
    assert [evaluate(c, told, engine) for c in (variant, base, variant)] == [alone[1], alone[0], alone[1]]
    few = told[:40]  # one evaluation per incident: a few are enough, as long as the knob matters to them
    assert evaluate(base, few, engine) != evaluate(variant, few, engine)
    assert interleaved([(base, few), (variant, few)], engine) == [one_by_one(c, few, engine) for c in (base, variant)]


@pytest.mark.parametrize("engine", ENGINES)
def test_two_rulesets_in_one_process_give_what_each_gives_alone(engine: str) -> None:
    if len(RULESETS) < 2:
        pytest.skip("only one shipped ruleset")
    pairs = [(ruleset(name), incidents(40, seed=5, compiled=ruleset(name))) for name in RULESETS]
    alone = [one_by_one(compiled, told, engine) for compiled, told in pairs]
    assert interleaved(pairs, engine) == alone
    assert interleaved(pairs[::-1], engine) == alone[::-1]


@durable_only
@pytest.mark.parametrize("ratio", ["0.00001", "1e-7", "1.5", "1000"])
def test_a_casualty_ratio_json_writes_with_an_exponent_is_judged_by_both_engines_alike(
    ratio: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """durable_rules cannot read `1e-05` in a fact: a knob no rule tests (the self-defence ratio) is no fact (it
    was a traceback, `Could not assert fact, error code: 204`)."""
    scenario = str(ROOT / "scenarios" / "syria-2016-02-self-defense.yaml")
    knob = f"policy.proportionate_casualty_ratio={ratio}"
    reports = []
    for engine in ("durable", "columnar"):
        code = main(["run", scenario, "--set", knob, "-e", engine, "-f", "json"])
        out, err = capsys.readouterr()
        assert (code, err) == (0, "")
        reports.append(out.replace('"engine":"durable"', '"engine":"columnar"'))
    assert reports[0] == reports[1]

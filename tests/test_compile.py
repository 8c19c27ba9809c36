"""The condition language: what each test means, and the meaning errors compile reports."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from engine.evaluation.facts import Resolver
from engine.evaluation.pipeline import Evaluator
from engine.incidents.frame import INCIDENTS, TOLD
from engine.ruleset.compile import AllOf, Compiled, compile_ruleset, normalize
from engine.ruleset.model import Ruleset
from tests.conftest import ENGINES

BASE: dict[str, Any] = {
    "id": "t",
    "title": "test truce",
    "agreement": {"name": "test"},
    "window": {"from": "2020-03-06T00:01:00+02:00", "until": "2020-04-01T00:00:00+02:00"},
    "scope": {"country": "Syria", "regions": ["Idleb", "Hama"]},
    "parties": {
        "army": {"name": "Army", "role": "covered", "side": "gov", "aliases": ["Military Forces of Syria (2000-)"]},
        "rebels": {"name": "Rebels", "role": "covered", "side": "opp"},
        "hts": {"name": "HTS", "role": "excluded", "aliases": ["HTS: Hayat Tahrir al Sham"]},
    },
    "acts": {"shelling": {"hostile": True}, "patrol": {"hostile": False}},
    "policy": {"level": "high"},
    "rules": [{"id": "r", "clause": "c", "priority": 1, "when": "always", "verdict": "violation", "explanation": "x"}],
}


def build(when: dict[str, Any] | str, **extra: Any) -> tuple[Compiled, list[str]]:
    data = {**BASE, **extra, "rules": [{**BASE["rules"][0], "when": when}]}
    compiled, problems = compile_ruleset(Ruleset.model_validate(data), "t.yaml")
    return compiled, [f"{p.path}: {p.message}" for p in problems]


def told(**fields: Any) -> pl.DataFrame:
    """An incident frame of one incident told with these fields (`TOLD`), and no accounts."""
    return pl.DataFrame([{"id": "i", **dict.fromkeys(TOLD), **fields, "accounts": []}], schema=INCIDENTS)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("when", "facts", "holds"),
    [
        ("always", {}, True),
        ({"actor.role": "covered"}, {"actor": "army"}, True),
        ({"actor.role": "covered"}, {"actor": "HTS"}, False),
        ({"actor.role": "covered"}, {}, False),
        ({"actor.role": ["excluded", "covered"]}, {"actor": "hts: hayat-tahrir al sham"}, True),
        ({"actor.role": {"not": "covered"}}, {"actor": "hts"}, True),
        ({"actor.role": {"not": "covered"}}, {}, False),  # absent: every test fails but present: false
        ({"actor.role": {"present": False}}, {}, True),
        ({"actor.role": {"present": True}}, {"actor": "nobody we know"}, True),
        ({"actor.role": "unknown"}, {"actor": "nobody we know"}, True),
        ({"killed": {"gte": 5}}, {"killed": 5}, True),
        ({"killed": {"gt": 5, "lte": 10}}, {"killed": 5}, False),
        ({"killed": {"lt": 1}}, {}, False),
        ({"act.hostile": False}, {"act": "patrol"}, True),
        ({"act.hostile": False}, {"act": "dancing"}, False),
        ({"act": "unknown"}, {"act": "dancing"}, True),
        ({"region": "idleb"}, {"admin1": "IDLEB"}, True),
        ({"in_scope": False}, {"admin1": "Latakia"}, True),
        ({"in_scope": False}, {"admin1": "Hama", "country": "Turkey"}, True),
        ({"in_scope": {"present": False}}, {}, True),
        ({"in_window": True}, {"time": "2020-03-06T00:01:00+02:00"}, True),
        ({"in_window": False}, {"time": "2020-03-05T23:59:00+02:00"}, True),
        ({"in_window": True}, {"time": "2020-03-05T22:01:00Z"}, True),  # same instant as the start
        ({"in_window": True}, {"time": "2020-03-07"}, True),
        ({"in_window": True}, {"time": "2020-04-01T00:30:00+14:00"}, True),  # 2020-03-31T10:30Z, before the end
        ({"in_window": False}, {"time": "2020-03-06T20:00:00+23:00"}, True),  # 2020-03-05T21:00Z, before the start
        ({"in_window": True}, {"time": "2020-03-20T23:30:00-12:00"}, True),
        ({"in_window": {"present": False}}, {"time": "2020-03-06"}, True),  # the day straddles the start
        ({"in_window": False}, {"time": "2020-04-01"}, True),
        ({"policy.level": "high"}, {}, True),
        ({"any": [{"actor.role": "excluded"}, {"act": "patrol"}]}, {"actor": "army", "act": "patrol"}, True),
        ({"any": [{"actor.role": "excluded"}, {"act": "patrol"}]}, {"actor": "army", "act": "shelling"}, False),
        ({"all": [{"actor.side": "gov"}, {"target.side": "opp"}]}, {"actor": "army", "target": "rebels"}, True),
    ],
)
def test_a_condition_holds_exactly_when_it_should(
    engine: str, when: dict[str, Any] | str, facts: dict[str, Any], holds: bool
) -> None:
    compiled, problems = build(when)
    assert problems == []
    with Evaluator(compiled, engine) as evaluator:
        (verdict,) = evaluator.run(told(**facts)).accounts.iter_rows(named=True)
    assert (verdict["rule"] == "r") is holds


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"actr.role": "covered"}, "rules[0].when.actr.role: unknown field `actr.role`"),
        ({"actor.role": "coverd"}, "rules[0].when.actor.role: `actor.role` cannot be `coverd`"),
        ({"actor.party": "hst"}, "did you mean `hts`?"),
        ({"killed": {"gte": "five"}}, "`gte` compares numbers"),
        ({"killed": {"gte": 7.0}}, "`gte` compares numbers: `killed` with a whole number; write 7"),
        ({"wounded": 3.0}, "rules[0].when.wounded: `wounded` is a whole number, not `3.0`; write 3"),
        (
            {"killed": {"ge": 5}},
            "unknown operator `ge`; expected one of eq, in, not, lt, lte, gt, gte, present; did you mean `gte`?",
        ),
        ({"killed": {"neq": 3}}, "did you mean `not`?"),  # not `eq`, the nearest spelling and the opposite test
        ({"act.hostile": "yes"}, "`act.hostile` is true or false"),
        ({"policy.level": 3}, "policy.level: `high` is not a value the rules compare it with; expected one of 3"),
        ({"any": []}, "`any` takes a non-empty list of conditions"),
        ({"actor.role": []}, "the list of values is empty"),
        ({"target.role": {"present": "no"}}, "`present` takes true or false"),
        # Empty tests would hold for every incident, even one with no facts: refused, with what to write.
        (
            {},
            "rules[0].when: `when` is empty, so the rule would decide every incident, even one with no facts; "
            "give the tests that must hold, or write `when: always`",
        ),
        (
            {"killed": {}},
            "rules[0].when.killed: `killed: {}` tests nothing, so it holds for every incident, even "
            "one with no facts; give a test, like `killed: {gte: 1}`, or `killed: {present: true}` for any value told",
        ),
        ({"act": {}}, "give a test, like `act: shelling`, or `act: {present: true}`"),
        (
            {"any": [{}]},
            "rules[0].when.any[0]: an empty condition holds for every incident, even one with no facts; give its tests",
        ),
        ({"act": "patrol", "all": [{"killed": 1}, {}]}, "rules[0].when.all[1]: an empty condition holds"),
    ],
)
def test_bad_conditions_are_reported_with_their_path(when: dict[str, Any], message: str) -> None:
    _, problems = build(when)
    assert len(problems) == 1 and message in problems[0]


def test_meaning_errors_are_all_reported() -> None:
    parties = {**BASE["parties"], "other": {"name": "Army", "role": "covered"}}
    _, problems = build(
        "always", parties=parties, window={"from": "2020-03-06T00:00:00+02:00", "until": "2020-03-01T00:00:00+02:00"}
    )
    assert any("alias `Army` is also a spelling of `army`" in p for p in problems)
    assert any(p.startswith("window.until: window ends") for p in problems)


def test_a_knob_value_no_rule_tests_for_is_an_error() -> None:
    _, problems = build({"policy.level": "high"}, policy={"level": "hgh"})
    assert problems == [
        "policy.level: `hgh` is no value the rules test for; expected one of high; did you mean `high`?"
    ]


def test_rules_decide_in_priority_then_file_order() -> None:
    rules = [
        {**BASE["rules"][0], "id": "late", "priority": 5},
        {**BASE["rules"][0], "id": "first", "priority": 1},
        {**BASE["rules"][0], "id": "second", "priority": 1},
    ]
    compiled, problems = compile_ruleset(Ruleset.model_validate({**BASE, "rules": rules}))
    assert problems == []
    assert [r.id for r in compiled.rules] == ["first", "second", "late"]
    assert all(isinstance(r.condition, AllOf) for r in compiled.rules)


def test_names_match_ignoring_case_punctuation_and_spacing() -> None:
    assert normalize("JFS: Al Nusra Front") == normalize("jfs al-nusra front") == "jfsalnusrafront"
    compiled, _ = build("always")
    resolver = Resolver(compiled)
    found, unknown = resolver.name("MILITARY FORCES OF SYRIA 2000"), resolver.name("someone else")
    assert (found.party, found.role) == ("army", "covered")
    assert (unknown.party, unknown.role) == (None, "unknown")


def test_names_match_ignoring_accents_however_they_are_encoded() -> None:
    composed, decomposed = "Fat\u00e9h", "Fate\u0301h"
    assert normalize(composed) == normalize(decomposed) == normalize("FATEH") == "fateh"
    assert normalize("Jabhat Fat\u1e25 al-Sh\u0101m") == normalize("jabhat fath al-sham")
    vocalised, bare = "\u062c\u064e\u0628\u0652\u0647\u064e\u0629", "\u062c\u0628\u0647\u0629"  # Arabic
    assert normalize(vocalised) == normalize(bare)
    assert normalize("\ufb01ghters") == "fighters"  # a ligature is its letters
    compiled, _ = build("always")
    found = Resolver(compiled).name("M\u00cdLITARY F\u00d3RCES OF SYRIA 2000")
    assert (found.party, found.role) == ("army", "covered")


@pytest.mark.parametrize(
    ("written", "plain"),
    [
        ("D\u0101\u02bfish", "Da'ish"),
        ("Dar\u02bf\u0101", "Dar'a"),
        ("Luhans\u02b9k", "Luhansk"),
        ("Kyiv\u02bc", "Kyiv"),
    ],
)
def test_modifier_letters_of_transliterations_match_like_apostrophes(written: str, plain: str) -> None:
    """ALA-LC's ayn and hamza (U+02BF, U+02BE) and the Ukrainian soft sign (U+02B9) are not letters to match."""
    assert normalize(written) == normalize(plain) == normalize(plain.replace("'", ""))
    compiled, _ = build("always", parties={"isis": {"name": "Islamic State", "role": "excluded", "aliases": [plain]}})
    assert Resolver(compiled).name(written).party == "isis"


def test_arabic_script_keeps_its_letters() -> None:
    assert normalize("\u062f\u0627\u0639\u0634") != normalize("\u062f\u0639\u0634")  # Daesh with and without alef

"""Who a truce binds: a verdict on an actor it does not bind cites the clause that says why.

An excluded group (ISIS, JFS, HTS) is decided by `actor-not-bound`, citing the clause that excludes it; a party
named but not part of the truce (`not_party`), civilians, and the sponsors where `policy.sponsors_bound` is false,
by `actor-not-party`, citing the clause on who is bound. Both `not_covered`, at priority 15, in each shipped
ruleset. Who is bound: in Syria 2016, the parties that declared acceptance of the terms to the US or Russia
(annex to UNSC resolution 2268); in Idlib 2020, the forces along the line of contact (Additional Protocol of
5 Mar 2020, signed by Russia and Turkey as guarantors, art. 1).
"""

from __future__ import annotations

from typing import Any

import pytest

from engine import Incident, evaluate, load_ruleset
from engine.evaluation.result import Verdict
from engine.ruleset.compile import Compiled
from tests.conftest import ENGINES, ruleset

FEBRUARY, SEPTEMBER, IDLIB = "syria-2016-02", "syria-2016-09", "idlib-2020-03"
UNBOUND = "syria-2016-09-sponsors-not-bound"

# What each ruleset cites: (the exclusion clause, the clause on who is bound).
CLAUSES = {
    FEBRUARY: (
        "Terms, preamble: the cessation does not apply to Daesh, Jabhat al-Nusra, or other UN-designated terrorist "
        "organisations",
        "Terms for a Cessation of Hostilities in Syria: applies to the parties that declared acceptance to the US or "
        "Russia (deadline 12:00, 26 Feb 2016)",
    ),
    SEPTEMBER: (
        "Terms, preamble: the cessation does not apply to Daesh, Jabhat al-Nusra, or other UN-designated terrorist "
        "organisations",
        "Terms, to which all parties recommit on 9 Sep 2016: the cessation applies to the parties that declared "
        "acceptance to the US or Russia",
    ),
    IDLIB: (
        "Preamble: the guarantors remain determined to eliminate all terrorist groups designated by the UN Security "
        "Council",
        "Signed by Russia and Turkey as guarantors of the observance of the ceasefire regime; art. 1: cease all "
        "military actions along the line of contact",
    ),
}
CLAUSES[UNBOUND] = CLAUSES[SEPTEMBER]

# An act of war on a covered party inside each truce's window and scope: only who acted keeps it from a violation.
SHELLING: dict[str, dict[str, Any]] = {
    FEBRUARY: {"time": "2016-03-05T10:00:00+02:00", "act": "shelling", "target": "Syrian Arab Army"},
    SEPTEMBER: {"time": "2016-09-14T10:00:00+03:00", "act": "shelling", "target": "Syrian Arab Army"},
    IDLIB: {"time": "2020-03-20T10:00:00+02:00", "act": "shelling", "target": "Military Forces of Syria (2000-)"},
}
SHELLING[UNBOUND] = SHELLING[SEPTEMBER]
WHERE = {FEBRUARY: "Aleppo", SEPTEMBER: "Aleppo", UNBOUND: "Aleppo", IDLIB: "Idleb"}


def judged(compiled: Compiled, truce: str, actor: str, engine: str) -> Verdict:
    told = {"id": "i", **SHELLING[truce], "actor": actor, "location": {"admin1": WHERE[truce]}}
    (v,) = evaluate(compiled, [Incident.model_validate(told)], engine)
    return v


def named(truce: str, role: str) -> list[str]:
    """The names of the ruleset's parties of this role."""
    return [p.name for p in ruleset(truce).ruleset.parties.values() if p.role == role]


def cases(role: str, truces: tuple[str, ...] = (FEBRUARY, SEPTEMBER, IDLIB)) -> list[tuple[str, str]]:
    found = [(truce, name) for truce in truces for name in named(truce, role)]
    assert {truce for truce, _ in found} == set(truces), f"a ruleset with no {role} party"
    return found


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("truce", "actor"), cases("excluded"))
def test_an_excluded_group_is_not_covered_under_the_clause_that_excludes_it(
    engine: str, truce: str, actor: str
) -> None:
    v = judged(ruleset(truce), truce, actor, engine)
    assert (v.verdict, v.rule, v.clause) == ("not_covered", "actor-not-bound", CLAUSES[truce][0])
    assert v.matched == ("actor-not-bound",)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("truce", "actor"),
    [
        *cases("not_party"),
        *((t, "Civilians (Syria)") for t in (FEBRUARY, SEPTEMBER, IDLIB)),
        (UNBOUND, "US-led coalition"),
    ],
)
def test_an_actor_neither_bound_nor_excluded_is_not_covered_under_the_clause_on_who_is_bound(
    engine: str, truce: str, actor: str
) -> None:
    # named parties outside the truce, civilians, and the coalition where the sponsors are not bound
    v = judged(ruleset(truce), truce, actor, engine)
    assert (v.verdict, v.rule, v.clause) == ("not_covered", "actor-not-party", CLAUSES[truce][1])
    # the first rule to hold; a rule written for bound actors may hold after it (the sponsors')
    assert v.matched[0] == "actor-not-party" and "actor-not-bound" not in v.matched
    assert " is not a party to the " in v.explanation and "excluded" not in v.clause


@pytest.mark.parametrize("engine", ENGINES)
def test_the_sponsors_unbound_by_a_set_are_not_covered_under_the_clause_on_who_is_bound(engine: str) -> None:
    unbound = load_ruleset(FEBRUARY, sets=["policy.sponsors_bound=false"])
    v = judged(unbound, FEBRUARY, "US-led coalition", engine)
    assert (v.verdict, v.rule, v.clause) == ("not_covered", "actor-not-party", CLAUSES[FEBRUARY][1])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("truce", [FEBRUARY, SEPTEMBER])
def test_the_sponsors_bound_are_held_to_the_terms(engine: str, truce: str) -> None:
    v = judged(ruleset(truce), truce, "US-led coalition", engine)
    assert (v.verdict, v.rule) == ("violation", "attack-on-covered-party")
    assert not {"actor-not-bound", "actor-not-party"} & set(v.matched)


@pytest.mark.parametrize("truce", [FEBRUARY, SEPTEMBER, IDLIB])
def test_both_rules_decide_at_priority_15_each_citing_its_own_clause(truce: str) -> None:
    rules = {r.id: r for r in ruleset(truce).rules}
    excluded, not_party = rules["actor-not-bound"], rules["actor-not-party"]
    assert (excluded.priority, excluded.verdict) == (not_party.priority, not_party.verdict) == (15, "not_covered")
    assert (excluded.clause, not_party.clause) == CLAUSES[truce]

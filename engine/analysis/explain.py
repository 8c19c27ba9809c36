"""Why an incident got its verdict: names resolved, every rule tested in deciding order, accounts combined."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.errors import InputError, did_you_mean
from engine.evaluation.decide import account_verdicts, matched_rules, verdicts_of
from engine.evaluation.facts import Name, Resolver, Spot, told
from engine.evaluation.pipeline import Context, Evaluator
from engine.evaluation.result import AccountVerdict, Verdict
from engine.incidents.frame import frame_of
from engine.incidents.model import Incident
from engine.places.areas import PLACE_TOLD
from engine.ruleset.compile import PEOPLE, Compiled


@dataclass(frozen=True, slots=True)
class Resolution:
    """How one reported spelling resolved: to a party (or class) and its role, or an act and whether it is hostile."""

    field: str  # actor, target, intended_target, act
    spelling: str
    resolved: str | None  # party id, name class or act id; None when it resolves to nothing
    role: str  # a party role, `unknown`, or for an act `hostile` / `not hostile` / `unknown`
    side: str | None
    note: str | None = None  # a name found by a pattern: which; one that resolves to nothing: why


@dataclass(frozen=True, slots=True)
class RuleCheck:
    id: str
    priority: int
    verdict: str
    clause: str
    held: bool
    deciding: bool


@dataclass(frozen=True, slots=True)
class AccountExplanation:
    """One version of the incident (an account, or the record itself) from facts to verdict."""

    source: str | None
    told: dict[str, Any]  # what the account itself says, over the incident's record (empty for the record)
    names: tuple[Resolution, ...]
    facts: dict[str, Any]  # the fact row the rules test, by field
    place: str  # why `in_scope` is what it is: the scope test that decided it, in words
    time_read: str | None  # how its time was read, where the ruleset's zone or the window's offset says (see
    # `Compiled.reading`); None for a date-time with its own offset, or no time
    rules: tuple[RuleCheck, ...]  # every rule, in the order they decide
    verdict: AccountVerdict


@dataclass(frozen=True, slots=True)
class Explanation:
    scenario: str
    ruleset: str
    engine: str
    incident: Incident
    accounts: tuple[AccountExplanation, ...]
    verdict: Verdict
    combination: str  # how the accounts' verdicts became the incident's

    def recorded(self) -> dict[str, Any]:
        """The incident's facts as recorded (without its accounts and expectation)."""
        data = self.incident.model_dump(exclude_none=True, exclude={"id", "accounts", "expect"})
        return {k: v for k, v in data.items() if v or k not in ("mutual", "assoc_actor", "assoc_target")}


def find_incident(incidents: Sequence[Incident], wanted: str, file: str, line: int | None = None) -> Incident:
    for incident in incidents:
        if incident.id == wanted:
            return incident
    ids = [i.id for i in incidents]
    raise InputError.at(file, f"no incident `{wanted}`{did_you_mean(wanted, ids, begun=True)}", line, path="incidents")


def explain_incident(
    compiled: Compiled,
    incident: Incident,
    scenario: str,
    engine: str | None = None,
    context: Context | None = None,
    answered: Incident | None = None,
) -> Explanation:
    """Evaluate one incident with `engine` and lay out every step that led to its verdict.

    What is shown is what the run computed: the facts each account's row held, the rules its executor
    found holding, and the verdicts decided from them. `context` (`Evaluator.context` of the whole input) gives
    the phases and escalation episodes the other incidents make; `answered`, the incident it answers
    (`in_response_to`), is judged with it, so that a response is weighed against the self-defence terms as a run
    weighs it. Without them the incident is judged alone.
    """
    with Evaluator(compiled, engine) as evaluator:
        run = evaluator.run(frame_of([incident, *([answered] if answered is not None else [])]), context=context)
    own_rows = run.facts.get_column("incident") == 0  # the incident's rows, not those of the one it answers
    facts, masks = run.facts.filter(own_rows), run.masks.filter(own_rows)
    decided = account_verdicts(run.accounts.filter(pl.col("incident") == 0))
    own = [a.model_dump(exclude_none=True, exclude={"source"}) for a in incident.accounts] or [{}]
    resolver = Resolver(compiled)
    places = [
        _where(resolver.place(tuple(row[k] for k in PLACE_TOLD)))
        for row in told(frame_of([incident])).iter_rows(named=True)
    ]
    rows = facts.iter_rows(named=True)
    held = [set(matched_rules(words)) for words in masks.iter_rows()]
    names = run.resolution.names
    accounts = tuple(_account(compiled, names, *parts) for parts in zip(rows, held, own, decided, places))
    verdict = verdicts_of(run.verdicts)[0]
    return Explanation(scenario, compiled.id, run.engine, incident, accounts, verdict, combination(decided, verdict))


def _account(
    compiled: Compiled,
    names: Sequence[Name],
    row: dict[str, Any],
    held: set[int],
    own: dict[str, Any],
    verdict: AccountVerdict,
    place: str,
) -> AccountExplanation:
    checks = tuple(
        RuleCheck(rule.id, rule.priority, rule.verdict, rule.clause, i in held, rule.id == verdict.rule)
        for i, rule in enumerate(compiled.rules)
    )
    columns = compiled.columns
    facts = {field: row[field] for field in columns} | dict(zip(compiled.fields[len(columns) :], compiled.policy))
    time_read = None if row["time"] is None else compiled.reading(row["time"])
    return AccountExplanation(row["source"], own, resolutions(row, names), facts, place, time_read, checks, verdict)


def resolutions(row: dict[str, Any], names: Sequence[Name] = ()) -> tuple[Resolution, ...]:
    """Each name and the act a fact row was told, as the ruleset resolved them (`names`: the fact table's, by
    code, for how each name was found)."""
    out = []
    for field in PEOPLE:
        spelling = row[field]
        if spelling is not None:
            code = row[f"{field}.code"]
            name = names[code] if code is not None and code < len(names) else None
            note = None if name is None else name.why or (f"pattern `{name.pattern}`" if name.pattern else None)
            party, role, side = row[f"{field}.party"], row[f"{field}.role"], row[f"{field}.side"]
            out.append(Resolution(field, spelling, party, role, side, note))
    if row["act.told"] is not None:
        hostile = row["act.hostile"]
        kind = "unknown" if hostile is None else ("hostile" if hostile else "not hostile")
        out.append(Resolution("act", row["act.told"], None if hostile is None else row["act"], kind, None))
    return tuple(out)


def combination(decided: Sequence[AccountVerdict], verdict: Verdict) -> str:
    """One sentence on how the accounts' verdicts made the incident's."""
    if decided[0].source is None:
        return f"No accounts: the incident as recorded is {verdict.verdict}."
    if verdict.verdict == "disputed":
        told = "; ".join(f"{a.source}: {a.verdict}" for a in decided)
        return f"The accounts give different verdicts ({told}), so the incident is disputed."
    every = "Every account gives" if len(decided) > 1 else "The one account gives"
    return f"{every} {verdict.verdict}, so the incident is {verdict.verdict}."


def _where(spot: Spot) -> str:
    """Why a place told is in the truce's scope or not, and the finer name it tells that no area has, if any (the
    levels above it place it: `Place.unread`)."""
    unread = spot.place.unread
    return spot.why if unread is None else f"{spot.why}; placed by the levels above, as {unread}"

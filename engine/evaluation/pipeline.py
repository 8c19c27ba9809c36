"""Evaluate incidents under a ruleset: facts per account, rules matched, accounts combined."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any, Protocol

from engine.evaluation import durable as rete
from engine.evaluation.facts import FactMaker, Fields, Memo, Told, fields_of, flags_of, told_fields, versions
from engine.evaluation.native import NativeExecutor
from engine.evaluation.result import AccountVerdict, Verdict
from engine.incidents.model import Incident
from engine.memory import paused_gc
from engine.ruleset.compile import PLACEHOLDERS, Compiled

ENGINES = ("durable", "native")

NO_RULE = "no rule of the ruleset applies to these facts"
ACTORS_DIFFER = "accounts_name_different_actors"

# (verdict, rule, clause, rules matched, explanation template)
Decision = tuple[str, str | None, str | None, tuple[str, ...], str]
# an AccountVerdict's fields but its source
Said = tuple[str, str | None, str | None, str, tuple[str, ...], tuple[str, ...]]
# the people (actor, target, intended target) and act codes, and the time's and place's masks
Key = tuple[int, int, int, int, int, int]
NOWHERE = (None, None)


class Executor(Protocol):
    name: str

    def match(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, ...]]: ...

    def close(self) -> None: ...


def default_engine() -> str:
    return "durable" if rete.AVAILABLE else "native"


def executor(compiled: Compiled, engine: str | None = None) -> Executor:
    engine = engine or default_engine()
    if engine == "durable":
        return rete.DurableExecutor(compiled)
    if engine == "native":
        return NativeExecutor(compiled)
    raise ValueError(f"unknown engine `{engine}`; expected one of {', '.join(ENGINES)}")


class Evaluator:
    """Evaluates incidents for one compiled ruleset with one executor; reusable across calls."""

    def __init__(self, compiled: Compiled, engine: str | None = None) -> None:
        self.compiled = compiled
        self.executor = executor(compiled, engine)
        self.engine = self.executor.name
        self.facts = FactMaker(compiled)
        self._actor_field = compiled.fields.index("actor.party")
        # The native executor composes each distinct (rules matched, names) verdict once; durable_rules
        # sees every account's facts, so that the twin comparison runs the Rete network every time.
        self._tables = self.executor.tables(self.facts) if isinstance(self.executor, NativeExecutor) else None
        if self._tables is not None:
            self._judged: Memo[Key, Said] = Memo(self._judge)
            self._said: Memo[tuple[int, int, int, int, int], Said] = Memo(self._compose)
            matched = self._tables.matched
            self._decisions: Memo[int, Decision] = Memo(lambda mask: self._decision(matched(mask)))
            self._texts: Memo[tuple[str, tuple[str, ...]], str] = Memo(lambda k: explain(*k))

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.executor.close()
        if self._tables is not None:  # the memos refer back to this evaluator: free them now, not at a collection
            for memo in (self._judged, self._said, self._decisions, self._texts):
                memo.clear()

    def evaluate(self, incidents: Iterable[Incident]) -> list[Verdict]:
        incidents = list(incidents)
        if self._tables is not None:
            with paused_gc():  # the native path makes no reference cycles
                return self._evaluate_native(incidents)
        # durable_rules leaves reference cycles behind every action: the collector must keep running
        tolds = [versions(incident) for incident in incidents]
        decided = iter(self.decide([t for ts in tolds for t in ts]))
        return [combine(incident, [next(decided) for _ in ts]) for incident, ts in zip(incidents, tolds)]

    def decide(self, tolds: Sequence[Told]) -> list[AccountVerdict]:
        if self._tables is not None:
            return [self._decide_native(fields_of(told)) for told in tolds]
        make = self.facts.make
        keyed = [(told.source, *make(told)) for told in tolds]
        matched = self.executor.match([row for _, row, _ in keyed])
        return [self.verdict(src, row, shown, m) for (src, row, shown), m in zip(keyed, matched)]

    def _evaluate_native(self, incidents: list[Incident]) -> list[Verdict]:
        # The hot loop of large runs: an incident with no accounts is read straight from the model, its
        # parts numbered, and its verdict looked up by the numbers (judged once for each distinct set).
        t, people, deeds, judged = self._tables, self.facts.people, self.facts.deeds, self._judged
        assert t is not None
        time, place, fast = t.time, t.place, t.fast
        new = tuple.__new__  # a Verdict made as the tuple it is, without its __new__'s argument handling
        out: list[Verdict] = []
        append = out.append
        for incident in incidents:
            if fast and not incident.accounts:
                loc = incident.location
                key = (
                    people[incident.actor],
                    people[incident.target],
                    people[incident.intended_target],
                    deeds[incident.act],
                    time[incident.time],
                    place[(loc.country, loc.region) if loc is not None else NOWHERE],
                )
                append(new(Verdict, (incident.id, *judged[key], ())))
            else:
                append(combine(incident, [self._decide_native(told) for told in told_fields(incident)]))
        return out

    def _decide_native(self, told: Fields) -> AccountVerdict:
        t, f = self._tables, self.facts
        assert t is not None
        source, time, actor, act, target, intended, region, country, killed, wounded = told
        a, g, i, x = f.people[actor], f.people[target], f.people[intended], f.deeds[act]
        if t.fast:
            said = self._judged[(a, g, i, x, t.time[time], t.place[(country, region)])]
            return AccountVerdict(source, f.people.meanings[a][0][0], *said)
        mask = t.base & t.actor[a] & t.target[g] & t.intended[i] & t.act[x] & t.time[time] & t.place[(country, region)]
        if t.counts:
            mask &= t.killed[killed] & t.wounded[wounded]
        if mask & t.spanning:
            mask = t.settle(mask, f.make(Told(*told))[0])
        return AccountVerdict(source, f.people.meanings[a][0][0], *self._said[(mask, a, g, i, x)])

    def _judge(self, key: Key) -> Said:
        """The verdict, but its source, on parts with these codes (people, act) and masks (time, place)."""
        a, g, i, x, when, where = key
        t = self._tables
        assert t is not None
        return self._said[(t.base & t.actor[a] & t.target[g] & t.intended[i] & t.act[x] & when & where, a, g, i, x)]

    def verdict(
        self, source: str | None, row: tuple[Any, ...], shown: tuple[str, ...], matched: tuple[int, ...]
    ) -> AccountVerdict:
        verdict, rule, clause, ids, template = self._decision(matched)
        actor = row[self._actor_field]
        return AccountVerdict(source, actor, verdict, rule, clause, explain(template, shown), ids, flags_of(row))

    def _decision(self, matched: tuple[int, ...]) -> Decision:
        """What the rules matched decide, and the template of the explanation."""
        rules = self.compiled.rules
        ids = tuple(rules[i].id for i in matched)
        if not matched:
            return "undetermined", None, None, ids, NO_RULE[0].upper() + NO_RULE[1:] + "."
        rule = rules[matched[0]]
        return rule.verdict, rule.id, rule.clause, ids, rule.explanation

    def _compose(self, key: tuple[int, int, int, int, int]) -> Said:
        """`verdict`, but its source, from parts each remembered on its own: decision, explanation, flags.

        The key is a settled mask (which rules matched) and the people and act codes (how the flags and
        the explanation read): all an account's verdict depends on.
        """
        mask, a, g, i, x = key
        verdict, rule, clause, ids, template = self._decisions[mask]
        text = self._texts[(template, self.facts.shown(a, g, i, x))]
        return verdict, rule, clause, text, ids, self.facts.flags(a, g, i, x)


def explain(template: str, shown: tuple[str, ...]) -> str:
    return template.format_map(dict(zip(PLACEHOLDERS, shown)))


def combine(incident: Incident, accounts: list[AccountVerdict]) -> Verdict:
    """One verdict for the incident: the accounts' common verdict, or `disputed` when they differ."""
    first = accounts[0]
    if first.source is None:
        return Verdict(incident.id, *first[2:], ())
    # (map and chain rather than generators: this runs for every incident that has accounts)
    matched = tuple(dict.fromkeys(chain.from_iterable(map(_MATCHED, accounts))))
    flags = tuple(sorted(set(chain.from_iterable(map(_FLAGS, accounts)))))
    if len(set(map(_VERDICT, accounts))) == 1:
        agree = "every account" if len(accounts) > 1 else "the one account"
        one_rule = len(set(map(_RULE, accounts))) == 1
        text = first.explanation if one_rule else f"{first.explanation} ({agree} gives {first.verdict})"
        if len(set(map(_ACTOR, accounts))) > 1:
            # one verdict, but not one culprit: say so rather than let the first account speak for all
            named = "; ".join(f"{a.source}: {a.actor or 'none the ruleset knows'}" for a in accounts)
            text += f" The accounts name different actors ({named})."
            flags = tuple(sorted({*flags, ACTORS_DIFFER}))
        return Verdict(incident.id, first.verdict, first.rule, first.clause, text, matched, flags, tuple(accounts))
    told = "; ".join(f"{a.source}: {a.verdict}" for a in accounts)
    text = f"The accounts disagree: {told}."
    return Verdict(incident.id, "disputed", None, None, text, matched, flags, tuple(accounts))


_MATCHED, _FLAGS, _VERDICT, _RULE, _ACTOR = map(attrgetter, ("matched", "flags", "verdict", "rule", "actor"))


def evaluate(ruleset: Compiled, incidents: Iterable[Incident], engine: str | None = None) -> list[Verdict]:
    """Verdicts for the incidents, in order, under one ruleset and engine (default: durable where installed)."""
    with Evaluator(ruleset, engine) as evaluator:
        return evaluator.evaluate(incidents)

"""Evaluate incidents under a ruleset: facts per account, rules matched, accounts combined."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from engine import rete
from engine.compile import Compiled
from engine.facts import FactMaker, Told, flags_of, versions
from engine.model import AccountVerdict, Incident, Verdict
from engine.native import NativeExecutor

ENGINES = ("durable", "native")

NO_RULE = "no rule of the ruleset applies to these facts"


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
        # The native executor decides each distinct (source, facts, names) once; durable_rules
        # sees every account's facts, so that the twin comparison runs the Rete network every time.
        self._memo: dict[tuple[Any, ...], AccountVerdict] | None = {} if self.engine == "native" else None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.executor.close()

    def evaluate(self, incidents: Iterable[Incident]) -> list[Verdict]:
        incidents = list(incidents)
        tolds = [versions(incident) for incident in incidents]
        decided = iter(self.decide([t for ts in tolds for t in ts]))
        return [combine(incident, [next(decided) for _ in ts]) for incident, ts in zip(incidents, tolds)]

    def decide(self, tolds: Sequence[Told]) -> list[AccountVerdict]:
        make = self.facts.make
        keyed = [(told.source, *make(told)) for told in tolds]
        memo = self._memo
        if memo is None:
            matched = self.executor.match([row for _, row, _ in keyed])
            return [self.verdict(src, row, shown, m) for (src, row, shown), m in zip(keyed, matched)]
        out = []
        for key in keyed:
            hit = memo.get(key)
            if hit is None:
                source, row, shown = key
                hit = memo[key] = self.verdict(source, row, shown, self.executor.match([row])[0])
            out.append(hit)
        return out

    def verdict(
        self, source: str | None, row: tuple[Any, ...], shown: tuple[str, ...], matched: tuple[int, ...]
    ) -> AccountVerdict:
        rules = self.compiled.rules
        ids = tuple(rules[i].id for i in matched)
        flags = flags_of(row)
        if not matched:
            return AccountVerdict(
                source, "undetermined", None, None, NO_RULE[0].upper() + NO_RULE[1:] + ".", ids, flags
            )
        rule = rules[matched[0]]
        names = dict(zip(("actor", "target", "intended_target", "act"), shown))
        text = rule.explanation.format_map(names)
        return AccountVerdict(source, rule.verdict, rule.id, rule.clause, text, ids, flags)


def combine(incident: Incident, accounts: list[AccountVerdict]) -> Verdict:
    """One verdict for the incident: the accounts' common verdict, or `disputed` when they differ."""
    first = accounts[0]
    if first.source is None:
        return Verdict(
            incident.id, first.verdict, first.rule, first.clause, first.explanation, first.matched, first.flags, ()
        )
    matched = tuple(dict.fromkeys(rule for a in accounts for rule in a.matched))
    flags = tuple(sorted({flag for a in accounts for flag in a.flags}))
    verdicts = {a.verdict for a in accounts}
    if len(verdicts) == 1:
        rules = {a.rule for a in accounts}
        agree = "every account" if len(accounts) > 1 else "the one account"
        text = first.explanation if len(rules) == 1 else f"{first.explanation} ({agree} gives {first.verdict})"
        return Verdict(incident.id, first.verdict, first.rule, first.clause, text, matched, flags, tuple(accounts))
    told = "; ".join(f"{a.source}: {a.verdict}" for a in accounts)
    text = f"The accounts disagree: {told}."
    return Verdict(incident.id, "disputed", None, None, text, matched, flags, tuple(accounts))


def evaluate(ruleset: Compiled, incidents: Iterable[Incident], engine: str | None = None) -> list[Verdict]:
    """Verdicts for the incidents, in order, under one ruleset and engine (default: durable where installed)."""
    with Evaluator(ruleset, engine) as evaluator:
        return evaluator.evaluate(incidents)

"""What scenarios exercise of their rulesets: rules that decided, rules that only matched, clauses and verdicts unseen.

Read from the verdicts a run made (each verdict's and each account's deciding rule, and the rules its
executor found holding), never by matching again: `ceasefire test --coverage`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.evaluation.result import Verdict
from engine.evaluation.timed import SELF_DEFENSE
from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS

DECIDED, MATCHED, NEVER = "decided", "matched", "never matched"  # a rule's coverage, best first


@dataclass(frozen=True, slots=True)
class RuleCoverage:
    """One rule of a ruleset (or its `self_defense` terms, which decide as a rule does) over the scenarios run:
    `decided` counts the incidents whose verdict, or an account's, it decided; `matched` those where it held
    (deciding or not)."""

    id: str
    clause: str
    verdict: str  # the verdict it gives (`permitted` for the self-defence terms)
    decided: int
    matched: int

    @property
    def status(self) -> str:
        """`decided`, `matched` (held, never decided) or `never matched`."""
        return DECIDED if self.decided else MATCHED if self.matched else NEVER


@dataclass(frozen=True, slots=True)
class ClauseCoverage:
    """A clause the ruleset's rules cite, the rules citing it (in ruleset order), and whether one of them decided."""

    clause: str
    rules: tuple[str, ...]
    cited: bool


@dataclass(frozen=True)
class Coverage:
    """One ruleset's coverage by the scenarios that use it.

    `rules` in ruleset (file) order, then the self-defence terms where it has them; `clauses` in the order
    their first rule comes; `verdicts` counts the incidents' verdicts, every verdict named (0: never given).
    """

    ruleset: str
    file: str  # the ruleset's file, as the first scenario found it (normalized: `rules/x.yaml`)
    scenarios: tuple[str, ...]
    incidents: int
    rules: tuple[RuleCoverage, ...]
    clauses: tuple[ClauseCoverage, ...]
    verdicts: dict[str, int] = field(default_factory=dict)

    def with_status(self, status: str) -> list[str]:
        """The ids of the rules of one status (`DECIDED`, `MATCHED`, `NEVER`), in order."""
        return [r.id for r in self.rules if r.status == status]

    @property
    def decided(self) -> int:
        return sum(r.status == DECIDED for r in self.rules)

    @property
    def cited(self) -> int:
        return sum(c.cited for c in self.clauses)

    @property
    def percent(self) -> float:
        """Rule coverage: the rules that decided at least one incident, per hundred rules."""
        return 100 * self.decided / len(self.rules)

    @property
    def clause_percent(self) -> float:
        """Clause coverage: the clauses cited by a rule that decided, per hundred clauses the rules cite."""
        return 100 * self.cited / len(self.clauses)

    @property
    def never_given(self) -> list[str]:
        """The verdicts no incident was given, in `VERDICTS` order."""
        return [v for v in VERDICTS if not self.verdicts[v]]

    def below(self, threshold: float) -> bool:
        """Whether rule coverage is under `threshold` (a percentage), compared exactly, not as rounded."""
        return self.decided * 100 < threshold * len(self.rules)


@dataclass(frozen=True)
class Judged:
    """A scenario file run: its name as given, its ruleset, and the verdicts, one per incident."""

    scenario: str
    compiled: Compiled
    verdicts: Sequence[Verdict]


def coverage(runs: Iterable[Judged]) -> list[Coverage]:
    """Coverage for each ruleset the runs used (a ruleset is its id and file), sorted by id, then file."""
    groups: dict[tuple[str, Path], list[Judged]] = {}
    for run in runs:
        groups.setdefault((run.compiled.id, Path(run.compiled.source).resolve()), []).append(run)
    return [_coverage(groups[key]) for key in sorted(groups)]


def deciders(c: Compiled) -> list[tuple[str, str, str]]:
    """(id, clause, verdict) of what can decide an incident under a ruleset, in ruleset order."""
    out = [(r.id, r.clause, r.verdict) for r in sorted(c.rules, key=lambda r: r.order)]
    if c.self_defense is not None:
        out.append((SELF_DEFENSE, c.self_defense.clause, "permitted"))
    return out


def _coverage(runs: Sequence[Judged]) -> Coverage:
    compiled = runs[0].compiled
    decides = deciders(compiled)
    decided = dict.fromkeys((d[0] for d in decides), 0)
    matched = dict(decided)
    verdicts = dict.fromkeys(VERDICTS, 0)
    incidents = 0
    for run in runs:
        for v in run.verdicts:
            incidents += 1
            verdicts[v.verdict] += 1
            # each incident counts once per rule, however many of its accounts that rule decided or held in
            by = {rule for rule in (v.rule, *(a.rule for a in v.accounts)) if rule is not None}
            held = {*v.matched, *(m for a in v.accounts for m in a.matched)} | by
            for rid in by & decided.keys():
                decided[rid] += 1
            for rid in held & matched.keys():
                matched[rid] += 1
    rules = tuple(RuleCoverage(rid, clause, verdict, decided[rid], matched[rid]) for rid, clause, verdict in decides)
    citing: dict[str, list[RuleCoverage]] = {}
    for r in rules:
        citing.setdefault(r.clause, []).append(r)
    clauses = tuple(
        ClauseCoverage(clause, tuple(r.id for r in rs), any(r.decided for r in rs)) for clause, rs in citing.items()
    )
    scenarios = tuple(dict.fromkeys(run.scenario for run in runs))
    return Coverage(compiled.id, os.path.normpath(compiled.source), scenarios, incidents, rules, clauses, verdicts)

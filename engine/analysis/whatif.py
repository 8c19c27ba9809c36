"""What if the rules were different: the same incidents under a base ruleset and its variants, compared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import AccountVerdict, Report, Shown, Verdict
from engine.ruleset.compile import Compiled


@dataclass(frozen=True)
class AccountChange:
    """One source's verdict under the base ruleset and under the variant."""

    source: str
    base: AccountVerdict
    variant: AccountVerdict

    @property
    def changed(self) -> bool:
        return self.base.verdict != self.variant.verdict


@dataclass(frozen=True)
class Change:
    """An incident the variant judges differently, with every account (changed or not) for context."""

    incident: Shown
    base: Verdict
    variant: Verdict
    accounts: tuple[AccountChange, ...]


@dataclass(frozen=True)
class Outcome:
    """One variant's run: what it is, every verdict, and the incidents whose verdict it changes."""

    name: str
    file: str | None  # None: the base ruleset changed only by `--set`
    sets: tuple[str, ...]
    report: Report
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class WhatIf:
    base: Report
    outcomes: tuple[Outcome, ...]


def label(ruleset_id: str, sets: Sequence[str]) -> str:
    """How a variant is named in reports: `syria-2016-09 + policy.mistaken_target=violation`."""
    return " + ".join((ruleset_id, *sets))


def under(base: Report, compiled: Compiled, engine: str | None = None) -> Report:
    """The base report's incidents evaluated again under another ruleset, with the same engine."""
    with Evaluator(compiled, engine or base.engine) as evaluator:
        return evaluator.report(base.scenario, base.incidents)


def changes(base: Report, variant: Report) -> tuple[Change, ...]:
    """Incidents whose verdict differs, or whose accounts' verdicts differ (a dispute that shifts)."""
    out = []
    for incident, was, now in zip(base.shown, base.verdicts, variant.verdicts):
        # Both runs told the same incidents, so accounts line up one for one.
        accounts = tuple(
            AccountChange(a.source or "", a, b) for a, b in zip(was.accounts, now.accounts) if a.source is not None
        )
        if was.verdict != now.verdict or any(a.changed for a in accounts):
            out.append(Change(incident, was, now, accounts))
    return tuple(out)


def outcome(base: Report, variant: Report, file: str | None, sets: Sequence[str]) -> Outcome:
    return Outcome(label(variant.compiled.id, sets), file, tuple(sets), variant, changes(base, variant))

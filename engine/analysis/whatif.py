"""What if the rules were different: the same incidents under a base ruleset and its variants, compared."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import polars as pl

from engine.analysis.dispatch import run_all
from engine.evaluation.durable import EngineError
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
        """Whether the account's verdict, deciding rule or phase differs."""
        return _decided(self.base) != _decided(self.variant)


@dataclass(frozen=True)
class Change:
    """An incident the variant judges differently (its verdict, the rule that decides it, its phase or its flags,
    or any account's verdict, rule or phase), with every account (changed or not) for context."""

    incident: Shown
    base: Verdict
    variant: Verdict
    accounts: tuple[AccountChange, ...]

    @property
    def verdict_changed(self) -> bool:
        """Whether the verdict differs, or an account's does (a dispute that shifts); not only a rule, phase or flag."""
        return self.base.verdict != self.variant.verdict or any(
            a.base.verdict != a.variant.verdict for a in self.accounts
        )

    def also(self) -> list[str]:
        """What changes beside the verdicts and rules, in words: the phase, and flags raised or no longer raised
        (`phase initial → extended`, `flags +escalation -mutual`)."""
        out = []
        if self.base.phase != self.variant.phase:
            out.append(f"phase {self.base.phase or 'none'} → {self.variant.phase or 'none'}")
        raised = [f"+{f}" for f in self.variant.flags if f not in self.base.flags]
        dropped = [f"-{f}" for f in self.base.flags if f not in self.variant.flags]
        if raised or dropped:
            out.append("flags " + " ".join(raised + dropped))
        return out


def _decided(v: Verdict | AccountVerdict) -> tuple[str, str | None, str | None]:
    """What a what-if compares of a verdict (beside flags): the verdict, the rule that decides it, its phase."""
    return v.verdict, v.rule, v.phase


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


def changes(base: Report, variant: Report) -> tuple[Change, ...]:
    """Incidents the variant judges differently: their verdict, deciding rule, phase or flags differ, or an
    account's verdict, rule or phase does (a dispute that shifts)."""
    out = []
    for incident, was, now in zip(base.shown, base.verdicts, variant.verdicts):
        # Both runs told the same incidents, so accounts line up one for one.
        accounts = tuple(
            AccountChange(a.source or "", a, b) for a, b in zip(was.accounts, now.accounts) if a.source is not None
        )
        if _decided(was) != _decided(now) or was.flags != now.flags or any(a.changed for a in accounts):
            out.append(Change(incident, was, now, accounts))
    return tuple(out)


def outcome(base: Report, variant: Report, file: str | None, sets: Sequence[str]) -> Outcome:
    return Outcome(label(variant.compiled.id, sets), file, tuple(sets), variant, changes(base, variant))


@dataclass(frozen=True)
class Told:
    """What every variant's run shares: the base report's incidents, by name, and the engine judging them."""

    scenario: str
    incidents: pl.DataFrame
    engine: str


def _variant(told: Told, compiled: Compiled) -> Report | EngineError:
    """A variant's report without its incidents (the caller has them: a report goes back without its table of
    incidents), or durable_rules' refusal of the ruleset as data, so that it is not retried as a failure."""
    try:
        with Evaluator(compiled, told.engine) as evaluator:
            report = evaluator.report(told.scenario, told.incidents)
    except EngineError as exc:
        return exc
    return dataclasses.replace(report, incidents=report.incidents.clear())


def outcomes(
    base: Report,
    variants: Sequence[tuple[str | None, Compiled]],
    sets: Sequence[str] = (),
    jobs: int = 1,
    executor: Executor | None = None,
) -> tuple[Outcome, ...]:
    """Each variant (its file, or None for the base ruleset changed by `sets` alone; and its compiled ruleset)
    run over the base report's incidents and compared with it, in the order given.

    With no `executor`, across `jobs` local processes (one: in this process); else on the executor (see
    `engine.analysis.sweep.sweep`); the base's incidents reach each worker once. Raises `EngineError` where
    durable_rules refuses a variant.
    """

    def each(_: int, result: Report | EngineError) -> None:
        if isinstance(result, EngineError):
            raise result

    told = Told(base.scenario, base.incidents, base.engine)
    reports = run_all(_variant, told, [compiled for _, compiled in variants], executor, jobs, each)
    out = []
    for (file, _), report in zip(variants, reports):
        assert isinstance(report, Report)
        variant = dataclasses.replace(report, incidents=base.incidents)
        out.append(outcome(base, variant, file, sets))
    return tuple(out)

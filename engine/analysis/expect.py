"""Check each incident's verdict against its `expect`: the one place `ceasefire test` and the test suite share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem, did_you_mean, one_of
from engine.evaluation.decide import ACTORS_DIFFER, FLAGS, LATER_FLAGS
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Verdict
from engine.evaluation.timed import SELF_DEFENSE
from engine.incidents.load import LoadedScenario, load_scenario
from engine.incidents.model import Expectation, Incident
from engine.yamlsafe import Key, dotted

NO_ACCOUNT = "(no such account)"
KNOWN_FLAGS = tuple(sorted((*FLAGS, *LATER_FLAGS, ACTORS_DIFFER)))


@dataclass(frozen=True, slots=True)
class Result:
    """One incident's expectation checked: what was expected, what came out, and whether they agree."""

    scenario: str
    incident: str
    line: int | None  # where the incident's `expect` is written
    expected: str
    got: str
    rule: str | None  # the rule that decided; None when the accounts disagree or no rule applied
    passed: bool


def expectation(incident: Incident) -> Expectation | None:
    """The incident's `expect` in its long form (a bare verdict is `{verdict: ...}`)."""
    if isinstance(incident.expect, str):
        return Expectation(verdict=incident.expect)
    return incident.expect


def describe(
    verdict: str,
    rule: str | None,
    accounts: Mapping[str, str],
    *,
    with_rule: bool,
    phase: str | None = None,
    flags: Sequence[str] = (),
) -> str:
    """`disputed; CENTCOM: permitted, SANA: violation` or `violation (rule x) in phase jic, flagged self_defense`:
    the parts an expectation names."""
    text = verdict
    if with_rule:
        text += f" (rule {rule})" if rule else " (no rule)"
    if phase is not None:
        text += f" in phase {phase}"
    if flags:
        text += f", flagged {', '.join(flags)}"
    if accounts:
        text += "; " + ", ".join(f"{source}: {v}" for source, v in accounts.items())
    return text


def check(incident: Incident, verdict: Verdict, scenario: str = "", line: int | None = None) -> Result | None:
    """The incident's verdict checked against its `expect`; None when it has none."""
    expect = expectation(incident)
    if expect is None:
        return None
    by_source = {a.source: a.verdict for a in verdict.accounts}
    got_accounts = {source: by_source.get(source, NO_ACCOUNT) for source in expect.accounts}
    with_rule = expect.rule is not None
    phase = None if expect.phase is None else str(verdict.phase or "none")
    flags = [f for f in expect.flags if f in verdict.flags]
    passed = (
        verdict.verdict == expect.verdict
        and (not with_rule or verdict.rule == expect.rule)
        and (expect.phase is None or phase == expect.phase)
        and flags == expect.flags
        and got_accounts == dict(expect.accounts)
    )
    return Result(
        scenario,
        incident.id,
        line,
        describe(
            expect.verdict, expect.rule, expect.accounts, with_rule=with_rule, phase=expect.phase, flags=expect.flags
        ),
        describe(verdict.verdict, verdict.rule, got_accounts, with_rule=with_rule, phase=phase, flags=flags),
        verdict.rule,
        passed,
    )


def expectation_problems(loaded: LoadedScenario) -> list[Problem]:
    """Expectations that can never be met: a rule the ruleset lacks, or an account the incident lacks."""
    doc, rules = loaded.document, [r.id for r in loaded.compiled.rules]
    if loaded.compiled.self_defense is not None:
        rules.append(SELF_DEFENSE)  # what a response inside the self-defence terms is decided by
    problems = []

    def fail(key: Key, message: str) -> None:
        file, pos = doc.locate(key)
        line, column = pos or (None, None)
        problems.append(Problem(file, message, line, column, dotted(key)))

    for i, incident in enumerate(loaded.scenario.incidents):
        expect = expectation(incident)
        if expect is None:
            continue
        phases = [p.id for p in loaded.compiled.phases]
        if expect.phase is not None and expect.phase not in (*phases, "unknown", "none"):
            named = f"its phases are {', '.join(phases)}, " if phases else "it declares no phases; "
            fail(
                ("incidents", i, "expect", "phase"),
                f"ruleset `{loaded.compiled.id}` has no phase `{expect.phase}`; {named}or write `unknown` or `none`"
                + did_you_mean(expect.phase, phases, begun=True),
            )
        if expect.rule is not None and expect.rule not in rules:
            hint = did_you_mean(expect.rule, rules, begun=True)
            fail(("incidents", i, "expect", "rule"), f"no rule `{expect.rule}` in ruleset `{loaded.compiled.id}`{hint}")
        for k, flag in enumerate(expect.flags):
            if flag not in KNOWN_FLAGS:
                fail(("incidents", i, "expect", "flags", k), f"no flag `{flag}`; {one_of(KNOWN_FLAGS)}")
        sources = [a.source for a in incident.accounts]
        for source in expect.accounts:
            if source not in sources:
                hint = did_you_mean(source, sources) or (
                    f"; its accounts are from {', '.join(sources)}" if sources else "; it has no accounts"
                )
                fail(
                    ("incidents", i, "expect", "accounts", source),
                    f"incident `{incident.id}` has no account from `{source}`{hint}",
                )
    return problems


def load_checked(path: Path) -> LoadedScenario:
    """A scenario whose expectations all name rules and accounts that exist (else InputError)."""
    loaded = load_scenario(path)
    problems = expectation_problems(loaded)
    if problems:
        raise InputError(problems)
    return loaded


def judge(loaded: LoadedScenario, engine: str | None = None) -> list[Verdict]:
    """Every incident of a loaded scenario evaluated with `engine`: one verdict each, in file order."""
    with Evaluator(loaded.compiled, engine) as evaluator:
        return evaluator.evaluate(loaded.scenario.incidents)


def check_loaded(loaded: LoadedScenario, engine: str | None = None) -> list[Result]:
    """Evaluate a loaded scenario and check every incident that has an `expect`, in file order."""
    return check_judged(loaded, judge(loaded, engine))


def check_judged(loaded: LoadedScenario, verdicts: Sequence[Verdict]) -> list[Result]:
    """Check every incident that has an `expect` against its verdict (`judge`'s, in file order)."""
    incidents = loaded.scenario.incidents
    doc = loaded.document
    results = []
    for i, (incident, verdict) in enumerate(zip(incidents, verdicts)):
        pos = doc.where(("incidents", i, "expect"))
        result = check(incident, verdict, doc.file, pos[0] if pos else None)
        if result is not None:
            results.append(result)
    return results


def run_scenario(path: Path, engine: str | None = None) -> list[Result]:
    """Load, evaluate and check one scenario file."""
    return check_loaded(load_checked(path), engine)

"""Check rulesets and scenarios without running them: every schema and meaning error, and lint warnings."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.analysis.expect import expectation_problems
from engine.analysis.names import Unread, spellings, unresolved
from engine.errors import InputError, Problem, did_you_mean
from engine.evaluation import durable as rete
from engine.incidents.frame import told_of as frame_told
from engine.incidents.load import TABLES, Loaded, LoadedScenario, implausible_times, scenario_from
from engine.incidents.model import Expectation
from engine.places.areas import PLACE_TOLD
from engine.ruleset.compile import NAME_CLASSES, PEOPLE, ROLES, UNKNOWN, AllOf, AnyOf, Compiled, Node, Test
from engine.ruleset.load import YAML, LoadedRuleset, ruleset_from
from engine.ruleset.model import knob_references
from engine.yamlsafe import Document, Key, dotted, load_yaml, stat_of

MARKERS = {"rules": "ruleset", "extends": "ruleset", "incidents": "scenario", "scenario": "scenario"}
BOOLS = frozenset({True, False})
# Proving one condition implies another is exponential in the worst case: past this many steps, assume not.
PAIR_STEPS = 20_000
# Rules are compared pairwise: past this many steps in all (a few seconds), stop and say so.
ALL_STEPS = 1_000_000


@dataclass(frozen=True)
class Checked:
    """One file checked: what it is (None when that could not be told) and every problem found."""

    file: str
    kind: str | None
    problems: tuple[Problem, ...]


def check_paths(paths: Sequence[Path], rules: str | None = None, source: str | None = None) -> list[Checked]:
    """Check each file named, and each .yaml file under each folder named (searched recursively, sorted).

    `source` (`acled`, `ucdp`) reads each table named as that dataset's export (see `load_input`).
    """
    out: list[Checked] = []
    for path in paths:
        if not _is_dir(path):
            out.append(check_file(path, rules, source))
            continue
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in YAML and p.is_file())
        out += [check_file(p) for p in found] or [
            Checked(str(path), None, (Problem(str(path), "no .yaml files here"),))
        ]
    return out


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, say: reading it as a file says so
        return False


def check_file(path: Path, rules: str | None = None, source: str | None = None) -> Checked:
    """Every error in one file (and, for a scenario, in its ruleset); lint warnings for a ruleset."""
    shown = str(path)
    try:
        stat_of(path, shown)
    except InputError as exc:
        return Checked(shown, None, tuple(exc.problems))
    if path.suffix.lower() in TABLES:
        return Checked(shown, "table", _problems(lambda: _table(path, rules, source)))
    try:
        doc = load_yaml(path, shown)
        kind = kind_of(doc)
    except InputError as exc:
        return Checked(shown, None, tuple(exc.problems))
    if kind == "ruleset":
        return Checked(shown, kind, _problems(lambda: lint(ruleset_from(doc, path))))
    return Checked(shown, kind, _problems(lambda: _scenario(doc, path)))


def _scenario(doc: Document, path: Path) -> list[Problem]:
    """A scenario's expectations that can never be met (errors), and its implausible times (warnings)."""
    loaded = scenario_from(doc, path)
    return [*expectation_problems(loaded), *implausible_warnings(loaded), *unresolved_warnings(loaded)]


def unresolved_warnings(loaded: LoadedScenario) -> Iterator[Problem]:
    """A warning at each name, act and place told that the ruleset cannot resolve, with the nearest it knows.

    Such an incident is judged (an unknown actor is `undetermined`, say), never guessed: the warning is
    for the typo that made it so. An incident expected `undetermined` is left alone: its author knows.
    """
    doc = loaded.document
    unread = Unread(loaded.compiled)

    def told(told: Any, prefix: Key, time: str | None) -> Iterator[tuple[Key, str]]:
        """What the ruleset cannot read in an incident's record or an account (told at `time`, its own or
        the incident's)."""
        for who in PEOPLE:
            value = getattr(told, who)
            message = None if value is None else unread.name(value, time)
            if message is not None:
                yield (*prefix, who), message
        message = None if told.act is None else unread.act(told.act)
        if message is not None:
            yield (*prefix, "act"), message
        loc = told.location
        if loc is not None:
            place = unread.place(tuple(frame_told(told)[k] for k in PLACE_TOLD))
            if place.problem is not None:
                field = "region" if place.field == "admin1" and loc.admin1 is None else place.field
                yield (*prefix, "location", *([field] if field else [])), place.problem

    for i, incident in enumerate(loaded.scenario.incidents):
        expect = incident.expect if not isinstance(incident.expect, Expectation) else incident.expect.verdict
        if expect == "undetermined":
            continue  # the author expects what cannot be resolved: the warning would tell them what they wrote
        found = list(told(incident, ("incidents", i), incident.time))
        for field in ("assoc_actor", "assoc_target"):
            for k, value in enumerate(getattr(incident, field)):
                message = unread.name(value, incident.time)
                if message is not None:
                    found.append((("incidents", i, field, k), message))
        for j, account in enumerate(incident.accounts):
            found += told(account, ("incidents", i, "accounts", j), account.time or incident.time)
            if account.time is None:
                continue
            for who in PEOPLE:  # a name it leaves to the incident, read at the account's own time
                value = getattr(incident, who)
                if value is None or getattr(account, who) is not None or unread.name(value, incident.time):
                    continue
                message = unread.name(value, account.time)
                if message is not None:
                    found.append((("incidents", i, "accounts", j, "time"), f"the incident's {who}: {message}"))
        for key, message in found:
            line, column = doc.where(key) or (None, None)
            yield Problem(doc.file, message, line, column, dotted(key), "warning")


def implausible_warnings(loaded: LoadedScenario) -> Iterator[Problem]:
    """A warning at each time far from the window (see `Compiled.implausible`): likely a slip in its year."""
    low, high = loaded.compiled.plausible_years
    for key, time in implausible_times(loaded.compiled, loaded.scenario.incidents):
        line, column = loaded.document.where(key) or (None, None)
        message = f"`{time}` is implausibly far from the window (years {low} to {high} are plausible); check its year"
        yield Problem(loaded.document.file, message, line, column, dotted(key), "warning")


def _problems(step: Callable[[], Iterable[Problem]]) -> tuple[Problem, ...]:
    """What a step found: the warnings it returns, or the errors it raises."""
    try:
        return tuple(step())
    except InputError as exc:
        return tuple(exc.problems)


def _table(path: Path, rules: str | None, source: str | None = None) -> list[Problem]:
    """Every bad row of a table (up to a limit) and its warnings; with its ruleset, also what the ruleset
    cannot resolve in it (see `table_warnings`). An ACLED or UCDP GED export's bad rows are warnings: a run
    skips them."""
    from engine.incidents.eventdata import EventTable, kind_of  # polars: only when a table is checked
    from engine.incidents.load import load_input
    from engine.incidents.tables import read_table

    kind = kind_of(path, source)
    if kind is not None:
        if rules is not None:
            loaded = load_input(path, rules, source=kind)
            found = list(table_warnings(loaded, path))
            assert loaded.events is not None
            return [*loaded.events.bad.problems(), *found]
        events = EventTable(path, kind)
        for _ in events.batches():
            pass
        return events.bad.problems()
    warnings: list[Problem] = []
    try:
        read_table(path, warnings, every=True)
    except InputError as exc:
        return [*exc.problems, *warnings]
    if rules is None:
        return warnings
    return [*warnings, *table_warnings(load_input(path, rules), path)]


def table_warnings(loaded: Loaded, path: Path) -> Iterator[Problem]:
    """A warning for each distinct name, act and place told in a table that its ruleset cannot resolve, and
    each implausible time: how many incidents tell it, at the first one's line (a Parquet table's row).

    Names are those `ceasefire names` lists as unresolved, each told where it is (`actor`, `target, assoc_actor`).
    """
    import polars as pl

    from engine.evaluation.facts import told
    from engine.incidents.load import incident_lines

    c = loaded.compiled
    unread = Unread(c)
    rows = told(loaded.frame).with_columns(pl.struct(PLACE_TOLD).alias("place"))
    ids = loaded.frame.get_column("id")
    events = loaded.events
    parquet = path.suffix.lower() == ".parquet"
    # the line of each incident (a Parquet table's row), where the incident that tells it is
    if events is not None:
        lines = events.lines()
    else:
        lines = list(range(1, loaded.frame.height + 1)) if parquet else incident_lines(path)
    found: list[tuple[int, str, int, str]] = []  # (first incident, field, incidents, message)

    def each(column: str) -> Iterator[tuple[Any, int, int]]:
        """Each distinct value of a column of `rows`, with its first incident and how many incidents tell it."""
        groups = (
            rows.select(pl.col(column).alias("value"), "incident")
            .drop_nulls("value")
            .group_by("value", maintain_order=True)
            .agg(pl.col("incident").first().alias("first"), pl.col("incident").n_unique().alias("n"))
        )
        yield from groups.iter_rows()

    for name in unresolved(spellings(c, loaded.frame)):
        message = unread.said(name.spelling, name)
        assert message is not None
        found.append((name.first, ", ".join(name.fields), name.incidents, message))
    for value, first, n in each("act"):
        message = unread.act(value)
        if message is not None:
            found.append((first, "act", n, message))
    for value, first, n in each("time"):
        if c.implausible(value):
            low, high = c.plausible_years
            found.append((first, "time", n, f"`{value}` is implausibly far from the window (years {low} to {high})"))
    for value, first, n in each("place"):
        problem = unread.place(tuple(value[k] for k in PLACE_TOLD)).problem
        if problem is not None:
            found.append((first, "location", n, problem))
    for first, field, n, message in sorted(found, key=lambda f: (f[0], f[1])):
        what, semicolon, hint = message.partition("; ")  # a did-you-mean goes last
        telling = f"{n:,} incidents, the first `{ids[first]}`" if n > 1 else f"incident `{ids[first]}`"
        where = f"row {lines[first]}: {field}" if parquet else field
        line = None if parquet else lines[first]
        yield Problem(str(path), f"{what} ({telling}){semicolon}{hint}", line, None, where, "warning")


def kind_of(doc: Document) -> str:
    """`ruleset` (top-level `rules` or `extends`) or `scenario` (`incidents` or `scenario`)."""
    for key in doc.data:
        if key in MARKERS:
            return MARKERS[key]
    hint = next((h for h in (did_you_mean(k, MARKERS) for k in doc.data) if h), "")
    raise InputError.at(
        doc.file,
        "neither a ruleset nor a scenario: expected a top-level `rules` (or `extends`) or `incidents`" + hint,
        *(doc.where(()) or (None, None)),
    )


def lint(loaded: LoadedRuleset) -> list[Problem]:
    """Warnings about a ruleset that compiles: rules that never decide, roles and acts no rule tells apart."""
    c, doc = loaded.compiled, loaded.document
    return [
        *loaded.warnings,
        *(_warn(doc, key, message) for key, message in shadowed(c)),
        *(_warn(doc, key, message) for key, message in unmentioned_roles(c)),
        *(_warn(doc, key, message) for key, message in unread_acts(c)),
        *(_warn(doc, key, message) for key, message in unread_knobs(c)),
        *(_warn(doc, key, message) for key, message in blind_rules(c)),
        *(_warn(doc, key, message) for key, message in durable_refusals(c)),
        *(_warn(doc, key, message) for key, message in overlapping_patterns(c)),
    ]


def overlapping_patterns(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Patterns of two parties (or classes) that match one spelling at one time: such a spelling names neither.

    Found by trying, for each pattern, one spelling it matches (`spellings.sample`) against the others'; a
    spelling that an exact alias claims is read by the alias and overlaps nothing.
    """
    from engine.ruleset.spellings import sample

    seen: set[tuple[int, int]] = set()
    for i, p in enumerate(c.patterns):
        spelling = sample(p.regex)
        if spelling is None or c.spelled(spelling).exact is not None:
            continue
        for j, q in enumerate(c.patterns):
            overlap = (p.until is None or q.start is None or q.start < p.until) and (
                q.until is None or p.start is None or p.start < q.until
            )
            if q.owner == p.owner or not overlap or not q.matches(spelling) or (min(i, j), max(i, j)) in seen:
                continue
            seen.add((min(i, j), max(i, j)))
            yield (
                _key_of(p.path),
                f"pattern `{p.text}` of `{p.owner}` and pattern `{q.text}` of `{q.owner}` both match "
                f"`{spelling}`: such a spelling resolves to neither; narrow one, or give the spelling as an alias",
            )


def _key_of(path: str) -> Key:
    """`parties.jfs.patterns[0]` as a document key: ("parties", "jfs", "patterns", 0)."""
    return tuple(int(part) if part.isdigit() else part for part in path.replace("[", ".").replace("]", "").split("."))


def durable_refusals(c: Compiled) -> Iterator[tuple[Key, str]]:
    """A rule the durable engine cannot run (the columnar one can), said before a run finds it."""
    if not rete.AVAILABLE:
        return
    try:
        rete.DurableExecutor(c).close()
    except rete.EngineError as exc:
        if exc.order is not None:
            yield ("rules", exc.order, "when"), exc.message


def _warn(doc: Document, key: Key, message: str) -> Problem:
    file, pos = doc.locate(key)
    line, column = pos or (None, None)
    return Problem(file, message, line, column, dotted(key), "warning")


def shadowed(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Rules that can never decide: a rule that comes first holds whenever they do.

    Found by proving implication between conditions, soundly but not completely: a test implies another
    on the same field when every value it accepts the other accepts too (`act: airstrike` implies
    `act: [airstrike, shelling]` and `act.hostile: {present: true}`); an all-of implies a test when one
    of its parts does; an unconditional rule holds always.
    """
    proof = _Implication(_domains(c), _derived(c))
    for j, later in enumerate(c.rules):
        for earlier in c.rules[:j]:
            if proof.steps_left < 0:
                yield (
                    ("rules",),
                    "too many rules to compare every pair: stopped looking for shadowed rules at "
                    f"`{later.id}` (rules[{later.order}])",
                )
                return
            if proof.holds_whenever(later.condition, earlier.condition):
                yield (
                    ("rules", later.order),
                    f"rule `{later.id}` can never decide: rule `{earlier.id}` (priority {earlier.priority}) "
                    "comes first and holds whenever it does",
                )
                break


# What a ruleset bounds, the field that says whether an incident lies within it, and in words.
_BOUNDS = (("in_scope", "place", "scope"), ("in_window", "time", "window"))


def blind_rules(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Rules that can find a violation (or permit an act) while the place or time is unknown.

    In a ruleset with a scope (or a window), a rule that decides `violation` or `permitted` must either
    test the field (`in_scope: true`), or come after a rule that decides whenever it is unknown
    (`in_scope: {present: false}`, as the shipped rulesets' `place-unknown`); else an incident the
    engine cannot place is judged as if it were inside.
    """
    for field, what, bound in _BOUNDS:
        if field == "in_scope" and c.places.scope is None:
            continue
        unknown = Test(c.fields.index(field), field, "absent", None)
        for j, rule in enumerate(c.rules):
            if rule.verdict not in ("violation", "permitted") or _requires(rule.condition, field):
                continue
            if any(_holds_when_absent(earlier.condition, unknown) for earlier in c.rules[:j]):
                continue
            yield (
                ("rules", rule.order),
                f"rule `{rule.id}` can decide {rule.verdict} while the {what} is unknown; test `{field}: true` or "
                f"put a rule `{{{field}: {{present: false}}}}` → undetermined before it (the truce has a {bound})",
            )


def _requires(node: Node, field: str) -> bool:
    """Whether a condition holds only when `field` is told (some test on it in every branch but `absent`)."""
    if isinstance(node, Test):
        return node.field == field and node.op != "absent"
    parts = [_requires(item, field) for item in node.items]
    return any(parts) if isinstance(node, AllOf) else bool(parts) and all(parts)


def _holds_when_absent(node: Node, unknown: Test) -> bool:
    """Whether a condition holds on every fact row where the field of `unknown` is absent."""
    if isinstance(node, Test):
        return node == unknown
    parts = [_holds_when_absent(item, unknown) for item in node.items]
    return all(parts) if isinstance(node, AllOf) else any(parts)


def unmentioned_roles(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Party roles in use that no condition mentions, by role or by one of its parties."""
    mentioned: set[Any] = set()
    for test in _tests(c):
        if test.field.endswith(".role"):
            mentioned |= _named(test)
        elif test.field.endswith(".party"):
            mentioned |= {c.ruleset.parties[p].role for p in _named(test) if p in c.ruleset.parties}
    by_role: dict[str, list[str]] = {}
    for pid, party in c.ruleset.parties.items():
        by_role.setdefault(party.role, []).append(pid)
    for role, pids in by_role.items():
        if role not in mentioned:
            names = ", ".join(f"`{p}`" for p in pids)
            yield ("parties", pids[0], "role"), f"no rule mentions role `{role}` or a party that has it ({names})"


def unread_acts(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Acts no rule tells apart: no `act` test names one, and no `act.hostile` test accepts its hostility.

    A test that only asks whether there is an act (`present`) reads none in particular.
    """
    named: set[Any] = set()
    hostility: set[Any] = set()
    for test in _tests(c):
        if test.field == "act":
            named |= _named(test)
        elif test.field == "act.hostile" and test.op in ("eq", "in", "not_in"):
            hostility |= _accepted(test, BOOLS) or set()
    for aid, act in c.ruleset.acts.items():
        if aid not in named and act.hostile not in hostility:
            yield (
                ("acts", aid),
                f"no rule reads act `{aid}`: no `act` test names it and none tests `act.hostile: "
                f"{str(act.hostile).lower()}`",
            )


def unread_knobs(c: Compiled) -> Iterator[tuple[Key, str]]:
    """Policy knobs nothing reads: no rule tests one, and no phase, self-defence or escalation term names it."""
    read = {test.field.removeprefix("policy.") for test in _tests(c) if test.field.startswith("policy.")}
    read |= {ref.removeprefix("policy.") for ref in knob_references(c.ruleset)}
    for knob in c.ruleset.policy:
        if knob not in read:
            yield ("policy", knob), f"no rule reads policy knob `{knob}`"


def _tests(c: Compiled) -> Iterator[Test]:
    def walk(node: Node) -> Iterator[Test]:
        if isinstance(node, Test):
            yield node
        else:
            for item in node.items:
                yield from walk(item)

    for rule in c.rules:
        yield from walk(rule.condition)


def _named(test: Test) -> set[Any]:
    """The values a test names, whether it accepts or refuses them."""
    if test.op == "eq":
        return {test.value}
    if test.op in ("in", "not_in"):
        return set(test.value)
    return set()


def _accepted(test: Test, domain: frozenset[Any] | None) -> set[Any] | None:
    """The values an equality test accepts; None when that set is not finite."""
    if test.op == "eq":
        return {test.value}
    if test.op == "in":
        return set(test.value)
    if test.op == "not_in" and domain is not None:
        return set(domain - test.value)
    return None


def _domains(c: Compiled) -> dict[str, frozenset[Any]]:
    """Every value a field can hold when present, for fields that have few."""
    parties = frozenset((*c.ruleset.parties, *NAME_CLASSES))
    sides = frozenset(p.side for p in c.ruleset.parties.values() if p.side)
    out: dict[str, frozenset[Any]] = {"act": frozenset((*c.ruleset.acts, UNKNOWN))}
    for who in PEOPLE:
        out |= {f"{who}.party": parties, f"{who}.role": frozenset(ROLES), f"{who}.side": sides}
    out |= dict.fromkeys(("act.hostile", "in_window", "in_scope", *(f"area.{a}" for a in c.ruleset.areas)), BOOLS)
    out |= {f"policy.{k}": BOOLS for k, v in c.ruleset.policy.items() if isinstance(v, bool)}
    return out


def _derived(c: Compiled) -> dict[tuple[str, str], dict[Any, Any]]:
    """Fields that follow from another: a party's role and side, an act's hostility (None: absent)."""
    parties: dict[str, tuple[str, str | None]] = {pid: (p.role, p.side) for pid, p in c.ruleset.parties.items()}
    parties |= {cls: (cls, None) for cls in NAME_CLASSES}
    out: dict[tuple[str, str], dict[Any, Any]] = {
        ("act", "act.hostile"): {aid: act.hostile for aid, act in c.ruleset.acts.items()} | {UNKNOWN: None}
    }
    for who in PEOPLE:
        out[(f"{who}.party", f"{who}.role")] = {pid: role for pid, (role, _) in parties.items()}
        out[(f"{who}.party", f"{who}.side")] = {pid: side for pid, (_, side) in parties.items()}
    return out


class _Implication:
    """Does one condition imply another? Sound (a yes is always right), not complete, and bounded.

    Policy tests count as facts like any other: a what-if can flip a knob, so a rule hidden only under
    the current policy is not reported.
    """

    def __init__(self, domains: dict[str, frozenset[Any]], derived: dict[tuple[str, str], dict[Any, Any]]) -> None:
        self.domains = domains
        self.derived = derived
        self.steps_left = ALL_STEPS
        self.pair_steps = PAIR_STEPS

    def holds_whenever(self, a: Node, b: Node) -> bool:
        """Does `b` hold whenever `a` does (as far as can be proved within a bounded number of steps)?"""
        self.pair_steps = PAIR_STEPS
        return self.implies(a, b)

    def implies(self, a: Node, b: Node) -> bool:
        self.pair_steps -= 1
        self.steps_left -= 1
        if self.pair_steps < 0:
            return False
        if isinstance(b, AllOf):
            return all(self.implies(a, item) for item in b.items)
        if isinstance(a, AnyOf):
            return all(self.implies(item, b) for item in a.items)
        if isinstance(a, AllOf):
            return any(self.implies(item, b) for item in a.items) or (
                isinstance(b, AnyOf) and any(self.implies(a, item) for item in b.items)
            )
        if isinstance(b, AnyOf):
            return any(self.implies(a, item) for item in b.items)
        return self.test_implies(a, b)

    def test_implies(self, a: Test, b: Test) -> bool:
        if a.field != b.field:
            return self.implies_derived(a, b)
        if b.op == "present":
            return a.op != "absent"
        if a.op in ("present", "absent") or b.op == "absent":
            return a.op == b.op
        domain = self.domains.get(a.field)
        mine, theirs = _accepted(a, domain), _accepted(b, domain)
        if mine is not None and theirs is not None:
            return mine <= theirs
        if mine is not None and b.op == "not_in":
            return not mine & b.value
        if a.op == "not_in" and b.op == "not_in":
            return bool(b.value <= a.value)
        return _within(_span(a, mine), _span(b, theirs))

    def implies_derived(self, a: Test, b: Test) -> bool:
        """`actor.party: army` implies `actor.role: covered` when the army is covered; likewise sides, acts."""
        table = self.derived.get((a.field, b.field))
        mine = _accepted(a, self.domains.get(a.field))
        if table is None or mine is None:
            return False
        image = {table.get(v) for v in mine}
        if None in image:  # some value a accepts leaves b's field absent, which fails every test but `absent`
            return False
        if b.op == "present":
            return True
        theirs = _accepted(b, self.domains.get(b.field))
        return theirs is not None and image <= theirs


def _span(test: Test, values: set[Any] | None) -> tuple[int | None, int | None]:
    """The whole numbers a count test accepts, as (lowest, highest); None where unbounded or not numeric."""
    if values is not None:
        numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
        return (min(numbers), max(numbers)) if numbers and len(numbers) == len(values) else (None, None)
    if test.op not in ("lt", "lte", "gt", "gte"):  # `not: 0` bounds nothing (and its value is a set)
        return None, None
    value = test.value
    return {
        "lt": (None, value - 1),
        "lte": (None, value),
        "gt": (value + 1, None),
        "gte": (value, None),
    }[test.op]


def _within(inner: tuple[int | None, int | None], outer: tuple[int | None, int | None]) -> bool:
    """Is every whole number in `inner` also in `outer`? (None: unbounded on that side.)"""
    (low, high), (lo, hi) = inner, outer
    if lo is None and hi is None:  # not a count test at all
        return False
    return (lo is None or (low is not None and lo <= low)) and (hi is None or (high is not None and high <= hi))


def unique(results: Iterable[Checked]) -> list[Problem]:
    """Every problem once, in order: a ruleset checked on its own and through a scenario is reported once."""
    return list(dict.fromkeys(p for r in results for p in r.problems))


def counts(results: Sequence[Checked]) -> dict[str, int]:
    problems = unique(results)
    errors = sum(p.severity == "error" for p in problems)
    return {"files": len(results), "errors": errors, "warnings": len(problems) - errors}


def summary(results: Sequence[Checked]) -> str:
    """`2 files checked: 1 error, 2 warnings`."""
    n = counts(results)
    found = [_plural(n[k], k.removesuffix("s")) for k in ("errors", "warnings") if n[k]]
    return f"{_plural(n['files'], 'file')} checked: {', '.join(found) or 'no problems'}"


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def report_json(results: Sequence[Checked]) -> dict[str, Any]:
    return {
        "files": [{"file": r.file, "kind": r.kind} for r in results],
        "problems": [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "path": p.path,
                "message": p.message,
                "severity": p.severity,
            }
            for p in unique(results)
        ],
        "summary": counts(results),
    }

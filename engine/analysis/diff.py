"""Compare two rulesets over every kind of incident, cut into classes at the constants their rules mention.

An incident is seen by rules through eight dimensions (actor, act, target, intended target, time,
place, killed, wounded). Each dimension's values are cut into classes: every party, name class and act
either ruleset knows (by what the spelling means under each), an unknown one, and none; the intervals
the windows' boundaries make; the regions and countries named; each side of every number compared.
Values that no test of either ruleset tells apart are one class. The space is then split, test by test,
into boxes on which each ruleset's deciding rule is fixed; one example incident per box is evaluated
by the executor under both rulesets.

Each incident is judged alone, in a phase given with it (a ninth dimension), under both rulesets alike. What
turns on other incidents is not compared, and is named wherever it could tell the two apart (`uncompared`):
self-defence (a response is measured against the incident it answers), when phases begin (a phase follows
from the days before an incident), escalation (a flag, after a party's violations).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import polars as pl

from engine.evaluation import phases
from engine.evaluation.facts import Resolver
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Verdict
from engine.evaluation.timed import phase_tested
from engine.incidents.frame import told_of
from engine.incidents.model import Casualties, Incident, Location
from engine.places.gazetteer import place_key
from engine.ruleset.compile import (
    NAME_CLASSES,
    PEOPLE,
    UNKNOWN,
    AllOf,
    Compiled,
    Node,
    Test,
    holds,
    tests_of,
)
from engine.ruleset.spellings import sample
from engine.spelling import normalize
from engine.times import TIME_YEARS, duration_words

# The parts of an incident a rule can see, each setting some fields of the fact row.
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "actor": ("actor.party", "actor.role", "actor.side"),
    "act": ("act", "act.hostile"),
    "target": ("target.party", "target.role", "target.side"),
    "intended_target": ("intended_target.party", "intended_target.role", "intended_target.side"),
    "time": ("in_window",),
    "place": ("in_scope", "admin1", "admin2", "admin3"),
    "killed": ("killed",),
    "wounded": ("wounded",),
    "phase": ("phase",),  # given with an example, not told: it follows from what happened on earlier days
}
DIMENSION_OF = {name: dim for dim, names in DIMENSIONS.items() for name in names}


def _dimension(field: str) -> str | None:
    """The dimension that sets a field (a named area's field is the place's); None for a policy knob."""
    return "place" if field.startswith("area.") else DIMENSION_OF.get(field)


# Spellings standing for "a name, act, region or country no ruleset knows": the first free one is used.
_UNKNOWN_NAMES = ("Unlisted Brigade", "Unlisted Armed Group", "Unlisted Battalion 7")
_UNKNOWN_ACTS = ("looting", "arson", "kidnapping")
_OTHER_REGIONS = ("Homs", "Hama", "Lattakia", "Dar'a", "Quneitra")
_OTHER_COUNTRIES = ("Iraq", "Lebanon", "Jordan", "Turkey")
_STATUS = {
    "in_window": {True: "inside the window", False: "outside the window", None: "time unknown"},
    "in_scope": {True: "in scope", False: "out of scope", None: "scope unknown"},
}

Box = tuple[int, ...]  # per dimension, a bit mask of its classes


@dataclass(frozen=True, slots=True)
class Choice:
    """A value of a dimension: what a source would tell (`TOLD` fields), and words for what it means."""

    label: str
    kind: str = ""  # what it is to the rules: a party's role, a place's scope (under A → B)
    told: dict[str, Any] = field(default_factory=dict)

    @property
    def absent(self) -> bool:
        return all(v is None for v in self.told.values())


@dataclass(frozen=True)
class Dimension:
    """A dimension's classes: `classes[i]` holds values that no test of either ruleset tells apart."""

    name: str
    classes: tuple[tuple[Choice, ...], ...]
    signatures: tuple[tuple[bool, ...], ...]  # each class's truth on every test of the dimension

    @property
    def full(self) -> int:
        return (1 << len(self.classes)) - 1

    def members(self, mask: int) -> list[Choice]:
        return [c for i, group in enumerate(self.classes) if mask >> i & 1 for c in group]

    def size(self) -> int:
        return sum(len(group) for group in self.classes)


@dataclass(frozen=True, slots=True)
class Side:
    """What one ruleset says about an example incident."""

    verdict: str
    rule: str | None
    explanation: str


@dataclass(frozen=True, slots=True)
class Phased:
    """The phase a class is judged in, given with its example (a phase follows from the days before an incident,
    not from the incident), and where the example falls when judged alone under A and under B: its time inside
    the phases each ruleset would be in were every day quiet (`phases.quiet_timeline`)."""

    given: str | None  # a phase id, `unknown`, or None: outside every phase
    # The phase given as A and B read it: none where one declares no such phase; where a ruleset's verdict on the
    # class turns on no phase, the one the example falls in alone (any would do).
    judged: tuple[str | None, str | None]
    alone: tuple[str | None, str | None]

    @property
    def agrees(self) -> bool:
        """Whether the example, judged alone, falls in the phase it is judged in, under both rulesets."""
        return self.alone == self.judged


@dataclass(frozen=True, slots=True)
class Uncompared:
    """Terms that turn on more than one incident, which `diff` does not compare, and which can tell A and B apart:
    `term` is the ruleset's key (`self_defense`, `phases`, `escalation`), `a` and `b` the terms in words (the same
    when A and B set them alike but their differences reach them), `why` why diff does not compare them."""

    term: str
    a: str
    b: str
    why: str


@dataclass(frozen=True)
class DiffClass:
    """Incidents on which the two rulesets decide differently, each ruleset always by the same rule."""

    box: Box
    when: tuple[tuple[str, str], ...]  # (dimension, the values it takes) for each dimension not left open
    example: Incident
    a: Side
    b: Side
    phase: Phased | None = None  # the phase given, where the class is one phase's (or a few's)


@dataclass(frozen=True)
class RulesetDiff:
    """Two rulesets compared: how much of the space was checked, and where their verdicts differ."""

    a: Compiled
    b: Compiled
    engine: str
    classes: int  # classes evaluated under both rulesets
    kinds: int  # incident kinds in the space: the product of every dimension's value count
    differences: tuple[DiffClass, ...]
    space: Space
    untried: tuple[str, ...] = ()  # spellings not compared, that could tell the two apart (see `untried`)
    not_compared: tuple[Uncompared, ...] = ()  # terms over time that could tell the two apart (see `uncompared`)

    @property
    def equivalent(self) -> bool:
        """No class compared differs, and nothing left uncompared could tell the two apart."""
        return not self.differences and not self.untried and not self.not_compared

    def difference_for(self, incident: Incident, phase: str | None = None) -> DiffClass | None:
        """The differing class an incident (as recorded, in `phase`) falls in; None when both give it one verdict."""
        point = self.space.locate(incident, phase)
        inside = (d for d in self.differences if all(p & m for p, m in zip(point, d.box)))
        return next(inside, None)

    def groups(self) -> list[list[DiffClass]]:
        """Differences that share verdict and rule under A and under B, in output order."""
        out: dict[tuple[str, str | None, str, str | None], list[DiffClass]] = {}
        for d in self.differences:
            out.setdefault((d.a.verdict, d.a.rule, d.b.verdict, d.b.rule), []).append(d)
        return list(out.values())


# -- each dimension's values, cut at the constants the rulesets mention --------------------------------


def _first_free(candidates: Sequence[str], taken: Callable[[str], bool]) -> str:
    for name in candidates:
        if not taken(name):
            return name
    raise RuntimeError(f"every spare spelling in {candidates} is taken")


def _pair(a: Any, b: Any, word: Callable[[Any], str]) -> str:
    """Words for a value under A, and under B where that differs."""
    return word(a) if a == b else f"{word(a)} → {word(b)}"


def _person(a: tuple[str, str, str | None] | None, b: tuple[str, str, str | None] | None) -> tuple[str, str]:
    """(who, what role): a party's id and role, a name class, or an unknown name, under A (→ B)."""

    def role(found: tuple[str, str, str | None] | None, other: tuple[str, str, str | None] | None) -> str:
        if found is None:
            return "unknown name"
        sides_differ = other is not None and found[2] != other[2]
        return found[1] + (f", {found[2]}" if found[2] and sides_differ else "")

    who = _pair(a and a[0], b and b[0], lambda pid: pid or "unknown name")
    return who, _pair(role(a, b), role(b, a), str)


def _people(a: Compiled, b: Compiled, dim: str) -> list[Choice]:
    """One spelling per distinct pair of meanings under A and B, a party's own name first.

    The spellings tried are every party's and class's own, and for each pattern one spelling it matches
    (`spellings.sample`). A spelling whose meaning depends on when it is told (a pattern valid only between
    days) is left out: see `untried`.
    """
    found: dict[Any, Choice] = {}
    for s in _spellings(a, b):
        if a.spelled(s).dated or b.spelled(s).dated:
            continue
        pair = (a.read_name(s).entry, b.read_name(s).entry)
        found.setdefault(pair, Choice(*_person(*pair), told={dim: s}))
    unknown = _first_free(
        _UNKNOWN_NAMES, lambda s: a.read_name(s).entry is not None or b.read_name(s).entry is not None
    )
    return [*found.values(), Choice("unknown name", told={dim: unknown}, kind="unknown name")]


def _known(c: Compiled, spelling: str) -> bool:
    """Whether a ruleset reads anything into a spelling (an exact one, or a pattern that matches it, whenever)."""
    spelled = c.spelled(spelling)
    return spelled.exact is not None or bool(spelled.matched)


def _spellings(a: Compiled, b: Compiled) -> list[str]:
    """The spellings worth trying: every party's and class's own, then one for each pattern."""
    spellings: list[str] = []
    for c in (a, b):
        for pid, party in c.ruleset.parties.items():
            spellings += [party.name, *party.aliases, pid]
        for cls in NAME_CLASSES:
            spellings += [*getattr(c.ruleset, cls).aliases, cls]
    for c in (a, b):
        spellings += [s for s in (sample(p.regex) for p in c.patterns) if s is not None]
    return list(dict.fromkeys(spellings))


def untried(a: Compiled, b: Compiled) -> tuple[str, ...]:
    """Spellings `diff` leaves out that could tell A and B apart: their meaning depends on when they are told,
    and the two rulesets read them differently (other parties, roles, sides, or days). A spelling both read
    alike names, at each time, what another spelling tried names at that time, so leaving it out loses nothing."""

    def dated(c: Compiled, s: str) -> Any:
        spelled = c.spelled(s)
        return (spelled.exact, tuple((p.entry, p.start, p.until) for p in spelled.matched))

    return tuple(
        s for s in _spellings(a, b) if (a.spelled(s).dated or b.spelled(s).dated) and dated(a, s) != dated(b, s)
    )


def _acts(a: Compiled, b: Compiled) -> list[Choice]:
    def word(found: tuple[str, bool] | None) -> str:
        return "unknown act" if found is None else found[0]

    spellings = [s for c in (a, b) for aid, act in c.ruleset.acts.items() for s in (aid, *act.aliases)]
    found: dict[Any, Choice] = {}
    for s in spellings:
        fa, fb = a.acts.get(normalize(s)), b.acts.get(normalize(s))
        if fa is not None and fb is not None and fa[0] == fb[0] and fa != fb:
            label = f"{fa[0]} ({_pair(fa[1], fb[1], lambda h: 'hostile' if h else 'not hostile')})"
        else:
            label = _pair(fa, fb, word)
        found.setdefault((fa, fb), Choice(label, told={"act": s}))
    unknown = _first_free(_UNKNOWN_ACTS, lambda s: normalize(s) in a.acts or normalize(s) in b.acts)
    return [*found.values(), Choice("unknown act", told={"act": unknown})]


def _times(a: Compiled, b: Compiled) -> list[Choice]:
    """A time in every interval the windows' boundaries cut the line into; dates on and beside each one."""
    bounds = sorted({t for c in (a, b) for t in (c.start, c.until) if t is not None})

    def inside(t: datetime) -> int:
        """In how many of the two windows: times inside both read best."""
        return sum(c.start <= t and (c.until is None or t < c.until) for c in (a, b))

    # Round hours well inside each interval read best; exact boundaries and dates make sure no class is missed.
    exact = [t for bound in bounds for t in (bound - timedelta(seconds=1), bound)]
    moments = sorted(_middles(bounds), key=inside, reverse=True) + exact
    days = {t.astimezone(c.zone).date() + timedelta(days=k) for t in bounds for c in (a, b) for k in (-1, 0, 1)}
    texts = [t.astimezone(a.zone).isoformat(timespec="seconds") for t in moments] + [
        d.isoformat() for d in sorted(days)
    ]
    return [Choice("", told={"time": text}) for text in texts]


def _middles(bounds: Sequence[datetime]) -> list[datetime]:
    """A time in every interval sorted `bounds` cut the line into: a day before the first, a round hour near the
    middle of each between, a day after the last; only those an incident can tell (`TIME_YEARS`)."""
    out = []
    for lo, hi in pairwise(bounds):
        middle = lo + (hi - lo) / 2
        hour = middle.replace(minute=0, second=0, microsecond=0)
        out.append(hour if hour >= lo else middle)
    # a day within the years told, so that no zone's clock can show the time in another year
    earliest, latest = datetime(TIME_YEARS[0], 1, 2, tzinfo=UTC), datetime(TIME_YEARS[1], 12, 30, tzinfo=UTC)
    before = [bounds[0] - timedelta(days=1)] if bounds[0] > earliest else []
    after = [bounds[-1] + timedelta(days=1)] if bounds[-1] < latest else []
    return [t for t in [*before, *out, *after] if earliest <= t <= latest]


def _named_places(c: Compiled) -> list[tuple[int, str]]:
    """Admin areas as the ruleset writes them, (level, name): in its scope, its areas and its rules' tests."""
    r = c.ruleset
    found = [(1, name) for name in r.scope.regions]
    for area in (r.scope, *r.areas.values()):
        found += [(s.level, name) for s in (*area.include, *area.exclude) for name in s.names]

    def walk(when: dict[str, Any]) -> None:
        for key, spec in when.items():
            if key in ("any", "all") and isinstance(spec, list):
                for part in spec:
                    if isinstance(part, dict):
                        walk(part)
            elif key in ("region", "admin1", "admin2", "admin3"):
                level = 1 if key == "region" else int(key[-1])
                for value in spec.values() if isinstance(spec, dict) else [spec]:
                    found.extend(
                        (level, v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)
                    )

    for rule in r.rules:
        if isinstance(rule.when, dict):
            walk(rule.when)
    return found


def _points(c: Compiled) -> list[tuple[float, float]]:
    """(latitude, longitude): a point inside each polygon the ruleset draws, and one well outside it."""
    out = []
    for area in (c.places.scope, *c.places.areas.values()):
        if area is not None and area.shape is not None:
            inside = area.shape.representative_point()
            west, south, _, _ = area.shape.bounds
            out += [(inside.y, inside.x), (max(south - 1.0, -90.0), max(west - 1.0, -180.0))]
    return out


def _kin(c: Compiled, named: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Around each area named, in the ruleset's gazetteer: the areas it lies in, and at each deeper level
    one area within it that is not named (Afrin named, and its sub-district Jandairis: another of Afrin's)."""
    g = c.places.gazetteer
    if g is None:
        return []
    keys = {(k, place_key(n)) for k, n in named}
    out: list[tuple[int, str]] = []
    for level, name in named:
        for area in g.find(level, name):
            out += [(above.level, above.name) for above in g.lineage(area)[:-1]]
            for deeper in range(level + 1, 4):
                inside = sorted(
                    (x for x in g.areas.values() if x.level == deeper and g.lineage(x)[level - 1] == area),
                    key=lambda x: x.pcode,
                )
                other = next((x for x in inside if (deeper, place_key(x.name)) not in keys), None)
                if other is not None:
                    out.append((deeper, other.name))
    return out


def _places(a: Compiled, b: Compiled) -> list[Choice]:
    """Each scope's country, another country, none; by each admin area named, the areas around it (see
    `_kin`), another, none; and points."""
    named = list(dict.fromkeys(p for c in (a, b) for p in _named_places(c)))
    named = list(dict.fromkeys([*named, *(p for c in (a, b) for p in _kin(c, named))]))
    other = _first_free(_OTHER_REGIONS, lambda r: normalize(r) in {normalize(n) for _, n in named})
    countries = [c.ruleset.scope.country for c in (a, b) if c.ruleset.scope.country]
    other_country = _first_free(_OTHER_COUNTRIES, lambda n: normalize(n) in {normalize(c) for c in countries})
    areas = [
        ((1, other), "another region"),
        *(((k, n), n if k == 1 else f"{n} (admin{k})") for k, n in named),
        ((0, None), "no region"),
    ]
    points = list(dict.fromkeys(p for c in (a, b) for p in _points(c)))
    choices = []
    for country in (*dict.fromkeys(countries), other_country, None):
        for (level, name), label in areas:
            told = {"country": country, "admin1": None, "admin2": None, "admin3": None} | (
                {f"admin{level}": name} if level else {}
            )
            choices.append(Choice(label, told=told))
        for lat, lon in points:
            choices.append(
                Choice(f"{lat:.4f}, {lon:.4f}", told={"country": country, "latitude": lat, "longitude": lon})
            )
    return choices


def _counts(a: Compiled, b: Compiled, dim: str) -> list[Choice]:
    """0 and each side of every number a rule compares the count with."""
    numbers: set[int] = set()
    for c in (a, b):
        for test in tests_of(c.rules):
            if test.field == dim and test.op not in ("present", "absent"):
                values = test.value if isinstance(test.value, frozenset) else {test.value}
                numbers.update(v + k for v in values for k in (-1, 0, 1))
    return [Choice(str(n), told={dim: n}) for n in sorted(n for n in numbers | {0} if n >= 0)]


def _values(a: Compiled, b: Compiled, dim: str, schedules: tuple[phases.Schedule, phases.Schedule]) -> list[Choice]:
    """Every value of a dimension worth trying, `none` first (so that it stands for its class); `schedules`, A's and
    B's (`phases.schedule`), say which phases are never in force."""
    if dim in PEOPLE:
        found = _people(a, b, dim)
    elif dim == "act":
        found = _acts(a, b)
    elif dim == "time":
        found = _times(a, b)
    elif dim == "place":
        found = _places(a, b)
    elif dim == "phase":  # an incident is never in a phase that is never in force
        kept = [(c, timing.never) for c, timing in zip((a, b), schedules)]
        ids = dict.fromkeys(p.id for c, never in kept for i, p in enumerate(c.phases) if i not in never)
        found = [Choice(phase, told={"phase": phase}) for phase in (*ids, UNKNOWN)]
    else:
        found = _counts(a, b, dim)
    none = Choice("no region" if dim == "place" else "none", told=dict.fromkeys(found[0].told)) if found else None
    return [none, *found] if none else [Choice("none")]


def _row(resolver: Resolver, told: dict[str, Any]) -> tuple[Any, ...]:
    return resolver.row(told)


class Space:
    """The incident space of two rulesets: classes per dimension, and each rule test's truth on them."""

    def __init__(self, a: Compiled, b: Compiled) -> None:
        self.sides = (a, b)
        self.makers = (Resolver(a), Resolver(b))
        first = phases.schedule(a)  # quiet days are counted day by day: each ruleset's once
        self.schedules = (first, first if b is a else phases.schedule(b))
        tested = {t.field for c in self.sides for t in tests_of(c.rules)}
        self.dims = tuple(
            self._classes(dim, _values(a, b, dim, self.schedules) if tested & set(names) else [Choice("none")])
            for dim, names in DIMENSIONS.items()
        )
        # A test's truth as a bit mask over its dimension's classes, or a constant for a policy knob.
        self.truth = tuple(self._masks(side) for side in (0, 1))

    def with_policy(self, a: Compiled, b: Compiled) -> Space:
        """The space of rulesets that differ from this space's own only in the values of their policy knobs (as
        `--set` changes them): the same classes, each knob test true or false as the new values say."""
        space = copy.copy(self)
        space.sides = (a, b)
        space.makers = (Resolver(a), Resolver(b))
        space.truth = tuple(space._masks(side) for side in (0, 1))
        return space

    def _facts(self, dim: str, told: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
        """The fields a dimension sets, under A and under B."""
        rows = [_row(m, told) for m in self.makers]
        return tuple(
            tuple(row[i] for i, f in enumerate(c.fields) if f in DIMENSIONS[dim] or _dimension(f) == dim)
            for row, c in zip(rows, self.sides)
        )

    def _signature(self, dim: str, told: dict[str, Any]) -> tuple[bool, ...]:
        rows = [_row(m, told) for m in self.makers]
        return tuple(
            holds(t, row) for c, row in zip(self.sides, rows) for t in tests_of(c.rules) if _dimension(t.field) == dim
        )

    def _classes(self, dim: str, values: list[Choice]) -> Dimension:
        """Values with the same facts under both rulesets are one value; values no test tells apart, one class."""
        seen: set[tuple[Any, ...]] = set()
        groups: dict[tuple[bool, ...], list[Choice]] = {}
        for choice in values:
            facts = self._facts(dim, choice.told)
            if facts in seen:
                continue
            seen.add(facts)
            if dim == "time":
                choice = Choice(_pair(facts[0][0], facts[1][0], _STATUS["in_window"].__getitem__), told=choice.told)
            elif dim == "place":
                scope = _pair(facts[0][0], facts[1][0], _STATUS["in_scope"].__getitem__)
                choice = Choice(choice.label, scope, told=choice.told)
            groups.setdefault(self._signature(dim, choice.told), []).append(choice)
        # `none` goes last, in its class and among classes: examples then show a value a source would give
        ordered = sorted(groups.items(), key=lambda item: all(c.absent for c in item[1]))
        return Dimension(
            dim, tuple(tuple(sorted(g, key=lambda c: c.absent)) for _, g in ordered), tuple(s for s, _ in ordered)
        )

    def _masks(self, side: int) -> dict[Test, tuple[int, int] | bool]:
        out: dict[Test, tuple[int, int] | bool] = {}
        maker = self.makers[side]
        for test in tests_of(self.sides[side].rules):
            dim = _dimension(test.field)
            if dim is None:  # a policy knob: fixed for the ruleset
                out[test] = holds(test, _row(maker, {}))
                continue
            d = list(DIMENSIONS).index(dim)
            rows = [_row(maker, group[0].told) for group in self.dims[d].classes]
            out[test] = (d, sum(1 << i for i, row in enumerate(rows) if holds(test, row)))
        return out

    @property
    def everything(self) -> Box:
        return tuple(d.full for d in self.dims)

    def kinds(self) -> int:
        total = 1
        for d in self.dims:
            total *= d.size()
        return total

    def locate(self, incident: Incident, phase: str | None = None) -> Box:
        """The point (one class per dimension) where an incident, as recorded without its accounts, lies, in
        `phase` (None: outside every phase; the phase follows from earlier days, not from the record)."""
        flat = {**told_of(incident), "phase": phase}
        point = []
        for d in self.dims:
            signature = self._signature(d.name, {k: flat.get(k) for k in _TOLD_OF[d.name]})
            if signature not in d.signatures:
                raise LookupError(f"{incident.id}: no class of `{d.name}` has its facts; the space misses a value")
            point.append(1 << d.signatures.index(signature))
        return tuple(point)

    # -- three-valued evaluation on a box: True on all of it, False on none of it, None on some ---------

    def holds_on(self, side: int, node: Node, box: Box) -> bool | None:
        if isinstance(node, Test):
            truth = self.truth[side][node]
            if isinstance(truth, bool):
                return truth
            d, mask = truth
            within = box[d] & mask
            return True if within == box[d] else False if within == 0 else None
        values = [self.holds_on(side, item, box) for item in node.items]
        if isinstance(node, AllOf):
            return False if False in values else True if all(values) else None
        return True if True in values else False if all(v is False for v in values) else None

    def decide(self, side: int, box: Box) -> tuple[int | None, Test | None]:
        """(the deciding rule's index, -1 for none, or None while open; a test that would settle it)."""
        for i, rule in enumerate(self.sides[side].rules):
            truth = self.holds_on(side, rule.condition, box)
            if truth is True:
                return i, None
            if truth is None:
                return None, self._open_test(side, rule.condition, box)
        return -1, None

    def _open_test(self, side: int, node: Node, box: Box) -> Test:
        if isinstance(node, Test):
            return node
        return next(self._open_test(side, item, box) for item in node.items if self.holds_on(side, item, box) is None)

    def split(self, side: int, box: Box, nodes: Sequence[Node]) -> Iterator[Box]:
        """Parts of `box` that together make it, on each of which every condition of `nodes` holds throughout or
        fails throughout (under ruleset A for side 0, B for side 1), found by splitting on the tests still open."""
        stack = [box]
        while stack:
            part = stack.pop()
            node = next((n for n in nodes if self.holds_on(side, n, part) is None), None)
            if node is None:
                yield part
                continue
            d, mask = self.truth[side][self._open_test(side, node, part)]  # type: ignore[misc]  # never a knob
            stack += [_with(part, d, part[d] & ~mask), _with(part, d, part[d] & mask)]

    def classes(self) -> list[tuple[Box, tuple[int, int]]]:
        """Boxes on which both deciding rules are fixed, found by splitting on the tests still open."""
        out = []
        stack = [self.everything]
        while stack:
            box = stack.pop()
            decided: list[int] = []
            for side in (0, 1):
                rule, test = self.decide(side, box)
                if rule is None:
                    assert test is not None
                    d, mask = self.truth[side][test]  # type: ignore[misc]  # an open test is never a knob
                    stack += [_with(box, d, box[d] & ~mask), _with(box, d, box[d] & mask)]
                    break
                decided.append(rule)
            else:
                out.append((box, (decided[0], decided[1])))
        return out

    # -- a box in words, and as an incident ---------------------------------------------------------

    def describe(self, box: Box) -> tuple[tuple[str, str], ...]:
        out = []
        for d, mask in zip(self.dims, box):
            if mask != d.full:
                out.append((d.name, _words(d, mask)))
        return tuple(out)

    def pins_phase(self, box: Box) -> bool:
        """Whether the box is one phase's, or a few's: some rule's verdict turns on the phase there."""
        d = list(DIMENSIONS).index("phase")
        return box[d] != self.dims[d].full

    def phase(self, box: Box) -> str | None:
        """The phase an example of the box is judged in (None: outside every phase, or the dimension left open)."""
        d = list(DIMENSIONS).index("phase")
        dim, mask = self.dims[d], box[d]
        if mask == dim.full:
            return None
        members = dim.members(mask)
        return next((c for c in members if not c.absent), members[0]).told.get("phase")

    def holds_time(self, box: Box, time: str) -> bool:
        """Whether a time (as told) lies in the box's classes of time."""
        d = list(DIMENSIONS).index("time")
        dim = self.dims[d]
        signature = self._signature("time", {"time": time})
        return signature in dim.signatures and box[d] >> dim.signatures.index(signature) & 1 == 1

    def example(self, box: Box, name: str, time: str | None = None) -> Incident:
        """An incident in the box: a dimension left open is left out, else its first value a source would give;
        `time`, a time in the box (`holds_time`), is told instead of the time's."""
        told: dict[str, Any] = {}
        for d, mask in zip(self.dims, box):
            members = d.members(mask)
            if mask != d.full:
                told |= next((c for c in members if not c.absent), members[0]).told
        if time is not None:
            told["time"] = time
        location = {k: told[k] for k in _TOLD_OF["place"] if told.get(k) is not None}
        casualties = {k: told[k] for k in ("killed", "wounded") if told.get(k) is not None}
        return Incident(
            id=name,
            time=told.get("time"),
            actor=told.get("actor"),
            act=told.get("act"),
            target=told.get("target"),
            intended_target=told.get("intended_target"),
            location=Location(**location) if location else None,
            casualties=Casualties(**casualties) if casualties else None,
        )


_TOLD_OF = {
    **{dim: (dim,) for dim in (*PEOPLE, "act", "time", "killed", "wounded", "phase")},
    "place": ("country", "admin1", "admin2", "admin3", "latitude", "longitude", "precision_km"),
}


def _with(box: Box, d: int, mask: int) -> Box:
    return (*box[:d], mask, *box[d + 1 :])


def _words(d: Dimension, mask: int) -> str:
    """The values a box takes in a dimension, by kind where values have one; `anything but` when shorter."""
    every = Counter(c.kind for c in d.members(d.full))

    def text(m: int) -> str:
        kinds: dict[str, list[str]] = {}
        for c in d.members(m):
            kinds.setdefault(c.kind, []).append(c.label)
        parts = []
        for kind, labels in kinds.items():
            if not kind or [kind] == labels:
                parts += labels
            elif every[kind] == 1:
                parts.append(f"{labels[0]} ({kind})")
            elif len(labels) == every[kind]:
                parts.append(kind)
            else:
                parts.append(f"{kind}: {', '.join(labels)}")
        return ("; " if any(": " in p for p in parts) else ", ").join(parts)

    inside, outside = text(mask), text(d.full & ~mask)
    return inside if len(inside) <= len(outside) else f"anything but {outside}"


# -- the comparison --------------------------------------------------------------------------------


def merge(boxes: list[Box]) -> list[Box]:
    """Join boxes that differ in one dimension only: their union is a box, and decides alike."""
    boxes = list(boxes)
    while True:
        pairs = (
            (i, j, apart[0])
            for i in range(len(boxes))
            for j in range(i + 1, len(boxes))
            if len(apart := [d for d, (x, y) in enumerate(zip(boxes[i], boxes[j])) if x != y]) == 1
        )
        found = next(pairs, None)
        if found is None:
            return boxes
        i, j, d = found
        boxes[i] = _with(boxes[i], d, boxes[i][d] | boxes[j][d])
        del boxes[j]


def _side(v: Verdict) -> Side:
    return Side(v.verdict, v.rule, v.explanation)


class _Alone:
    """Where an incident judged alone falls under A and under B: in the phases each ruleset would be in were every
    day quiet (`phases.quiet_timeline`), which is where one incident, with no other to count, finds them."""

    def __init__(self, space: Space) -> None:
        self.space = space
        self.bands = tuple(phases.quiet_timeline(c) for c in space.sides)
        # A time in each stretch the windows' and the phases' bounds cut the line into: the times tried for a box
        bounds = sorted(
            {t for c in space.sides for t in (c.start, c.until) if t is not None}
            | {t for bands in self.bands for band in bands for t in (band.start, band.until) if t is not None}
        )
        zone = space.sides[0].zone
        self.times = [moment.astimezone(zone).isoformat(timespec="seconds") for moment in _middles(bounds)]
        self._fallen: dict[str | None, tuple[str | None, str | None]] = {}

    def falls_in(self, time: str | None) -> tuple[str | None, str | None]:
        """The phase an incident told at `time` falls in under A and under B (`unknown` for no time), each time
        found once."""
        if time not in self._fallen:
            (a, b), (bands_a, bands_b) = self.space.sides, self.bands
            self._fallen[time] = self._phase(a, bands_a, time), self._phase(b, bands_b, time)
        return self._fallen[time]

    @staticmethod
    def _phase(c: Compiled, bands: list[phases.Band], time: str | None) -> str | None:
        if not c.phases:
            return None
        if time is None:
            return UNKNOWN
        spans = phases.periods(c, pl.Series([time], dtype=pl.String()))
        found: str | None = phases.placed(c, bands, spans).get_column("phase")[0]
        return found

    def placed(self, box: Box, example: Incident) -> tuple[str | None, Phased]:
        """A time for the box's example, and a phase of the box to judge it in, such that judged alone it falls in
        that phase under both rulesets (time None: its own time does, or no time tried does; then the phase is the
        box's first, `Space.phase`)."""
        space = self.space
        d = list(DIMENSIONS).index("phase")
        # under a ruleset that decides the box alike in every phase, the phase the example falls in does not matter
        free = [space.decide(side, _with(box, d, space.dims[d].full))[0] is not None for side in (0, 1)]
        first = space.phase(box)
        options = list(dict.fromkeys([first, *(c.told.get("phase") for c in space.dims[d].members(box[d]))]))

        def judged(phase: str | None, alone: tuple[str | None, str | None]) -> tuple[str | None, str | None]:
            a, b = (x if free[i] else _declared(c, phase) for i, (c, x) in enumerate(zip(space.sides, alone)))
            return a, b

        def fits(alone: tuple[str | None, str | None], time: str | None) -> list[str | None]:
            """The phases of the box an example told at `time`, falling in `alone`, can be judged in as it falls. An
            unknown phase only for no time: one told over a span is tried in the phases it spans, not in every one."""
            return [g for g in options if (g != UNKNOWN or time is None) and judged(g, alone) == alone]

        alone = self.falls_in(example.time)
        if found := fits(alone, example.time):
            return None, Phased(found[0], alone, alone)
        if first != UNKNOWN:
            for time in self.times:
                there = self.falls_in(time) if space.holds_time(box, time) else None
                if there is not None and (found := fits(there, time)):
                    return time, Phased(found[0], there, there)
        return None, Phased(first, judged(first, alone), alone)


def _declared(c: Compiled, phase: str | None) -> str | None:
    """A phase given, as `c` reads it: none where it declares no such phase (`unknown`, where it has phases)."""
    known = (phase == UNKNOWN and bool(c.phases)) or any(p.id == phase for p in c.phases)
    return phase if known else None


def diff_rulesets(a: Compiled, b: Compiled, engine: str | None = None) -> RulesetDiff:
    """Every class of incident whose verdict differs between `a` and `b`, each with an example incident, and the
    terms over time, which it does not compare, that could tell them apart (`uncompared`).

    The executor's verdicts on each class's example are the ones reported; they must name the rules the
    class analysis found deciding, or the analysis is wrong and says so. A class of one phase (or a few) has
    an example told at a time that, judged alone, falls in that phase under both, where some time in the class
    does."""
    space = Space(a, b)
    found = space.classes()
    with Evaluator(a, engine) as ea, Evaluator(b, engine) as eb:
        examples = [space.example(box, f"class-{i + 1}") for i, (box, _) in enumerate(found)]
        given = {e.id: space.phase(box) for e, (box, _) in zip(examples, found)}
        outcomes: dict[tuple[int, int], list[Box]] = {}
        judged = zip(found, ea.evaluate(examples, given), eb.evaluate(examples, given))
        for (box, decided), va, vb in judged:
            for c, v, rule in zip((a, b), (va, vb), decided):
                expected = c.rules[rule].id if rule >= 0 else None
                if v.rule != expected:
                    raise RuntimeError(f"{c.id}: {space.describe(box)}: classes say {expected}, {ea.engine} {v.rule}")
            if va.verdict != vb.verdict:
                outcomes.setdefault(decided, []).append(box)
        # in the order the rules decide under A, then under B; "no rule" last
        last = len(a.rules) + len(b.rules)
        order = sorted(outcomes, key=lambda rules: tuple(r if r >= 0 else last for r in rules))
        boxes = [box for rules in order for box in merge(outcomes[rules])]
        shown = [space.example(box, f"diff-{i + 1}") for i, box in enumerate(boxes)]
        alone = _Alone(space) if any(space.pins_phase(box) for box in boxes) else None
        phased: list[Phased | None] = []
        for i, box in enumerate(boxes):
            if alone is None or not space.pins_phase(box):
                phased.append(None)
                continue
            time, where = alone.placed(box, shown[i])
            if time is not None:
                shown[i] = space.example(box, shown[i].id, time)
            phased.append(where)
        given = {e.id: space.phase(box) if p is None else p.given for e, box, p in zip(shown, boxes, phased)}
        differences = tuple(
            DiffClass(box, space.describe(box), incident, _side(va), _side(vb), where)
            for box, incident, va, vb, where in zip(
                boxes, shown, ea.evaluate(shown, given), eb.evaluate(shown, given), phased
            )
        )
        return RulesetDiff(
            a,
            b,
            ea.engine,
            len(found),
            space.kinds(),
            differences,
            space,
            untried(a, b),
            uncompared(a, b, differences, space.schedules),
        )


# -- what turns on more than one incident ---------------------------------------------------------------


def uncompared(
    a: Compiled,
    b: Compiled,
    differences: Sequence[DiffClass],
    schedules: tuple[phases.Schedule, phases.Schedule],
) -> tuple[Uncompared, ...]:
    """The terms that turn on more than one incident and could tell A and B apart, given the classes that differ
    (`schedules`: A's and B's `phases.schedule`):

    - `self_defense`, where A and B set it differently (its window, act classes or casualty ratio): a response
      is measured against the incident it answers;
    - `phases`, where some rule tests the phase and A and B begin the phases that can begin inside their windows
      differently, or alike but after quiet days, which count violations A and B find differently;
    - `escalation`, where A and B set it differently: it flags verdicts after a party's violations.

    Both turn on which party is which, too: where A and B set them alike, they are named when a name that is one
    party under one ruleset is one of two under the other (`merged`), which no rule need tell.
    """
    out: list[Uncompared] = []
    merged = _merged(a, b)
    if _defense(a, b) != _defense(b, a):
        out.append(Uncompared("self_defense", _defense_words(a, b), _defense_words(b, a), _WHY["self_defense"]))
    elif a.self_defense is not None and merged:
        words = _defense_words(a, b)
        out.append(Uncompared("self_defense", words, words, f"{merged}, and {_WHY['parties_defense']}"))
    if phase_tested(a) or phase_tested(b):
        zoned = bool(a.phases and b.phases) and str(a.zone) != str(b.zone)
        can_a, can_b = (timing.earliest for timing in schedules)
        if _schedule(a, zoned, can_a) != _schedule(b, zoned, can_b):
            out.append(
                Uncompared("phases", _phases_words(a, zoned, can_a), _phases_words(b, zoned, can_b), _WHY["phases"])
            )
        elif any(a.phases[i].quiet_days is not None for i in can_a) and (
            out or any((d.a.verdict == "violation") != (d.b.verdict == "violation") for d in differences)
        ):
            words = _phases_words(a, False, can_a)
            out.append(Uncompared("phases", words, words, _WHY["quiet"]))
    if a.escalation != b.escalation:
        out.append(Uncompared("escalation", _escalation_words(a), _escalation_words(b), _WHY["escalation"]))
    elif a.escalation is not None and merged:
        words = _escalation_words(a)
        out.append(Uncompared("escalation", words, words, f"{merged}, and {_WHY['parties_escalation']}"))
    return tuple(out)


def _merged(a: Compiled, b: Compiled) -> str:
    """Two spellings that name one party under one ruleset and two under the other, in words (`` `FSA` and `Jaysh`
    name one party under A, opposition, and two under B, opposition and jaysh``); empty where there are none."""
    named: dict[str, tuple[str, str]] = {}  # spelling -> (its party under A, under B)
    for s in _spellings(a, b):
        if a.spelled(s).dated or b.spelled(s).dated:
            continue  # see `untried`
        ea, eb = a.read_name(s).entry, b.read_name(s).entry
        if ea is not None and eb is not None and ea[0] in a.ruleset.parties and eb[0] in b.ruleset.parties:
            named.setdefault(s, (ea[0], eb[0]))
    for one, other, letters in ((0, 1, "AB"), (1, 0, "BA")):
        seen: dict[str, tuple[str, str]] = {}  # a party under one -> its first spelling, and its party under the other
        for s, parties in named.items():
            first, there = seen.setdefault(parties[one], (s, parties[other]))
            if there != parties[other]:
                return (
                    f"`{first}` and `{s}` name one party under {letters[0]}, {parties[one]}, and two under "
                    f"{letters[1]}, {there} and {parties[other]}"
                )
    return ""


_WHY = {
    "self_defense": "whether a response (`in_response_to`) is self-defence turns on the incident it answers, and "
    "diff judges each incident alone",
    "phases": "a phase follows from the days before an incident, not from the incident: diff judges each class in "
    "a phase given, under A and B alike, and does not compare an incident that falls in one phase under A and in "
    "another under B",
    "quiet": "a phase that waits for quiet days counts violations, which A and B find differently (see the "
    "classes that differ): an incident can fall in one phase under A and in another under B, which diff does not "
    "compare",
    "escalation": "escalation flags the verdicts of a party found in enough violations and changes no verdict; "
    "diff compares verdicts",
    "parties_defense": "self-defence is a response by the party struck against the party that struck, which diff "
    "does not pair",
    "parties_escalation": "escalation counts each party's violations and flags verdicts; diff compares verdicts",
}


def _knob(written: object) -> str:
    """` (policy.NAME)` after a number a policy knob holds, as the ruleset wrote it; nothing after a number."""
    return f" ({written})" if isinstance(written, str) else ""


def _defense(c: Compiled, other: Compiled) -> tuple[Any, ...] | None:
    """What decides whether a response is self-defence under `c`, but for its clause: with the class of each act
    `other` knows too (an act one ruleset does not know is told apart by the classes that differ)."""
    terms = c.self_defense
    if terms is None:
        return None
    classes = {act: cls for act, cls in (c.act_classes or {}).items() if act in (other.act_classes or {})}
    return terms.window, terms.same_class, terms.ratio, classes if terms.same_class else None


def _defense_words(c: Compiled, other: Compiled) -> str:
    terms, told = c.self_defense, c.ruleset.self_defense
    if terms is None or told is None:
        return "none"
    words = f"a response within {duration_words(terms.window)}"
    if terms.same_class:
        words += ", of the same class of act"
        # the classes of the acts both know, where they differ, when both measure a response by them
        theirs = (other.act_classes or {}) if other.self_defense and other.self_defense.same_class else {}
        moved = [f"{act} {cls}" for act, cls in (c.act_classes or {}).items() if theirs.get(act, cls) != cls]
        words += f" (classes: {', '.join(moved)})" if moved else ""
    if terms.ratio is not None:
        words += (
            f", with at most {terms.ratio_text}{_knob(told.max_casualty_ratio)} times the casualties of the incident "
            "it answers"
        )
    return words


def _schedule(c: Compiled, zoned: bool, can: Mapping[int, datetime]) -> tuple[Any, ...]:
    """When each phase that can begin inside the window begins and ends, as the ruleset sets it (knobs read), but
    for its clause; with the zone days are counted in where `zoned` (A and B count them in different zones). A
    phase that cannot begin inside the window (not in `can`, `Schedule.earliest`) places no incident, however it is
    written."""
    return tuple(
        (
            *(p.id, p.at, None if p.after is None else c.phases[p.after].id, p.duration, p.quiet_days),
            *(p.max_violations, p.until, str(c.zone) if zoned and p.quiet_days is not None else None),
        )
        for i, p in enumerate(c.phases)
        if i in can
    )


def _phases_words(c: Compiled, zoned: bool, can: Mapping[int, datetime]) -> str:
    """`initial from 2016-09-12T19:00:00+03:00; jic after 7 (policy.jic_after_days) quiet days …`, each phase with the
    earliest it can begin (`can`, `Schedule.earliest`), or that it cannot inside the window; the zone days are counted
    in where `zoned`."""
    if not c.phases:
        return "no phases"

    def moment(t: datetime) -> str:
        return t.astimezone(c.zone).isoformat(timespec="seconds")

    parts = []
    for i, (p, told) in enumerate(zip(c.phases, c.ruleset.phases)):
        start = told.start
        after = "" if p.after is None else c.phases[p.after].id
        when = (
            ""
            if p.at is not None
            else " (never inside the window)"
            if i not in can
            else f" ({moment(can[i])} at the earliest)"
        )
        if p.quiet_days is not None and start is not None and not isinstance(start, str):
            words = (
                f"{p.id}{when} after {p.quiet_days}{_knob(start.quiet_days)} quiet days, each with at most "
                f"{p.max_violations}{_knob(start.max_violations)} violations, counted from {after}'s start"
                + (f" (days in {c.zone})" if zoned else "")
            )
        elif p.duration is not None:
            words = f"{p.id}{when} {duration_words(p.duration)} after {after} begins"
        else:
            words = f"{p.id} from {moment(p.at or c.start)}" + (" (never inside the window)" if i not in can else "")
        parts.append(words + (f" until {moment(p.until)}" if p.until is not None else ""))
    return "; ".join(parts)


def _escalation_words(c: Compiled) -> str:
    terms, told = c.escalation, c.ruleset.escalation
    if terms is None or told is None:
        return "none"
    return (
        f"{terms.violations}{_knob(told.violations)} violations by one party within {terms.hours}{_knob(told.hours)} "
        "hours"
    )

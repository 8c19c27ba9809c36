"""Check a ruleset's meaning and compile it to the form both executors run."""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from engine.errors import Problem, cut, did_you_mean, one_of, write_whole
from engine.places.areas import Places, compile_places
from engine.ruleset.model import (
    MAX_DAYS,
    MAX_HOURS,
    MAX_RATIO,
    MAX_VIOLATIONS,
    Phase,
    Rule,
    Ruleset,
    knob_references,
)
from engine.ruleset.spellings import Entry, NamePattern, Reading, Sides, Spelled, compile_patterns
from engine.spelling import normalize
from engine.times import (
    PLAUSIBLE_YEARS,
    TICK,
    Period,
    offset_text,
    read_duration,
    read_moment,
    read_time,
    written_years,
    zoneless,
)
from engine.validation import out_of_range

NAME_CLASSES = ("civilians", "unidentified")
UNKNOWN = "unknown"
ROLES = ("covered", "sponsor", "excluded", "not_party", *NAME_CLASSES, UNKNOWN)
# Condition fields as first written, and the fields they now name.
FIELD_ALIASES = {"region": "admin1"}
PEOPLE = ("actor", "target", "intended_target")
PLACEHOLDERS = (*PEOPLE, "act")

# Every field a condition can test, in the order a fact row holds them.
BASE_FIELDS: tuple[tuple[str, str], ...] = (
    *((f"{who}.{attr}", attr) for who in PEOPLE for attr in ("party", "role", "side")),
    ("act", "act"),
    ("act.hostile", "bool"),
    ("in_window", "bool"),
    ("in_scope", "bool"),
    ("admin1", "place"),
    ("admin2", "place"),
    ("admin3", "place"),
    ("killed", "count"),
    ("wounded", "count"),
)
OPERATORS = ("eq", "in", "not", "lt", "lte", "gt", "gte", "present")
# Operators as other rule languages spell them, and ours that means the same: a near spelling may mean the opposite
# (`neq` is closest to `eq`).
_SPELLED_ELSEWHERE = {
    **dict.fromkeys(("neq", "ne", "!=", "nin", "not_in", "notin"), "not"),
    **{"==": "eq", "=": "eq", ">": "gt", ">=": "gte", "ge": "gte", "<": "lt", "<=": "lte", "le": "lte"},
    "exists": "present",
}
ALWAYS = "always"  # `when: always`: a condition with no tests, written so (`when: {}` is refused as a slip)
# What to write for a field tested with no operator (`killed: {}`), by the kind of field.
_LIKE = {"count": "{gte: 1}", "bool": "true"}
N = TypeVar("N", int, float)  # a term's number: a whole one, or any
_ORDERING = ("lt", "lte", "gt", "gte")


@dataclass(frozen=True, slots=True)
class Test:
    """One field test. Every test fails on an absent field except `present: false`."""

    index: int
    field: str
    op: str  # eq, in, not_in, lt, lte, gt, gte, present, absent
    value: Any


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Node, ...]


Node = Test | AllOf | AnyOf


def holds(node: Node, row: tuple[Any, ...]) -> bool:
    """Whether a condition holds for one fact row (values in `Compiled.fields` order; None: not told).

    The meaning every executor implements: each test fails on a field not told, except `present: false`.
    """
    if isinstance(node, Test):
        value = row[node.index]
        op = node.op
        if value is None:
            return op == "absent"
        if op == "eq":
            return bool(value == node.value)
        if op == "in":
            return value in node.value
        if op == "not_in":
            return value not in node.value
        if op == "present":
            return True
        if op == "absent":
            return False
        if op == "lt":
            return bool(value < node.value)
        if op == "lte":
            return bool(value <= node.value)
        if op == "gt":
            return bool(value > node.value)
        return bool(value >= node.value)
    if isinstance(node, AllOf):
        return all(holds(item, row) for item in node.items)
    return any(holds(item, row) for item in node.items)


@dataclass(frozen=True, slots=True)
class CompiledRule:
    id: str
    clause: str
    priority: int
    verdict: str
    explanation: str
    condition: AllOf
    order: int  # position in the file: breaks priority ties


@dataclass(frozen=True, slots=True)
class CompiledPhase:
    """A phase ready to place incidents in (see `engine.ruleset.model.Phase`): its start is a fixed instant
    (`at`, aware), `duration` after phase `after` began, or after `quiet_days` quiet days counted from then."""

    id: str
    clause: str
    at: datetime | None
    after: int | None  # the index of the phase whose start this one follows
    duration: timedelta | None
    quiet_days: int | None
    max_violations: int  # violations a quiet day may have
    until: datetime | None


@dataclass(frozen=True, slots=True)
class SelfDefenseTerms:
    """`self_defense` ready to apply (see `engine.ruleset.model.SelfDefense`); `ratio` None: casualties not bounded."""

    clause: str
    window: timedelta
    same_class: bool
    ratio: float | None

    @property
    def ratio_text(self) -> str:
        """The casualty ratio as written: `2`, not `2.0`; `1.5` (empty where casualties are not bounded)."""
        if self.ratio is None:
            return ""
        return str(int(self.ratio)) if self.ratio.is_integer() else str(self.ratio)


@dataclass(frozen=True, slots=True)
class EscalationTerms:
    """`escalation` ready to apply: at least `violations` violations by one party within `hours` hours."""

    violations: int
    hours: int


@dataclass(frozen=True)
class Compiled:
    """A ruleset ready to run: resolution tables, the window, and rules in the order they decide."""

    ruleset: Ruleset
    source: str
    fields: tuple[str, ...]
    rules: tuple[CompiledRule, ...]
    names: dict[str, Entry]  # normalized spelling -> (party or class, role, side): the exact spellings
    acts: dict[str, tuple[str, bool]]  # normalized spelling -> (act id, hostile)
    start: datetime
    until: datetime | None
    zone: tzinfo  # the ruleset's `timezone`, or the offset of `window.from` when it names none
    places: Places
    policy: tuple[Any, ...]
    files: tuple[str, ...] = ()  # every file it was read from: its own, then those it `extends`
    patterns: tuple[NamePattern, ...] = ()  # spellings by pattern, tried when no exact one matches (file order)
    phases: tuple[CompiledPhase, ...] = ()  # in the order they begin
    self_defense: SelfDefenseTerms | None = None
    escalation: EscalationTerms | None = None
    act_classes: dict[str, str] | None = None  # act id -> its class (its own id where it names none)

    @property
    def timed(self) -> bool:
        """Whether verdicts depend on what happened before: a phase that begins after quiet days."""
        return any(p.quiet_days is not None for p in self.phases)

    @property
    def over_time(self) -> bool:
        """Whether an incident's verdict or flags can depend on other incidents of the input (quiet days before
        a phase, escalation): then the input is judged whole, never in parts."""
        return self.timed or self.escalation is not None

    @property
    def id(self) -> str:
        return self.ruleset.id

    @property
    def columns(self) -> tuple[str, ...]:
        """The fields that are columns of the fact table: all but the policy knobs (constants)."""
        return self.fields[: len(self.fields) - len(self.policy)]

    def spelled(self, spelling: str) -> Spelled:
        """A spelling as this ruleset reads it before its time is known: its exact entry, or the patterns it matches."""
        exact = self.names.get(normalize(spelling))
        matched = () if exact is not None else tuple(p for p in self.patterns if p.matches(spelling))
        return Spelled(spelling, exact, matched)

    @property
    def dated(self) -> bool:
        """Whether some spelling's meaning depends on when it was told (a pattern valid only between days)."""
        return any(p.dated for p in self.patterns)

    def read_name(self, spelling: str, time: str | None = None) -> Reading:
        """What a spelling names when told at `time` (as written; None: no time told). For a few values at a
        time: tables resolve each distinct spelling and time once (`engine.evaluation.facts`)."""
        spelled = self.spelled(spelling)
        return spelled.at(None if time is None or not spelled.dated else self.sides(time, spelled.boundaries))

    def sides(self, time: str, boundaries: tuple[datetime, ...]) -> Sides | None:
        """A time (as written) against each instant of `boundaries`; None when it names no period here."""
        try:
            first, end = self.bounds(read_time(time), time)
        except ValueError:
            return None
        return {b: within(first, end, b, None) for b in boundaries}

    def party_name(self, spelling: str | None, time: str | None = None, shown: str | None = None) -> str:
        """The ruleset's name for whoever `spelling` denotes (told at `time`), or the spelling when unresolved
        (`shown`, where given: another spelling of the same name, see `result.unresolved_spellings`)."""
        if spelling is None:
            return "(no actor)"
        found = self.read_name(spelling, time).entry
        if found is None:
            return f"{shown or spelling} (unresolved)"
        party = self.ruleset.parties.get(found[0])
        return party.name if party else found[0]

    @property
    def timezone(self) -> str | None:
        """The zone the ruleset names, if it names one."""
        return self.ruleset.timezone

    def bounds(self, period: Period, told: str) -> tuple[datetime, datetime]:
        """A period as instants in UTC, [first, end): calendar dates read in `zone`, local times in `timezone`.

        A local time the zone's clocks show twice (they went back) is read as either: from its first reading to
        the end of its second. Raises ValueError for a local time (`told`, as written) when the ruleset names no
        zone, or one the zone's clocks skip (they went forward): it is refused, never read at a guessed offset.
        """
        if period.first.tzinfo is not None:
            return period.first.astimezone(UTC), period.end.astimezone(UTC)
        if not period.local:  # calendar dates: each end the first instant of its day
            return local_instant(period.first, self.zone), local_instant(period.end, self.zone)
        if self.timezone is None:
            raise ValueError(zoneless(told, _offset_text(self.zone, self.start), self.id))
        for text, moment in _ends(told, period):
            change = clock_change(moment, self.zone)
            if change is not None and change.skips:
                raise ValueError(skipped_time(text, change, self.timezone))
        return local_instant(period.first, self.zone), local_instant(period.end, self.zone, last=True)

    def unreadable(self, told: str) -> str | None:
        """Why a time (already read as a shape) names no period under this ruleset, or None when it names one."""
        try:
            self.bounds(read_time(told), told)
        except ValueError as exc:
            return str(exc)
        return None

    def repeated(self, told: str) -> str | None:
        """Why a time (as written, already read as a shape) is read as either of two instants, a warning: a local
        time the zone's clocks show twice; None for any other time."""
        if self.timezone is None:
            return None
        try:
            period = read_time(told)
        except ValueError:
            return None
        if not period.local:
            return None
        for text, moment in _ends(told, period):
            change = clock_change(moment, self.zone)
            if change is not None and not change.skips:
                return repeated_time(text, change, self.timezone, read=True)
        return None

    def in_window(self, first: datetime, end: datetime) -> bool | None:
        """Whether the period [first, end) lies wholly inside the window (True), wholly outside (False), or
        straddles an end of it (None: the time told cannot say)."""
        return within(first, end, self.start, self.until)

    @property
    def plausible_years(self) -> tuple[int, int]:
        """The years a time may name (as written) and be plausible: within `PLAUSIBLE_YEARS` of the window's
        own years (from `window.from` to `window.until`, or `window.from` alone when the window is open)."""
        last = self.until if self.until is not None else self.start
        return self.start.year - PLAUSIBLE_YEARS, last.year + PLAUSIBLE_YEARS

    def implausible(self, told: str) -> bool:
        """Whether a time (as written, already read) names a year far from the window's: likely a slip."""
        low, high = self.plausible_years
        return not all(low <= year <= high for year in written_years(told))

    def reading(self, told: str) -> str | None:
        """How a time was read, when the ruleset's zone or the window's offset says what it means (None for a
        date-time with its own offset): `time 2016-09-17T16:00 read in Asia/Damascus (UTC+03:00)`."""
        period = read_time(told)
        if period.first.tzinfo is not None:
            return None
        first, end = self.bounds(period, told)
        where = self.timezone if self.timezone is not None else "the window's offset"
        if period.precision == "time" and end - first == TICK:
            return f"time {told.strip()} read in {where} ({_utc(first.astimezone(self.zone))})"
        if period.precision == "time":  # the clocks show it twice
            shown = [t.astimezone(self.zone).isoformat(timespec="seconds") for t in (first, end - TICK)]
            return f"time {told.strip()} read in {where} as either {shown[0]} or {shown[1]} (its clocks show it twice)"
        shown = [t.astimezone(self.zone).isoformat(timespec="seconds") for t in (first, end)]
        return f"time {told.strip()} read in {where}: from {shown[0]} until {shown[1]}"


def within(first: datetime, end: datetime, start: datetime | None, until: datetime | None) -> bool | None:
    """Whether the period [first, end) lies wholly inside [start, until) (None: unbounded at that end): True;
    wholly outside: False; across an end of it: None."""
    if (start is None or first >= start) and (until is None or end <= until):
        return True
    if (start is not None and end <= start) or (until is not None and first >= until):
        return False
    return None


def local_instant(moment: datetime, zone: tzinfo, last: bool = False) -> datetime:
    """A wall-clock time in `zone` (naive) as an instant in UTC.

    A time a change of the clocks repeats names no one instant: its first reading is given (its last with
    `last`), so that a period read from the first of one end to the last of the other holds both, and a test of
    it says unknown where they fall on either side of a bound. A time a change skips is given as the instant of
    the change, when the clocks first show a later time: a day whose midnight is skipped begins then.
    """
    readings = [moment.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1)]
    if readings[0] == readings[1]:
        return readings[0]
    change = clock_change(moment, zone)
    assert change is not None, f"{moment} reads two ways in {zone}"
    if change.skips:
        return change.at
    return max(readings) if last else min(readings)


@dataclass(frozen=True, slots=True)
class ClockChange:
    """A change of a zone's clocks: its instant (UTC) and the zone's UTC offsets before and after it."""

    at: datetime
    before: timedelta
    after: timedelta

    @property
    def skips(self) -> bool:
        """Whether the clocks went forward (the wall-clock times between are skipped), not back (shown twice)."""
        return self.after > self.before

    @property
    def wall(self) -> str:
        """When the clocks changed, as they read just before (`00:00 on 2016-03-25`)."""
        shown = (self.at + self.before).replace(tzinfo=None)
        return f"{shown:%H:%M} on {shown:%Y-%m-%d}"

    @property
    def length(self) -> str:
        """How far the clocks moved, in words: `an hour`, `30 minutes`."""
        hours, rest = divmod(int(abs(self.after - self.before).total_seconds()) // 60, 60)
        said = ["an hour" if hours == 1 else f"{hours} hours"] if hours else []
        return " ".join([*said, *([f"{rest} minutes"] if rest else [])])


def clock_change(moment: datetime, zone: tzinfo) -> ClockChange | None:
    """The change of `zone`'s clocks that skips the wall-clock time `moment` (naive) or has them show it twice;
    None where they show it once."""
    readings = sorted(moment.replace(tzinfo=zone, fold=f).astimezone(UTC) for f in (0, 1))
    if readings[0] == readings[1]:
        return None
    # The two readings lie either side of the change (each at the offset on its side): it is found between them,
    # to the second, as zones change their clocks on one.
    second = timedelta(seconds=1)
    low = readings[0].replace(microsecond=0)
    high = readings[1].replace(microsecond=0) + second
    before = low.astimezone(zone).utcoffset()
    while high - low > second:
        middle = low + (high - low) // second // 2 * second
        if middle.astimezone(zone).utcoffset() == before:
            low = middle
        else:
            high = middle
    after = high.astimezone(zone).utcoffset()
    assert before is not None and after is not None
    return ClockChange(high, before, after)


def clocks_change_near(zone: tzinfo, day: date) -> bool:
    """Whether `zone`'s clocks change within a day of `day`: only then can a wall-clock time on it be skipped or
    shown twice (UTC offsets lie within a day of UTC). A fixed offset never changes."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    offsets = {(noon + k * timedelta(hours=12)).astimezone(zone).utcoffset() for k in range(-4, 5)}
    return len(offsets) > 1


def _ends(told: str, period: Period) -> list[tuple[str, datetime]]:
    """The wall-clock times a local period's ends are written at: (the end as written, the time it names)."""
    if period.precision == "time":
        return [(told.strip(), period.first)]
    start, _, stop = (part.strip() for part in told.partition("/"))
    return [(start, period.first), (stop, period.end - TICK)]


def skipped_time(told: str, change: ClockChange, zone: str) -> str:
    """Why a wall-clock time (`told`, as written) names no time in `zone`, its clocks skipping it; the time written
    with either offset as the fix."""
    text = told.strip()
    return (
        f"`{text}` is no time in {zone}: its clocks went forward {change.length} at {change.wall}; write it with "
        f"its UTC offset, {text}{offset_text(change.before)} (by the clocks before the change) or "
        f"{text}{offset_text(change.after)} (after it)"
    )


def repeated_time(told: str, change: ClockChange, zone: str, read: bool = False) -> str:
    """Why a wall-clock time (`told`, as written) names two instants in `zone`, its clocks showing it twice: with
    `read`, how it is read (as either); without, a problem (a bound is one instant). Its two forms as the fix."""
    text = told.strip()
    said = f"`{text}` happens twice in {zone}: its clocks went back {change.length} at {change.wall}"
    first, second = f"{text}{offset_text(change.before)}", f"{text}{offset_text(change.after)}"
    if read:
        return f"{said}; read as either, from {first} to {second}; write the UTC offset of the one meant"
    return f"{said}; write the UTC offset of the one meant, {first} (the first) or {second} (the second)"


def compile_ruleset(ruleset: Ruleset, source: str = "") -> tuple[Compiled, list[Problem]]:
    """Compile, returning every meaning error found (as problems with a dotted path)."""
    problems: list[Problem] = []

    def fail(path: str, message: str) -> None:
        problems.append(Problem(source, message, path=path))

    names: dict[str, Entry] = {}
    owner: dict[str, str] = {}

    def claim(spelling: str, who: str, entry: Entry, path: str) -> None:
        key = normalize(spelling)
        if not key:
            fail(path, f"alias `{spelling}` has no letters or digits")
            return
        if key in owner and owner[key] != who:
            fail(path, f"alias `{spelling}` is also a spelling of `{owner[key]}`; a name must resolve to one party")
            return
        owner[key] = who
        names[key] = entry

    for pid, party in ruleset.parties.items():
        entry = (pid, party.role, party.side)
        for i, spelling in enumerate((pid, party.name, *party.aliases)):
            claim(spelling, pid, entry, f"parties.{pid}" + (f".aliases[{i - 2}]" if i >= 2 else ""))
    for cls in NAME_CLASSES:
        claim(cls, cls, (cls, cls, None), cls)
        for i, spelling in enumerate(getattr(ruleset, cls).aliases):
            claim(spelling, cls, (cls, cls, None), f"{cls}.aliases[{i}]")

    acts: dict[str, tuple[str, bool]] = {}
    act_owner: dict[str, str] = {}
    for aid, act in ruleset.acts.items():
        if aid == UNKNOWN:
            fail(f"acts.{aid}", "`unknown` is reserved for acts that resolve to none; choose another id")
        for spelling in (aid, *([act.name] if act.name else []), *act.aliases):
            key = normalize(spelling)
            if key in act_owner and act_owner[key] != aid:
                fail(f"acts.{aid}", f"alias `{spelling}` is also a spelling of act `{act_owner[key]}`")
                continue
            act_owner[key] = aid
            acts[key] = (aid, act.hostile)
    for pid in ruleset.parties:
        if pid in NAME_CLASSES or pid == UNKNOWN:
            fail(f"parties.{pid}", f"`{pid}` is a reserved name class; choose another party id")

    zone = _zone(ruleset.timezone, fail)
    said = len(problems)
    start, until = _window(ruleset, zone, fail)
    if until is not None and until <= start and len(problems) == said:  # ends read as written, or said already
        told = f"window ends ({ruleset.window.until})"
        if until == start:
            fail("window.until", f"{told} when it starts ({ruleset.window.start}): the window holds no time")
        else:
            fail("window.until", f"{told} before it starts ({ruleset.window.start})")
    days = zone or start.tzinfo or UTC  # days are read in the ruleset's zone, or at the window's offset
    entries = {pid: (pid, p.role, p.side) for pid, p in ruleset.parties.items()}
    patterns = compile_patterns(
        ruleset,
        entries | {cls: (cls, cls, None) for cls in NAME_CLASSES},
        lambda day: local_instant(datetime(day.year, day.month, day.day), days),
        fail,
        source,
    )

    places = compile_places(ruleset, source, fail)
    knobs = sorted(ruleset.policy)
    areas = tuple(f"area.{a}" for a in ruleset.areas)
    phased = ("phase",) if ruleset.phases else ()
    fields = tuple(name for name, _ in BASE_FIELDS) + areas + phased + tuple(f"policy.{k}" for k in knobs)
    kinds = dict(BASE_FIELDS) | dict.fromkeys(areas, "bool") | {f"policy.{k}": "knob" for k in knobs}
    kinds |= dict.fromkeys(phased, "phase")
    vocab = _Vocabulary(ruleset, fields, kinds, places)
    phases = _phases(ruleset, zone, start, fail)

    rules: list[CompiledRule] = []
    seen: dict[str, int] = {}
    for i, rule in enumerate(ruleset.rules):
        path = f"rules[{i}]"
        if rule.id in seen:
            fail(f"{path}.id", f"duplicate rule id `{rule.id}` (also rules[{seen[rule.id]}])")
        seen[rule.id] = i
        condition = AllOf(()) if isinstance(rule.when, str) else vocab.condition(rule.when, f"{path}.when", fail)
        _check_template(rule, path, fail)
        rules.append(CompiledRule(rule.id, rule.clause, rule.priority, rule.verdict, rule.explanation, condition, i))
    rules.sort(key=lambda r: (r.priority, r.order))
    # A knob is checked against the values the rules compare it with, so that a value set in a
    # variant or with --set that no rule reads is an error at the knob, not a silent no-op.
    for knob, tested in sorted(knob_values(rules).items()):
        current = ruleset.policy[knob]
        shown = sorted({yaml_text(v) for v in tested} | ({"true", "false"} if _all_bool(tested) else set()))
        if type(current) not in {type(v) for v in tested}:
            fail(f"policy.{knob}", f"`{yaml_text(current)}` is not a value the rules compare it with; {one_of(shown)}")
        elif isinstance(current, str) and current not in tested:
            hint = did_you_mean(current, shown)
            fail(f"policy.{knob}", f"`{current}` is no value the rules test for; {one_of(shown)}{hint}")

    compiled = Compiled(
        ruleset=ruleset,
        source=source,
        fields=fields,
        rules=tuple(rules),
        names=names,
        acts=acts,
        start=start,
        until=until,
        zone=zone or start.tzinfo or UTC,
        places=places,
        policy=tuple(ruleset.policy[k] for k in knobs),
        patterns=patterns,
        phases=phases,
        self_defense=_self_defense(ruleset, fail),
        escalation=_escalation(ruleset, fail),
        act_classes={aid: act.act_class or aid for aid, act in ruleset.acts.items()},
    )
    return compiled, problems


def _phases(ruleset: Ruleset, zone: tzinfo | None, start: datetime, fail: Any) -> tuple[CompiledPhase, ...]:
    """The phases ready to place incidents in; each problem (an unknown phase, a knob that is no count) said."""
    index: dict[str, int] = {}
    out = []
    dated: tuple[Phase, datetime] | None = None  # the latest start written as a time so far, and its phase
    for i, phase in enumerate(ruleset.phases):
        path = f"phases[{i}]"
        if phase.id in index:
            fail(f"{path}.id", f"duplicate phase id `{phase.id}` (also phases[{index[phase.id]}])")
        if phase.id == UNKNOWN:
            fail(f"{path}.id", "`unknown` is the phase of an incident no one phase holds; choose another id")
        at, after, duration, quiet, most = _phase_start(ruleset, phase, i, index, zone, start, path, fail)
        if isinstance(phase.start, str) and at is not None:
            # Phases begin in the order listed: one dated no later than a phase before it would end that phase
            # before it began, or never let it begin.
            if dated is not None and at <= dated[1]:
                fail(
                    f"{path}.from",
                    f"`{phase.start}` is not after `{dated[0].id}`'s start ({dated[0].start}), which is listed "
                    "before it; phases are listed in the order they begin: move this phase before it, or correct "
                    "either date",
                )
            else:
                dated = (phase, at)
        until = None if phase.until is None else _aware(ruleset, phase.until, zone, f"{path}.until", fail)
        if until is not None and at is not None and until <= at:
            fail(f"{path}.until", f"the phase ends ({phase.until}) before it begins")
        index.setdefault(phase.id, i)
        out.append(CompiledPhase(phase.id, phase.clause, at, after, duration, quiet, most, until))
    return tuple(out)


def _phase_start(
    ruleset: Ruleset,
    phase: Phase,
    i: int,
    index: dict[str, int],
    zone: tzinfo | None,
    start: datetime,
    path: str,
    fail: Any,
) -> tuple[datetime | None, int | None, timedelta | None, int | None, int]:
    """A phase's start as (at, after, duration, quiet_days, max_violations)."""
    told = phase.start
    if told is None:
        if i > 0:
            fail(f"{path}.from", "only the first phase may leave out `from` (it then begins with the window)")
        return start, None, None, None, 0
    if isinstance(told, str):
        return _aware(ruleset, told, zone, f"{path}.from", fail), None, None, None, 0
    if told.after not in index:
        listed = list(index)
        earlier = f"; {one_of(listed)}" if listed else "; the first phase follows none"
        if any(p.id == told.after for p in ruleset.phases):  # listed, but here or after this one
            message = f"`{told.after}` is not listed before this phase; a phase follows an earlier one"
            fail(f"{path}.from.after", message)
        else:
            hint = did_you_mean(told.after, [p.id for p in ruleset.phases])
            fail(f"{path}.from.after", f"`{told.after}` is no phase listed before this one{earlier}{hint}")
    after = index.get(told.after)
    duration = None if told.duration is None else read_duration(told.duration)
    if duration is not None and not duration:
        fail(
            f"{path}.from.duration",
            f"a duration of zero leaves `{told.after}` in force for no time; give a longer one, or list this phase in "
            "its place",
        )
    quiet = None
    if told.quiet_days is not None:
        why = "a phase needs at least one quiet day to begin"
        quiet = _count(ruleset, told.quiet_days, f"{path}.from.quiet_days", fail, int, MAX_DAYS, 1, why)
    most = _count(ruleset, told.max_violations or 0, f"{path}.from.max_violations", fail, int, MAX_VIOLATIONS) or 0
    return None, after, duration, quiet, most


def _count(
    ruleset: Ruleset,
    value: float | str,
    path: str,
    fail: Any,
    kind: type[N],
    most: N,
    least: int = 0,
    why: str = "",
) -> N | None:
    """A number from `least` to `most` written (the model has held it to its range), or the one a policy knob
    (`policy.NAME`) holds: of `kind`, a whole number (`int`) or any (`float`). None after a problem said (at the
    knob when the number is the knob's, so `--set` is blamed for a value it gave). `why` says what a number below
    `least` would break."""
    where = path
    if not isinstance(value, str):
        held: object = value
    else:
        knob = value.removeprefix("policy.")
        if knob not in ruleset.policy:
            hint = did_you_mean(knob, list(ruleset.policy))
            fail(path, f"`{value}` names no policy knob; add `{knob}: N` under `policy`{hint}")
            return None
        held, where = ruleset.policy[knob], f"policy.{knob}"
        whole = isinstance(held, int) or (isinstance(held, float) and held.is_integer())
        if isinstance(held, bool) or not isinstance(held, (int, float)) or not (whole or kind is float):
            number = "a number" if kind is float else "a whole number"
            fail(where, f"`{cut(yaml_text(held))}` is not {number}, which `{path}` reads it as")
            return None
    assert isinstance(held, (int, float))
    if held < least:
        reason = why or "it is a count"
        if where == path:
            fail(path, f"{reason}; write {least} or more")
        else:
            fail(where, f"`{cut(yaml_text(held))}` is less than {least}, which `{path}` needs: {reason}")
        return None
    if held > most:  # only a knob's: the model holds a number written here to its range
        fail(where, out_of_range(cut(yaml_text(held)), False, most, path))
        return None
    if kind is int and isinstance(held, float):  # `7.0`: a whole number, refused as written, with what to write
        fail(where, f"`{cut(yaml_text(held))}` is not a whole number, which `{path}` reads it as{write_whole(held)}")
        return None
    return kind(held)


def _self_defense(ruleset: Ruleset, fail: Any) -> SelfDefenseTerms | None:
    terms = ruleset.self_defense
    if terms is None:
        return None
    ratio = terms.max_casualty_ratio
    path = "self_defense.max_casualty_ratio"
    bound = None if ratio is None else _count(ruleset, ratio, path, fail, float, float(MAX_RATIO))
    return SelfDefenseTerms(terms.clause, read_duration(terms.window), terms.same_class, bound)


def _escalation(ruleset: Ruleset, fail: Any) -> EscalationTerms | None:
    terms = ruleset.escalation
    if terms is None:
        return None
    why = "an escalation needs at least 1 violation within at least 1 hour"
    violations = _count(ruleset, terms.violations, "escalation.violations", fail, int, MAX_VIOLATIONS, 1, why)
    hours = _count(ruleset, terms.hours, "escalation.hours", fail, int, MAX_HOURS, 1, why)
    return EscalationTerms(violations or 0, hours or 0)


def _aware(ruleset: Ruleset, told: str, zone: tzinfo | None, path: str, fail: Any) -> datetime:
    """A date-time a ruleset writes, aware: without an offset, read in the ruleset's zone (a problem without one)."""
    moment = read_moment(told)
    if moment.tzinfo is not None:
        return moment
    if zone is None and ruleset.timezone is None:
        fail(
            path,
            f"`{told}` has no UTC offset; write it with one, like {told}+HH:MM, or name the ruleset's zone with a "
            "top-level `timezone` (like `timezone: Asia/Damascus`)",
        )
        return moment.replace(tzinfo=UTC)
    return _wall_clock(ruleset, told, moment, zone, path, fail)


def _wall_clock(ruleset: Ruleset, told: str, moment: datetime, zone: tzinfo | None, path: str, fail: Any) -> datetime:
    """A wall-clock time a ruleset writes (`told`; `moment`, naive) read in its zone (None: one that does not
    exist, said already): a problem where the zone's clocks skip it or show it twice, since a bound is one instant."""
    if zone is None:
        return moment.replace(tzinfo=UTC)
    change = clock_change(moment, zone)
    if change is not None:
        name = str(ruleset.timezone)
        fail(path, skipped_time(told, change, name) if change.skips else repeated_time(told, change, name))
    return local_instant(moment, zone).astimezone(zone)


def _zone(name: str | None, fail: Any) -> tzinfo | None:
    """The zone a ruleset names (None if it names none, or one that does not exist: a problem then)."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        hint = did_you_mean(name, sorted(available_timezones()))
        fail("timezone", f"unknown time zone `{name}`; expected an IANA name like Asia/Damascus or Europe/Kyiv{hint}")
        return None


def _window(ruleset: Ruleset, zone: tzinfo | None, fail: Any) -> tuple[datetime, datetime | None]:
    """The window's ends as aware date-times: without an offset, read in the ruleset's zone."""
    told = {"from": ruleset.window.start, "until": ruleset.window.until}
    moments = {key: read_moment(text) for key, text in told.items() if text is not None}
    offsets = [m.tzinfo for m in moments.values() if m.tzinfo is not None]
    for key, moment in moments.items():
        if moment.tzinfo is not None:
            continue
        if zone is None and ruleset.timezone is None:
            like = f"{told[key]}{_offset_text(offsets[0], moment)}" if offsets else f"{told[key]}+HH:MM"
            fail(
                f"window.{key}",
                f"`{told[key]}` has no UTC offset; write it with one, like {like}, or name the ruleset's zone "
                "with a top-level `timezone` (like `timezone: Asia/Damascus`)",
            )
            moments[key] = moment.replace(tzinfo=UTC)
        else:
            moments[key] = _wall_clock(ruleset, str(told[key]), moment, zone, f"window.{key}", fail)
    return moments["from"], moments.get("until")


def _offset_text(zone: tzinfo | None, moment: datetime) -> str:
    """The UTC offset `zone` has at `moment`, as ISO 8601 writes it (`+03:00`)."""
    offset = (moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)).utcoffset()
    assert offset is not None
    return offset_text(offset)


def _utc(moment: datetime) -> str:
    """`UTC+03:00`: an aware date-time's offset."""
    return f"UTC{_offset_text(moment.tzinfo, moment)}"


def tests_of(rules: Iterable[CompiledRule]) -> Iterator[Test]:
    """Every test of the rules' conditions, rule by rule, in the order written."""

    def walk(node: Node) -> Iterator[Test]:
        if isinstance(node, Test):
            yield node
        else:
            for item in node.items:
                yield from walk(item)

    for rule in rules:
        yield from walk(rule.condition)


def knob_values(rules: Iterable[CompiledRule]) -> dict[str, set[Any]]:
    """The values each policy knob is compared with for equality, across all rules."""
    found: dict[str, set[Any]] = {}
    for test in tests_of(rules):
        if test.field.startswith("policy.") and test.op in ("eq", "in", "not_in"):
            values = test.value if isinstance(test.value, frozenset) else {test.value}
            found.setdefault(test.field.removeprefix("policy."), set()).update(values)
    return found


def read_knobs(compiled: Compiled) -> set[str]:
    """The policy knobs something reads: a rule's test, or a phase, self-defence or escalation term naming one."""
    read = {test.field.removeprefix("policy.") for test in tests_of(compiled.rules) if test.field.startswith("policy.")}
    return read | {ref.removeprefix("policy.") for ref in knob_references(compiled.ruleset)}


def _all_bool(values: set[Any]) -> bool:
    return all(isinstance(v, bool) for v in values)


def yaml_text(value: Any) -> str:
    """A value as YAML writes it: `true`, not `True`."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _check_template(rule: Rule, path: str, fail: Any) -> None:
    try:
        used = [name for _, name, _, _ in string.Formatter().parse(rule.explanation) if name is not None]
    except ValueError as exc:
        fail(f"{path}.explanation", f"bad placeholder: {exc}")
        return
    for name in used:
        if name not in PLACEHOLDERS:
            fail(f"{path}.explanation", f"unknown placeholder `{{{name}}}`; {one_of(PLACEHOLDERS)}")


class _Vocabulary:
    """What each field may be compared with, for checking conditions as they compile."""

    def __init__(self, ruleset: Ruleset, fields: tuple[str, ...], kinds: dict[str, str], places: Places) -> None:
        self.places = places
        self.index = {name: i for i, name in enumerate(fields)}
        self.kinds = kinds
        self.values: dict[str, tuple[str, ...]] = {
            "party": (*ruleset.parties, *NAME_CLASSES),
            "role": ROLES,
            "side": tuple(sorted({p.side for p in ruleset.parties.values() if p.side})),
            "act": (*ruleset.acts, UNKNOWN),
            "phase": (*dict.fromkeys(p.id for p in ruleset.phases), UNKNOWN),
        }
        self.policy = ruleset.policy

    def condition(self, when: dict[str, Any], path: str, fail: Any, top: bool = True) -> AllOf:
        """A condition's tests (a map of field tests, `any` and `all`), each problem said at its path.

        An empty map, or a field given no operator, would hold for every incident, even one with no facts:
        refused, with what to write instead (`when: always` for a rule meant to decide every incident)."""
        items: list[Node] = []
        if not when:
            if top:
                fail(
                    path,
                    "`when` is empty, so the rule would decide every incident, even one with no facts; give the "
                    f"tests that must hold, or write `when: {ALWAYS}` for a rule meant to decide every incident "
                    "no rule before it decides",
                )
            else:
                fail(path, "an empty condition holds for every incident, even one with no facts; give its tests")
        for key, spec in when.items():
            where = f"{path}.{key}"
            if key in ("any", "all"):
                if not isinstance(spec, list) or not spec or not all(isinstance(s, dict) for s in spec):
                    fail(where, f"`{key}` takes a non-empty list of conditions")
                    continue
                parts = tuple(self.condition(s, f"{where}[{j}]", fail, top=False) for j, s in enumerate(spec))
                items.append(AnyOf(parts) if key == "any" else AllOf(parts))
                continue
            key = FIELD_ALIASES.get(key, key)
            if key == "phase" and key not in self.index:
                fail(where, "`phase` is tested, but the ruleset declares no `phases`")
                continue
            if key not in self.index:
                fail(where, f"unknown field `{key}`{did_you_mean(key, [*self.index, 'any', 'all'])}")
                continue
            ops = spec if isinstance(spec, dict) else {"in" if isinstance(spec, list) else "eq": spec}
            if not ops:
                kind = self.kinds[key]
                like = _LIKE.get(kind) or next(iter(self.values.get(kind, ())), "VALUE")
                fail(
                    where,
                    f"`{key}: {{}}` tests nothing, so it holds for every incident, even one with no facts; give a "
                    f"test, like `{key}: {like}`, or `{key}: {{present: true}}` for any value told",
                )
                continue
            for op, value in ops.items():
                test = self.test(key, str(op), value, f"{where}.{op}" if isinstance(spec, dict) else where, fail)
                if test is not None:
                    items.append(test)
        return AllOf(tuple(items))

    def test(self, key: str, op: str, value: Any, where: str, fail: Any) -> Test | None:
        kind, index = self.kinds[key], self.index[key]
        if op not in OPERATORS:
            meant = _SPELLED_ELSEWHERE.get(op.lower())
            hint = f"; did you mean `{meant}`?" if meant else did_you_mean(op, OPERATORS)
            fail(where, f"unknown operator `{op}`; {one_of(OPERATORS)}{hint}")
            return None
        if op == "present":
            if not isinstance(value, bool):
                fail(where, "`present` takes true or false")
                return None
            return Test(index, key, "present" if value else "absent", None)
        if op in _ORDERING:
            if kind != "count" or isinstance(value, bool) or not isinstance(value, int):
                hint = write_whole(value) if kind == "count" else ""
                fail(where, f"`{op}` compares numbers: `{key}` with a whole number{hint}")
                return None
            return Test(index, key, op, value)
        if op == "eq" and isinstance(value, list):
            fail(where, "`eq` takes one value; for one of a list, use `in`")
            return None
        many = op == "in" or (op == "not" and isinstance(value, list))
        values = value if isinstance(value, list) else [value]
        if many and not values:
            fail(where, "the list of values is empty")
            return None
        checked = [self.value(key, kind, v, where, fail) for v in values]
        if any(v is _BAD for v in checked):
            return None
        if op == "not":
            return Test(index, key, "not_in", frozenset(checked))
        if many:
            return Test(index, key, "in", frozenset(checked))
        return Test(index, key, "eq", checked[0])

    def value(self, key: str, kind: str, value: Any, where: str, fail: Any) -> Any:
        if kind in self.values:
            allowed = self.values[kind]
            if value not in allowed:
                hint = did_you_mean(str(value), allowed)
                fail(where, f"`{key}` cannot be `{value}`; {one_of(allowed)}{hint}")
                return _BAD
            return value
        if kind == "bool" and not isinstance(value, bool):
            fail(where, f"`{key}` is true or false, not `{value}`")
            return _BAD
        if kind == "count" and (isinstance(value, bool) or not isinstance(value, int)):
            fail(where, f"`{key}` is a whole number, not `{value}`{write_whole(value)}")
            return _BAD
        if kind == "place":
            if not isinstance(value, str):
                fail(where, f"`{key}` is a place's name, not `{value}`")
                return _BAD
            level = int(key.removeprefix("admin"))
            keys, problem = self.places.keys(level, value)
            if problem is not None:
                fail(where, problem)
                return _BAD
            if len(keys) > 1:
                fail(where, f"`{value}` names {len(keys)} admin{level} areas; test the level above too")
                return _BAD
            return self.places.shown(level, keys[0])
        if kind == "knob" and not isinstance(value, (str, int, bool)):
            fail(where, f"`{key}` is compared with text, a number, or true or false, not `{value}`")
            return _BAD
        return value


_BAD = object()

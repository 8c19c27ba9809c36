"""Check rulesets and scenarios without running them: every schema and meaning error, and lint warnings."""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.analysis.expect import expectation, expectation_problems
from engine.analysis.names import Unread, spellings, unresolved
from engine.errors import InputError, Problem, cut, did_you_mean, in_file_order
from engine.evaluation import durable as rete
from engine.evaluation.phases import Schedule, schedule
from engine.incidents.frame import told_of as frame_told
from engine.incidents.load import (
    TABLES,
    Loaded,
    LoadedScenario,
    implausible_times,
    refuse_format,
    repeated_times,
    scenario_from,
)
from engine.incidents.model import Incident
from engine.places.areas import ADMIN, PLACE_TOLD
from engine.ruleset.compile import (
    NAME_CLASSES,
    PEOPLE,
    ROLES,
    UNKNOWN,
    AllOf,
    AnyOf,
    Compiled,
    CompiledRule,
    Node,
    Test,
    knob_values,
    read_knobs,
    tests_of,
    yaml_text,
)
from engine.ruleset.load import LoadedRuleset, ruleset_from, yaml_files
from engine.spelling import normalize
from engine.times import duration_words
from engine.yamlsafe import Document, Key, dotted, load_yaml, stat_of

if TYPE_CHECKING:
    import polars as pl

    from engine.analysis.diff import Box, Space

MARKERS = {"rules": "ruleset", "extends": "ruleset", "incidents": "scenario", "scenario": "scenario"}
BOOLS = frozenset({True, False})
# Rules are checked under every setting of the policy knobs they test: past this many settings, stop and say so.
MAX_SETTINGS = 64
# Classes of incident examined in all (each a few steps): past this many, stop and say so.
MAX_PARTS = 200_000


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
        found = yaml_files(path)
        out += [check_file(p) for p in found] or [Checked(str(path), None, (Problem(str(path), _no_yaml(path)),))]
    return out


def _no_yaml(folder: Path) -> str:
    """What a folder without .yaml files is said to lack; for a folder of Parquet files (a dataset), what check
    reads, and the command that reads such a folder."""
    if next(folder.rglob("*.parquet"), None) is None:
        return "no .yaml files here"
    run = f"ceasefire run {shlex.quote(str(folder))} --rules RULESET -o OUT/"
    return f"no .yaml files here: check reads rulesets and scenarios; `{run}` judges a folder of Parquet files"


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, say: reading it as a file says so
        return False


def check_file(path: Path, rules: str | None = None, source: str | None = None) -> Checked:
    """Every error in one file (and, for a scenario, in its ruleset); lint warnings for a ruleset."""
    shown = str(path)
    try:
        refuse_format(path, stat_of(path, shown))
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
    """A scenario's expectations that can never be met (errors), and its implausible times and times its ruleset's
    zone shows twice (warnings)."""
    loaded = scenario_from(doc, path)
    found = [
        *expectation_problems(loaded),
        *implausible_warnings(loaded),
        *repeated_warnings(loaded),
        *unresolved_warnings(loaded),
    ]
    return in_file_order(found)


def unresolved_warnings(loaded: LoadedScenario) -> Iterator[Problem]:
    """A warning at each name, act, place and source told that resolves to nothing, with the nearest known.

    Every one is warned, at its own line, not only the first that decides the verdict: each part of a
    place on its own (`Unread.places`), and each account's source that another account's spells more
    closely than by chance (`source_slips`). Such an incident is judged (an unknown actor is `undetermined`,
    say), never guessed: the warning is for the typo that made it so. An incident expected `undetermined`
    is left alone where the author knows: in what the expected rule tests (an incident expected
    `actor-unresolved` is still warned of its act), or wholly when the expectation names no rule.
    """
    doc = loaded.document
    unread = Unread(loaded.compiled)

    def told(told: Any, prefix: Key, time: str | None, known: frozenset[str]) -> Iterator[tuple[Key, str]]:
        """What the ruleset cannot read in an incident's record or an account (told at `time`, its own or
        the incident's), but in the fields `known` (those the author expects unresolved)."""
        for who in PEOPLE:
            value = getattr(told, who)
            message = None if value is None or who in known else unread.name(value, time)
            if message is not None:
                yield (*prefix, who), message
        message = None if told.act is None or "act" in known else unread.act(told.act)
        if message is not None:
            yield (*prefix, "act"), message
        loc = told.location
        if loc is not None and "location" not in known:
            for field, problem in unread.places(tuple(frame_told(told)[k] for k in PLACE_TOLD)):
                field = "region" if field == "admin1" and loc.admin1 is None else field
                yield (*prefix, "location", *([field] if field else [])), problem

    rules = {r.id: r for r in loaded.compiled.rules}
    found: list[tuple[Key, str]] = []
    for i, incident in enumerate(loaded.scenario.incidents):
        known = _expected_unresolved(incident, rules)
        if known == ALL_TOLD:
            continue  # the author expects what cannot be resolved: the warning would tell them what they wrote
        found += told(incident, ("incidents", i), incident.time, known)
        for field in ("assoc_actor", "assoc_target"):
            for k, value in enumerate(getattr(incident, field)):
                message = unread.name(value, incident.time)
                if message is not None:
                    found.append((("incidents", i, field, k), message))
        for j, account in enumerate(incident.accounts):
            found += told(account, ("incidents", i, "accounts", j), account.time or incident.time, known)
            if account.time is None:
                continue
            for who in PEOPLE:  # a name it leaves to the incident, read at the account's own time
                value = getattr(incident, who)
                if value is None or who in known or getattr(account, who) is not None:
                    continue
                if unread.name(value, incident.time):
                    continue
                message = unread.name(value, account.time)
                if message is not None:
                    found.append((("incidents", i, "accounts", j, "time"), f"the incident's {who}: {message}"))
    found += source_slips(loaded.scenario.incidents)
    for key, message in sorted(found, key=lambda f: _told_order(f[0])):
        line, column = doc.where(key) or (None, None)
        yield Problem(doc.file, message, line, column, dotted(key), "warning")


# What an incident tells, as `_expected_unresolved` names it: every field a warning can be about.
ALL_TOLD = frozenset((*PEOPLE, "act", "location"))


def _expected_unresolved(incident: Incident, rules: dict[str, CompiledRule]) -> frozenset[str]:
    """What of an incident its author expects unresolved: nothing, unless it is expected `undetermined`; then
    what the expected rule tests (its people, act and place), or everything where it names no rule."""
    expect = expectation(incident)
    if expect is None or expect.verdict != "undetermined":
        return frozenset()
    rule = rules.get(expect.rule) if expect.rule is not None else None
    if rule is None:  # no rule named, or the self-defence terms: the author vouches for the whole incident
        return ALL_TOLD
    tested = set()
    for field in _fields_tested(rule.condition):
        head = field.split(".")[0]
        tested.add("location" if head in ("in_scope", "area", *ADMIN) else head)
    return frozenset(tested & ALL_TOLD)


def _fields_tested(node: Node) -> Iterator[str]:
    """The fields a condition tests, in order, each as often as tested."""
    if isinstance(node, Test):
        yield node.field
    else:
        for item in node.items:
            yield from _fields_tested(item)


def _told_order(key: Key) -> tuple[Any, ...]:
    """Warnings of a scenario in the order its incidents (then their accounts) are written: within one, the
    record's, then each account's; each in the order `told` finds them (kept by a stable sort)."""
    account = key[3] if len(key) > 3 and key[2] == "accounts" else -1
    return (key[1], account)


# Sources spelled this alike (difflib's ratio), told apart by no digit, are taken for one source misspelled.
CLOSE_SOURCE = 0.85


def source_slips(incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """Each account whose source no other account tells while one spelled nearly alike is told: a slip.

    Neither rulesets nor scenarios list sources: a scenario's sources are those its accounts tell. A source
    only one account tells is taken for a misspelling of another the scenario tells more often (or as often,
    first), when the two match ignoring case, punctuation and accents, or are close (`CLOSE_SOURCE`) with
    the same digits (`UN report (Mar 2017)` and `UN report (Sep 2016)` are two).
    """
    told: dict[str, list[Key]] = {}
    for i, incident in enumerate(incidents):
        for j, account in enumerate(incident.accounts):
            told.setdefault(account.source, []).append(("incidents", i, "accounts", j, "source"))
    ranked = sorted(told, key=lambda s: -len(told[s]))  # stable: as often, first told first
    for k, source in enumerate(ranked):
        if len(told[source]) > 1:
            continue
        near = next((other for other in ranked[:k] if _alike(source, other)), None)
        if near is not None:
            yield (
                told[source][0],
                f"source `{source}` is told by no other account of the scenario; did you mean `{near}`?",
            )


def _alike(a: str, b: str) -> bool:
    """Whether two sources are one spelled two ways (see `source_slips`)."""
    if normalize(a) == normalize(b):
        return True
    digits = [re.sub(r"\D", "", s) for s in (a, b)]
    return digits[0] == digits[1] and difflib.SequenceMatcher(None, a, b).ratio() >= CLOSE_SOURCE


def implausible_warnings(loaded: LoadedScenario) -> Iterator[Problem]:
    """A warning at each time far from the window (see `Compiled.implausible`): likely a slip in its year."""
    low, high = loaded.compiled.plausible_years
    for key, time in implausible_times(loaded.compiled, loaded.scenario.incidents):
        line, column = loaded.document.where(key) or (None, None)
        message = f"`{time}` is implausibly far from the window (years {low} to {high} are plausible); check its year"
        yield Problem(loaded.document.file, message, line, column, dotted(key), "warning")


def repeated_warnings(loaded: LoadedScenario) -> Iterator[Problem]:
    """A warning at each local time the ruleset's zone has its clocks show twice: read as either, never guessed."""
    for key, message in repeated_times(loaded.compiled, loaded.scenario.incidents):
        line, column = loaded.document.where(key) or (None, None)
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
    skips them (and judges those it warns of)."""
    from engine.incidents.eventdata import EventTable, kind_of  # polars: only when a table is checked
    from engine.incidents.load import load_input
    from engine.incidents.tables import read_table

    kind = kind_of(path, source)
    if kind is not None:
        if rules is not None:
            loaded = load_input(path, rules, source=kind)
            found = list(table_warnings(loaded, path))
            assert loaded.events is not None
            return [*loaded.events.row_problems(), *found]
        events = EventTable(path, kind)
        for _ in events.batches():
            pass
        return events.row_problems()
    warnings: list[Problem] = []
    try:
        read_table(path, warnings, every=True)
    except InputError as exc:
        return [*exc.problems, *warnings]
    if rules is None:
        return warnings
    return [*warnings, *table_warnings(load_input(path, rules), path)]


def table_warnings(loaded: Loaded, path: Path) -> Iterator[Problem]:
    """A warning for each distinct name, act and part of a place told in a table that its ruleset cannot resolve,
    and each implausible time: how many incidents tell it, at the first one's line (a Parquet table's row); and one
    for the local times its zone shows twice (read as either), at the first.

    Names are those `ceasefire names` lists as unresolved, each told where it is (`actor`, `target, assoc_actor`);
    each part of a place in its own column (`admin1`, `country`; see `Unread.places`), once whatever the
    places that tell it hold besides.
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

    for name in unresolved(spellings(c, loaded.frame)):  # each `why` with what `names` suggests for it
        found.append((name.first, ", ".join(name.fields), name.incidents, f"`{cut(name.spelling)}` {name.why}"))
    for value, first, n in each("act"):
        message = unread.act(value)
        if message is not None:
            found.append((first, "act", n, message))
    repeated: dict[str, str] = {}  # each time its zone shows twice: why
    for value, first, n in each("time"):
        if c.implausible(value):
            low, high = c.plausible_years
            found.append((first, "time", n, f"`{value}` is implausibly far from the window (years {low} to {high})"))
        if (why := c.repeated(value)) is not None:
            repeated[value] = why
    if repeated:  # one line for them all: an hour of a table's times may be shown twice
        twice = rows.filter(pl.col("time").is_in(list(repeated))).select("incident", "time")
        first, time = twice.row(0)
        found.append((first, "time", twice.get_column("incident").n_unique(), repeated[time]))
    found += _unread_places(rows, unread)
    for first, field, n, message in sorted(found, key=lambda f: (f[0], f[1], f[3])):
        what, semicolon, hint = message.partition("; ")  # a did-you-mean goes last
        telling = f"{n:,} incidents, the first `{ids[first]}`" if n > 1 else f"incident `{ids[first]}`"
        where = f"row {lines[first]}: {field}" if parquet else field
        line = None if parquet else lines[first]
        yield Problem(str(path), f"{what} ({telling}){semicolon}{hint}", line, None, where, "warning")


def _unread_places(rows: pl.DataFrame, unread: Unread) -> list[tuple[int, str, int, str]]:
    """Each part of a place a table tells that resolves to nothing (see `Unread.places`), once for each distinct
    problem however many places tell it (`Alepo` with any district): (first incident, field, incidents, message).

    `rows` is `told`'s table with the place told as a struct column `place`; each distinct place is read once.
    """
    import polars as pl

    places = rows.select("place").unique(maintain_order=True).with_row_index("place.number")
    problems = [
        (number, field or "location", message)
        for number, value in places.iter_rows()
        for field, message in unread.places(tuple(value[k] for k in PLACE_TOLD))
    ]
    if not problems:
        return []
    found = pl.DataFrame(problems, schema=["place.number", "field", "message"], orient="row").cast(
        {"place.number": pl.UInt32()}
    )
    told = rows.select("place", "incident").join(places, on="place", nulls_equal=True).drop("place")
    grouped = (
        told.join(found, on="place.number")
        .group_by("field", "message")
        .agg(pl.col("incident").min().alias("first"), pl.col("incident").n_unique().alias("n"))
    )
    return [(first, field, n, message) for field, message, first, n in grouped.iter_rows()]


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
    space, timing = RuleSpace(c), schedule(c)
    return [
        *loaded.warnings,
        *(_warn(doc, key, message) for key, message in dead_rules(c, space)),
        *(_warn(doc, key, message) for key, message in tied_rules(c, space)),
        *(_warn(doc, key, message) for key, message in unmentioned_roles(c)),
        *(_warn(doc, key, message) for key, message in unread_acts(c)),
        *(_warn(doc, key, message) for key, message in unread_knobs(c)),
        *(_warn(doc, key, message) for key, message in blind_rules(c)),
        *(_warn(doc, key, message) for key, message in durable_refusals(c)),
        *(_warn(doc, key, message) for key, message in overlapping_patterns(c)),
        *(_warn(doc, key, message) for key, message in unreached_phase_starts(c, timing)),
        *(_warn(doc, key, message) for key, message in overtaken_phases(c, timing)),
        *(_warn(doc, key, message) for key, message in unbegun_phases(c, timing)),
        *(_warn(doc, key, message) for key, message in phaseless_start(c)),
    ]


def overtaken_phases(c: Compiled, timing: Schedule) -> Iterator[tuple[Key, str]]:
    """Each phase that begins after another (`after:`) and can never begin: a phase listed after it is dated no
    later than the earliest it could (`Schedule.overtaken`), and once a phase has begun none listed before it does.
    Said at its `from`. (Two dated phases out of order are an error when the ruleset is compiled.)"""
    for j, k in timing.overtaken.items():
        phase = c.phases[j]
        could = timing.earliest[j].astimezone(c.zone).isoformat(timespec="minutes")
        yield (
            ("phases", j, "from"),
            (
                f"phase `{phase.id}` can never begin: `{c.phases[k].id}`, listed after it, begins at "
                f"{c.ruleset.phases[k].start}, no later than `{phase.id}` could ({could}), and once a phase has "
                "begun none listed before it begins"
            ),
        )


def unbegun_phases(c: Compiled, timing: Schedule) -> Iterator[tuple[Key, str]]:
    """Each phase that follows another (`after:`) and can begin at no time inside the window, nor before its own
    `until`, were every day quiet (`Schedule.unbegun`): said at its `from`. A rule that tests such a phase alone can
    never decide, which `dead_rules` says."""
    for j in timing.unbegun:
        phase = c.phases[j]
        assert phase.after is not None
        followed = c.phases[phase.after].id
        if phase.after not in timing.earliest:
            why = f"`{followed}`, which it follows, never begins"
        elif phase.duration is not None:
            why = (
                f"it begins {duration_words(phase.duration)} after `{followed}`, past the end of the window or of its "
                "own `until`"
            )
        else:
            why = (
                f"its {phase.quiet_days} quiet days after `{followed}` begins cannot all pass before the window ends, "
                "or its own `until`"
            )
        yield ("phases", j, "from"), f"phase `{phase.id}` is never in force: {why}"


def phaseless_start(c: Compiled) -> Iterator[tuple[Key, str]]:
    """The first phase, where it is dated after the window's start: an incident before it is in no phase (its
    `phase` none), which a rule testing the phase cannot tell from one outside the window. Said at its `from`."""
    if c.phases and (first := c.phases[0]).at is not None and first.at > c.start:
        yield (
            ("phases", 0, "from"),
            (
                f"phase `{first.id}` begins at {c.ruleset.phases[0].start}, after the window's start "
                f"({c.ruleset.window.start}): an incident before it is in no phase (`phase` none); to name that time, "
                "list a phase before it with no `from`"
            ),
        )


def unreached_phase_starts(c: Compiled, timing: Schedule) -> Iterator[tuple[Key, str]]:
    """Each phase dated at or before the window's start, with phases listed before it (none of which is ever in
    force), or at or after its end (never in force itself, nor the phases that follow it): said at its `from`.
    A rule that tests such a phase alone can never decide, which `dead_rules` says."""
    window = c.ruleset.window
    for found in timing.unreached:
        phase = c.ruleset.phases[found.cause]
        others = [f"`{c.phases[i].id}`" for i in found.phases if i != found.cause]
        named = ", ".join(others[:-1]) + f" and {others[-1]}" if len(others) > 1 else "".join(others)
        if found.late:
            one = len(others) == 1
            rest = f", nor {'is' if one else 'are'} {named}, which follow{'s' if one else ''} it" if others else ""
            message = (
                f"phase `{phase.id}` begins at {phase.start}, at or after the window's end ({window.until}): "
                f"it is never in force{rest}"
            )
        else:
            message = (
                f"phase `{phase.id}` begins at {phase.start}, at or before the window's start ({window.start}): it "
                f"is in force from the window's start, and {named}, listed before it, never "
                f"{'is' if len(others) == 1 else 'are'}"
            )
        yield ("phases", found.cause, "from"), message


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
    return Problem(file, message, line, column, doc.shown(key), "warning")


class RuleSpace:
    """Where each rule of a ruleset decides: `diff`'s incident space for the ruleset compared with itself, cut
    into classes on each of which one rule decides, under every setting of the policy knobs its rules test
    (a what-if can set any of them, so a rule that decides only under another setting still decides).

    `settings` holds, per setting, the knobs it sets otherwise than the ruleset does (as (knob, value)), the
    space, and its classes as (box, the deciding rule's index in deciding order, -1 for none). `overflow`
    says why the space was left unexamined (too many settings or classes), None when it was not.
    """

    def __init__(self, c: Compiled) -> None:
        from engine.analysis.diff import Space

        self.compiled = c
        self.settings: list[tuple[tuple[tuple[str, Any], ...], Space, list[tuple[Box, int]]]] = []
        self.overflow: str | None = None
        self._parts = MAX_PARTS
        policies = _policies(c)
        if len(policies) > MAX_SETTINGS:
            self.overflow = f"the policy knobs the rules test can be set {len(policies):,} ways"
            return
        base: Space | None = None  # the classes are the same under every setting: made once
        for changed, policy in policies:
            setting = dataclasses.replace(c, policy=policy)
            space = base.with_policy(setting, setting) if base is not None else Space(setting, setting)
            base = base or space
            found = space.classes()
            self.settings.append((changed, space, [(box, rules[0]) for box, rules in found]))
            self._count(len(found))

    def _count(self, parts: int) -> None:
        """Count parts of the space examined; past `MAX_PARTS`, say the space is too large to examine."""
        self._parts -= parts
        if self._parts < 0 and self.overflow is None:
            self.overflow = f"the rules cut the incidents into more than {MAX_PARTS:,} classes"

    def holding(self, node: Node) -> list[tuple[Space, Box, int]]:
        """The parts of the space where a condition holds throughout, under any setting: (space, box, the rule
        deciding there as an index in deciding order)."""
        found: list[tuple[Space, Box, int]] = []
        for _, space, classes in self.settings:
            for box, decider in classes:
                if self.overflow is not None:
                    return found
                if space.holds_on(0, node, box) is False:
                    continue
                parts = list(space.split(0, box, [node]))
                self._count(len(parts))
                found += [(space, part, decider) for part in parts if space.holds_on(0, node, part)]
        return found

    def satisfiable(self, node: Node) -> bool:
        """Whether a condition holds for some incident, under some setting."""
        for _, space, _ in self.settings:
            for part in space.split(0, space.everything, [node]):
                self._count(1)
                if space.holds_on(0, node, part):
                    return True
        return False

    def ties(self) -> dict[tuple[int, int], list[tuple[tuple[tuple[str, Any], ...], Space, Box]]]:
        """Pairs of rules of one priority (indices in deciding order) that both hold with different verdicts
        where the first of them decides: per pair, each such part of the space as (the setting's changed
        knobs, the space, the box)."""
        rules = self.compiled.rules
        found: dict[tuple[int, int], list[tuple[tuple[tuple[str, Any], ...], Space, Box]]] = {}
        for changed, space, classes in self.settings:
            for box, decider in classes:
                if decider < 0 or self.overflow is not None:
                    continue
                first = rules[decider]
                # the rules after the decider in deciding order that share its priority, but not its verdict
                band = [
                    j
                    for j in range(decider + 1, len(rules))
                    if rules[j].priority == first.priority and rules[j].verdict != first.verdict
                ]
                if not band:
                    continue
                for part in space.split(0, box, [rules[j].condition for j in band]):
                    self._count(1)
                    for j in band:
                        if space.holds_on(0, rules[j].condition, part):
                            found.setdefault((decider, j), []).append((changed, space, part))
        return found


def _policies(c: Compiled) -> list[tuple[tuple[tuple[str, Any], ...], tuple[Any, ...]]]:
    """Every setting of the policy knobs the rules test, the ruleset's own first: per setting, the knobs set
    otherwise (knob, value) and the policy as `Compiled.policy` holds it (knobs in name order).

    A knob takes each value a rule compares it with (true and false for a yes-or-no knob), and a whole-number
    knob one more that none names; a knob no rule tests keeps its value."""
    tested = knob_values(c.rules)
    knobs = sorted(c.ruleset.policy)
    choices = []
    for knob in knobs:
        current = c.ruleset.policy[knob]
        values = tested.get(knob, set())
        if isinstance(current, bool) or (values and all(isinstance(v, bool) for v in values)):
            values = values | BOOLS
        elif isinstance(current, int) and knob in tested:
            values = values | {max((v for v in values if isinstance(v, int)), default=current) + 1}
        others = sorted((v for v in values if v != current or type(v) is not type(current)), key=repr)
        choices.append([current, *others])
    out = []
    for policy in itertools.product(*choices):
        changed = tuple((k, v) for k, v in zip(knobs, policy) if v != c.ruleset.policy[k])
        out.append((changed, tuple(policy)))
    return out


def dead_rules(c: Compiled, space: RuleSpace | None = None) -> Iterator[tuple[Key, str]]:
    """Rules that decide in no class of the incident space (`RuleSpace`), and why: their condition can never
    hold (the smallest set of its tests that never hold together is named), or rules that come first always
    decide where it holds (those rules are named). Past the space's limits, one warning says so."""
    space = space or RuleSpace(c)
    deciding = {decider for _, _, classes in space.settings for _, decider in classes}
    for j, rule in enumerate(c.rules):
        if j in deciding or space.overflow is not None:
            continue
        held = space.holding(rule.condition)
        if space.overflow is not None:
            break
        if held:
            yield ("rules", rule.order), f"rule `{rule.id}` can never decide: " + _shadowing(c, j, held)
        else:
            yield ("rules", rule.order), f"rule `{rule.id}` can never decide: " + _contradiction(c, space, j)
    if space.overflow is not None:
        yield ("rules",), f"too many kinds of incident to find the rules that never decide: {space.overflow}"


def _contradiction(c: Compiled, space: RuleSpace, j: int) -> str:
    """Words for a condition that never holds: the fewest of its tests that never hold together."""
    core = list(c.rules[j].condition.items)
    for item in list(core):  # drop each test the condition never holds without, until none can go
        if len(core) > 1 and not space.satisfiable(AllOf(tuple(t for t in core if t is not item))):
            core.remove(item)
    why = _why(c, core)
    said = f" ({why})" if why else ""
    return f"no incident has `{_written(AllOf(tuple(core)))}`{said}; fix the condition, or remove the rule"


def _shadowing(c: Compiled, j: int, held: list[tuple[Space, Box, int]]) -> str:
    """Why rule `j` never decides where it holds (`held`): the first rule before it that holds wherever it
    does, or else the rules that decide there."""
    for earlier in c.rules[:j]:
        if all(space.holds_on(0, earlier.condition, box) for space, box, _ in held):
            return f"rule `{earlier.id}` (priority {earlier.priority}) comes first and holds whenever it does"
    named = [f"`{c.rules[i].id}` (priority {c.rules[i].priority})" for i in sorted({d for _, _, d in held})]
    return f"rules {', '.join(named[:-1])} and {named[-1]} come first and one of them holds whenever it does"


def tied_rules(c: Compiled, space: RuleSpace | None = None) -> Iterator[tuple[Key, str]]:
    """Rules of one priority that both hold, with different verdicts, for some incident no rule of a lower
    priority decides: file order alone then picks the verdict. Each pair is said once, at the rule written
    later, with the smallest kind of incident on which they disagree (in `diff`'s words)."""
    from engine.analysis.diff import merge

    space = space or RuleSpace(c)
    if space.overflow is not None:
        return  # `dead_rules` says so
    rules = c.rules
    found = space.ties()
    if space.overflow is not None:
        yield ("rules",), f"too many kinds of incident to find the rules that tie: {space.overflow}"
        return
    for first, second in sorted(found, key=lambda pair: (pair[1], pair[0])):
        by_setting: dict[tuple[tuple[str, Any], ...], tuple[Space, list[Box]]] = {}
        for changed, where, box in found[(first, second)]:
            by_setting.setdefault(changed, (where, []))[1].append(box)
        shown = [
            _incident(where, box, changed) for changed, (where, boxes) in by_setting.items() for box in merge(boxes)
        ]
        smallest = min(shown, key=lambda words: (len(words[0]), len(words[1]), words[1]))[1]
        a, b = rules[first], rules[second]
        yield (
            ("rules", b.order),
            f"rules `{a.id}` (rules[{a.order}]) and `{b.id}` both have priority {a.priority} and both hold for "
            f"{smallest}: `{a.id}` decides {a.verdict} only because it is written first, where `{b.id}` would "
            f"decide {b.verdict}; give the one meant to decide a lower priority, or make their conditions exclusive",
        )


def _incident(space: Space, box: Box, changed: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, ...], str]:
    """A kind of incident in `diff`'s words (`actor: covered; act: shelling`), with the policy it needs:
    (the parts, the words); `any incident` when nothing narrows it."""
    parts = tuple(f"{dim.replace('_', ' ')}: {words}" for dim, words in space.describe(box))
    parts += tuple(f"policy.{knob}: {yaml_text(value)}" for knob, value in changed)
    return parts, "; ".join(parts) or "any incident"


def _written(node: Node) -> str:
    """A condition as a ruleset writes it, in YAML flow style: `killed: {gt: 5, lt: 3}, act: patrol`."""
    entries: dict[str, dict[str, str] | str] = {}  # field -> operator -> value; or `any`/`all` -> branches
    for k, item in enumerate(node.items if isinstance(node, AllOf) else (node,)):
        if isinstance(item, Test):
            value: Any = item.value
            if item.op in ("present", "absent"):
                value = item.op == "present"
            ops = entries.setdefault(item.field, {})
            assert isinstance(ops, dict)
            ops[_OPS.get(item.op, item.op)] = _flow(value)
        else:
            branches = ", ".join(f"{{{_written(part)}}}" for part in item.items)
            entries[f"{k}"] = f"{'any' if isinstance(item, AnyOf) else 'all'}: [{branches}]"
    parts = []
    for name, entry in entries.items():
        if isinstance(entry, str):
            parts.append(entry)
        elif list(entry) in (["eq"], ["in"]):
            parts.append(f"{name}: {next(iter(entry.values()))}")
        else:
            parts.append(f"{name}: {{{', '.join(f'{op}: {value}' for op, value in entry.items())}}}")
    return ", ".join(parts)


_OPS = {"not_in": "not", "absent": "present"}  # a test's operator as a ruleset writes it


def _flow(value: Any) -> str:
    """A value as YAML flow style writes it: `true`, `[patrol, shelling]`."""
    if isinstance(value, frozenset):
        return "[" + ", ".join(_flow(v) for v in sorted(value, key=repr)) + "]"
    return yaml_text(value)


def _why(c: Compiled, core: list[Node]) -> str:
    """Why two tests never hold together, when one field follows from the other (an act's hostility, a
    party's role or side) or a place from the scope: `act `patrol` is not hostile`; empty otherwise."""
    tests = [t for t in core if isinstance(t, Test)]
    if len(core) == 1 and tests and tests[0].field == "phase":
        never = sorted(_named(tests[0]) - {UNKNOWN}) if tests[0].op in ("eq", "in") else []
        if never:
            return f"{', '.join(f'`{p}`' for p in never)} {'is' if len(never) == 1 else 'are'} never in force"
    if len(tests) != 2 or len(core) != 2:
        return ""
    derived, domains = _derived(c), _domains(c)
    for a, b in (tests, tests[::-1]):
        table = derived.get((a.field, b.field))
        accepted = _accepted(a, domains.get(a.field))
        if table is None or accepted is None:
            continue
        said = []
        for value in sorted(accepted, key=repr):
            if b.field == "act.hostile":
                hostile = table.get(value)
                said.append(
                    f"act `{value}` is "
                    + ("of no known hostility" if hostile is None else "hostile" if hostile else "not hostile")
                )
            elif b.field.endswith(".role"):
                said.append(f"`{value}` is {table.get(value)}")
            else:
                side = table.get(value)
                said.append(f"`{value}` is on side `{side}`" if side else f"`{value}` has no side")
        return "; ".join(said)
    places = [t for t in tests if t.field.startswith("admin") and t.op in ("eq", "in")]
    scope = [t for t in tests if t.field == "in_scope" and t.op == "eq" and t.value is True]
    if places and scope:
        named = ", ".join(f"`{v}`" for v in sorted(_named(places[0]), key=str))
        return f"{named} {'lies' if len(_named(places[0])) == 1 else 'lie'} outside the scope"
    return ""


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
    for test in tests_of(c.rules):
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
    for test in tests_of(c.rules):
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
    read = read_knobs(c)
    for knob in c.ruleset.policy:
        if knob not in read:
            yield ("policy", knob), f"no rule reads policy knob `{knob}`"


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

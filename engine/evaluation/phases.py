"""A truce's phases: when each began, and which phase each version told falls in.

A phase begins at a fixed time, a duration after another began, or after quiet days: N consecutive calendar
days (in the ruleset's zone) on each of which at most K violations were found. The last depends on verdicts,
which depend on the phase: the pipeline evaluates with the phases known so far, finds the earliest quiet start
those verdicts give (`quiet_start`), fixes it, and evaluates again, until no new phase begins. Days before the
earliest change keep their verdicts each time, so the result is what a day-by-day evaluation in time order
gives; the loop runs once per quiet start, and once for a ruleset whose phases begin at fixed times only.

The state carried from day to day is small: the count of quiet days and the current phase (`Band`s).

Which phases can be in force at all, and from when, the ruleset alone says (`schedule`): check warns of those
that never are, and diff compares and names the phases by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

import polars as pl

from engine.evaluation.facts import coded, plain_instants
from engine.ruleset.compile import UNKNOWN, Compiled, CompiledPhase, local_instant
from engine.times import TICK, read_time

_INSTANT = pl.Datetime("us", "UTC")
NO_PHASE = ""  # in a list of the phases an incident could be in: outside every phase
_ENDLESS = datetime.max.replace(tzinfo=UTC)  # the end of an input without one: days are counted until a phase begins


@dataclass(frozen=True, slots=True)
class Band:
    """A phase in force: `phase` (index into `Compiled.phases`) from `start` until `until` (UTC; None: open)."""

    phase: int
    start: datetime
    until: datetime | None


def local_date(instants: pl.Series, zone: tzinfo) -> pl.Series:
    """The calendar date (Date) of each instant (Datetime UTC) in `zone`: an IANA zone, or a fixed offset."""
    key = getattr(zone, "key", None)
    if key is not None:
        return instants.dt.convert_time_zone(str(key)).dt.date()
    offset = zone.utcoffset(None) or timedelta(0)  # a fixed offset: polars knows only some by name
    return (instants + offset).dt.date()


def periods(
    compiled: Compiled, times: pl.Series, codes: pl.Series | None = None, distinct: pl.Series | None = None
) -> pl.DataFrame:
    """Each time told as the instants it lies between and the calendar day it falls on.

    Columns: `first` and `end` (Datetime µs UTC, [first, end); null where no time is told or it cannot be
    read), and `day` (Date in the ruleset's zone, its window's offset when it names none; null unless the
    whole period lies in one day: a week, month or span of days falls on none). Each distinct text is read
    once (a table's times repeat: its accounts', incidents told to the minute); plain date-times with an
    offset in bulk, every other form in Python. `codes` and `distinct`, as `facts.coded` gives them for
    `times` (a fact table's `time.code` and its `Resolution.times`), spare finding the distinct times again.
    """
    if codes is None or distinct is None:
        codes, distinct = coded(times)
    return _periods(compiled, distinct).select(pl.all().gather(codes))


def _periods(compiled: Compiled, times: pl.Series) -> pl.DataFrame:
    """`periods`, each row read on its own."""
    text = times.str.strip_chars()
    first = plain_instants(text)
    plain = first.is_not_null()
    end = first + TICK
    rest = text.filter(~plain & text.is_not_null()).unique()
    if len(rest):
        read = [_bounds(compiled, t) for t in rest]
        known = pl.DataFrame(
            {
                "text": rest,
                "first": pl.Series([r[0] for r in read], dtype=_INSTANT),
                "end": pl.Series([r[1] for r in read], dtype=_INSTANT),
            }
        )
        laid = pl.DataFrame({"text": text}).join(known, on="text", how="left", maintain_order="left")
        first = pl.select(pl.coalesce(first, laid.get_column("first"))).to_series()
        end = pl.select(pl.coalesce(end, laid.get_column("end"))).to_series()
    day, last = local_date(first, compiled.zone), local_date(end - TICK, compiled.zone)
    one_day = pl.select(pl.when(day == last).then(day)).to_series()
    return pl.DataFrame({"first": first, "end": end, "day": one_day})


def _bounds(compiled: Compiled, told: str) -> tuple[datetime | None, datetime | None]:
    try:
        return compiled.bounds(read_time(told), told)
    except ValueError:
        return None, None


def timeline(compiled: Compiled, quiet: Mapping[int, datetime]) -> list[Band]:
    """The phases in force, in order, given when each phase that waits for quiet days found them (`quiet`:
    phase index -> its start). A phase begins at its start unless one listed after it has already begun;
    a band ends when the next begins, at its phase's `until`, or when the window ends, whichever is first."""
    phases = compiled.phases
    began: dict[int, datetime] = {}
    current = -1
    while True:
        ready = []
        for i in range(current + 1, len(phases)):
            start = _start(phases[i], i, began, quiet)
            if start is not None and (not began or start >= began[current]):
                ready.append((start, i))
        if not ready:
            break
        start, current = min(ready)
        began[current] = start
    bands = []
    order = sorted(began.items())
    for k, (i, start) in enumerate(order):
        ends = [t for t in (phases[i].until, compiled.until) if t is not None]
        if k + 1 < len(order):
            ends.append(order[k + 1][1])
        until = min(ends).astimezone(UTC) if ends else None
        first = max(start, compiled.start).astimezone(UTC)
        if until is None or first < until:
            bands.append(Band(i, first, until))
    return bands


def _start(
    phase: CompiledPhase, i: int, began: Mapping[int, datetime], quiet: Mapping[int, datetime]
) -> datetime | None:
    """When phase `i` would begin, from what has begun so far (None: not known, or never)."""
    if phase.at is not None:
        return phase.at.astimezone(UTC)
    if phase.after is None or phase.after not in began:
        return None
    if phase.duration is not None:
        try:
            return began[phase.after] + phase.duration
        except OverflowError:  # after the last day a date can name (a chain of durations of years from 9990)
            return None
    return quiet.get(i)


def placed(compiled: Compiled, bands: list[Band], spans: pl.DataFrame) -> pl.DataFrame:
    """Which phase each period (`periods`' `first`, `end`) falls in, with the others it could be in.

    Columns: `phase` (a phase id; `unknown` where the period overlaps more than one phase, or no time is
    told; null where it lies wholly outside every phase), and `phase.trials` (List of phase ids, `NO_PHASE`
    for none: for an unknown phase, each phase it could be in, in order). Bands are few: each is one expression.
    """
    ids = [p.id for p in compiled.phases]
    first, end = pl.col("first"), pl.col("end")
    inside, overlaps = [], []
    for band in bands:
        after = first >= pl.lit(band.start, _INSTANT)
        before = pl.lit(True) if band.until is None else end <= pl.lit(band.until, _INSTANT)
        inside.append(after & before)
        starts_before = pl.lit(True) if band.until is None else first < pl.lit(band.until, _INSTANT)
        overlaps.append(starts_before & (end > pl.lit(band.start, _INSTANT)))
    gaps = _gaps(compiled, bands)
    gap_overlaps = [
        (pl.lit(True) if s is None else end > pl.lit(s, _INSTANT))
        & (pl.lit(True) if u is None else first < pl.lit(u, _INSTANT))
        for s, u in gaps
    ]
    in_gap = pl.lit(False) if not gap_overlaps else pl.any_horizontal(gap_overlaps)
    phase = pl.lit(None, pl.String())
    for band, holds in zip(reversed(bands), reversed(inside)):
        phase = pl.when(holds & ~in_gap).then(pl.lit(ids[band.phase])).otherwise(phase)
    touched = pl.any_horizontal(overlaps) if overlaps else pl.lit(False)
    phase = (
        pl.when(first.is_null())
        .then(pl.lit(UNKNOWN))
        .when(phase.is_not_null())
        .then(phase)
        .when(touched)
        .then(pl.lit(UNKNOWN))
        .otherwise(pl.lit(None, pl.String()))
    )
    every = [*ids, NO_PHASE]
    listed = [pl.when(o).then(pl.lit(ids[b.phase])) for b, o in zip(bands, overlaps)]
    listed.append(pl.when(in_gap).then(pl.lit(NO_PHASE)))
    trials = (
        pl.when(first.is_null())
        .then(pl.lit(pl.Series([every], dtype=pl.List(pl.String()))))
        .otherwise(pl.concat_list(*listed).list.drop_nulls())
    )
    out = spans.select(phase.alias("phase"))
    # Lists only for the few rows whose phase is unknown: building one for every row costs more than the rest.
    at = (out.get_column("phase") == UNKNOWN).fill_null(False).arg_true()
    tried = spans.gather(at).select(trials.alias("phase.trials")).with_columns(at.alias("row"))
    return (
        out.with_row_index("row")
        .join(tried, on="row", how="left", maintain_order="left")
        .select("phase", "phase.trials")
    )


def given(compiled: Compiled, ids: pl.Series, phases: Mapping[str, str | None]) -> pl.DataFrame:
    """`placed`'s columns for phases given by incident id (`ids`: each fact row's incident id): a phase the
    ruleset does not declare is none; an `unknown` one could be any."""
    declared = {p.id for p in compiled.phases} | {UNKNOWN}
    phase = ids.replace_strict(
        list(phases), [p if p in declared else None for p in phases.values()], default=None, return_dtype=pl.String()
    )
    every = pl.Series([[*(p.id for p in compiled.phases), NO_PHASE]], dtype=pl.List(pl.String()))
    return pl.DataFrame({"phase": phase}).with_columns(
        pl.when(pl.col("phase") == UNKNOWN).then(pl.lit(every)).alias("phase.trials")
    )


def _gaps(compiled: Compiled, bands: list[Band]) -> list[tuple[datetime | None, datetime | None]]:
    """The stretches of time no phase holds: before the first band, between bands, after the last."""
    gaps: list[tuple[datetime | None, datetime | None]] = []
    edge: datetime | None = None
    for k, band in enumerate(bands):
        if k == 0 or (edge is not None and band.start > edge):
            gaps.append((None if k == 0 else edge, band.start))
        edge = band.until
    if not bands:
        return [(None, None)]
    if edge is not None:
        gaps.append((edge, None))
    return gaps


def quiet_start(
    compiled: Compiled,
    bands: list[Band],
    quiet: Mapping[int, datetime],
    counts: Mapping[date, int],
    last: datetime | None,
) -> tuple[int, datetime] | None:
    """The earliest start, under the verdicts so far, of a phase that waits for quiet days and has not yet
    been given one: (phase index, start in UTC), or None when no such phase would begin.

    `counts` gives the violations found on each calendar day (Date in the ruleset's zone; an incident counts
    on a day only when all it tells falls on that day). A day counts only when the truce was in
    force for the whole of it: wholly after the phase counted from began and inside the window, and before
    `last` (the end of the latest time the input tells: the input says nothing of the days after it).
    """
    began = {b.phase: b.start for b in bands}
    found: list[tuple[datetime, int]] = []
    for i, phase in enumerate(compiled.phases):
        if phase.quiet_days is None or i in quiet or phase.after not in began:
            continue
        start = _count_days(compiled, began[phase.after], phase.quiet_days, phase.max_violations, counts, last)
        if start is not None:
            found.append((start, i))
    if not found:
        return None
    start, i = min(found)
    return i, start


@dataclass(frozen=True, slots=True)
class Unreached:
    """Phases that are never in force, for the start of one (`cause`, an index into `Compiled.phases`) against
    the window: it begins at or before the window's start, so none listed before it is ever in force (`late`
    False); or at or after its end, so it never is, nor any phase that follows it (`late` True). `phases` are
    indices, in order."""

    cause: int
    late: bool
    phases: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Schedule:
    """Which of a ruleset's phases can be in force, and from when, as the ruleset alone says (see `schedule`).

    `earliest`: phase index -> the earliest instant it could begin (aware, UTC), were every day quiet: at its time,
    a duration after the earliest start of the phase it follows, or after quiet days counted from then. A phase
    never begins before this; one not listed can begin at no time inside the window and before its own `until`.
    A phase listed may still never be in force: `unreached` says which the dates written keep from force, and
    `overtaken` (phase index -> phase index) gives each phase that follows another (`after:`) the first phase
    listed after it that is dated no later than it could begin: once a phase has begun, none listed before it does.
    `unbegun` lists the phases that follow another and begin at no time inside the window (or before their own
    `until`): too long a duration or too many quiet days, or the phase followed never begins; not those whose
    start a policy knob sets (a what-if may set it otherwise).
    """

    earliest: dict[int, datetime]
    unreached: tuple[Unreached, ...]
    overtaken: dict[int, int]
    unbegun: tuple[int, ...]  # phases that follow another (`after:`) and can begin at no time in the window

    @property
    def never(self) -> frozenset[int]:
        """The phases that are never in force: those the dates written keep from force (`unreached`), and those that
        follow another and can begin at no time inside the window (`unbegun`)."""
        return frozenset({*(i for found in self.unreached for i in found.phases), *self.unbegun})


def schedule(compiled: Compiled) -> Schedule:
    """Which phases can be in force, and from when, found from the ruleset alone: a phase that waits for quiet
    days may begin later than its `earliest`, or never, but the input says so, not the ruleset. A phase whose
    quiet days would end past the last day a date can name (an open window whose phases reach the year 9999)
    has no earliest start."""
    phases, start, until = compiled.phases, compiled.start, compiled.until
    earliest: dict[int, datetime] = {}
    late: dict[int, int] = {}  # a phase -> the one dated at or after the window's end that it is, or follows
    for i, phase in enumerate(phases):
        begins = _start(phase, i, earliest, {})
        if begins is None and phase.quiet_days is not None and phase.after in earliest:
            since = earliest[phase.after]
            begins = _count_days(compiled, since, phase.quiet_days, phase.max_violations, {}, _ENDLESS)
        ends = [t for t in (phase.until, until) if t is not None]
        if begins is not None and (not ends or max(begins, start) < min(ends)):
            earliest[i] = begins
        if phase.at is not None and until is not None and phase.at >= until:
            late[i] = i
        elif phase.after in late:
            late[i] = late[phase.after]
    dated = [(k, phase.at) for k, phase in enumerate(phases) if phase.at is not None]
    # the last to begin by the window's start is in force from then: those listed before it never are
    early = [k for k, at in dated if k > 0 and at <= start]
    unreached = [Unreached(early[-1], False, tuple(range(early[-1])))] if early else []
    unreached += [Unreached(j, True, tuple(k for k in late if late[k] == j)) for j in late if late[j] == j]
    overtaken = {}
    for j, begins in earliest.items():
        later = [k for k, at in dated if k > j and at <= begins]
        if phases[j].at is None and later:
            overtaken[j] = later[0]
    # A start written with a policy knob (`quiet_days: policy.jic_after_days`) is one a what-if may set otherwise: a
    # phase that waits on one, or follows one that does, is not said never to begin.
    tunable: set[int] = set()
    for i, (phase, told) in enumerate(zip(phases, compiled.ruleset.phases)):
        knobs = [getattr(told.start, k, None) for k in ("quiet_days", "max_violations")]
        if any(isinstance(k, str) for k in knobs) or phase.after in tunable:
            tunable.add(i)
    unbegun = tuple(
        i
        for i, phase in enumerate(phases)
        if phase.after is not None and i not in earliest and i not in late and i not in tunable
    )
    return Schedule(earliest, tuple(unreached), overtaken, unbegun)


def quiet_timeline(compiled: Compiled) -> list[Band]:
    """`timeline` were no violation found on any day: each phase that waits for quiet days begins as early as it
    can. An incident judged alone falls in the band its time lies in: a violation of its own counts on no day
    before it, so it can put off only a phase that would begin after it."""
    quiet: dict[int, datetime] = {}
    while True:
        bands = timeline(compiled, quiet)
        found = quiet_start(compiled, bands, quiet, {}, _ENDLESS)
        if found is None:
            return bands
        quiet[found[0]] = found[1]


def _count_days(
    compiled: Compiled, since: datetime, needed: int, most: int, counts: Mapping[date, int], last: datetime | None
) -> datetime | None:
    """00:00 (UTC) after the `needed`th consecutive whole day after `since` with at most `most` violations; None
    where the days run out first (the window's end, `last`, or the last day a date can name)."""
    zone = compiled.zone
    ends = [t for t in (compiled.until, last) if t is not None]
    if not ends:
        return None
    limit = min(ends)
    try:
        day = since.astimezone(zone).date()
        if since != _midnight(day, zone):  # the first day counted is the first whole one
            day += timedelta(days=1)
        run = 0
        while (next_midnight := _midnight(day + timedelta(days=1), zone)) <= limit:
            run = run + 1 if counts.get(day, 0) <= most else 0
            if run == needed:
                return next_midnight
            day += timedelta(days=1)
    except OverflowError:  # past the last day a date can name
        pass
    return None


def _midnight(day: date, zone: tzinfo) -> datetime:
    """00:00 of a calendar day in `zone`, in UTC (its first instant where a change of clocks skips midnight)."""
    if isinstance(zone, timezone):
        return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
    return local_instant(datetime(day.year, day.month, day.day), zone)

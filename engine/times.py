"""Times as sources write them: ISO 8601 date-times, days, weeks, months and spans, each read as a period.

A time names a stretch of time, `Period.first` up to (not including) `Period.end`: a date-time the
instant it names (`end` a microsecond later, datetime's resolution), a day, week or month its whole
length, a span from its first end to the end of its last. A date-time with a UTC offset (`Z` too) is
an instant anywhere; one without an offset is a *local* time, read in the ruleset's zone; days, weeks,
months and spans of days are calendar dates, read in the ruleset's zone or, where it names none, at
the window's offset. Reading a period in a zone is the compiled ruleset's business
(`engine.ruleset.compile.Compiled.bounds`); this module reads the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field

from engine.errors import cut

# A time is compared at any UTC offset and a date widened by a day either side: a year short of
# datetime's own limits at each end keeps that arithmetic in range. A window's ends keep a year more
# inside, as `diff` tries incidents a day beyond each end.
TIME_YEARS = (2, 9998)


WINDOW_YEARS = (3, 9997)


# A time whose years (as written) lie further than this from the window's is implausible: a slip like
# the year 0022 for 2022, met in real exports. Twenty years holds any truce's aftermath and reports
# written long after; a slip of a digit or two in the year falls far outside.
PLAUSIBLE_YEARS = 20


TICK = timedelta(microseconds=1)  # an instant's length: the time it names, and nothing after
DAY = timedelta(days=1)

# What each precision is, as `Period.precision` names it.
CALENDAR = ("day", "week", "month", "days")  # calendar dates: read in the ruleset's zone, or the window's offset
INSTANTS = ("time", "times")  # a date-time, a span of date-times: local (read in the ruleset's zone) without offset

FORMS = (
    "a date-time like 2016-09-17T16:00:00+03:00, a day (2016-09-17), a week (2016-W37), a month (2016-09) "
    "or a span of days (2016-09-10/2016-09-14)"
)

# A day: extended (2016-09-17), basic (20160917), or an ISO week date (2016-W37-6).
# Digits are ASCII digits: `\d` alone takes any script's, which `int` reads and `fromisoformat` refuses.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}|\d{8}|\d{4}-?W\d{2}-?\d", re.ASCII)
_WEEK = re.compile(r"(\d{4})-W(\d{2})", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
# 24:00, the end of a day (the next day's 00:00), which ISO 8601 allows and Python refuses.
_END_OF_DAY = re.compile(
    r"(?P<day>\d{4}-\d{2}-\d{2})T24(?::00(?::00(?:[.,]0+)?)?)?(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?", re.ASCII
)
_YEAR = re.compile(r"\d{4}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Period:
    """A time as told, read: from `first` up to (not including) `end`.

    `precision` is `time` (a date-time), `day`, `week`, `month`, `days` (a span of days) or `times` (a
    span of date-times). Both ends are aware (an offset was written) or naive (a calendar date, or a
    local time of day: see `local`).
    """

    precision: str
    first: datetime
    end: datetime

    @property
    def local(self) -> bool:
        """A time of day written without a UTC offset: it needs the ruleset's zone to name an instant."""
        return self.precision in INSTANTS and self.first.tzinfo is None


def read_time(value: str, *, years: tuple[int, int] = TIME_YEARS) -> Period:
    """The period a time names. Raises ValueError saying, in the project's words, what is wrong with it.

    `years` bounds the years written (see `TIME_YEARS`).
    """
    text = value.strip()
    _refuse_zone_name(value, text, years)
    if "/" in text:
        return _span(value, text, years)
    week = _WEEK.fullmatch(text)
    if week:
        return _week(value, int(week[1]), int(week[2]), years)
    month = _MONTH.fullmatch(text)
    if month:
        return _month(value, int(month[1]), int(month[2]), years)
    return _point(value, text, years)


def read_moment(value: str, *, years: tuple[int, int] = WINDOW_YEARS) -> datetime:
    """A date-time (aware, or naive where written without an offset); ValueError for anything else."""
    text = value.strip()
    _refuse_zone_name(value, text, years)
    if _DAY.fullmatch(text) or _WEEK.fullmatch(text) or _MONTH.fullmatch(text) or "/" in text:
        like = f"{text}T00:00:00" if _DAY.fullmatch(text) else "2016-09-12T19:00:00"
        raise ValueError(f"`{cut(value)}` is not a date-time; write one with its UTC offset, like {like}+HH:MM")
    return _date_time(value, text, years)


def written_years(text: str) -> tuple[int, int]:
    """The first and last years a time's text names, as written (every form starts with its year)."""
    text = text.strip()
    last = text.rpartition("/")[2].strip()
    first_year, last_year = _YEAR.match(text), _YEAR.match(last)
    assert first_year is not None and last_year is not None, f"`{text}` was read as a time"
    return int(first_year[0]), int(last_year[0])


def zoneless(value: str, offset: str, ruleset: str) -> str:
    """Why a local time cannot be read under a ruleset that names no zone, with `offset` (the window's) as the fix."""
    return (
        f"`{value}` has no UTC offset and ruleset `{ruleset}` names no timezone; write it with one, like "
        f"{value.strip()}{offset}, or name the zone with a top-level `timezone` (like `timezone: Asia/Damascus`)"
    )


def _point(value: str, text: str, years: tuple[int, int]) -> Period:
    """A day or a date-time."""
    if _DAY.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(_unreal(value, "date", str(exc), years)) from None
        _check_years(value, (day.year,), years)
        first = datetime(day.year, day.month, day.day)
        return Period("day", first, first + DAY)
    moment = _date_time(value, text, years)
    return Period("time", moment, moment + TICK)


def _date_time(value: str, text: str, years: tuple[int, int]) -> datetime:
    if not text.isascii():  # `fromisoformat` reads some scripts' digits (`1０`) in the time of day: not ISO 8601
        raise ValueError(f"`{cut(value)}` is not an ISO 8601 time; write {FORMS}, in the digits 0-9")
    end_of_day = _END_OF_DAY.fullmatch(text)
    try:
        if end_of_day:
            moment = datetime.fromisoformat(f"{end_of_day['day']}T00:00{end_of_day['offset'] or ''}") + DAY
        else:
            moment = datetime.fromisoformat(text)
    except ValueError as exc:
        if str(exc).startswith("Invalid isoformat"):
            raise ValueError(f"`{cut(value)}` is not an ISO 8601 time; write {FORMS}") from None
        raise ValueError(_unreal(value, "date-time", str(exc), years)) from None
    except OverflowError:
        raise ValueError(_out_of_range(value, years)) from None
    _check_years(value, (moment.year,), years)
    return moment


# A time followed by a zone's name (Area/City, as the tz database names zones): `2016-09-13T10:00:00 Asia/Damascus`.
_ZONE_NAMED = re.compile(r"(?P<time>[^\s\[]+)[ \[]+(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+-]+)+)\]?", re.ASCII)


def _refuse_zone_name(value: str, text: str, years: tuple[int, int]) -> None:
    """Refuse a time followed by a zone's name in words: a zone is named once, by the ruleset's `timezone`, and
    the `/` in the name is no span's."""
    named = _ZONE_NAMED.fullmatch(text)
    if named is None or "/" in named["time"]:
        return
    time, zone = named["time"], named["zone"]
    try:
        period = _point(time, time, years)
    except ValueError:
        return  # not a time before it: said as what else is wrong
    said = f"`{value}` names a zone (`{zone}`), and a time is not read with a zone's name"
    if period.precision == "day":
        raise ValueError(f"{said}; write the day alone ({time}): a day is read in the ruleset's `timezone`")
    if period.first.tzinfo is not None:
        raise ValueError(f"{said}; its UTC offset says the instant: write {time}")
    raise ValueError(
        f"{said}; write it with its UTC offset, like {time}{_offset_in(period.first, zone)}, or without one under "
        "a ruleset whose top-level `timezone` names the zone"
    )


def _offset_in(moment: datetime, zone: str) -> str:
    """The UTC offset `zone`'s clocks had at a local `moment` (its first reading where they show it twice), as
    +HH:MM; `+HH:MM` itself for a name that is no zone."""
    from zoneinfo import ZoneInfo

    try:
        offset = moment.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    except (KeyError, ValueError, OSError):  # no such zone (ZoneInfoNotFoundError is a KeyError); an ill-formed name
        offset = None
    if offset is None:
        return "+HH:MM"
    return offset_text(offset)


def offset_text(offset: timedelta) -> str:
    """A UTC offset as ISO 8601 writes it: `+03:00`, `-05:30`."""
    sign, size = ("-", -offset) if offset < timedelta(0) else ("+", offset)
    hours, rest = divmod(int(size.total_seconds()) // 60, 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def _week(value: str, year: int, week: int, years: tuple[int, int]) -> Period:
    _check_years(value, (year,), years)
    weeks = date(year, 12, 28).isocalendar().week  # the 28th of December is always in the year's last week
    if not 1 <= week <= weeks:
        raise ValueError(f"`{cut(value)}` is not a real ISO week; {year} has weeks {year}-W01 to {year}-W{weeks}")
    monday = date.fromisocalendar(year, week, 1)
    first = datetime(monday.year, monday.month, monday.day)
    return Period("week", first, first + 7 * DAY)


def _month(value: str, year: int, month: int, years: tuple[int, int]) -> Period:
    _check_years(value, (year,), years)
    if not 1 <= month <= 12:
        raise ValueError(f"`{cut(value)}` is not a real month; write it like {year}-09 (months 01 to 12)")
    first = datetime(year, month, 1)
    return Period("month", first, datetime(year + month // 12, month % 12 + 1, 1))


_SLASHED_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", re.ASCII)  # 15/09/2016, 9/15/16: no span


def _slashed(value: str, a: int, b: int, year: int, digits: int) -> str:
    """Why a date written day/month/year (or month/day/year) is refused, with the ISO day where it is sure."""
    day, month = (a, b) if a > 12 >= b else (b, a) if b > 12 >= a else (None, None)
    if day is None or month is None or digits != 4:
        return f"`{value}` is not an ISO 8601 day; write year-month-day, like 2016-09-17 for 17 September 2016"
    return f"`{value}` is not an ISO 8601 day; write year-month-day: {year}-{month:02d}-{day:02d}"


def _span(value: str, text: str, years: tuple[int, int]) -> Period:
    """Two days, or two date-times, joined by `/`: from the first's start to the end of the second."""
    start, _, stop = (part.strip() for part in text.partition("/"))
    slashed = _SLASHED_DATE.fullmatch(text)
    if slashed:
        raise ValueError(_slashed(value, int(slashed[1]), int(slashed[2]), int(slashed[3]), len(slashed[3])))
    if not start or not stop or "/" in stop:
        raise ValueError(f"`{cut(value)}` is not a span; write two days joined by `/`, like 2016-09-10/2016-09-14")
    if _WEEK.fullmatch(start) or _MONTH.fullmatch(start) or _WEEK.fullmatch(stop) or _MONTH.fullmatch(stop):
        raise ValueError(f"`{cut(value)}`: a span's ends are days or date-times, like 2016-09-10/2016-09-14")
    a, b = _end_of(value, "start", start, years), _end_of(value, "end", stop, years)
    if a.precision != b.precision:
        raise ValueError(
            f"`{value}` joins a day and a date-time; write both ends as days, like 2016-09-10/2016-09-14, "
            "or both as date-times"
        )
    if (a.first.tzinfo is None) != (b.first.tzinfo is None):
        raise ValueError(f"`{cut(value)}` gives a UTC offset at one end only; give both ends one, or neither")
    if b.end <= a.first:
        raise ValueError(f"`{cut(value)}` ends before it starts; write the earlier end first, like {stop}/{start}")
    return Period("days" if a.precision == "day" else "times", a.first, b.end)


def _end_of(value: str, which: str, part: str, years: tuple[int, int]) -> Period:
    """One end of a span (`which`, start or end): a day or a date-time; ValueError quoting the whole span,
    and the end that is not one."""
    try:
        return _point(part, part, years)
    except ValueError as exc:
        raise ValueError(f"`{cut(value)}`: its {which} {exc}") from None


def _check_years(value: str, found: tuple[int, ...], years: tuple[int, int]) -> None:
    if not all(years[0] <= year <= years[1] for year in found):
        raise ValueError(_out_of_range(value, years))


def _unreal(value: str, kind: str, reason: str, years: tuple[int, int]) -> str:
    """Why a time of the right shape names no real moment, in the project's words."""
    if reason.startswith("year"):
        return _out_of_range(value, years)
    if reason.startswith("offset"):
        return f"`{value}` has a UTC offset out of range; expected one from -23:59 to +23:59"
    return f"`{value}` is not a real {kind} ({reason})"


def _out_of_range(value: str, years: tuple[int, int]) -> str:
    return f"`{value}` is out of range; expected a year from {years[0]} to {years[1]}"


def _checked_time(value: str) -> str:
    # A date-time with its offset, the common case in a large table, needs no more than `fromisoformat`;
    # any other form goes through `read_time` (which says what is wrong).
    try:
        moment = datetime.fromisoformat(value) if value.isascii() else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not TIME_YEARS[0] <= moment.year <= TIME_YEARS[1]:
        read_time(value)
    return value


def _checked_moment(value: str) -> str:
    read_moment(value)
    return value


# Times stay the text the source gave (reports echo it); they are checked here, read where used. A local
# time (no offset) is refused once the ruleset is known, if it names no zone to read it in.
Moment = Annotated[
    str,
    AfterValidator(_checked_moment),
    Field(description="ISO 8601 date-time with its UTC offset (without one if the ruleset names its timezone)"),
]


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _checked_day(value: str) -> str:
    text = value.strip()
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"`{cut(value)}` is not a day; write one like 2024-12-08")
    try:
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(_unreal(value, "date", str(exc), WINDOW_YEARS) + "; write one like 2024-12-08") from None
    _check_years(value, (day.year,), WINDOW_YEARS)
    return text


_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?", re.ASCII
)


# The longest duration a ruleset may write (a self-defence window, a phase's start after another's). Terms
# speak in hours, days and weeks, and a peace process may set a phase months or years after another: ten years
# holds them all. Far past it is a slip (a digit too many, hours for minutes), and past a few thousand years no
# date could hold the sum.
MAX_DURATION = timedelta(days=3_653)  # ten years, leap days included
MAX_DURATION_TEXT = f"P{MAX_DURATION.days}D (ten years)"


def read_duration(value: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (`PT48H`, `P7D`, `P1DT12H`), of at most
    `MAX_DURATION`.

    Raises ValueError for anything else: years and months name no fixed length, so they are refused.
    """
    found = _DURATION.fullmatch(value.strip())
    if found is None or not any(found.groupdict().values()) or value.strip().endswith("T"):
        raise ValueError(
            f"`{cut(value)}` is not a duration; write one in ISO 8601, like PT48H (48 hours) or P7D (7 days)"
        )
    # Summed as whole seconds before a timedelta is made: past about 2.7 million years it overflows. A part of
    # more than 12 digits (10^12 seconds is 31,000 years) is too long in any unit, and is not read: `int` refuses
    # a number of thousands of digits.
    digits = {k: (v or "0").lstrip("0") or "0" for k, v in found.groupdict().items()}
    n = {k: int(d) for k, d in digits.items() if len(d) <= 12}
    if len(n) < len(digits) or _seconds(n) > MAX_DURATION.total_seconds():
        raise ValueError(f"`{cut(value)}` is too long; expected at most {MAX_DURATION_TEXT}")
    return timedelta(seconds=_seconds(n))


def _seconds(n: dict[str, int]) -> int:
    """A duration's parts (`w`, `d`, `h`, `m`, `s`, as `_DURATION` names them) as whole seconds."""
    return (((n["w"] * 7 + n["d"]) * 24 + n["h"]) * 60 + n["m"]) * 60 + n["s"]


def duration_words(span: timedelta) -> str:
    """A duration in words: `6 hours`, `2 days`, `90 minutes`."""
    minutes = int(span.total_seconds()) // 60
    for unit, size in (("day", 1440), ("hour", 60), ("minute", 1)):
        if minutes % size == 0:
            n = minutes // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return str(span)


def _checked_duration(value: str) -> str:
    read_duration(value)
    return value


Duration = Annotated[
    str,
    AfterValidator(_checked_duration),
    Field(
        description="an ISO 8601 duration in weeks, days, hours, minutes or seconds, like PT48H or P7D, of at most "
        f"{MAX_DURATION_TEXT}"
    ),
]


# A day as a ruleset writes a bound (a pattern's validity): ISO 8601, read in the ruleset's zone.
Day = Annotated[str, AfterValidator(_checked_day), Field(description="an ISO 8601 day, like 2024-12-08")]


MomentOrDay = Annotated[
    str,
    AfterValidator(_checked_time),
    Field(
        description="ISO 8601: a date-time (with its UTC offset unless the ruleset names its timezone), a day, "
        "a week (2016-W37), a month (2016-09) or a span (2016-09-10/2016-09-14)"
    ),
]

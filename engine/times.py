"""Times as sources write them: ISO 8601 date-times with a UTC offset, or bare dates."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

# A time is compared at any UTC offset and a date widened by a day either side: a year short of
# datetime's own limits at each end keeps that arithmetic in range. A window's ends keep a year more
# inside, as `diff` tries incidents a day beyond each end.
TIME_YEARS = (2, 9998)


WINDOW_YEARS = (3, 9997)


def parse_time(value: str, *, date_ok: bool, years: tuple[int, int] = TIME_YEARS) -> datetime | date:
    """An ISO 8601 datetime with its UTC offset (or, where allowed, a bare date); `years` words a year 0."""
    text = value.strip()
    moment: datetime | date
    if date_ok and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            moment = date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(_unreal(value, "date", str(exc), years)) from None
    else:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            if str(exc).startswith("Invalid isoformat"):
                raise ValueError(
                    f"`{value}` is not an ISO 8601 date-time; write it like 2016-09-12T19:00:00+03:00"
                ) from None
            raise ValueError(_unreal(value, "date-time", str(exc), years)) from None
        if moment.tzinfo is None:
            like = f"{text}T00:00:00+03:00" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else f"{text}+03:00"
            raise ValueError(f"`{value}` has no UTC offset; write it with one, like {like}")
    return moment


def _unreal(value: str, kind: str, reason: str, years: tuple[int, int]) -> str:
    """Why a time of the right shape names no real moment, in the project's words."""
    if reason.startswith("year"):
        return _out_of_range(value, years)
    if reason.startswith("offset"):
        return f"`{value}` has a UTC offset out of range; expected one from -23:59 to +23:59"
    return f"`{value}` is not a real {kind} ({reason})"


def _out_of_range(value: str, years: tuple[int, int]) -> str:
    return f"`{value}` is out of range; expected a year from {years[0]} to {years[1]}"


def _checked(date_ok: bool, years: tuple[int, int]) -> AfterValidator:
    first, last = years

    def check(value: str) -> str:
        # A date-time with its offset, the common case in a large table, needs no more than
        # `fromisoformat`; a date, or anything else, goes through `parse_time` (which says what is wrong).
        try:
            moment: datetime | date = datetime.fromisoformat(value)
        except ValueError:
            moment = parse_time(value, date_ok=date_ok, years=years)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            moment = parse_time(value, date_ok=date_ok, years=years)
        if not first <= moment.year <= last:
            raise ValueError(_out_of_range(value, years))
        return value

    return AfterValidator(check)


# Times stay the text the source gave (reports echo it); they are checked here, parsed where used.
Moment = Annotated[str, _checked(False, WINDOW_YEARS), Field(json_schema_extra={"format": "date-time"})]


MomentOrDay = Annotated[str, _checked(True, TIME_YEARS), Field(description="ISO 8601 date-time with offset, or a date")]

"""Ranges a swept number takes: `0..10` (every whole number from 0 to 10) or `0.5..2` (any number between)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError, held_whole

PARAM = "--param"  # engine.analysis.sweep.PARAM: a range is written in a --param
RANGE = ".."
_WHOLE = re.compile(r"[+-]?[0-9]+")
# A number as written: in a --param, and in a CSV cell a spreadsheet reads as a number (`engine.report.render`).
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
DIGITS = 6  # significant digits a value drawn from a range of any numbers keeps: enough, and readable


@dataclass(frozen=True)
class Span:
    """`low..high`, both ends included: whole numbers when both ends are written as whole numbers, else any
    number between them."""

    low: int | float
    high: int | float
    whole: bool

    @property
    def text(self) -> str:
        return f"{number_text(self.low)}{RANGE}{number_text(self.high)}"

    def count(self) -> int | None:
        """How many values the range holds: None for a range of any numbers."""
        return int(self.high - self.low) + 1 if self.whole else None

    def values(self) -> tuple[int, ...]:
        """Every whole number of the range, in order (a range of whole numbers only)."""
        assert self.whole, "a range of any numbers has no list of values"
        return tuple(range(int(self.low), int(self.high) + 1))

    def as_whole(self) -> Span | None:
        """The range of whole numbers its ends hold, where both are whole (`1..3.0`, `1e3..2e3`); else None."""
        low, high = (end if isinstance(end, int) else held_whole(end) for end in (self.low, self.high))
        return None if low is None or high is None else Span(low, high, True)

    def ends(self) -> tuple[str, str]:
        """The two ends as a `--set` value is written."""
        return number_text(self.low), number_text(self.high)

    def at(self, u: float) -> int | float:
        """The value at `u` in [0, 1): whole ranges cut into `count()` equal strata, one value each (so that a
        Latin hypercube of n draws over n values takes each once); other ranges uniformly, to DIGITS digits."""
        if self.whole:
            count = int(self.high - self.low) + 1
            return int(self.low) + min(math.floor(u * count), count - 1)
        value = float(f"{self.low + u * (self.high - self.low):.{DIGITS}g}")
        return min(max(value, float(self.low)), float(self.high))


def is_range(text: str) -> bool:
    """Whether a --param's values are written as a range (`0..10`) rather than as a list."""
    return RANGE in text and "," not in text


def refuse_mixed(name: str, text: str) -> None:
    """Refuse a range among a list's values (`1..3,5`): raises InputError (at --param, for `name`) saying what to
    write instead: the list of its whole numbers (`1,2,3,5`, where they are few) or the range over them (`1..5`)."""
    items = [t.strip() for t in text.split(",")]
    if not any(RANGE in t and None not in _ends(t) for t in items):
        return  # a value that holds `..` (text), not a range
    mixed = f"`{text.strip()}`: a range and a list cannot be mixed; write"
    whole: list[tuple[int, int]] = []
    for low, high in (_ends(t) if RANGE in t else (_number(t), _number(t)) for t in items):
        if not (isinstance(low, int) and isinstance(high, int) and low <= high):
            raise InputError.at(PARAM, f"{mixed} a range (LOW..HIGH) or a list (A,B,C)", path=name)
        whole.append((low, high))
    over = f"{min(low for low, _ in whole)}{RANGE}{max(high for _, high in whole)}"
    if sum(high - low + 1 for low, high in whole) > MIXED_LISTED:
        raise InputError.at(PARAM, f"{mixed} {over}, or list each value", path=name)
    listed = dict.fromkeys(v for low, high in whole for v in range(low, high + 1))
    raise InputError.at(PARAM, f"{mixed} {','.join(map(str, listed))} or {over}", path=name)


MIXED_LISTED = 12  # the most values a range mixed with a list is offered as a list of


def _ends(text: str) -> tuple[int | float | None, int | float | None]:
    low, _, high = text.partition(RANGE)
    return _number(low.strip()), _number(high.strip())


def parse_span(name: str, text: str) -> Span:
    """`0..10` or `0.5..2` → Span. Raises InputError (at --param, for `name`) for ends that are not numbers and
    for a range that runs downwards."""
    low_text, _, high_text = text.strip().partition(RANGE)
    low, high = _number(low_text.strip()), _number(high_text.strip())
    if low is None or high is None:
        raise InputError.at(
            PARAM, f"`{text}` is not a range of numbers; write LOW..HIGH, e.g. 0..10 (or 0.5..2.5)", path=name
        )
    if low > high:
        raise InputError.at(
            PARAM,
            f"the range `{text}` runs downwards; write the lower end first, e.g. {_flip(low_text, high_text)}",
            path=name,
        )
    return Span(low, high, isinstance(low, int) and isinstance(high, int))


def _flip(low: str, high: str) -> str:
    return f"{high.strip()}{RANGE}{low.strip()}"


def _number(text: str) -> int | float | None:
    if _WHOLE.fullmatch(text):
        return int(text)
    if NUMBER.fullmatch(text):
        value = float(text)
        return value if math.isfinite(value) else None
    return None


def number_text(value: int | float) -> str:
    """A number as a `--set` value (YAML) that reads back as the same number: `3`, `2.5`, `1.0e-07` (YAML 1.1
    reads `1e-07`, with no point, as text)."""
    if isinstance(value, int):
        return str(value)
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:
        text = f"{mantissa}.0e{exponent}"
    return text


def check_kind(name: str, span: Span, current: Any) -> None:
    """A range fits the value it changes: a number (not true or false). Raises InputError (at --param, for `name`)
    otherwise, saying what to write instead. Whether a number that is not whole fits is for what reads the value
    to say (a ratio takes 1.5, a count of days does not): its ends are tried on the ruleset (`sweep.check`)."""
    if isinstance(current, bool) or not isinstance(current, int | float):
        held = "nothing" if current is None else f"`{current}`" if isinstance(current, str) else "no number"
        if isinstance(current, bool):
            held = f"`{str(current).lower()}`"
        raise InputError.at(
            PARAM,
            f"`{span.text}` is a range of numbers, but this value is {held}; list the values to try instead, "
            f"separated by commas, e.g. {name}=A,B",
            path=name,
        )

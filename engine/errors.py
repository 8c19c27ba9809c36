"""Errors a user can cause, each rendered as one line: where, what is wrong, what would be right."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

# Text a person reads (a message, a table, a Markdown report) shows escaped the marks that reorder text (U+202E
# and its kin, the Arabic letter mark among them), which would turn the rest of a line around, and those that
# show nothing yet make two spellings differ (a zero-width space, a word joiner, a byte order mark) or break a
# line where a line break is not looked for (U+2028, U+2029): so that it reads as it is. Joiners (U+200C,
# U+200D) are kept: Persian and other scripts write them in names.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_INVISIBLE = (0x200B, *range(0x2060, 0x2065), 0xFEFF, 0x2028, 0x2029)
_MARKS = {c: repr(chr(c))[1:-1] for c in (*_BIDI, *_INVISIBLE)}
# User input quoted in a message may hold line breaks and other control characters: shown escaped too, so
# that a problem is always one line (str.splitlines breaks at many of these) and never drives the terminal.
_ESCAPES = {c: repr(chr(c))[1:-1] for c in (*range(32), *range(0x7F, 0xA0))} | _MARKS


def escape_marks(text: str) -> str:
    """`text` with the marks that reorder text or show nothing escaped (`\\u202e`), line breaks kept: user text as
    reports for people show it (the JSON and CSV ones keep it as told)."""
    return text.translate(_MARKS)


@dataclass(frozen=True)
class Problem:
    """One finding about an input file: an error, or a warning under `check`."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    path: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f"{self.path}: " if self.path else ""
        return f"{where}: {field}{self.message}".translate(_ESCAPES)


class InputError(Exception):
    """Bad input: carries every problem found, the first of which is the headline."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self.problems[0]) if self.problems else "bad input")

    @classmethod
    def at(
        cls, file: str, message: str, line: int | None = None, column: int | None = None, path: str = ""
    ) -> InputError:
        return cls([Problem(file, message, line, column, path)])


def at_pos(file: str, pos: tuple[int, int] | None, message: str, path: str = "") -> InputError:
    """An InputError at a (line, column) that may be unknown."""
    line, column = pos if pos else (None, None)
    return InputError([Problem(file, message, line, column, path)])


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems as a reader meets them: files in the order first named, each file's by line and column, those
    without a line after its others (in the order found)."""
    first = {p.file: k for k, p in reversed(list(enumerate(problems)))}
    return sorted(problems, key=lambda p: (first[p.file], p.line is None, p.line or 0, p.column or 0))


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6, begun: bool = False) -> str:
    """A `; did you mean `x`?` suffix when a choice is close, else '': the one choice that differs only in case
    (`syr1`: `SYR1`); with `begun` (for ids, which are often cut short), the choices that begin with the word, of
    three characters or more, if one to three do (`air-combat`: `air-combat-in-agreed-areas`; `outside`:
    `outside-window` or `outside-scope`); else the closest by difflib's ratio (at least `cutoff`)."""
    listed = list(choices)
    folded = word.casefold()
    close = [c for c in listed if c.casefold() == folded and c != word]
    if len(close) != 1:
        begins = (
            [c for c in listed if c.casefold().startswith(folded) and c != word] if begun and len(word) >= 3 else []
        )
        close = begins if 0 < len(begins) <= 3 else difflib.get_close_matches(word, listed, n=1, cutoff=cutoff)
    return f"; did you mean {' or '.join(f'`{c}`' for c in close)}?" if close else ""


def held_whole(value: object) -> int | None:
    """The whole number a float holds (`7.0`: 7, `1e3`: 1000), None for any other value and past 2^53, where a float
    holds not every whole number and its digits may not be those written (`1e23` holds 99999999999999991611392)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return None


def write_whole(value: object) -> str:
    """A `; write 7` suffix for a number that must be whole but is written as one that need not be (`7.0`, `1e3`):
    refused, not read as 7, with what to write instead; else ''."""
    whole = held_whole(value)
    return "" if whole is None else f"; write {whole}"


def one_of(choices: Iterable[str]) -> str:
    return "expected one of " + ", ".join(choices)


def cut(text: str) -> str:
    """Text as a message quotes it: at most 40 characters, cut with `...`."""
    return text if len(text) <= 40 else text[:37] + "..."

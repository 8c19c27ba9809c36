"""Errors a user can cause, each rendered as one line: where, what is wrong, what would be right."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

# User input quoted in a message may hold line breaks and other control characters: shown escaped, so
# that a problem is always one line (str.splitlines breaks at many of these) and never drives the terminal;
# and the marks that reorder text (U+202E and its kin) escaped too, so that a message reads as it is.
_BIDI = (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_ESCAPES = {c: repr(chr(c))[1:-1] for c in (*range(32), *range(0x7F, 0xA0), 0x2028, 0x2029, *_BIDI)}


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


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """A `; did you mean `x`?` suffix when a choice is close (difflib's ratio at least `cutoff`), else ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean `{close[0]}`?" if close else ""


def one_of(choices: Iterable[str]) -> str:
    return "expected one of " + ", ".join(choices)


def cut(text: str) -> str:
    """Text as a message quotes it: at most 40 characters, cut with `...`."""
    return text if len(text) <= 40 else text[:37] + "..."

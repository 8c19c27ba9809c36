"""Who a spelling names: a party's (or name class's) exact spellings first, then its patterns, some valid only
between days.

An exact spelling (the id, the name, an alias: compared by `engine.spelling.normalize`) always names its
party. A spelling no exact one matches is tried against every pattern: a regular expression that must match
it whole, ignoring case, with runs of white space read as one space. A pattern may be valid only from a day
(inclusive) until a day (exclusive), read in the ruleset's zone, so what a spelling names can depend on when
it was told. A spelling is never guessed: one that the patterns of two parties (or classes) match at once,
or that only patterns valid at other times match, names nothing, and its `Reading` says why.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from engine.errors import InputError
from engine.ruleset.model import DatedPattern, Ruleset

# How long one pattern may take on one spelling. The `regex` module matches what `re` reads, without the runaway
# backtracking of nested repeats (`([A-Za-z]+ ?)+\(Syria\)` on a long name that does not end so); a pattern that
# still takes this long is refused rather than left to run.
MATCH_SECONDS = 2.0

Entry = tuple[str, str, str | None]  # what a spelling names: party (or class) id, role, side
# A time against each day a pattern's validity starts or ends (an instant in UTC): the period told lies wholly
# at or after it (True), wholly before it (False), or across it (None).
Sides = Mapping[datetime, bool | None]

_SPACE = re.compile(r"\s+")


def spaced(spelling: str) -> str:
    """A spelling as patterns read it: each run of white space one space, none at either end."""
    return _SPACE.sub(" ", spelling).strip()


@dataclass(frozen=True, slots=True)
class NamePattern:
    """A pattern of spellings for one party or class, valid from `start` until `until` (instants in UTC;
    None: unbounded), as written at `path` (`parties.jfs.patterns[0]`)."""

    owner: str
    entry: Entry
    text: str
    regex: re.Pattern[str]  # as `re` reads it: checked and tried (`sample`) so
    start: datetime | None
    until: datetime | None
    days: tuple[str | None, str | None]  # `from` and `until` as written
    path: str
    matcher: Any  # the same pattern compiled by the `regex` module, which matches spellings
    source: str = ""  # the ruleset's file

    @property
    def dated(self) -> bool:
        return self.start is not None or self.until is not None

    def matches(self, spelling: str) -> bool:
        """Whether the pattern matches the whole spelling (case aside). Raises InputError where matching takes
        longer than `MATCH_SECONDS`."""
        try:
            return self.matcher.fullmatch(spaced(spelling), timeout=MATCH_SECONDS) is not None
        except TimeoutError:
            shown = spelling if len(spelling) <= 60 else spelling[:57] + "..."
            raise InputError.at(
                self.source,
                f"`{self.text}` takes more than {MATCH_SECONDS:g} s to match the spelling `{shown}`: its repeats "
                "nest (a `+` or `*` inside a group repeated itself); write it without, like `[A-Za-z ]+` for "
                "`([A-Za-z]+ ?)+`",
                path=self.path,
            ) from None

    @property
    def validity(self) -> str:
        """`valid only from 2000-01-01 until 2024-12-09`; empty for a pattern valid at any time."""
        start, until = self.days
        parts = [f"from {start}" if start else "", f"until {until}" if until else ""]
        return "valid only " + " ".join(p for p in parts if p) if self.dated else ""

    def shown(self) -> str:
        """The pattern in words: `` `IS` (isis, valid only from 2014-06-29) ``."""
        return f"`{self.text}` ({', '.join(w for w in (self.owner, self.validity) if w)})"


@dataclass(frozen=True, slots=True)
class Reading:
    """What a spelling names when told at a time: `entry` (None: nothing) and how it was found.

    `how` is `alias` (an exact spelling), `pattern`, or for a spelling that names nothing `none` (nothing
    matches), `ambiguous` (the patterns of two parties or classes match) or `dated` (only patterns valid at
    other times match, or the time told cannot say); `patterns` are those that decided or that it matched,
    and `why` says, after the spelling, why it names nothing.
    """

    entry: Entry | None
    how: str
    patterns: tuple[NamePattern, ...] = ()
    why: str | None = None


NO_MATCH = "resolves to no party or class"


@dataclass(frozen=True, slots=True)
class Spelled:
    """A spelling as the ruleset reads it before its time is known: the exact entry, or the patterns it matches."""

    spelling: str
    exact: Entry | None
    matched: tuple[NamePattern, ...]

    @property
    def dated(self) -> bool:
        """Whether what it names depends on when it was told (a pattern it matches is valid only between days)."""
        return self.exact is None and any(p.dated for p in self.matched)

    @property
    def boundaries(self) -> tuple[datetime, ...]:
        """The instants its patterns' validities start or end at, in order."""
        return tuple(sorted({t for p in self.matched for t in (p.start, p.until) if t is not None}))

    def at(self, sides: Sides | None) -> Reading:
        """What it names for a time told (`sides`: the time against `boundaries`; None: no time told)."""
        if self.exact is not None:
            return Reading(self.exact, "alias")
        if not self.matched:
            return Reading(None, "none", why=NO_MATCH)
        owners: dict[str, list[NamePattern]] = {}
        for p in self.matched:
            owners.setdefault(p.owner, []).append(p)
        timeless = [o for o, ps in owners.items() if any(not p.dated for p in ps)]
        if len(timeless) > 1:
            return self._ambiguous(self.matched)
        if sides is None:  # no time told: a dated pattern cannot say, so only a timeless one of a sole owner does
            if len(owners) > 1:
                return self._ambiguous(self.matched)
            if timeless:
                return Reading(self.matched[0].entry, "pattern", tuple(owners[timeless[0]]))
            return self._dated("no time is told")
        spans = {o: _merged(ps) for o, ps in owners.items()}
        touching = [o for o, ss in spans.items() if any(not _apart(s, sides) for s in ss)]
        if len(touching) > 1:
            return self._ambiguous(tuple(p for o in touching for p in owners[o]))
        if touching and any(_inside(s, sides) for s in spans[touching[0]]):
            return Reading(owners[touching[0]][0].entry, "pattern", tuple(owners[touching[0]]))
        return self._dated(
            "the time told lies across a bound of those days" if touching else "the time told lies outside those days"
        )

    def _ambiguous(self, patterns: Sequence[NamePattern]) -> Reading:
        named = ", ".join(p.shown() for p in patterns)
        return Reading(None, "ambiguous", tuple(patterns), f"matches patterns of more than one party or class: {named}")

    def _dated(self, because: str) -> Reading:
        named = ", ".join(p.shown() for p in self.matched)
        return Reading(None, "dated", self.matched, f"matches only patterns valid between days: {named}, and {because}")


Span = tuple[datetime | None, datetime | None]


def _merged(patterns: Sequence[NamePattern]) -> list[Span]:
    """The validities of one owner's patterns as disjoint spans: those that overlap or meet are joined."""
    spans = sorted(((p.start, p.until) for p in patterns), key=lambda s: (s[0] is not None, s[0] or datetime.min))
    out: list[Span] = []
    for start, until in spans:
        if out and (out[-1][1] is None or start is None or start <= out[-1][1]):
            last = out[-1]
            out[-1] = (last[0], None if until is None or last[1] is None else max(last[1], until))
        else:
            out.append((start, until))
    return out


def _inside(span: Span, sides: Sides) -> bool:
    start, until = span
    return (start is None or sides[start] is True) and (until is None or sides[until] is False)


def _apart(span: Span, sides: Sides) -> bool:
    start, until = span
    return (start is not None and sides[start] is False) or (until is not None and sides[until] is True)


def compile_patterns(
    ruleset: Ruleset,
    entries: Mapping[str, Entry],
    day_start: Callable[[date], datetime],
    fail: Callable[[str, str], None],
    source: str = "",
) -> tuple[NamePattern, ...]:
    """Every party's and name class's patterns, in file order: each regular expression compiled, each day
    read as the instant it starts (`day_start`); a pattern that does not compile, or a validity that ends
    before it starts, is a problem at its path. `re` checks each pattern (its messages) and `regex` matches it
    (`NamePattern.matches`); `source` is the ruleset's file, for a pattern too slow on a spelling."""
    import regex as rx  # type: ignore[import-untyped]  # where a ruleset is compiled, not at start-up

    out: list[NamePattern] = []
    for owner, path, written in _written(ruleset):
        dated = written if isinstance(written, DatedPattern) else None
        text = dated.pattern if dated else str(written)
        where = f"{path}.pattern" if dated else path
        try:
            regex = re.compile(text, re.IGNORECASE)
        except re.error as exc:
            fail(where, _bad_regex(text, exc))
            continue
        except (OverflowError, RecursionError, ValueError) as exc:  # too deep or too large to compile
            fail(where, f"`{text}` is not a regular expression this engine can compile ({exc})")
            continue
        if regex.fullmatch("") is not None:
            fail(where, f"`{text}` matches an empty spelling; a pattern must require at least one letter")
            continue
        days = (dated.start, dated.until) if dated else (None, None)
        start, until = (None if d is None else day_start(date.fromisoformat(d)) for d in days)
        if start is not None and until is not None and until <= start:
            fail(f"{path}.until", f"`until` {days[1]} is not after `from` {days[0]}; write a later day, or swap them")
            continue
        try:
            matcher = rx.compile(text, rx.IGNORECASE)
        except (rx.error, OverflowError, RecursionError, ValueError) as exc:
            fail(where, f"`{text}` is not a regular expression this engine can compile ({exc})")
            continue
        out.append(NamePattern(owner, entries[owner], text, regex, start, until, days, path, matcher, source))
    return tuple(out)


def _written(ruleset: Ruleset) -> Iterator[tuple[str, str, str | DatedPattern]]:
    """(owner, path, pattern as written) for each pattern of each party, then of each name class."""
    for pid, party in ruleset.parties.items():
        for i, written in enumerate(party.patterns):
            yield pid, f"parties.{pid}.patterns[{i}]", written
    for cls in ("civilians", "unidentified"):
        for i, written in enumerate(getattr(ruleset, cls).patterns):
            yield cls, f"{cls}.patterns[{i}]", written


def _bad_regex(text: str, exc: re.error) -> str:
    """Why a pattern does not compile, in words, with what would: a literal `(`, `)`, `.` or `+` wants a `\\`."""
    where = f" at position {exc.pos}" if exc.pos is not None else ""
    return (
        f"`{text}` is not a regular expression: {exc.msg}{where}; write a Python regular expression, with "
        r"`\` before a literal ( ) [ ] . + * ? |, like `Military Forces of Syria \(2000-\)`"
    )


# -- a spelling a pattern matches, for trying it (`diff`) -----------------------------------------------

_parser: Any = importlib.import_module("re._parser")  # the standard library's own reader of patterns
_CANDIDATES = "aA0 -_.xyzbcdefghijklmnopqrstuvw123456789"


def sample(pattern: re.Pattern[str]) -> str | None:
    """A short spelling the pattern matches (as `NamePattern.matches` reads it), or None when none is found.

    Made by taking, in each part, the least it allows: the first branch, the fewest repeats, the first
    character of a set. Lookarounds and the like are not followed; the result is checked, never trusted.
    """
    try:
        made = _make(_parser.parse(pattern.pattern, pattern.flags), {})
    except (ValueError, KeyError, IndexError, RecursionError, re.error):
        return None
    if made is None:
        return None
    text = spaced(made)
    return text if text and pattern.fullmatch(text) else None


def _make(items: Any, groups: dict[int, str]) -> str | None:
    out: list[str] = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name in ("NOT_LITERAL", "ANY"):
            out.append(next(c for c in _CANDIDATES if name == "ANY" or ord(c) != arg))
        elif name == "IN":
            char = _one_of(arg)
            if char is None:
                return None
            out.append(char)
        elif name == "BRANCH":
            made = next((m for m in (_make(b, dict(groups)) for b in arg[1]) if m is not None), None)
            if made is None:
                return None
            out.append(made)
        elif name == "SUBPATTERN":
            group, _, _, inner = arg
            made = _make(inner, groups)
            if made is None:
                return None
            if group is not None:
                groups[group] = made
            out.append(made)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            least, _, inner = arg
            made = _make(inner, groups) if least else ""
            if made is None:
                return None
            out.append(made * least)
        elif name == "ATOMIC_GROUP":
            made = _make(arg, groups)
            if made is None:
                return None
            out.append(made)
        elif name == "GROUPREF":
            out.append(groups.get(arg, ""))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # checked when the whole is matched
        else:
            return None
    return "".join(out)


def _one_of(items: Any) -> str | None:
    """The first candidate character a set (`[...]`, `\\d`, `\\w`) takes."""
    negated = bool(items) and str(items[0][0]) == "NEGATE"
    parts = items[1:] if negated else items

    def takes(c: str) -> bool:
        for op, arg in parts:
            name = str(op)
            if name == "LITERAL" and ord(c) == arg:
                return True
            if name == "RANGE" and arg[0] <= ord(c) <= arg[1]:
                return True
            if name == "CATEGORY" and _in_category(c, str(arg)):
                return True
        return False

    if not negated:
        for op, arg in parts:
            if str(op) == "LITERAL":
                return chr(arg)
            if str(op) == "RANGE":
                return chr(arg[0])
    return next((c for c in _CANDIDATES if takes(c) != negated), None)


def _in_category(c: str, category: str) -> bool:
    tests = {
        "CATEGORY_DIGIT": c.isdigit(),
        "CATEGORY_NOT_DIGIT": not c.isdigit(),
        "CATEGORY_SPACE": c.isspace(),
        "CATEGORY_NOT_SPACE": not c.isspace(),
        "CATEGORY_WORD": c.isalnum() or c == "_",
        "CATEGORY_NOT_WORD": not (c.isalnum() or c == "_"),
    }
    return tests.get(category, False)

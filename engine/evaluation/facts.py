"""Turn what a source told into the facts rules test: names resolved, time and place placed."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any, Generic, TypeVar

from engine.incidents.model import Account, Incident
from engine.ruleset.compile import BASE_FIELDS, UNKNOWN, Compiled, normalize
from engine.times import parse_time

F = {name: i for i, (name, _) in enumerate(BASE_FIELDS)}
_HARM_FLAGS = {"covered": "covered_party_harmed", "sponsor": "sponsor_harmed", "civilians": "civilians_harmed"}
_UNNAMED = ("an unnamed actor", "an unnamed target", "an unnamed target", "an unnamed act")

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# (party or class, role, side) and how an explanation names it (None when no name was given)
Person = tuple[tuple[str | None, str | None, str | None], str | None]
# (act, hostile) and how an explanation names it
Deed = tuple[tuple[str | None, bool | None], str | None]
# (in_scope, region)
Place = tuple[bool | None, str | None]


class Memo(dict[K, V], Generic[K, V]):
    """A dict that computes, and keeps, the value of a key it has not seen: a hit costs one lookup."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self._compute(key)
        return value


class Codes(dict[Any, int]):
    """Numbers the distinct meanings of what was given, in order of first sight; `meanings[code]` is one.

    Inputs that mean the same (two spellings of one party) share a code, so that whatever is decided
    per code is decided once for all of them.
    """

    def __init__(self, meaning: Callable[[Any], Hashable]) -> None:
        super().__init__()
        self.meanings: list[Any] = []
        self._meaning = meaning
        self._codes: dict[Hashable, int] = {}

    def __missing__(self, given: Any) -> int:
        value = self._meaning(given)
        code = self._codes.get(value)
        if code is None:
            code = self._codes[value] = len(self.meanings)
            self.meanings.append(value)
        self[given] = code
        return code


@dataclass(frozen=True, slots=True)
class Told:
    """One version of an incident, flattened: the incident's fields with an account's laid over."""

    source: str | None
    time: str | None
    actor: str | None
    act: str | None
    target: str | None
    intended_target: str | None
    region: str | None
    country: str | None
    killed: int | None
    wounded: int | None


# A Told's fields as a plain tuple, in the same order: what the hot paths pass around.
_Text = str | None
Fields = tuple[_Text, _Text, _Text, _Text, _Text, _Text, _Text, _Text, int | None, int | None]
fields_of: Callable[[Told], Fields] = attrgetter(*Told.__slots__)


def versions(incident: Incident) -> list[Told]:
    """The incident as recorded, or once per account when it has accounts."""
    return [Told(*fields) for fields in told_fields(incident)]


def told_fields(incident: Incident) -> list[Fields]:
    """`versions`, as tuples (a frozen dataclass costs more to make than all the rest of a remembered verdict)."""
    base = _fields(incident, None)
    return [_over(account, base) for account in incident.accounts] if incident.accounts else [base]


def _fields(told: Incident | Account, source: str | None) -> Fields:
    loc, cas = told.location, told.casualties
    return (
        source,
        told.time,
        told.actor,
        told.act,
        told.target,
        told.intended_target,
        loc.region if loc else None,
        loc.country if loc else None,
        cas.killed if cas else None,
        cas.wounded if cas else None,
    )


def _over(account: Account, base: Fields) -> Fields:
    """The account's fields where it gives them, the incident's elsewhere (spelled out: it runs per account)."""
    source, time, actor, act, target, intended, region, country, killed, wounded = _fields(account, account.source)
    return (
        source,
        base[1] if time is None else time,
        base[2] if actor is None else actor,
        base[3] if act is None else act,
        base[4] if target is None else target,
        base[5] if intended is None else intended,
        base[6] if region is None else region,
        base[7] if country is None else country,
        base[8] if killed is None else killed,
        base[9] if wounded is None else wounded,
    )


class FactMaker:
    """Makes fact rows for one compiled ruleset, remembering each spelling, time and place it has resolved.

    A fact row is made of parts, each from one thing told: the actor's, target's and intended
    target's resolution (`people`), the act's (`deeds`), the time's (`in_window`), the place's
    (`places`), and the toll. `people`, `deeds` and `places` number each distinct part, so that a
    caller can key whatever it derives from a part by that number.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._names: dict[str, tuple[str | None, str, str | None, str]] = {}
        self._acts: dict[str, tuple[str, bool | None, str]] = {}
        self._regions: Memo[str, str] = Memo(normalize)
        self._windows: Memo[str, bool | None] = Memo(self.window)
        self._days: Memo[str, bool | None] = Memo(self._whole_day)
        self.people = Codes(self._person)
        self.deeds = Codes(self._deed)
        self.places = Codes(self._place)
        self._flags: dict[tuple[Any, ...], tuple[str, ...]] = {}

    def name(self, spelling: str) -> tuple[str | None, str, str | None, str]:
        """(party or class, role, side, how to name it in an explanation)."""
        hit = self._names.get(spelling)
        if hit is None:
            found = self.compiled.names.get(normalize(spelling))
            if found is None:
                hit = (None, UNKNOWN, None, f"`{spelling}`")
            else:
                pid, role, side = found
                party = self.compiled.ruleset.parties.get(pid)
                hit = (pid, role, side, party.name if party else pid)
            self._names[spelling] = hit
        return hit

    def act(self, spelling: str) -> tuple[str, bool | None, str]:
        hit = self._acts.get(spelling)
        if hit is None:
            found = self.compiled.acts.get(normalize(spelling))
            hit = (found[0], found[1], found[0].replace("_", " ")) if found else (UNKNOWN, None, f"`{spelling}`")
            self._acts[spelling] = hit
        return hit

    def in_window(self, time: str | None) -> bool | None:
        return None if time is None else self._windows[time]

    def window(self, time: str) -> bool | None:
        """`in_window`, computed every time: for a caller that remembers the answer itself."""
        c = self.compiled
        text = time.strip()
        if len(text) > 10:
            known = self._days[text[:10]]
            if known is not None:
                return known
        # A date-time with its offset, the common case, needs no more than `fromisoformat`; a date, or
        # anything else, goes through `parse_time` (which says what is wrong with it).
        moment: datetime | date | None = None
        if len(text) > 10:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                moment = None
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            moment = parse_time(time, date_ok=True)
        if isinstance(moment, datetime):
            return moment >= c.start and (c.until is None or moment < c.until)
        assert isinstance(moment, date)
        first, last = c.day_span(moment)
        if first >= c.start and (c.until is None or last <= c.until):
            return True
        if last <= c.start or (c.until is not None and first >= c.until):
            return False
        return None  # the day straddles a boundary: the date alone cannot tell

    def _whole_day(self, day: str) -> bool | None:
        """Whether every time on this date, at any UTC offset, is inside (or every one outside) the window.

        Most times in a large table fall on days well inside or outside the window: their date alone
        answers, with no date-time to parse. None when the date is near a boundary (or not a date).
        """
        try:
            d = date.fromisoformat(day)
            first = datetime(d.year, d.month, d.day, tzinfo=UTC) - timedelta(days=1)
        except ValueError:
            return None
        last = first + timedelta(days=3)  # offsets reach at most a day either side
        c = self.compiled
        if first >= c.start and (c.until is None or last <= c.until):
            return True
        if last <= c.start or (c.until is not None and first >= c.until):
            return False
        return None

    def region(self, region: str | None) -> str | None:
        return None if region is None else self._regions[region]

    def _person(self, spelling: str | None) -> Person:
        if spelling is None:
            return (None, None, None), None
        party, role, side, shown = self.name(spelling)
        return (party, role, side), shown

    def _deed(self, spelling: str | None) -> Deed:
        if spelling is None:
            return (None, None), None
        act, hostile, shown = self.act(spelling)
        return (act, hostile), shown

    def _place(self, where: tuple[str | None, str | None]) -> Place:
        """(in_scope, region) for a (country, region) as told."""
        c = self.compiled
        country, given = where
        region = self.region(given)
        if country is not None and c.country is not None and normalize(country) != c.country:
            return False, region
        if c.regions:
            return (None if region is None else region in c.regions), region
        return True, region

    def make(self, told: Told) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        """(fact row in `compiled.fields` order, the names an explanation uses)."""
        people = self.people
        who = (people[told.actor], people[told.target], people[told.intended_target])
        act, place = self.deeds[told.act], self.places[(told.country, told.region)]
        row = self.row(*who, act, self.in_window(told.time), place, told.killed, told.wounded)
        return row, self.shown(*who, act)

    def row(
        self,
        actor: int,
        target: int,
        intended: int,
        act: int,
        in_window: bool | None,
        place: int,
        killed: int | None,
        wounded: int | None,
    ) -> tuple[Any, ...]:
        """The fact row from its parts (`people`, `deeds` and `places` codes, and plain values)."""
        people = self.people.meanings
        row: tuple[Any, ...] = (
            people[actor][0]
            + people[target][0]
            + people[intended][0]
            + self.deeds.meanings[act][0]
            + (in_window, *self.places.meanings[place], killed, wounded)
            + self.compiled.policy
        )
        return row

    def flags(self, actor: int, target: int, intended: int, act: int) -> tuple[str, ...]:
        """`flags_of` any row with these people and act (flags read nothing else), once per kind of each."""
        people, deeds = self.people.meanings, self.deeds.meanings
        key = (people[actor][0], people[target][0], people[intended][0], deeds[act][0])
        hit = self._flags.get(key)
        if hit is None:
            nowhere = self.places[(None, None)]
            hit = self._flags[key] = flags_of(self.row(actor, target, intended, act, None, nowhere, None, None))
        return hit

    def shown(self, actor: int, target: int, intended: int, act: int) -> tuple[str, ...]:
        """How an explanation names the actor, target, intended target and act."""
        people = self.people.meanings
        a, t, i, x = people[actor][1], people[target][1], people[intended][1], self.deeds.meanings[act][1]
        return (
            _UNNAMED[0] if a is None else a,
            _UNNAMED[1] if t is None else t,
            _UNNAMED[2] if i is None else i,
            _UNNAMED[3] if x is None else x,
        )


def flags_of(row: tuple[Any, ...]) -> tuple[str, ...]:
    """Facts worth a reader's attention whatever the verdict, sorted."""
    flags = []
    hostile, target_role = row[F["act.hostile"]], row[F["target.role"]]
    intended = (row[F["intended_target.party"]], row[F["intended_target.role"]])
    if hostile and target_role in _HARM_FLAGS:
        flags.append(_HARM_FLAGS[target_role])
    if intended[1] is not None and target_role is not None and intended != (row[F["target.party"]], target_role):
        flags.append("mistaken_target")
    for field, flag in (
        ("actor.role", "actor_unresolved"),
        ("target.role", "target_unresolved"),
        ("act", "act_unresolved"),
    ):
        if row[F[field]] == UNKNOWN:
            flags.append(flag)
    return tuple(sorted(flags))

"""Turn what a source told into the facts rules test: names resolved, time and place placed."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date, datetime
from typing import Any

from engine.compile import BASE_FIELDS, UNKNOWN, Compiled, normalize
from engine.model import Account, Incident, parse_time

F = {name: i for i, (name, _) in enumerate(BASE_FIELDS)}
_HARM_FLAGS = {"covered": "covered_party_harmed", "sponsor": "sponsor_harmed", "civilians": "civilians_harmed"}


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


def versions(incident: Incident) -> list[Told]:
    """The incident as recorded, or once per account when it has accounts."""
    base = _flatten(incident, None)
    if not incident.accounts:
        return [base]
    out = []
    for account in incident.accounts:
        own = _flatten(account, account.source)
        merged = (mine if mine is not None else theirs for mine, theirs in zip(astuple(own), astuple(base)))
        out.append(Told(*merged))
    return out


def _flatten(told: Incident | Account, source: str | None) -> Told:
    loc, cas = told.location, told.casualties
    return Told(
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


class FactMaker:
    """Makes fact rows for one compiled ruleset, remembering each spelling it has resolved."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self._names: dict[str, tuple[str | None, str, str | None, str]] = {}
        self._acts: dict[str, tuple[str, bool | None, str]] = {}
        self._regions: dict[str, str] = {}

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
        if time is None:
            return None
        c = self.compiled
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

    def region(self, region: str | None) -> str | None:
        if region is None:
            return None
        hit = self._regions.get(region)
        if hit is None:
            hit = self._regions[region] = normalize(region)
        return hit

    def make(self, told: Told) -> tuple[tuple[Any, ...], tuple[str, ...]]:
        """(fact row in `compiled.fields` order, the names an explanation uses)."""
        c = self.compiled
        row: list[Any] = []
        shown: list[str] = []
        for spelling, missing in (
            (told.actor, "an unnamed actor"),
            (told.target, "an unnamed target"),
            (told.intended_target, "an unnamed target"),
        ):
            if spelling is None:
                row += (None, None, None)
                shown.append(missing)
            else:
                pid, role, side, display = self.name(spelling)
                row += (pid, role, side)
                shown.append(display)
        if told.act is None:
            row += (None, None)
            shown.append("an unnamed act")
        else:
            aid, hostile, display = self.act(told.act)
            row += (aid, hostile)
            shown.append(display)
        region = self.region(told.region)
        in_scope: bool | None = True
        if told.country is not None and c.country is not None and normalize(told.country) != c.country:
            in_scope = False
        elif c.regions:
            in_scope = None if region is None else region in c.regions
        row += (self.in_window(told.time), in_scope, region, told.killed, told.wounded, *c.policy)
        return tuple(row), tuple(shown)


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

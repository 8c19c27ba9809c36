"""The file formats as types: rulesets, scenarios, incidents, and the verdicts they produce."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

Role = Literal["covered", "sponsor", "excluded"]
VerdictName = Literal["violation", "permitted", "not_covered", "disputed", "undetermined"]
RuleVerdict = Literal["violation", "permitted", "not_covered", "undetermined"]
VERDICTS: tuple[str, ...] = ("violation", "permitted", "not_covered", "disputed", "undetermined")

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]
Name = Annotated[str, Field(min_length=1, max_length=300)]
KnobValue = str | int | bool
MAX_COUNT = 1_000_000_000  # casualties of one incident; far above any real toll


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


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agreement(Strict):
    name: Name
    date: str | None = None
    source: str | None = None
    pa_x: int | None = Field(None, description="Peace Agreements Database (PA-X) id")
    url: str | None = None


class Window(Strict):
    """When the truce binds: from `from`, until `until` if given (ISO 8601 with offset)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: Moment = Field(alias="from")
    until: Moment | None = None


class Scope(Strict):
    """Where the truce binds: a country and, if given, only these regions (admin-1 names)."""

    country: str | None = None
    regions: list[Name] = []


class Party(Strict):
    name: Name
    role: Role
    side: str | None = None
    aliases: list[Name] = []


class NameClass(Strict):
    """Spellings that stand for a class rather than a party (civilians, unidentified actors)."""

    aliases: list[Name] = []


class Act(Strict):
    name: str | None = None
    hostile: bool
    aliases: list[Name] = []


class Rule(Strict):
    id: Id
    clause: Name = Field(description="the clause of the agreement this rule encodes, cited")
    priority: int = Field(ge=0, le=10_000, description="lower decides first")
    when: dict[str, Any] = Field(description="the condition: field tests, all of which must hold")
    verdict: RuleVerdict
    explanation: Name = Field(description="one sentence; may use {actor} {target} {intended_target} {act}")


class Ruleset(Strict):
    """A truce's terms as data."""

    id: Id
    title: Name
    agreement: Agreement
    window: Window
    scope: Scope = Scope()
    parties: dict[Id, Party]
    civilians: NameClass = NameClass()
    unidentified: NameClass = NameClass()
    acts: dict[Id, Act]
    policy: dict[Id, KnobValue] = {}
    rules: list[Rule] = Field(min_length=1)


class Location(Strict):
    name: str | None = None
    region: str | None = None
    country: str | None = None
    lat: float | None = Field(None, ge=-90, le=90, strict=True, allow_inf_nan=False)
    lon: float | None = Field(None, ge=-180, le=180, strict=True, allow_inf_nan=False)


# Strict: a count is a number as written, never `true` (which would count 1) or the text "12".
Count = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]


class Casualties(Strict):
    killed: Count | None = None
    wounded: Count | None = None


class _Told(Strict):
    """The facts of an incident, as one source tells them (every field optional)."""

    time: MomentOrDay | None = None
    actor: str | None = None
    act: str | None = None
    target: str | None = None
    intended_target: str | None = None
    location: Location | None = None
    casualties: Casualties | None = None


class Account(_Told):
    """One source's version: fields given override the incident's."""

    source: Name


class Expectation(Strict):
    verdict: VerdictName
    rule: str | None = None
    accounts: dict[str, VerdictName] = {}


class Incident(_Told):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    accounts: list[Account] = []
    expect: VerdictName | Expectation | None = None
    notes: str | None = None

    @field_validator("accounts")
    @classmethod
    def _one_account_per_source(cls, accounts: list[Account]) -> list[Account]:
        """An account is known by its source (`expect.accounts` is keyed by it): two with one source are a slip."""
        if len(accounts) > 1 and len({a.source for a in accounts}) < len(accounts):
            first: dict[str, int] = {}
            for i, account in enumerate(accounts):
                if account.source in first:
                    raise ValueError(
                        f"source `{account.source}` has two accounts (accounts[{first[account.source]}] and [{i}]);"
                        " merge them or tell the sources apart"
                    )
                first[account.source] = i
        return accounts


class Scenario(Strict):
    scenario: Id
    title: Name
    ruleset: Name = Field(description="a ruleset id, or a path relative to this file")
    description: str | None = None
    incidents: list[Incident]


class AccountVerdict(NamedTuple):
    """The verdict under one account (source None: the incident as recorded, with no accounts).

    `actor` is the party (or class) the account names as the one who acted, None when it names none
    the ruleset knows: accounts can agree on the verdict and still blame different parties.
    """

    source: str | None
    actor: str | None
    verdict: str
    rule: str | None
    clause: str | None
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]


# Named tuples rather than frozen dataclasses: as immutable, and three times cheaper to make, which
# counts when a run judges a hundred thousand incidents.
class Verdict(NamedTuple):
    """The verdict on one incident, with its reasons and, where accounts differ, each account's."""

    incident: str
    verdict: str
    rule: str | None
    clause: str | None
    explanation: str
    matched: tuple[str, ...]
    flags: tuple[str, ...]
    accounts: tuple[AccountVerdict, ...]

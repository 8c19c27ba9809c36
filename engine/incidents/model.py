"""Incidents as types: what happened, as recorded and as each source told it; scenario files."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator

from engine.ruleset.model import Id, Name, Strict, VerdictName
from engine.times import MomentOrDay

MAX_COUNT = 1_000_000_000  # casualties of one incident; far above any real toll


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
    accounts: dict[str, VerdictName] = Field(default_factory=dict)


class Incident(_Told):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    accounts: list[Account] = Field(default_factory=list)
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

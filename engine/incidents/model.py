"""Incidents as types: what happened, as recorded and as each source told it; scenario files."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationInfo, WithJsonSchema, field_validator, model_validator

from engine.ruleset.model import Id, Name, Strict, VerdictName
from engine.times import MomentOrDay

MAX_COUNT = 1_000_000_000  # casualties of one incident; far above any real toll


# The spelling an account gives for "this source names none": every ruleset resolves it to that name class.
UNATTRIBUTED = "unidentified"

Latitude = Annotated[float, Field(ge=-90, le=90, strict=True, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, strict=True, allow_inf_nan=False)]

# Older spellings still read, each the alias of a standard key: (alias, standard).
LOCATION_ALIASES = (("region", "admin1"), ("lat", "latitude"), ("lon", "longitude"))


def both_given(alias: str, standard: str) -> str:
    """What is wrong with giving a key (or column) under both its names."""
    return f"`{alias}` and `{standard}` are both given; `{alias}` is another name for `{standard}`: keep one"


class Location(Strict):
    """Where an incident happened: a named place, its administrative areas, and a point.

    `admin1` to `admin3` are the country's first- to third-level areas (as ACLED names them);
    `precision_km` is the radius, in km, within which the point lies. `region`, `lat` and `lon` are
    other names for `admin1`, `latitude` and `longitude`: give one or the other.
    """

    name: str | None = Field(None, description="a named location (a town, a road, an airport)")
    country: str | None = None
    admin1: str | None = Field(None, description="first-level administrative area (a governorate, province)")
    admin2: str | None = Field(None, description="second-level administrative area (a district)")
    admin3: str | None = Field(None, description="third-level administrative area (a sub-district)")
    latitude: Latitude | None = Field(None, description="degrees north, -90 to 90")
    longitude: Longitude | None = Field(None, description="degrees east, -180 to 180")
    precision_km: float | None = Field(
        None, ge=0, strict=True, allow_inf_nan=False, description="the radius, in km, within which the point lies"
    )
    region: str | None = Field(None, description="another name for `admin1`")
    lat: Latitude | None = Field(None, description="another name for `latitude`")
    lon: Longitude | None = Field(None, description="another name for `longitude`")

    @model_validator(mode="after")
    def _one_spelling_and_whole_points(self) -> Location:
        """An alias or its standard key, not both; latitude with longitude; a precision only for a point."""
        for alias, standard in LOCATION_ALIASES:
            if getattr(self, alias) is not None and getattr(self, standard) is not None:
                raise ValueError(both_given(alias, standard))
        latitude, longitude = self.standard("latitude"), self.standard("longitude")
        if (latitude is None) != (longitude is None):
            given, missing = ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
            raise ValueError(f"`{self._spelled(given)}` without `{missing}`; a point needs both")
        if self.precision_km is not None and latitude is None:
            raise ValueError("`precision_km` without a point; give `latitude` and `longitude` too, or leave it out")
        return self

    def _spelled(self, key: str) -> str:
        """How a standard key that has a value was given: as itself or as its alias."""
        alias = next((a for a, s in LOCATION_ALIASES if s == key), key)
        return alias if getattr(self, key) is None else key

    def standard(self, key: str) -> Any:
        """The value of a standard key (`admin1`, `latitude`, ...), as given under it or its alias."""
        value = getattr(self, key)
        alias = next((a for a, s in LOCATION_ALIASES if s == key), None)
        return getattr(self, alias) if value is None and alias is not None else value


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
    """One source's version: fields given override the incident's.

    A person given as null (`actor: null`, `target`, `intended_target`) says that this source names
    none: it is read as `unidentified`, never as a field the account leaves out.
    """

    source: Name

    @model_validator(mode="after")
    def _null_is_unattributed(self) -> Account:
        for key in ("actor", "target", "intended_target"):
            if key in self.model_fields_set and getattr(self, key) is None:
                object.__setattr__(self, key, UNATTRIBUTED)  # frozen: set while the model is being made
        return self


class Expectation(Strict):
    verdict: VerdictName
    rule: str | None = None
    phase: str | None = Field(None, description="the phase of the truce the incident falls in (or `unknown`)")
    flags: list[str] = Field([], description="flags the verdict must carry (it may carry others)")
    accounts: dict[str, VerdictName] = Field(default_factory=dict)


class Incident(_Told):
    id: Annotated[str, Field(min_length=1, max_length=200)]
    accounts: list[Account] = Field(default_factory=list)
    expect: VerdictName | Expectation | None = None
    notes: str | None = None
    source: Name | None = Field(None, description="where this record comes from (each account names its own)")
    # Strict: `true` or `false` as written, never `yes` (text in YAML 1.2), `1` or the text "true". Null is not
    # given, so false (`_null_is_not_mutual`), as a null in Parquet or an empty cell in CSV is.
    mutual: Annotated[bool, WithJsonSchema({"anyOf": [{"type": "boolean"}, {"type": "null"}]})] = Field(
        False,
        strict=True,
        description="the record does not say which side attacked (an armed clash): both directions are judged, "
        "and the graver verdict names every party whose direction gives it",
    )
    assoc_actor: list[Name] = Field(
        [], description="actors associated with the actor (ACLED's `assoc_actor_1`): named in the verdict, not judged"
    )
    assoc_target: list[Name] = Field([], description="actors associated with the target (ACLED's `assoc_actor_2`)")
    in_response_to: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        None,
        description="the id of the incident of the same input this one answers (self-defence, in the ruleset's "
        "`self_defense` terms)",
    )

    @field_validator("id", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any, info: ValidationInfo) -> Any:
        """A table's id may be a whole number (`"id": 244657`): its digits are the id. Not in YAML, where
        `0123` or `1_000` would be read as some other number."""
        if info.context and info.context.get("table") and type(value) is int:
            return str(value)
        return value

    @field_validator("mutual", mode="before")
    @classmethod
    def _null_is_not_mutual(cls, value: Any) -> Any:
        """`mutual: null` is `mutual` not given: tables write null (JSON Lines from polars or pandas, Parquet) or an
        empty cell (CSV) where a row says nothing, and every format reads it alike."""
        return False if value is None else value

    @field_validator("id", "in_response_to")
    @classmethod
    def _no_space_around(cls, value: str | None) -> str | None:
        """An id as it is matched: ` a1` and `a1` would be two incidents, so white space around one is refused."""
        if value is not None and value != value.strip():
            raise ValueError(
                f"`{value}` has white space around it; write `{value.strip()}`"
                if value.strip()
                else f"expected non-empty text, got `{value}` (white space only)"
            )
        return value

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
    title: Name | None = Field(None, description="what the scenario shows (default: its `scenario` id)")
    ruleset: Name = Field(description="a ruleset id, or a path relative to this file")
    description: str | None = None
    incidents: list[Incident] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _title(cls, data: Any) -> Any:
        """A scenario without a title is titled by its id: so, once read, every scenario has one."""
        if isinstance(data, dict) and data.get("title") is None and isinstance(data.get("scenario"), str):
            return {**data, "title": data["scenario"]}
        return data

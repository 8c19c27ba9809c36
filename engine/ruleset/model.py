"""A truce's terms as types: the ruleset file format, validated as it is read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from engine.errors import write_whole
from engine.times import MAX_DURATION, Day, Duration, Moment

Role = Literal["covered", "sponsor", "excluded", "not_party"]


VerdictName = Literal["violation", "permitted", "not_covered", "disputed", "undetermined"]


RuleVerdict = Literal["violation", "permitted", "not_covered", "undetermined"]


VERDICTS: tuple[str, ...] = ("violation", "permitted", "not_covered", "disputed", "undetermined")


Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80)]


Name = Annotated[str, Field(min_length=1, max_length=300)]


def _whole(value: Any, handler: ValidatorFunctionWrapHandler) -> int:
    # A whole number written as a float (`7.0`, `1e9`) is refused, not read as one: said out of the term's range
    # where it is, else with what to write instead.
    if isinstance(value, float) and value.is_integer():
        try:
            handler(int(value))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise PydanticCustomError(err["type"], err["msg"], err.get("ctx")) from None
        raise PydanticCustomError(
            "written_whole",
            "`{value}` is not a whole number{write}",
            {"value": str(value), "write": write_whole(value)},
        )
    return int(handler(value))


# Given after a whole number's Field, whose range it holds a float's value to.
WrittenWhole = WrapValidator(_whole)

# A knob holds text, a whole number, any other number (a ratio of 1.5) or true or false. Infinity and NaN are
# no value a term can read.
KnobValue = str | int | Annotated[float, Field(allow_inf_nan=False)] | bool


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agreement(Strict):
    name: Name
    date: str | None = None
    source: str | None = None
    pa_x: int | None = Field(None, strict=True, description="Peace Agreements Database (PA-X) id")
    url: str | None = None


class Window(Strict):
    """When the truce binds: from `from`, until `until` if given (ISO 8601 date-times with their UTC offset, or
    without one when the ruleset names its `timezone`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    start: Moment = Field(alias="from")
    until: Moment | None = None


Names = Name | list[Name]


class AdminAreas(Strict):
    """Admin areas at one level: `{admin1: Idleb}`, `{admin2: [Jebel Saman, Afrin]}` (exactly one level)."""

    admin1: Names | None = None
    admin2: Names | None = None
    admin3: Names | None = None

    @model_validator(mode="after")
    def _one_level(self) -> AdminAreas:
        given = [k for k in ("admin1", "admin2", "admin3") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("name places at one level: `admin1`, `admin2` or `admin3`")
        return self

    @property
    def level(self) -> int:
        """1, 2 or 3: the admin level named."""
        return next(k for k in (1, 2, 3) if getattr(self, f"admin{k}") is not None)

    @property
    def names(self) -> list[str]:
        value = getattr(self, f"admin{self.level}")
        return value if isinstance(value, list) else [value]


class Area(Strict):
    """A territory: a country, narrowed to admin areas (`include`), less others (`exclude`), and within a
    polygon (`geojson`), each part optional. A place is inside when every part given holds."""

    country: str | None = Field(None, description="a country's name or ISO 3166 code")
    include: list[AdminAreas] = Field([], description="inside only these admin areas (any level)")
    exclude: list[AdminAreas] = Field([], description="but not in these")
    geojson: str | dict[str, Any] | None = Field(
        None, description="a GeoJSON file (relative to the ruleset) or object: inside its polygons"
    )


class Scope(Area):
    """Where the truce binds (see `Area`); `regions` is `include: [{admin1: [...]}]` as first written."""

    regions: list[Name] = []


Pattern = Annotated[
    str,
    Field(
        min_length=1,
        max_length=300,
        json_schema_extra={"format": "regex"},
        description="a regular expression (Python `re`) that must match the whole spelling, ignoring case, "
        "with runs of white space read as one space",
    ),
]


class DatedPattern(Strict):
    """A pattern of spellings valid only between dates: from `from` (inclusive) until `until` (exclusive),
    days read in the ruleset's zone; either may be left out."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    pattern: Pattern
    start: Day | None = Field(None, alias="from")
    until: Day | None = None


PATTERNS_DESCRIPTION = (
    "spellings by regular expression, each a pattern or {pattern, from, until} (a pattern valid only between "
    "days); an exact alias wins over a pattern, and a spelling the patterns of two parties match resolves to none"
)


class Party(Strict):
    name: Name
    role: Role
    side: str | None = None
    aliases: list[Name] = []
    patterns: list[Pattern | DatedPattern] = Field([], description=PATTERNS_DESCRIPTION)


class NameClass(Strict):
    """Spellings that stand for a class rather than a party (civilians, unidentified actors)."""

    aliases: list[Name] = []
    patterns: list[Pattern | DatedPattern] = Field([], description=PATTERNS_DESCRIPTION)


class Act(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str | None = Field(
        None, description="what explanations call the act (default: its id, `_` as spaces); also a spelling of it"
    )
    hostile: bool = Field(strict=True)  # `true` or `false` as written: `yes` is text in YAML 1.2
    aliases: list[Name] = []
    act_class: Id | None = Field(
        None,
        alias="class",
        description="the class of act (like `air`, `artillery`, `ground`), for what counts as a proportionate "
        "response (`self_defense`); an act without one is its own class",
    )


class Rule(Strict):
    id: Id
    clause: Name = Field(description="the clause of the agreement this rule encodes, cited")
    priority: Annotated[int, Field(ge=0, le=10_000, strict=True), WrittenWhole] = Field(
        description="lower decides first"
    )
    when: dict[str, Any] | Literal["always"] = Field(
        description="the condition: field tests, all of which must hold; `always` for a rule that decides every "
        "incident no rule before it decides"
    )
    verdict: RuleVerdict
    explanation: Name = Field(description="one sentence; may use {actor} {target} {intended_target} {act}")


def _knob_reference(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    # Refused as a kind of its own, so that a term that takes a number or a knob says so (`expected a whole
    # number or a policy knob (`policy.NAME`)`), not "text", nor that `7` is not a valid id.
    try:
        return str(handler(value))
    except ValidationError:
        raise PydanticCustomError("knob_reference", "expected a policy knob (`policy.NAME`)") from None


KnobRef = Annotated[
    str,
    Field(pattern=r"^policy\.[a-z0-9][a-z0-9_-]*$", description="a policy knob holding the number"),
    WrapValidator(_knob_reference),
]


# The largest number each term takes, written or held by the knob it names, so that a slip (a digit too many)
# is refused where it is written rather than failing as the ruleset is applied (past datetime's or polars'
# range). Terms speak of days, hours and a handful of violations; ten years is as long as a duration may be
# (`MAX_DURATION`).
MAX_DAYS = MAX_DURATION.days  # quiet days before a phase: ten years of them
MAX_HOURS = 24 * MAX_DAYS  # an escalation's window: ten years of hours
MAX_VIOLATIONS = 1_000_000  # violations a term counts (a day's, an escalation's): terms name a few
# How many times the casualties of the attack it answers a response in self-defence may cause: terms that bound
# it bound it near 1, and a thousand times is no reading of "proportionate".
MAX_RATIO = 1_000

# A whole number written here (at most the term's largest), or the policy knob that holds it
# (`policy.jic_after_days`), so that `--set` and `sweep` can change it.
Days = Annotated[int, Field(ge=0, le=MAX_DAYS, strict=True), WrittenWhole] | KnobRef
Hours = Annotated[int, Field(ge=0, le=MAX_HOURS, strict=True), WrittenWhole] | KnobRef
Violations = Annotated[int, Field(ge=0, le=MAX_VIOLATIONS, strict=True), WrittenWhole] | KnobRef
# A ratio, whole or not (`1.5`), or the knob that holds it.
Ratio = Annotated[float, Field(ge=0, le=MAX_RATIO, strict=True, allow_inf_nan=False)] | KnobRef


class PhaseAfter(Strict):
    """A phase's start that follows another phase's: a fixed `duration` after that phase began, or once
    `quiet_days` consecutive calendar days (in the ruleset's zone, each wholly inside the window and after
    that phase began) each had at most `max_violations` violations; then at 00:00 after the last of them."""

    after: Id = Field(description="the phase (an id listed before this one) whose start this one follows")
    duration: Duration | None = None
    quiet_days: Days | None = None
    max_violations: Violations | None = Field(None, description="violations a quiet day may have (default 0)")

    @model_validator(mode="after")
    def _one_way(self) -> PhaseAfter:
        if (self.duration is None) == (self.quiet_days is None):
            raise ValueError("give `duration` (a time after that phase began) or `quiet_days`, not both")
        if self.max_violations is not None and self.quiet_days is None:
            raise ValueError("`max_violations` counts quiet days: give it with `quiet_days`")
        return self


class Phase(Strict):
    """One phase of the truce: from its start until it ends (`until`), another phase begins, or the window ends.

    Phases begin in the order listed: once one has begun, none listed before it begins again.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    id: Id
    clause: Name = Field(description="the clause of the agreement that sets this phase, cited")
    start: Moment | PhaseAfter | None = Field(
        None,
        alias="from",
        description="a date-time, or {after, duration} or {after, quiet_days, max_violations}; "
        "the first phase may leave it out to begin with the window",
    )
    until: Moment | None = None


class SelfDefense(Strict):
    """When force used in response to an incident (`in_response_to`) is self-defence the terms allow: it begins
    within `window` after the incident it answers, by the party that incident struck, against the party that
    struck it, and is proportionate (the same class of act, when `same_class`; at most `max_casualty_ratio`
    times that incident's casualties, killed and wounded, when given)."""

    clause: Name
    window: Duration
    same_class: bool = Field(True, strict=True)
    max_casualty_ratio: Ratio | None = None


class Escalation(Strict):
    """Escalation: a party with at least `violations` violations within any `hours` hours."""

    violations: Violations
    hours: Hours


class Ruleset(Strict):
    """A truce's terms as data."""

    id: Id
    title: Name
    agreement: Agreement
    window: Window
    timezone: str | None = Field(
        None,
        description="the zone local times and dates are read in (IANA name, like Asia/Damascus); "
        "without it dates are read at the window's offset and times need their UTC offset",
    )
    scope: Scope = Scope()
    parties: dict[Id, Party]
    civilians: NameClass = NameClass()
    unidentified: NameClass = NameClass()
    acts: dict[Id, Act]
    places: dict[Name, list[Name]] = Field(
        {}, description="place aliases: a place's name as rules and the gazetteer write it -> other spellings"
    )
    areas: dict[Id, Area] = Field({}, description="named areas, each tested by the field `area.<id>`")
    policy: dict[Id, KnobValue] = {}
    phases: list[Phase] = Field([], description="the truce's phases, in the order they begin; rules test `phase`")
    self_defense: SelfDefense | None = None
    escalation: Escalation | None = None
    rules: list[Rule] = Field(min_length=1)


def knob_references(ruleset: Ruleset) -> list[str]:
    """The policy knobs (`policy.NAME`) the ruleset's phases, self-defence and escalation terms read, in order."""
    counts: list[Any] = []
    for phase in ruleset.phases:
        if isinstance(phase.start, PhaseAfter):
            counts += [phase.start.quiet_days, phase.start.max_violations]
    if ruleset.self_defense is not None:
        counts.append(ruleset.self_defense.max_casualty_ratio)
    if ruleset.escalation is not None:
        counts += [ruleset.escalation.violations, ruleset.escalation.hours]
    return [c for c in counts if isinstance(c, str)]

"""JSON Schemas for rulesets and scenarios, generated from the models that validate them, for editors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from engine.incidents.model import Scenario
from engine.ruleset.compile import ALWAYS, BASE_FIELDS, FIELD_ALIASES, ROLES
from engine.ruleset.model import Ruleset

HERE = Path(__file__).resolve().parent
KINDS = ("ruleset", "scenario")
DIALECT = "https://json-schema.org/draft/2020-12/schema"
NULL = {"type": "null"}


def path_of(kind: str) -> Path:
    """Where the committed copy of a schema lives (and ships, inside the package)."""
    return HERE / f"{kind}.schema.json"


def schema(kind: str) -> dict[str, Any]:
    if kind == "ruleset":
        return ruleset_schema()
    if kind == "scenario":
        return {"$schema": DIALECT, **Scenario.model_json_schema(by_alias=True)}
    raise ValueError(f"unknown schema `{kind}`; expected one of {', '.join(KINDS)}")


def schema_text(kind: str) -> str:
    """The schema as committed: sorted keys, two-space indent, a final newline, so it never changes by itself."""
    return json.dumps(schema(kind), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def ruleset_schema() -> dict[str, Any]:
    """A full ruleset; or a variant, which `extends` one and changes parts of it (JSON Merge Patch)."""
    full = Ruleset.model_json_schema(by_alias=True)
    defs: dict[str, Any] = full.pop("$defs")
    # The models keep a condition as a plain mapping (compile.py checks it, against the ruleset's own
    # names); the schema spells out its shape from the same tables compile.py uses.
    when = defs["Rule"]["properties"]["when"]
    defs["Rule"]["properties"]["when"] = {
        "anyOf": [{"$ref": "#/$defs/Condition"}, {"const": ALWAYS}],
        "description": when["description"],
    }
    defs["Condition"] = condition_schema()
    defs["Ruleset"] = full
    variant = _Patches(defs).of_object(full)
    variant["properties"]["extends"] = {
        "type": "string",
        "minLength": 1,
        "description": "the ruleset this one changes: an id, or a path relative to this file",
    }
    variant["required"] = ["extends"]
    variant["description"] = (
        "A variant: the ruleset it `extends`, with these parts changed as JSON Merge Patch "
        "(maps merge key by key, `null` deletes a key, anything else replaces)."
    )
    defs["RulesetVariant"] = variant
    return {
        "$schema": DIALECT,
        "title": "ceasefire-sim ruleset",
        "description": full["description"] + " A file with `extends` is a variant of another ruleset.",
        "$defs": defs,
        "if": {"type": "object", "required": ["extends"]},
        "then": {"$ref": "#/$defs/RulesetVariant"},
        "else": {"$ref": "#/$defs/Ruleset"},
    }


def condition_schema() -> dict[str, Any]:
    """A rule's `when`: fields mapped to tests (a value, a list of values, or a map of operators)."""
    values: dict[str, dict[str, Any]] = {
        "party": {"type": "string", "description": "a party id, `civilians` or `unidentified`"},
        "role": {"enum": list(ROLES)},
        "side": {"type": "string", "description": "a side some party has"},
        "act": {"type": "string", "description": "an act id, or `unknown`"},
        "bool": {"type": "boolean"},
        "text": {"type": "string"},
        "place": {
            "type": "string",
            "description": "an admin area's name, as the gazetteer or the ruleset's places write it",
        },
        "count": {"type": "integer", "minimum": 0},
    }
    properties = {name: _test(values[kind], counts=kind == "count") for name, kind in BASE_FIELDS}
    properties |= {alias: properties[field] for alias, field in FIELD_ALIASES.items()}
    phase = {"type": "string", "description": "a phase id the ruleset declares, or `unknown`"}
    properties["phase"] = _test(phase, counts=False)
    for combine, meaning in (("any", "at least one of these conditions holds"), ("all", "every one holds")):
        properties[combine] = {
            "type": "array",
            "items": {"$ref": "#/$defs/Condition"},
            "minItems": 1,
            "description": meaning,
        }
    knob = {"type": ["string", "integer", "boolean"]}
    return {
        "type": "object",
        "description": "Field tests, all of which must hold. A test is a value (equals), a list (one of), or a "
        "map of operators. Every test fails on a fact the incident does not give, except `present: false`.",
        "properties": properties,
        "minProperties": 1,  # an empty condition would hold for every incident: `when: always` says so
        "patternProperties": {
            r"^policy\.[a-z0-9][a-z0-9_-]*$": _test(knob, counts=False),
            r"^area\.[a-z0-9][a-z0-9_-]*$": _test(values["bool"], counts=False),
        },
        "additionalProperties": False,
    }


def _test(value: dict[str, Any], *, counts: bool) -> dict[str, Any]:
    many = {"type": "array", "items": value, "minItems": 1}
    ops: dict[str, Any] = {
        "eq": value,
        "in": many,
        "not": {"anyOf": [value, many], "description": "none of these"},
        "present": {"type": "boolean", "description": "false: the incident does not give this fact"},
    }
    if counts:
        ops |= {op: {"type": "integer"} for op in ("lt", "lte", "gt", "gte")}
    operators = {"type": "object", "properties": ops, "additionalProperties": False, "minProperties": 1}
    return {"anyOf": [value, many, operators]}


class _Patches:
    """Loosened copies of definitions for a variant: nothing required, `null` allowed (it deletes)."""

    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def of_object(self, obj: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in obj.items() if k not in ("required", "properties", "title")}
        out["properties"] = {name: self.of_value(prop) for name, prop in obj.get("properties", {}).items()}
        return out

    def of_value(self, prop: dict[str, Any]) -> dict[str, Any]:
        """A property's patch: the same value loosened where it is a map (maps merge), or `null`."""
        outer = {k: prop[k] for k in ("description",) if k in prop}
        return {**outer, "anyOf": [self.inner(prop), NULL]}

    def inner(self, prop: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in prop:
            return {"$ref": self.ref(prop["$ref"])}
        if "anyOf" in prop:
            members = [self.inner(m) for m in prop["anyOf"] if m != NULL]
            return members[0] if len(members) == 1 else {"anyOf": members}
        out = {k: copy.deepcopy(v) for k, v in prop.items() if k not in ("default", "title", "description")}
        if isinstance(prop.get("additionalProperties"), dict):
            out["additionalProperties"] = self.of_value(prop["additionalProperties"])
        if "patternProperties" in prop:
            out["patternProperties"] = {k: self.of_value(v) for k, v in prop["patternProperties"].items()}
        return out

    def ref(self, ref: str) -> str:
        """`#/$defs/Party` → `#/$defs/PartyPatch`, made on first use."""
        name = ref.rsplit("/", 1)[1]
        patch = f"{name}Patch"
        if patch not in self.defs:
            self.defs[patch] = {}  # placed first, so that a definition that refers to itself ends
            self.defs[patch] = self.of_object(self.defs[name])
        return f"#/$defs/{patch}"

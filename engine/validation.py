"""Pydantic's validation errors in the project's words, each placed at its file, line and column."""

from __future__ import annotations

import difflib
import json
import re
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.errors import InputError, Problem, cut, did_you_mean, in_file_order, one_of
from engine.yamlsafe import Document


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    """Pydantic's errors, in the project's words, each at the line of the entry it concerns."""
    out = []
    errors = _without_union_names(exc.errors(include_url=False), doc.data)
    misspelt = _misspelt(errors, model)
    for err in errors:
        loc = tuple(p for p in err["loc"] if p != "[key]")
        kind, value = err["type"], err.get("input")
        field = str(loc[-1]) if loc else ""
        parent = loc[:-1]
        if kind == "extra_forbidden":
            allowed = _fields_at(model, parent)
            listed = f"; {one_of(allowed)}" if allowed else ""
            nested = next((k for k, fields in _NESTED.items() if k in allowed and field in fields), None)
            if nested is not None:  # a table's flat column, written flat in a nested format
                message = f"`{field}` goes under `{nested}`: {nested}: {{{field}: ...}}"
            else:
                message = f"unknown key `{field}`{listed}{did_you_mean(field, allowed)}"
        elif kind == "missing":
            if (parent, field) in misspelt:  # said once, where it is misspelt: `rulset` (did you mean `ruleset`?)
                continue
            if loc in doc.removed:  # a variant's `null` took it away: said at that `null`, with what would be right
                file, (line, column), why = doc.removed[loc]
                out.append(Problem(file, why, line, column, doc.shown(loc)))
                continue
            # a value `--set ...=null` took away is that option's doing, not the file's
            where = loc if doc.files.get(loc, "").startswith("--") else parent
            out.append(_at(doc, where, f"`{field}` is required"))
            continue
        elif kind == "literal_error":
            expected = _literals(err)
            noun = field if isinstance(loc[-1], str) and loc[-1] and not loc[-1][0].isupper() else "value"
            message = f"unknown {noun} `{value}`; {one_of(expected)}{did_you_mean(str(value), expected)}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            low = kind == "greater_than_equal"
            message = out_of_range(short(value), low, err.get("ctx", {}).get("ge" if low else "le"))
        elif kind == "string_pattern_mismatch":
            message = f"`{value}` is not a valid id; use lowercase letters, digits, `-` and `_`"
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
        elif kind in _TYPE_WORDS and isinstance(value, str) and kind in ("int_type", "float_type", "bool_type"):
            hint = _as_boolean(value) if kind == "bool_type" else _as_number(value)
            message = f"expected {_TYPE_WORDS[kind]}, got text `{short(value)}`{hint}"
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, got `{short(value)}`"
        else:
            message = str(err["msg"])
            message = message[0].lower() + message[1:] if message else "invalid value"
        out.append(_at(doc, loc, message))
    return in_file_order(out)


def _misspelt(errors: list[ErrorDetails], model: type[BaseModel]) -> set[tuple[tuple[Any, ...], str]]:
    """(parent, key) for each required key that is missing where an unknown key is a misspelling of it."""
    found = set()
    for err in errors:
        if err["type"] == "extra_forbidden":
            loc = tuple(p for p in err["loc"] if p != "[key]")
            if loc:
                close = difflib.get_close_matches(str(loc[-1]), _fields_at(model, loc[:-1]), n=1, cutoff=0.6)
                found |= {(loc[:-1], close[0])} if close else set()
    return found


def _without_union_names(errors: list[ErrorDetails], data: Any) -> list[ErrorDetails]:
    """Pydantic reports a value that fits no member of a union once per member, under the member's name.

    Keep the errors of a member the value has the shape of (they point inside it), each union within it taken
    the same way; where there is none, a number out of a member's range is said as that (`too large; expected
    at most 87,672`); else say once what the value could have been.
    """
    if data is None:  # a table row: validated from JSON text, so the data itself is not at hand
        return errors
    return _collapse([(err, *_data_loc(err, data)) for err in errors])


_RANGE = ("greater_than_equal", "less_than_equal")  # the bounds `out_of_range` words


def _collapse(errors: list[tuple[ErrorDetails, tuple[Any, ...], tuple[tuple[Any, ...], ...]]]) -> list[ErrorDetails]:
    """`_without_union_names` for errors given with their location in the data and the unions on the way there,
    outermost first."""
    order: list[ErrorDetails | tuple[Any, ...]] = []  # an error, or the location of a union's errors
    unions: dict[tuple[Any, ...], list[tuple[ErrorDetails, tuple[Any, ...], tuple[tuple[Any, ...], ...]]]] = {}
    for err, loc, within in errors:
        if not within:
            order.append({**err, "loc": loc})
            continue
        if within[0] not in unions:
            unions[within[0]] = []
            order.append(within[0])
        unions[within[0]].append((err, loc, within))
    out: list[ErrorDetails] = []
    for item in order:
        if not isinstance(item, tuple):
            out.append(item)
            continue
        members = unions[item]
        inside = [(err, loc, within[1:]) for err, loc, within in members if len(loc) > len(item)]
        if inside:
            out += _collapse(inside)
            continue
        ranged = next((err for err, _, _ in members if err["type"] in (*_RANGE, "written_whole")), None)
        if ranged is not None:  # a number, of the member that takes numbers, out of its range or written as a float
            out.append({**ranged, "loc": item})
            continue
        words = list(dict.fromkeys(w for w in (_member_word(err) for err, _, _ in members) if w))
        if "a number" in words and "a whole number" in words:  # a whole number is a number
            words.remove("a whole number")
        words = words or ["another value"]
        either = " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))
        value = members[0][0]["input"]
        literals = [w for err, _, _ in members if err["type"] == "literal_error" for w in _literals(err)]
        close = did_you_mean(value, literals) if isinstance(value, str) else ""
        out.append(
            {
                "type": "union",
                "loc": item,
                "msg": f"expected {either}, got `{short(value)}`{close}",
                "input": value,
            }
        )
    return out


def _data_loc(err: ErrorDetails, data: Any) -> tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """The error's location in the data, without union member names; and where each of those was, outermost
    first."""
    loc: list[Any] = []
    unions: list[tuple[Any, ...]] = []
    node, parts = data, err["loc"]
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:  # noqa: SIM114 (the two narrow differently)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif part == "[key]" or (i == len(parts) - 1 and err["type"] == "missing"):
            node = None
        else:
            unions.append(tuple(loc))
            continue
        loc.append(part)
    return tuple(loc), tuple(unions)


def _literals(err: ErrorDetails) -> list[str]:
    """The words a `literal_error` says the value could have been, in pydantic's order."""
    return re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))


def _member_word(err: ErrorDetails) -> str:
    if err["type"] == "literal_error":
        return one_of(_literals(err)).removeprefix("expected ")
    return _TYPE_WORDS.get(err["type"], "")


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "knob_reference": "a policy knob (`policy.NAME`)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "string_too_short": "non-empty text",
    "too_short": "a non-empty list",
}


def _as_number(text: str) -> str:
    """What would make text a number: unquoting a number, or dropping the digit separators YAML 1.2 lacks."""
    if re.fullmatch(r"[-+]?[0-9]+(?:_+[0-9]+)+", text):
        return f" (YAML 1.2 has no digit separators: write {text.replace('_', '')})"
    try:
        float(text)
    except ValueError:
        return ""
    return " (write it without quotes)"


def _as_boolean(text: str) -> str:
    """What would make text a boolean: unquoting `true` or `false`."""
    return f" (write {text.lower()} without quotes)" if text.lower() in ("true", "false") else ""


# Keys a CSV table has as columns that YAML and JSON Lines nest: under which key each goes.
_NESTED = {
    "location": (
        "country",
        "admin1",
        "admin2",
        "admin3",
        "region",
        "latitude",
        "longitude",
        "lat",
        "lon",
        "precision_km",
    ),
    "casualties": ("killed", "wounded"),
}


def out_of_range(value: str, low: bool, bound: Any, reader: str = "") -> str:
    """Why a number (`value`, as shown) is refused for lying below (`low`) or above `bound`, as the models say it;
    `reader` names what reads it, where that is not where it is written (a policy knob's term)."""
    if isinstance(bound, float) and bound.is_integer():  # a bound on any number: `1000`, not `1000.0`
        bound = int(bound)
    shown = f"{bound:,}" if isinstance(bound, int) and abs(bound) >= 10_000 else bound
    used = f" for `{reader}`" if reader else ""
    return f"`{value}` is too {'small' if low else 'large'}{used}; expected at {'least' if low else 'most'} {shown}"


def short(value: Any) -> str:
    return cut(json.dumps(value, default=str) if not isinstance(value, str) else value)


def _at(doc: Document, loc: tuple[Any, ...], message: str, path: str | None = None) -> Problem:
    file, pos = doc.locate(loc)
    line, column = pos or (None, None)
    return Problem(file, message, line, column, doc.shown(loc) if path is None else path)


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys a mapping at `loc` may have, found by walking the model's annotations."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(t: Any) -> Any:
    if get_origin(t) in (Union, types.UnionType):
        for arg in get_args(t):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return t


def _step(t: Any, part: Any) -> Any:
    t = _unwrap(t)
    if isinstance(t, type) and issubclass(t, BaseModel):
        for name, info in t.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin = get_origin(t)
    if origin is list:
        return get_args(t)[0]
    if origin is dict:
        return get_args(t)[1]
    return None


def validate(doc: Document, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(problems_from(exc, doc, model)) from None

"""Load rulesets, scenarios and incident tables into checked, compiled form."""

from __future__ import annotations

import csv
import dataclasses
import heapq
import io
import json
import re
import stat
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from engine.compile import Compiled, compile_ruleset
from engine.errors import InputError, Problem, at_pos, did_you_mean, one_of
from engine.memory import paused_gc
from engine.model import MAX_COUNT, Incident, Ruleset, Scenario
from engine.variants import apply_sets, resolve_extends
from engine.yamlsafe import CONTROL, MAX_BYTES, Document, Key, control_message, dotted, load_yaml, read_text, stat_of

SHIPPED = Path(__file__).resolve().parent / "rules"
CHECKOUT = Path(__file__).resolve().parent.parent / "rules"
TABLE_COLUMNS = ("id", "time", "actor", "act", "target", "intended_target", "region", "killed", "wounded")
TABLES = (".jsonl", ".ndjson", ".csv")
YAML = (".yaml", ".yml")  # scenarios and rulesets
TABLE_LIMIT = 1024 * 1024 * 1024


def shipped_rules() -> Path | None:
    """The rulesets that come with the package (or with this checkout, when run from source)."""
    for folder in (SHIPPED, CHECKOUT):
        if folder.is_dir():
            return folder
    return None


def problems_from(exc: ValidationError, doc: Document, model: type[BaseModel]) -> list[Problem]:
    """Pydantic's errors, in the project's words, each at the line of the entry it concerns."""
    out = []
    for err in _without_union_names(exc.errors(include_url=False), doc.data):
        loc = tuple(p for p in err["loc"] if p != "[key]")
        kind, value = err["type"], err.get("input")
        field = str(loc[-1]) if loc else ""
        parent = loc[:-1]
        if kind == "extra_forbidden":
            allowed = _fields_at(model, parent)
            listed = f"; {one_of(allowed)}" if allowed else ""
            message = f"unknown key `{field}`{listed}{did_you_mean(field, allowed)}"
        elif kind == "missing":
            # a value `--set ...=null` took away is that option's doing, not the file's
            where = loc if doc.files.get(loc, "").startswith("--") else parent
            out.append(_at(doc, where, f"`{field}` is required", path=dotted(where)))
            continue
        elif kind == "literal_error":
            expected = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
            noun = field if isinstance(loc[-1], str) and loc[-1] and not loc[-1][0].isupper() else "value"
            message = f"unknown {noun} `{value}`; {one_of(expected)}{did_you_mean(str(value), expected)}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            bound = err.get("ctx", {}).get("ge" if kind == "greater_than_equal" else "le")
            message = f"`{_short(value)}` is too {'small' if kind == 'greater_than_equal' else 'large'}; "
            bound = f"{bound:,}" if isinstance(bound, int) and abs(bound) >= 10_000 else bound
            message += f"expected at {'least' if kind == 'greater_than_equal' else 'most'} {bound}"
        elif kind == "string_pattern_mismatch":
            message = f"`{value}` is not a valid id; use lowercase letters, digits, `-` and `_`"
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
        elif kind in _TYPE_WORDS and isinstance(value, str) and kind in ("int_type", "float_type"):
            message = f"expected {_TYPE_WORDS[kind]}, got text `{_short(value)}` (write it without quotes)"
        elif kind in _TYPE_WORDS:
            message = f"expected {_TYPE_WORDS[kind]}, got `{_short(value)}`"
        else:
            message = str(err["msg"])
            message = message[0].lower() + message[1:] if message else "invalid value"
        out.append(_at(doc, loc, message))
    return out


def _without_union_names(errors: list[ErrorDetails], data: Any) -> list[ErrorDetails]:
    """Pydantic reports a value that fits no member of a union once per member, under the member's name.

    Keep the errors of a member the value has the shape of (they point inside it); if there is none,
    say once what the value could have been.
    """
    if data is None:  # a table row: validated from JSON text, so the data itself is not at hand
        return errors
    order: list[ErrorDetails | tuple[Any, ...]] = []  # an error, or the location of a union's errors
    unions: dict[tuple[Any, ...], list[ErrorDetails]] = {}
    for err in errors:
        loc, union = _data_loc(err, data)
        if union is None:
            order.append({**err, "loc": loc})
            continue
        if union not in unions:
            unions[union] = []
            order.append(union)
        unions[union].append({**err, "loc": loc})
    out: list[ErrorDetails] = []
    for item in order:
        if not isinstance(item, tuple):
            out.append(item)
            continue
        members = unions[item]
        inside = [e for e in members if len(e["loc"]) > len(item)]
        if inside:
            out += inside
            continue
        words = list(dict.fromkeys(w for w in map(_member_word, members) if w)) or ["another value"]
        either = " or ".join(filter(None, (", ".join(words[:-1]), words[-1])))
        value = members[0]["input"]
        out.append(
            {
                "type": "union",
                "loc": item,
                "msg": f"expected {either}, got `{_short(value)}`",
                "input": value,
            }
        )
    return out


def _data_loc(err: ErrorDetails, data: Any) -> tuple[tuple[Any, ...], tuple[Any, ...] | None]:
    """The error's location in the data, without union member names; and where the first of those was."""
    loc: list[Any] = []
    union: tuple[Any, ...] | None = None
    node, parts = data, err["loc"]
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:  # noqa: SIM114 (the two narrow differently)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif part == "[key]" or (i == len(parts) - 1 and err["type"] == "missing"):
            node = None
        else:
            union = tuple(loc) if union is None else union
            continue
        loc.append(part)
    return tuple(loc), union


def _member_word(err: ErrorDetails) -> str:
    if err["type"] == "literal_error":
        return one_of(re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))).removeprefix("expected ")
    return _TYPE_WORDS.get(err["type"], "")


_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "string_too_short": "non-empty text",
    "too_short": "a non-empty list",
}


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 40 else text[:37] + "..."


def _at(doc: Document, loc: tuple[Any, ...], message: str, path: str | None = None) -> Problem:
    file, pos = doc.locate(loc)
    line, column = pos or (None, None)
    return Problem(file, message, line, column, dotted(loc) if path is None else path)


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


@dataclass(frozen=True)
class LoadedRuleset:
    compiled: Compiled
    document: Document


def read_ruleset(path: Path, shown: str | None = None, sets: Sequence[str] = ()) -> LoadedRuleset:
    """Parse, resolve `extends`, apply `--set` changes, validate and compile: raising every error found."""
    return ruleset_from(load_yaml(path, shown), path, sets)


def ruleset_from(doc: Document, path: Path, sets: Sequence[str] = ()) -> LoadedRuleset:
    """A parsed ruleset file (`path` is where `extends` is looked up from) resolved, validated and compiled."""
    doc = apply_sets(resolve_extends(doc, path, _find_inside(path)), sets)
    ruleset: Ruleset = validate(doc, Ruleset)
    compiled, problems = compile_ruleset(ruleset, doc.file)
    if problems:
        raise InputError(_placed(doc, problems))
    files = dict.fromkeys(f for f in (doc.file, *doc.files.values()) if not f.startswith("--"))
    return LoadedRuleset(dataclasses.replace(compiled, files=tuple(files)), doc)


def _placed(doc: Document, problems: list[Problem]) -> list[Problem]:
    """Give meaning problems (which know a dotted path) the line and column of that path."""
    out = []
    for p in problems:
        loc = _parse_path(p.path, doc)
        file, pos = doc.locate(loc)
        line, column = pos or (None, None)
        out.append(Problem(file, p.message, line, column, p.path, p.severity))
    return out


def _parse_path(path: str, doc: Document) -> tuple[str | int, ...]:
    """A dotted path back as a key of `doc`: a condition's field names hold dots (`when.act.hostile.ne`)."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    key: list[str | int] = []
    while parts:
        # the longest run of names that is a key here: `act.hostile` before `act`
        runs = [parts[:n] for n in range(len(parts), 0, -1) if all(isinstance(p, str) for p in parts[:n])]
        taken = next((run for run in runs if (*key, ".".join(map(str, run))) in doc.positions), parts[:1])
        key.append(".".join(map(str, taken)) if len(taken) > 1 else taken[0])
        parts = parts[len(taken) :]
    return tuple(key)


def find_ruleset(ref: str, near: Path | None = None) -> Path:
    """A ruleset file from a path, or from an id looked up beside `near`, in ./rules, then shipped."""
    if Path(ref).suffix.lower() in (*TABLES, ".json", ".tsv", ".txt"):
        raise LookupError(f"`{ref}` is not a ruleset; a ruleset is a YAML file (.yaml)")
    if ref.endswith(YAML) or "/" in ref or "\\" in ref:
        return (near / ref) if near is not None else Path(ref)
    # Run from a checkout, ./rules and the shipped rules are one folder: look (and say so) once.
    unique = {p.resolve(): p for p in reversed((near, Path("rules"), shipped_rules())) if p is not None}
    folders = list(reversed(unique.values()))
    for folder in folders:
        for candidate in (folder / f"{ref}{suffix}" for suffix in YAML):
            if candidate.is_file():
                return candidate
    known = sorted({p.stem for f in folders if f.is_dir() for p in f.glob("*.y*ml")})
    raise LookupError(f"no ruleset `{ref}`{did_you_mean(ref, known)}; looked in " + ", ".join(map(str, folders)))


def load_ruleset(ref: str | Path, near: Path | None = None, sets: Sequence[str] = ()) -> Compiled:
    """A compiled ruleset from an id (searched for) or a path, with `sets` (PATH=VALUE) applied."""
    shown = str(ref)
    if not shown.strip():
        raise InputError.at("ruleset", "the name is empty; expected a ruleset id or path")
    try:
        path = find_ruleset(str(ref), near)
    except LookupError as exc:
        raise InputError.at(shown, str(exc)) from None
    stat_of(path, str(path))  # there, and a name the system takes
    return read_ruleset(path, str(path), sets).compiled


def _project_root(path: Path) -> Path:
    for folder in path.resolve().parents:
        if any((folder / marker).exists() for marker in (".git", "pyproject.toml", "rules", "scenarios")):
            return folder
    return path.resolve().parent


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    compiled: Compiled
    document: Document


def load_scenario(path: str | Path, rules: str | None = None, sets: Sequence[str] = ()) -> LoadedScenario:
    """A scenario file and the ruleset it names (or `rules`, which overrides it), with `sets` applied."""
    path = Path(path)
    return scenario_from(load_yaml(path), path, rules, sets)


def scenario_from(doc: Document, path: Path, rules: str | None = None, sets: Sequence[str] = ()) -> LoadedScenario:
    """A parsed scenario file validated, with its ruleset loaded: raising every error found in both."""
    if isinstance(doc.data, dict) and ("rules" in doc.data or "extends" in doc.data) and "incidents" not in doc.data:
        raise InputError.at(doc.file, "this is a ruleset; expected a scenario (name a ruleset with --rules RULESET)")
    scenario: Scenario = validate(doc, Scenario)
    problems: list[Problem] = []
    try:
        check_ids(doc, scenario.incidents)
    except InputError as exc:
        problems += exc.problems
    try:
        if rules is not None:
            compiled = load_ruleset(rules, sets=sets)
        else:
            found = scenario_ruleset(doc, path, scenario.ruleset)
            compiled = read_ruleset(found, str(found), sets).compiled
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    return LoadedScenario(scenario, compiled, doc)


def scenario_ruleset(doc: Document, path: Path, ref: str) -> Path:
    """The ruleset file a scenario names: found, inside the project tree (or shipped), and a file."""
    line = doc.where(("ruleset",))
    try:
        found = find_ruleset(ref, path.parent)
    except LookupError as exc:
        raise at_pos(doc.file, line, str(exc), "ruleset") from None
    if not inside_project(found, path):
        raise at_pos(doc.file, line, f"ruleset `{ref}` points outside the project tree", "ruleset")
    if found.resolve() == path.resolve():
        raise at_pos(doc.file, line, f"ruleset `{ref}` is this scenario itself; name a ruleset's id or path", "ruleset")
    if found.is_dir():
        raise at_pos(doc.file, line, f"ruleset `{ref}` is a directory; expected a YAML file", "ruleset")
    if not found.exists():
        raise at_pos(doc.file, line, f"ruleset `{ref}` not found at {found}", "ruleset")
    return found


def inside_project(found: Path, origin: Path) -> bool:
    """May the file `origin` name `found`? Only inside its project tree, the working folder, or the shipped rules."""
    target = found.resolve()
    roots = (_project_root(origin), Path.cwd().resolve())
    return any(target.is_relative_to(root) for root in roots) or _is_shipped(target)


def _find_inside(origin: Path) -> Callable[[str, Path], Path]:
    """find_ruleset for `extends`, held to the same tree as a scenario's ruleset."""

    def find(ref: str, near: Path) -> Path:
        found = find_ruleset(ref, near)
        if not inside_project(found, origin):
            raise LookupError(f"ruleset `{ref}` points outside the project tree")
        return found

    return find


def _is_shipped(path: Path) -> bool:
    shipped = shipped_rules()
    return shipped is not None and path.is_relative_to(shipped.resolve())


def check_ids(doc: Document, incidents: list[Incident]) -> None:
    seen: dict[str, int] = {}
    problems = []
    for i, incident in enumerate(incidents):
        if incident.id in seen:
            pos = doc.where(("incidents", i, "id")) or (None, None)
            problems.append(
                Problem(
                    doc.file,
                    f"incident id `{incident.id}` is used twice (first at incidents[{seen[incident.id]}])",
                    pos[0],
                    pos[1],
                    f"incidents[{i}].id",
                )
            )
        seen.setdefault(incident.id, i)
    if problems:
        raise InputError(problems)


@dataclass(frozen=True)
class Loaded:
    """What a command evaluates: a name, the compiled ruleset, the incidents (and a scenario's document)."""

    name: str
    compiled: Compiled
    incidents: list[Incident]
    document: Document | None  # None for an incident table


def load_input(path: str | Path, rules: str | None = None, sets: Sequence[str] = ()) -> Loaded:
    """A scenario file with its ruleset, or an incident table with the ruleset `rules` names."""
    path = Path(path)
    info = stat_of(path, str(path))
    suffix = path.suffix.lower()
    if stat.S_ISREG(info.st_mode) and suffix not in (*TABLES, *YAML):
        named = f"`{suffix}` is not a format ceasefire reads" if suffix else "a file without an extension"
        raise InputError.at(str(path), f"{named}; expected a scenario (.yaml) or an incident table (.jsonl, .csv)")
    if suffix in TABLES:
        if rules is None:
            raise InputError.at(str(path), "an incident table names no ruleset; pass --rules RULESET")
        return Loaded(path.stem, load_ruleset(rules, sets=sets), load_incidents(path), None)
    loaded = load_scenario(path, rules, sets)
    return Loaded(loaded.scenario.scenario, loaded.compiled, loaded.scenario.incidents, loaded.document)


def load_incidents(path: str | Path) -> list[Incident]:
    """Incidents from a JSON Lines (.jsonl) or CSV (.csv) table."""
    path = Path(path)
    shown = str(path)
    text = read_text(path, shown, limit=TABLE_LIMIT)
    suffix = path.suffix.lower()
    with paused_gc():  # a large table makes objects by the million, none in a cycle
        if suffix in (".jsonl", ".ndjson"):
            incidents = _from_jsonl(text, shown)
        elif suffix == ".csv":
            incidents = _from_csv(text, shown)
        else:
            raise InputError.at(shown, f"unknown table format `{suffix}`; expected .jsonl or .csv")
    first: dict[str, int] = {}
    for line, incident in incidents:
        if incident.id in first:
            raise InputError.at(
                shown,
                f"incident id `{incident.id}` is used twice (first on line {first[incident.id]})",
                line,
                path="id",
            )
        first[incident.id] = line
    return [incident for _, incident in incidents]


def _from_jsonl(text: str, shown: str) -> list[tuple[int, Incident]]:
    incidents = []
    parse = Incident.model_validate_json
    suspects = _suspect_lines(text)
    suspect = next(suspects, 0)
    # Lines end at \n alone: a JSON string may hold U+2028 or U+2029, where str.splitlines would break it.
    for number, line in enumerate(text.split("\n"), 1):
        if number == suspect:
            _refuse_json_control(line, shown, number)
            suspect = next(suspects, 0)
        if not line.strip():
            continue
        try:
            incidents.append((number, parse(line)))
        except ValidationError as exc:
            raise InputError([_line_problem(exc, line, shown, number)]) from None
    if not incidents:
        raise InputError.at(shown, "file holds no incidents; expected one JSON object a line")
    return incidents


# Where JSON text may hold a control character: escaped (JSON must escape C0 controls, `\b` and `\f`
# among them) or raw (DEL and C1 need no escape). A candidate only: `\\u001b` is the literal text.
_JSON_ESCAPE = re.compile(r"\\(?:[bf]|u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F]))")
# The same, exactly: an escape whose backslash is not itself escaped (group 1), or a raw character.
_JSON_CONTROL_AT = re.compile(rf"(?<!\\)(?:\\\\)*({_JSON_ESCAPE.pattern})|{CONTROL.pattern}")


def _suspect_lines(text: str) -> Iterator[int]:
    """The numbers of the lines that may hold a control character, ascending.

    Tables are large: one regex over the text for escapes and raw characters alike takes a sixth of the
    time reading it does. A search for a backslash, the text's ASCII flag and a search for DEL take
    milliseconds, and leave each regex to the texts it can match in.
    """
    scans = []
    if "\\" in text:
        scans.append(_JSON_ESCAPE.finditer(text))
    if not text.isascii() or "\x7f" in text:
        scans.append(CONTROL.finditer(text))
    line, last, previous = 1, 0, 0
    for found in heapq.merge(*scans, key=lambda m: m.start()):
        line += text.count("\n", last, found.start())
        last = found.start()
        if line != previous:
            yield line
            previous = line


def _refuse_json_control(line: str, shown: str, number: int) -> None:
    """Refuse a suspect line if a value (or key) read from it holds a control character."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError):
        return  # not JSON (too deep, a number too long): the reader refuses it in its own words
    found = _control_in(data)
    if found is None:
        return  # the suspect was literal text, like `\\u001b`
    path, char, what = found
    at = _JSON_CONTROL_AT.search(line)
    column = (at.start(1) if at[1] else at.start()) + 1 if at else None
    raise InputError.at(shown, control_message(char, what), number, column, dotted(path))


def _control_in(data: Any) -> tuple[Key, str, str] | None:
    """The first text in parsed JSON, in the order written, that holds a control character: where it is
    (a key's mapping), the character, and whether it is a key or text."""
    stack: list[tuple[Key, Any, str]] = [((), data, "text")]
    while stack:  # not recursive: json.loads nests data as deep as Python's stack allows
        path, value, what = stack.pop()
        if isinstance(value, str):
            found = CONTROL.search(value)
            if found:
                return path, found[0], what
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack += [((*path, key), item, "text"), (path, key, "key")]
        elif isinstance(value, list):
            stack += [((*path, i), item, "text") for i, item in reversed(list(enumerate(value)))]
    return None


def _line_problem(exc: ValidationError, line: str, shown: str, number: int) -> Problem:
    """The first thing wrong with one line of a JSON Lines table."""
    errors = exc.errors(include_url=False)
    if errors and errors[0]["type"] == "json_invalid":
        reason = str(errors[0].get("ctx", {}).get("error", errors[0]["msg"]))
        found = re.search(r"number out of range at line \d+ column (\d+)", reason)
        if found:
            return _number_too_large(line, int(found[1]) - 1, shown, number)
        return Problem(shown, f"not a JSON object: {errors[0]['msg'].lower()}", number)
    # only now is the line parsed as plain data, for the error's wording
    doc = Document(shown, json.loads(line), {(): (number, 1)})
    problem = problems_from(exc, doc, Incident)[0]
    return Problem(shown, problem.message, number, None, problem.path)


_NUMBER = re.compile(r"-?[0-9.eE+-]*")
_KEY_BEFORE = re.compile(r'"([a-z_]+)"\s*:\s*$')
_NUMBER_HINTS = {
    "killed": f"a whole number up to {MAX_COUNT:,}",
    "wounded": f"a whole number up to {MAX_COUNT:,}",
    "lat": "a latitude from -90 to 90",
    "lon": "a longitude from -180 to 180",
}


def _number_too_large(line: str, inside: int, shown: str, number: int) -> Problem:
    """A number too long for the JSON reader to hold (`inside` is an index within it), quoted and placed."""
    start = inside
    while start > 0 and line[start - 1] in "0123456789.eE+-":
        start -= 1
    digits = _NUMBER.match(line, start)
    token = digits[0] if digits else line[start:inside]
    key = _KEY_BEFORE.search(line, 0, start)
    hint = _NUMBER_HINTS.get(key[1], "") if key else ""
    size = "small" if token.startswith("-") else "large"
    message = f"`{_short(token)}` ({len(token):,} characters) is too {size}" + (f"; expected {hint}" if hint else "")
    return Problem(shown, message, number, start + 1, key[1] if key else "")


_HEADER = "a header line naming its columns, from " + ", ".join(TABLE_COLUMNS)
_COUNT = re.compile(r"-?[0-9]+")  # plain digits: not `1_000`, `+3`, `1e3` or other scripts' digits


def _from_csv(text: str, shown: str) -> list[tuple[int, Incident]]:
    if not text.strip():
        raise InputError.at(shown, f"file is empty; expected {_HEADER}")
    _refuse_csv_control(text, shown)
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)  # strict: a quote left open is an error
    number = 1
    try:
        header = next(rows, [])
        columns = _columns(header, shown)
        incidents = []
        number = rows.line_num + 1
        for row in rows:
            if len(row) != len(columns):
                if not row or (len(row) == 1 and not row[0].strip()):  # a blank line
                    number = rows.line_num + 1
                    continue
                raise InputError.at(shown, f"row has {len(row)} cells; the header has {len(columns)}", number)
            incidents.append((number, _csv_incident(dict(zip(columns, row, strict=True)), shown, number)))
            number = rows.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if reason == "unexpected end of data":
            reason = 'a quoted cell is never closed (a `"` is missing)'
        raise InputError.at(shown, f"not valid CSV: {reason}", number) from None
    if not incidents:
        raise InputError.at(shown, "file holds no incidents; expected rows under the header", 1)
    return incidents


# a column's field in an incident, as _csv_incident places it
_CSV_FIELDS = {"region": "location.region", "killed": "casualties.killed", "wounded": "casualties.wounded"}


def _refuse_csv_control(text: str, shown: str) -> None:
    """Refuse a table holding a control character anywhere, before any of its text is quoted back."""
    found = CONTROL.search(text)
    if found is None:
        return
    at = found.start()
    # lines counted as the csv reader counts them: a line ends at \n, \r\n or a lone \r
    line = 1 + text.count("\n", 0, at) + text.count("\r", 0, at) - text.count("\r\n", 0, at)
    column = at - max(text.rfind("\n", 0, at), text.rfind("\r", 0, at))
    field, what = _csv_field_with_control(text)
    raise InputError.at(shown, control_message(found[0], what), line, column, field)


def _csv_field_with_control(text: str) -> tuple[str, str]:
    """The field of the first cell holding a control character (none for a column name), and which it is."""
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(rows, [])
        if any(CONTROL.search(name) for name in header):
            return "", "column name"
        for row in rows:
            index = next((i for i, cell in enumerate(row) if CONTROL.search(cell)), None)
            if index is not None:
                name = header[index] if index < len(header) else ""
                return _CSV_FIELDS.get(name, name), "text"
    except csv.Error:
        pass  # not valid CSV before the character: its line and column still say where
    return "", "text"


def _columns(header: list[str], shown: str) -> list[str]:
    """The header's column names, each known and given once, `id` among them."""
    if not header:
        raise InputError.at(shown, f"the first line is empty; expected {_HEADER}", 1)
    seen: dict[str, int] = {}
    for i, name in enumerate(header, 1):
        if name not in TABLE_COLUMNS:
            separator = next((s for s in (";", "\t", "|") if s in name), None)
            if separator is not None and len(header) == 1:
                shown_separator = "tabs" if separator == "\t" else f"`{separator}`"
                raise InputError.at(
                    shown, f"unknown column `{name}`; separate columns with commas, not {shown_separator}", 1
                )
            raise InputError.at(
                shown,
                f"unknown column `{name}`{did_you_mean(name.strip().lower(), TABLE_COLUMNS)}; expected columns "
                + ", ".join(TABLE_COLUMNS),
                1,
            )
        if name in seen:
            raise InputError.at(shown, f"column `{name}` is given twice (columns {seen[name]} and {i})", 1)
        seen[name] = i
    if "id" not in seen:
        raise InputError.at(shown, "no `id` column; expected columns " + ", ".join(TABLE_COLUMNS), 1)
    return header


def _csv_incident(cells: dict[str, str], shown: str, number: int) -> Incident:
    """One row as an incident: empty cells absent, counts read as plain whole numbers."""
    data: dict[str, Any] = {
        k: cells[k] for k in ("id", "time", "actor", "act", "target", "intended_target") if cells.get(k)
    }
    if cells.get("region"):
        data["location"] = {"region": cells["region"]}
    casualties: dict[str, int] = {}
    for key in ("killed", "wounded"):
        cell = cells.get(key, "").strip()
        if not cell:
            continue
        if not _COUNT.fullmatch(cell):
            raise InputError.at(
                shown, f"expected a whole number, got `{_short(cell)}`", number, path=f"casualties.{key}"
            )
        # past Python's limit on digits a count is far too large anyway: its first 4,000 digits say so alike
        casualties[key] = int(cell[:4000])
    if casualties:
        data["casualties"] = casualties
    try:
        return Incident.model_validate(data)
    except ValidationError as exc:
        doc = Document(shown, data, {(): (number, 1)})
        problem = problems_from(exc, doc, Incident)[0]
        raise InputError([Problem(shown, problem.message, number, None, problem.path)]) from None


__all__ = ["MAX_BYTES", "load_incidents", "load_ruleset", "load_scenario", "read_ruleset"]

"""Read scenario files and incident tables into checked incidents."""

from __future__ import annotations

import csv
import heapq
import io
import json
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.errors import InputError, Problem, at_pos, did_you_mean
from engine.incidents.model import MAX_COUNT, Incident, Scenario
from engine.memory import paused_gc
from engine.ruleset.compile import Compiled
from engine.ruleset.load import YAML, find_ruleset, inside_project, load_ruleset, read_ruleset
from engine.validation import problems_from, short, validate
from engine.yamlsafe import CONTROL, Document, Key, control_message, dotted, load_yaml, read_text, stat_of

TABLE_COLUMNS = ("id", "time", "actor", "act", "target", "intended_target", "region", "killed", "wounded")


if TYPE_CHECKING:
    import polars as pl

TABLES = (".jsonl", ".ndjson", ".csv", ".parquet")


TABLE_LIMIT = 1024 * 1024 * 1024


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
    else:
        for key, message in unreadable_times(compiled, scenario.incidents):
            line, column = doc.where(key) or (None, None)
            problems.append(Problem(doc.file, message, line, column, dotted(key)))
    if problems:
        raise InputError(problems)
    return LoadedScenario(scenario, compiled, doc)


def told_times(incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """Each time a scenario's incidents tell, with where it is written (`incidents[i].accounts[j].time`)."""
    for i, incident in enumerate(incidents):
        if incident.time is not None:
            yield ("incidents", i, "time"), incident.time
        for j, account in enumerate(incident.accounts):
            if account.time is not None:
                yield ("incidents", i, "accounts", j, "time"), account.time


def unreadable_times(compiled: Compiled, incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """Times the ruleset cannot read (a local time where it names no zone), each with where it is and why.

    Incidents are validated before their ruleset is known: a time's shape then, what it means here.
    """
    for key, time in told_times(incidents):
        message = compiled.unreadable(time)
        if message is not None:
            yield key, message


def implausible_times(compiled: Compiled, incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """Times far from the ruleset's window (see `Compiled.implausible`), each with where it is written."""
    for key, time in told_times(incidents):
        if compiled.implausible(time):
            yield key, time


def implausible_problem(
    compiled: Compiled,
    file: str,
    count: int,
    first: str,
    line: int | None = None,
    column: int | None = None,
    path: str = "",
) -> Problem:
    """A warning that `count` incidents tell a time far from the window, quoting the first (`first`)."""
    low, high = compiled.plausible_years
    many = f"{count:,} incidents tell" if count != 1 else "1 incident tells"
    message = (
        f"{many} a time implausibly far from the window (years {low} to {high} are plausible), the first "
        f"`{first}`; check its year (verdicts flag it `implausible_time`)"
    )
    return Problem(file, message, line, column, path, "warning")


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
    """What a command evaluates: a name, the compiled ruleset, the incident frame (and a scenario's file).

    `frame` is an incident frame (`engine.incidents.frame.INCIDENTS`); `scenario` and `document` are
    None for an incident table.
    """

    name: str
    compiled: Compiled
    frame: pl.DataFrame
    scenario: Scenario | None
    document: Document | None


def load_input(path: str | Path, rules: str | None = None, sets: Sequence[str] = ()) -> Loaded:
    """A scenario file with its ruleset, or an incident table with the ruleset `rules` names."""
    from engine.incidents.frame import frame_of

    path = Path(path)
    info = stat_of(path, str(path))
    suffix = path.suffix.lower()
    if stat.S_ISREG(info.st_mode) and suffix not in (*TABLES, *YAML):
        named = f"`{suffix}` is not a format ceasefire reads" if suffix else "a file without an extension"
        raise InputError.at(
            str(path), f"{named}; expected a scenario (.yaml) or an incident table (.jsonl, .csv, .parquet)"
        )
    if suffix in TABLES:
        if rules is None:
            raise InputError.at(str(path), "an incident table names no ruleset; pass --rules RULESET")
        from engine.incidents.tables import read_table

        compiled = load_ruleset(rules, sets=sets)
        frame = read_table(path)
        _refuse_unreadable_times(compiled, frame, path)
        return Loaded(path.stem, compiled, frame, None, None)
    loaded = load_scenario(path, rules, sets)
    scenario = loaded.scenario
    return Loaded(scenario.scenario, loaded.compiled, frame_of(scenario.incidents), scenario, loaded.document)


def _refuse_unreadable_times(compiled: Compiled, frame: pl.DataFrame, path: Path) -> None:
    """Refuse the first time of a table the ruleset cannot read, at its line (a Parquet table: its row)."""
    from engine.incidents.tables import first_local_time

    if compiled.timezone is not None:
        return
    found = first_local_time(frame)
    if found is None:
        return
    row, account, time = found
    message = compiled.unreadable(time)
    assert message is not None, f"`{time}` is a local time"
    field = "time" if account is None else f"accounts[{account}].time"
    shown = str(path)
    if path.suffix.lower() == ".parquet":
        raise InputError.at(shown, message, path=f"row {row + 1}: {field}")
    raise InputError.at(shown, message, incident_lines(path)[row], path=field)


def incident_lines(path: Path) -> list[int]:
    """The line each incident of a JSON Lines or CSV table starts on, in order (the row reader's count)."""
    shown = str(path)
    text = read_text(path, shown, limit=TABLE_LIMIT)
    with paused_gc():
        read = _from_csv(text, shown) if path.suffix.lower() == ".csv" else _from_jsonl(text, shown)
    return [line for line, _ in read]


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
    message = f"`{short(token)}` ({len(token):,} characters) is too {size}" + (f"; expected {hint}" if hint else "")
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
                shown, f"expected a whole number, got `{short(cell)}`", number, path=f"casualties.{key}"
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

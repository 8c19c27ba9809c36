"""Read scenario files and incident tables into checked incidents."""

from __future__ import annotations

import csv
import heapq
import io
import json
import os
import re
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from engine.errors import InputError, Problem, at_pos, did_you_mean
from engine.incidents.model import LOCATION_ALIASES, MAX_COUNT, Incident, Scenario, both_given
from engine.memory import paused_gc
from engine.ruleset.compile import Compiled
from engine.ruleset.load import YAML, find_ruleset, load_ruleset, read_ruleset
from engine.times import read_time
from engine.validation import problems_from, short, validate
from engine.yamlsafe import CONTROL, Document, Key, control_message, dotted, load_yaml, read_text, stat_of

# A flat table's columns (CSV headers, JSON Lines' top-level keys where flat, Parquet columns), in ACLED's words.
TABLE_COLUMNS = (
    "id",
    "time",
    "actor",
    "act",
    "target",
    "intended_target",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "precision_km",
    "notes",
    "source",
    "killed",
    "wounded",
    "mutual",
)
# Older names of columns, each read as the standard one (`Location`'s aliases); a table gives one or the other.
COLUMN_ALIASES = {alias: standard for alias, standard in LOCATION_ALIASES}
# Columns of numbers: counts are whole, the point's are decimal.
COUNT_COLUMNS = ("killed", "wounded")
DECIMAL_COLUMNS = ("latitude", "longitude", "precision_km")
# Columns of true or false: in CSV `true` or `false` in any case (polars writes `true`, pandas `True`), an empty
# cell not told (false); in Parquet a boolean type, null not told.
BOOLEAN_COLUMNS = ("mutual",)
# The columns whose cells are values, not text (`read_cell`).
VALUE_COLUMNS = (*COUNT_COLUMNS, *DECIMAL_COLUMNS, *BOOLEAN_COLUMNS)
# How a column is placed in an incident (`Location` calls the named location `name`); the rest are top-level.
COLUMN_FIELDS = {
    **{c: f"location.{c}" for c in ("country", "admin1", "admin2", "admin3", *DECIMAL_COLUMNS, *COLUMN_ALIASES)},
    "location": "location.name",
    **{c: f"casualties.{c}" for c in COUNT_COLUMNS},
}
# A name this close to a known column's (difflib's ratio) is taken for a misspelling of it: `admn1`, `Admin1`,
# `lattitude`. Further off, it is another tool's column, read by none here (`timestamp`, `tags`, `geo_precision`).
CLOSE_NAME = 0.8
# `check` lists this many bad rows of a table, then counts the rest.
ROW_PROBLEM_LIMIT = 50


if TYPE_CHECKING:
    import polars as pl

    from engine.evaluation.result import Skipped
    from engine.incidents.eventdata import EventTable
    from engine.incidents.tables import TableReader

TABLES = (".jsonl", ".ndjson", ".csv", ".parquet")


TABLE_LIMIT = 2 * 1024 * 1024 * 1024  # bytes: 10M rows of CSV with every place column are about 1.2 GB


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
    if is_ruleset(doc):
        raise InputError.at(
            doc.file,
            "this is a ruleset; expected a scenario, which names its ruleset (`ruleset: ID`) or takes one from "
            "`--rules RULESET` where the command has it",
        )
    given: Compiled | None = None  # the ruleset --rules names, loaded where the scenario names none
    if rules is not None and isinstance(doc.data, dict) and "ruleset" not in doc.data:
        given = load_ruleset(rules, sets=sets)
        doc = replace(doc, data={**doc.data, "ruleset": given.id})
    try:
        scenario: Scenario = validate(doc, Scenario)
    except InputError as exc:
        hint = "; name it (`ruleset: syria-2016-09`) or pass --rules RULESET"
        raise InputError(
            [replace(p, message=p.message + hint) if p.message == "`ruleset` is required" else p for p in exc.problems]
        ) from None
    problems: list[Problem] = []
    try:
        check_ids(doc, scenario.incidents)
    except InputError as exc:
        problems += exc.problems
    try:
        if given is not None:
            compiled = given
        elif rules is not None:
            compiled = load_ruleset(rules, sets=sets)
        else:
            found = scenario_ruleset(doc, path, scenario.ruleset)
            compiled = read_ruleset(found, str(found), sets).compiled
    except InputError as exc:
        problems += exc.problems
    else:
        for key, message in (*unreadable_times(compiled, scenario.incidents), *responses(compiled, scenario.incidents)):
            line, column = doc.where(key) or (None, None)
            problems.append(Problem(doc.file, message, line, column, dotted(key)))
    if problems:
        raise InputError(problems)
    return LoadedScenario(scenario, compiled, doc)


def is_ruleset(doc: Document) -> bool:
    """Whether a parsed file is a ruleset, not a scenario: it has a top-level `rules` or `extends`, and no
    `incidents`."""
    return isinstance(doc.data, dict) and ("rules" in doc.data or "extends" in doc.data) and "incidents" not in doc.data


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


def refuse_unreadable_under(rulesets: Sequence[Compiled], path: Path, incidents: pl.DataFrame) -> None:
    """Refuse the first time of an input loaded under another ruleset (a scenario's file, or a table, at `path`;
    `incidents` its incident frame) that one of `rulesets` cannot read, at its line, as loading it under that one
    would: a local time where it names no zone, or one its zone's clocks skip (`whatif`'s variants). A scenario's
    file is read again once, whatever the number of rulesets.

    Raises `InputError`.
    """
    from engine.incidents.frame import incidents_of
    from engine.incidents.tables import refuse_unreadable_times

    if path.suffix.lower() not in YAML:
        for compiled in rulesets:
            refuse_unreadable_times(compiled, incidents, path)
        return
    if not rulesets:
        return
    doc, told = load_yaml(path, str(path)), incidents_of(incidents)
    for compiled in rulesets:
        problems = []
        for key, message in unreadable_times(compiled, told):
            line, column = doc.where(key) or (None, None)
            problems.append(Problem(doc.file, message, line, column, dotted(key)))
        if problems:
            raise InputError(problems)


def repeated_times(compiled: Compiled, incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """Local times the ruleset's zone has its clocks show twice, each read as either (see `Compiled.repeated`),
    with where it is written and why."""
    for key, time in told_times(incidents):
        message = compiled.repeated(time)
        if message is not None:
            yield key, message


def repeated_problem(
    file: str, count: int, why: str, line: int | None = None, column: int | None = None, path: str = ""
) -> Problem:
    """A warning that `count` incidents tell a local time the ruleset's zone shows twice: `why`, the first's."""
    many = f" ({count:,} incidents tell a time its clocks show twice, this the first)" if count != 1 else ""
    return Problem(file, why + many, line, column, path, "warning")


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
    """The ruleset file a scenario names (found from the scenario's folder, see `find_ruleset`), and a file."""
    line = doc.where(("ruleset",))
    try:
        found = find_ruleset(ref, path.parent)
    except LookupError as exc:
        raise at_pos(doc.file, line, str(exc), "ruleset") from None
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


def responses(compiled: Compiled, incidents: Sequence[Incident]) -> Iterator[tuple[Key, str]]:
    """What is wrong with each `in_response_to`, with where it is written: an id no incident of the input has,
    the incident itself, one that its record's time puts after the response, or a cycle of responses."""
    index = {incident.id: i for i, incident in enumerate(incidents)}
    for i, incident in enumerate(incidents):
        answered = incident.in_response_to
        if answered is None:
            continue
        key: Key = ("incidents", i, "in_response_to")
        if answered == incident.id:
            yield key, f"incident `{answered}` cannot respond to itself; name the incident it answers"
        elif answered not in index:
            yield key, f"no incident `{answered}` in this input{did_you_mean(answered, list(index), begun=True)}"
        elif _before(compiled, incident.time, incidents[index[answered]].time):
            yield (
                key,
                (
                    f"incident `{incident.id}` ({incident.time}) responds to `{answered}`, which comes after it "
                    f"({incidents[index[answered]].time}); a response follows what it answers"
                ),
            )
        elif _cycle(incidents, index, i):
            yield key, f"incident `{incident.id}` is in a cycle of responses (it answers, in the end, itself)"


def _before(compiled: Compiled, response: str | None, answered: str | None) -> bool:
    """Whether the response's time certainly ends before the time of the incident it answers begins."""
    if response is None or answered is None:
        return False
    try:
        return compiled.bounds(read_time(response), response)[1] <= compiled.bounds(read_time(answered), answered)[0]
    except ValueError:  # an unreadable time is refused on its own
        return False


def _cycle(incidents: Sequence[Incident], index: dict[str, int], start: int) -> bool:
    seen = {start}
    at = incidents[start].in_response_to
    while at is not None and at in index:
        if index[at] in seen:
            return index[at] == start
        seen.add(index[at])
        at = incidents[index[at]].in_response_to
    return False


@dataclass(frozen=True)
class Loaded:
    """What a command evaluates: a name, the compiled ruleset, the incidents (and a scenario's file).

    `read` is an incident frame (`engine.incidents.frame.INCIDENTS`); or an incident table read a block at a
    time as `parts` are asked for (`engine.incidents.tables.TableReader`); or an ACLED or UCDP GED export
    (`engine.incidents.eventdata.EventTable`), read so too. `frame` is the whole frame either way.
    `scenario` and `document` are None for an incident table.
    """

    name: str
    compiled: Compiled
    read: pl.DataFrame | TableReader | EventTable
    scenario: Scenario | None
    document: Document | None
    found: tuple[Problem, ...] = ()

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What reading found worth saying but not refusing (a table's columns ceasefire does not read, local times
        its ruleset's zone shows twice): for a table read a block at a time, known once it has been read through."""
        from engine.incidents.tables import TableReader

        if isinstance(self.read, TableReader):
            return (*self.read.warnings, *self.read.repeated.problems())
        return self.found

    @cached_property
    def frame(self) -> pl.DataFrame:
        """Every incident, as one incident frame (a table or an export read a block at a time is read whole for it)."""
        from engine.incidents.eventdata import EventTable
        from engine.incidents.tables import TableReader

        return self.read.frame() if isinstance(self.read, (EventTable, TableReader)) else self.read

    @property
    def skipped(self) -> Skipped:
        """The rows an export's reading has skipped as bad so far (every one once it has been read through), for
        reports: how many, and the first few in row order; none for other inputs, whose bad rows are refused."""
        from engine.evaluation.result import SKIPPED_LISTED, Skipped

        events = self.events
        if events is None or not events.bad.count:
            return Skipped()
        return Skipped(events.bad.count, tuple(in_row_order(events.bad.found)[:SKIPPED_LISTED]))

    @property
    def events(self) -> EventTable | None:
        """The ACLED or UCDP GED export read, if that is what was loaded."""
        from engine.incidents.eventdata import EventTable

        return self.read if isinstance(self.read, EventTable) else None

    def parts(
        self, batch: int | None, progress: Callable[[int], None] | None = None
    ) -> Generator[pl.DataFrame, None, None]:
        """The incidents in parts of at most `batch` (None: all of them in one), at least one part: a table or an
        export read a block at a time is read as the parts are asked for, in parts of its largest block's size.

        `progress` is called with how far an export's reading has got (see `EventTable.batches`). Raises
        `InputError` for a table read a block at a time when the block that shows its problem is reached.
        """
        import polars as pl

        from engine.incidents.tables import TableReader

        if batch is None:
            yield self.frame
            return
        if isinstance(self.read, TableReader):
            blocks = self.read.batches()
        elif self.events is not None:
            blocks = self.events.batches(progress)
        else:
            blocks = iter([self.frame])
        # Parts the size of the largest block so far (at most `batch`), a block's last rows joined to the next
        # block's first: a part judged costs time of its own, and memory by its rows (a block is sized to that).
        held: list[pl.DataFrame] = []
        rows, size, given = 0, 0, False
        for block in blocks:
            held.append(block)
            rows += block.height
            size = min(batch, max(size, block.height))
            while size and rows >= size:
                joined = pl.concat(held) if len(held) > 1 else held[0]
                yield joined.slice(0, size)
                rest = joined.slice(size)
                held, rows, given = [rest], rest.height, True
        if rows or not given:
            yield pl.concat(held) if len(held) > 1 else held[0]

    def again(self, batch: int) -> Callable[[], Iterator[pl.DataFrame]] | None:
        """What gives the incidents again as `parts(batch)` gives them, each time it is called: a table or an export
        read from its file once more (a new reader: what the first reading found is not forgotten), a frame sliced
        again. None for a file that cannot be read twice (a pipe, a device).

        The file is to be as it was when this was called: one whose size, time of change or identity differ
        when it is read again raises `InputError` (written while it was read), not verdicts of two files.
        """
        import os

        import polars as pl

        from engine.incidents.eventdata import EventTable
        from engine.incidents.tables import TableReader

        read = self.read
        if isinstance(read, pl.DataFrame):
            return lambda: self.parts(batch)

        def identity() -> tuple[int, ...] | None:
            try:
                info = os.stat(read.path)
            except OSError:
                return None
            regular = stat.S_ISREG(info.st_mode)
            # the status change time too: writing a file moves it, even where its time of change is put back
            return (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns) if regular else None

        seen = identity()
        if seen is None:
            return None

        def unchanged() -> None:
            if identity() != seen:
                raise InputError.at(
                    read.shown,
                    "changed while it was being read (a phase that begins after quiet days has it read twice); "
                    "run again once it is written whole",
                )

        def parts() -> Iterator[pl.DataFrame]:
            unchanged()
            fresh: TableReader | EventTable = (
                TableReader(read.path, self.compiled, read.block, read.rows, read.hive, read.folders)
                if isinstance(read, TableReader)
                else EventTable(read.path, read.kind, read.block, read.rows)
            )
            yield from Loaded(self.name, self.compiled, fresh, None, None).parts(batch)
            unchanged()

        return parts


# What to do with a file ceasefire does not read that holds one it does: an archive, a spreadsheet. An archive is
# not read as it comes: the readers check a table's bytes where they are, and read large ones a block at a time.
_UNPACK = "; unpack it first"
_SAVE_AS_CSV = "; save it as comma-separated CSV (Excel: CSV UTF-8)"
FORMAT_HINTS = {
    **dict.fromkeys((".gz", ".bz2", ".xz", ".zip"), _UNPACK),
    **dict.fromkeys((".xlsx", ".xlsm", ".xls", ".ods"), _SAVE_AS_CSV),
}


def refuse_format(path: Path, info: os.stat_result) -> None:
    """Refuse a regular file (`info`, its status) whose suffix names neither a scenario nor an incident table, with
    what to do where its suffix says (`FORMAT_HINTS`).

    Raises `InputError`.
    """
    suffix = path.suffix.lower()
    if not stat.S_ISREG(info.st_mode) or suffix in (*TABLES, *YAML):
        return
    named = f"`{suffix}` is not a format ceasefire reads" if suffix else "a file without an extension"
    raise InputError.at(
        str(path),
        f"{named}; expected a scenario (.yaml) or an incident table (.jsonl, .csv, .parquet)"
        + FORMAT_HINTS.get(suffix, ""),
    )


def load_input(
    path: str | Path,
    rules: str | None = None,
    sets: Sequence[str] = (),
    source: str | None = None,
    strict: bool = False,
    stream: bool = False,
) -> Loaded:
    """A scenario file with its ruleset, or an incident table with the ruleset `rules` names.

    With `stream`, a table is read a block at a time as `Loaded.parts` are asked for (its problems raised
    then); else it is read, and refused if bad, here.

    A CSV or Parquet table whose columns are an ACLED or UCDP GED export's is read as one (`source`, `acled`
    or `ucdp`, says which it must be). Its bad rows are skipped, and kept in `Loaded.events.bad`; with
    `strict`, the export is read through first and any bad row refused (each its own line).
    """
    from engine.incidents.frame import frame_of

    path = Path(path)
    info = stat_of(path, str(path))
    suffix = path.suffix.lower()
    if source is not None and stat.S_ISREG(info.st_mode) and suffix in YAML:
        raise InputError.at(str(path), f"--from {source} reads an export (.csv or .parquet); this is a scenario")
    refuse_format(path, info)
    if suffix in TABLES:
        from engine.incidents.eventdata import EventTable, kind_of

        kind = kind_of(path, source) if stat.S_ISREG(info.st_mode) or source is not None else None
        if rules is None:
            raise InputError.at(str(path), "an incident table names no ruleset; pass --rules RULESET")
        compiled = load_ruleset(rules, sets=sets)
        if kind is not None:
            events = EventTable(path, kind)
            if strict:
                for _ in events.batches(severity="error"):
                    pass
                if events.bad.count:
                    raise InputError(events.bad.problems("error"))
            return Loaded(path.stem, compiled, events, None, None)
        from engine.incidents.tables import TableReader

        table = TableReader(path, compiled)
        if stream:
            return Loaded(path.stem, compiled, table, None, None)
        frame = table.frame()
        return Loaded(path.stem, compiled, frame, None, None, (*table.warnings, *table.repeated.problems()))
    loaded = load_scenario(path, rules, sets)
    scenario, doc = loaded.scenario, loaded.document
    return Loaded(scenario.scenario, loaded.compiled, frame_of(scenario.incidents), scenario, doc, found_in(loaded))


def found_in(loaded: LoadedScenario) -> tuple[Problem, ...]:
    """What reading a scenario found worth saying but not refusing (`Loaded.warnings`): the local times its
    ruleset's zone shows twice, in one line however many (`check` says each at its own)."""
    repeated = list(repeated_times(loaded.compiled, loaded.scenario.incidents))
    if not repeated:
        return ()
    key, why = repeated[0]
    line, column = loaded.document.where(key) or (None, None)
    return (repeated_problem(loaded.document.file, len(repeated), why, line, column, dotted(key)),)


# How much of a text table's start is looked at for its line ends: a header line is far shorter.
HEAD = 64 * 1024


def refuse_bare_returns(head: bytes, shown: str) -> None:
    """Refuse a CSV or JSON Lines table whose lines end with a bare carriage return (as Excel's "CSV (Macintosh)"
    saves one), told from its first bytes (`head`, `HEAD` or more): a carriage return and no line feed. The readers
    of blocks and of headers end a line at a line feed alone, so the whole file would be read as one line.

    Raises `InputError` at line 1.
    """
    if b"\r" in head and b"\n" not in head:
        message = "the lines end with a bare carriage return; save the file with LF or CRLF line ends"
        raise InputError.at(shown, message, 1)


def _table_text(path: Path, shown: str) -> str:
    """A CSV or JSON Lines table's text for the row reader (`read_text`), its line ends checked."""
    text = read_text(path, shown, limit=TABLE_LIMIT)
    refuse_bare_returns(text[:HEAD].encode(), shown)
    return text


def incident_lines(path: Path) -> list[int]:
    """The line each incident of a JSON Lines or CSV table starts on, in order (the row reader's count)."""
    shown = str(path)
    text = _table_text(path, shown)
    with paused_gc():
        rows = RowProblems(shown, False)
        read, _ = _from_csv(text, shown, rows) if path.suffix.lower() == ".csv" else _from_jsonl(text, shown, rows)
    return [line for line, _ in read]


def load_incidents(path: str | Path, warnings: list[Problem] | None = None, every: bool = False) -> list[Incident]:
    """Incidents from a JSON Lines (.jsonl) or CSV (.csv) table.

    Raises `InputError`: at the first bad row, or with `every`, at the end, with every bad row's problem
    (up to `ROW_PROBLEM_LIMIT`, then how many more). Columns (JSON Lines: top-level keys) ceasefire does
    not read, and whose names are not close to one it does, are left out, with one warning appended to
    `warnings` (when given) naming them all.
    """
    path = Path(path)
    shown = str(path)
    text = _table_text(path, shown)
    suffix = path.suffix.lower()
    rows = RowProblems(shown, every)
    with paused_gc():  # a large table makes objects by the million, none in a cycle
        if suffix in (".jsonl", ".ndjson"):
            incidents, ignored = _from_jsonl(text, shown, rows)
        elif suffix == ".csv":
            incidents, ignored = _from_csv(text, shown, rows)
        else:
            raise InputError.at(shown, f"unknown table format `{suffix}`; expected .jsonl or .csv")
    first: dict[str, int] = {}
    for line, told in sorted([*((line, incident.id) for line, incident in incidents), *rows.ids]):
        if told in first:
            message = f"incident id `{told}` is used twice (first on line {first[told]})"
            rows.add(Problem(shown, message, line, None, "id"))
        first.setdefault(told, line)
    rows.raise_any()
    if not incidents:
        raise InputError.at(shown, "file holds no incidents; expected one JSON object a line")
    if warnings is not None and ignored:
        warnings.append(ignored_columns(shown, ignored))
    return [incident for _, incident in incidents]


def row_of(problem: Problem) -> int | None:
    """The row a table's problem is at: its line, or (Parquet) the `row N` its path starts with; None for none."""
    if problem.line is not None:
        return problem.line
    found = re.match(r"row (\d+)", problem.path or "")
    return int(found[1]) if found else None


def in_row_order(problems: Iterable[Problem]) -> list[Problem]:
    """A table's problems by the row they are at (`row_of`); those at no row (how many more there were) last, each
    kind in the order given."""
    return sorted(problems, key=lambda p: (row_of(p) is None, row_of(p) or 0))


class RowProblems:
    """Where a table reader puts what is wrong with its rows: raised at the first (to run a table), or
    kept, up to `limit`, and counted past it, to be raised together (to check one)."""

    def __init__(self, shown: str, every: bool = False, limit: int = ROW_PROBLEM_LIMIT) -> None:
        self.shown, self.every, self.limit = shown, every, limit
        self.found: list[Problem] = []
        self.count = 0
        self.ids: list[tuple[int, str]] = []  # (line, id) of each bad row that names one: an id used twice is seen

    def bad_row_id(self, line: int, told: object) -> None:
        """Note the id a bad row gives (text, or a whole number as a table may write one), when every problem is
        kept: another row may use it too."""
        if self.every and isinstance(told, str | int) and not isinstance(told, bool) and str(told):
            self.ids.append((line, str(told)))

    def add(self, problem: Problem) -> None:
        if not self.every:
            raise InputError([problem])
        self.count += 1
        if len(self.found) < self.limit:
            self.found.append(problem)

    def raise_any(self) -> None:
        """Raise every problem kept, and how many more there were; nothing if there were none."""
        if not self.count:
            return
        more = self.count - len(self.found)
        self.found = in_row_order(self.found)  # ids used twice are found after the rows: in row order
        rest = [Problem(self.shown, f"… and {more:,} more bad row{'s' if more != 1 else ''}")] if more else []
        raise InputError([*self.found, *rest])


def table_columns(
    names: Sequence[str], shown: str, known: Sequence[str] = TABLE_COLUMNS
) -> tuple[dict[str, str], list[str]]:
    """The columns a table's header names: {each read, as named: its standard name}, and those left out.

    A name that is not known but close to one (`admn1`, `Admin1`) is a misspelling: an error, as are a
    name given twice, an alias given with its standard name (`region` and `admin1`), and no `id`.
    Any other unknown name is another tool's column: left out.
    """
    read: dict[str, str] = {}
    ignored: list[str] = []
    spellings = (*known, *COLUMN_ALIASES)
    for i, name in enumerate(names, 1):
        if name in read or name in ignored:
            first = names.index(name) + 1
            raise InputError.at(shown, f"column `{name}` is given twice (columns {first} and {i})", 1)
        if name in spellings:
            standard = COLUMN_ALIASES.get(name, name)
            other = next((n for n, s in read.items() if s == standard), None)
            if other is not None:
                alias, given = (other, name) if other in COLUMN_ALIASES else (name, other)
                raise InputError.at(shown, "columns " + both_given(alias, given), 1)
            read[name] = standard
            continue
        hint = column_hint(name, spellings)
        if hint:
            raise InputError.at(shown, f"unknown column `{name}`{hint}; expected columns " + ", ".join(known), 1)
        ignored.append(name)
    if "id" not in read:
        raise InputError.at(shown, "no `id` column; expected columns " + ", ".join(known), 1)
    return read, ignored


# The names a JSON Lines row's top-level key is held to: the model's, and a flat table's columns (which
# in JSON Lines belong inside `location` or `casualties`).
_JSONL_NAMES = tuple(dict.fromkeys((*Incident.model_fields, *TABLE_COLUMNS, *COLUMN_ALIASES)))


def misplaced_key(key: str) -> bool:
    """Whether a top-level key of a JSON Lines row that the model refuses is a mistake (a misspelling,
    or a flat table's column like `killed`), rather than another tool's key, to be left out."""
    return key in _JSONL_NAMES or bool(column_hint(key, _JSONL_NAMES))


def column_hint(name: str, spellings: Iterable[str]) -> str:
    """`did_you_mean` for a column name (or key) spelled nearly as one of `spellings` (at least `CLOSE_NAME`), but not
    as one that differs from it in its digits alone: another level of a numbered field (`admin0`, a country in
    GADM's words, is no misspelling of `admin3`); nor for a name that is one of `spellings` with words joined to it
    by `_`, `-` or `.`: another field of the same thing (`location_id`, `source_url`, `admin1_pcode`)."""
    spellings = tuple(spellings)
    word = name.strip().lower()
    words = [w for w in re.split(r"[_.\- ]+", word) if w]
    parts = ("_".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
    whole = "_".join(words)  # `intended-target` is a misspelling of `intended_target`, not a field of `target`
    if len(words) > 1 and whole not in spellings and any(part in spellings for part in parts if part != whole):
        return ""
    level = re.sub(r"\d", "", word)
    return did_you_mean(word, (s for s in spellings if s == word or re.sub(r"\d", "", s) != level), CLOSE_NAME)


def ignored_columns(shown: str, names: Sequence[str]) -> Problem:
    """The one warning for a table's columns that ceasefire does not read, named in order."""
    many = f"{len(names)} columns" if len(names) != 1 else "1 column"
    return Problem(shown, f"ignoring {many} ceasefire does not read: " + ", ".join(sorted(names)), severity="warning")


# What the row reader tells the model of a table row: an id may be a whole number.
TABLE_ROW = {"table": True}


def _from_jsonl(text: str, shown: str, rows: RowProblems) -> tuple[list[tuple[int, Incident]], list[str]]:
    """Each line's incident (with its number), and the top-level keys left out as another tool's columns."""
    incidents = []
    ignored: dict[str, None] = {}
    suspects = _suspect_lines(text)
    suspect = next(suspects, 0)
    # Lines end at \n alone: a JSON string may hold U+2028 or U+2029, where str.splitlines would break it.
    for number, line in enumerate(text.split("\n"), 1):
        try:
            if number == suspect:
                suspect = next(suspects, 0)
                _refuse_json_control(line, shown, number)
            if not line.strip():
                continue
            incidents.append((number, _jsonl_incident(line, shown, number, ignored)))
        except InputError as exc:
            rows.add(exc.problems[0])
            rows.bad_row_id(number, _told_id(line))
    return incidents, list(ignored)


def _told_id(line: str) -> object:
    """The `id` a JSON Lines row gives, if it is an object that can be read; None otherwise."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data.get("id") if isinstance(data, dict) else None


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def _jsonl_incident(line: str, shown: str, number: int, ignored: dict[str, None]) -> Incident:
    """One line as an incident; top-level keys not close to a known one are left out, and added to `ignored`.

    A key given twice in one object is refused: JSON parsers differ on which one they keep.
    """
    try:
        json.loads(line, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise InputError.at(shown, f"duplicate key `{exc.args[0]}` in one object; keep one", number) from None
    except (ValueError, RecursionError):
        pass  # not JSON: the model says how, in its words
    try:
        return Incident.model_validate_json(line, context=TABLE_ROW)
    except ValidationError as exc:
        first = exc
    extra = {str(e["loc"][0]) for e in first.errors() if e["type"] == "extra_forbidden" and len(e["loc"]) == 1}
    if extra and not any(map(misplaced_key, extra)):
        data = json.loads(line)
        for key in extra:
            del data[key]
        try:
            incident = Incident.model_validate_json(json.dumps(data), context=TABLE_ROW)
        except ValidationError as exc:
            first = exc
        else:
            ignored.update(dict.fromkeys(sorted(extra)))
            return incident
    raise InputError([_line_problem(first, line, shown, number)]) from None


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
    **dict.fromkeys(("lat", "latitude"), "a latitude from -90 to 90"),
    **dict.fromkeys(("lon", "longitude"), "a longitude from -180 to 180"),
    "precision_km": "a distance in km",
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


def _from_csv(text: str, shown: str, problems: RowProblems) -> tuple[list[tuple[int, Incident]], list[str]]:
    """Each row's incident (with its line), and the columns left out as another tool's."""
    if not text.strip():
        raise InputError.at(shown, f"file is empty; expected {_HEADER}")
    _refuse_csv_control(text, shown)
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)  # strict: a quote left open is an error
    number = 1
    try:
        header = next(rows, [])
        columns, ignored = _columns(header, shown)
        incidents = []
        number = rows.line_num + 1
        for row in rows:
            if len(row) != len(header):
                if not row or (len(row) == 1 and not row[0].strip()):  # a blank line
                    number = rows.line_num + 1
                    continue
                problems.add(Problem(shown, f"row has {len(row)} cells; the header has {len(header)}", number))
            else:
                cells = {c: v for c, v in zip(header, row, strict=True) if c in columns}
                try:
                    incidents.append((number, _csv_incident(cells, shown, number)))
                except InputError as exc:
                    problems.add(exc.problems[0])
                    problems.bad_row_id(number, cells.get("id"))
            number = rows.line_num + 1
    except csv.Error as exc:
        reason = str(exc)
        if reason == "unexpected end of data":
            reason = 'a quoted cell is never closed (a `"` is missing)'
        problems.add(Problem(shown, f"not valid CSV: {reason}", number))
        problems.raise_any()
    if not incidents and not problems.count:
        raise InputError.at(shown, "file holds no incidents; expected rows under the header", 1)
    return incidents, ignored


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
                return COLUMN_FIELDS.get(name, name), "text"
    except csv.Error:
        pass  # not valid CSV before the character: its line and column still say where
    return "", "text"


def _columns(header: list[str], shown: str) -> tuple[dict[str, str], list[str]]:
    """The header's columns read (as `table_columns` gives them), and those left out."""
    if not header:
        raise InputError.at(shown, f"the first line is empty; expected {_HEADER}", 1)
    refuse_separator(header, shown)
    return table_columns(header, shown)


def refuse_separator(header: Sequence[str], shown: str) -> None:
    """Refuse a CSV header read as one column that holds a `;`, a tab or a `|`: its columns are separated by that, not
    by commas (as Excel saves CSV where a comma is the decimal mark), and would be read as one.

    Raises `InputError` at line 1.
    """
    if len(header) != 1:
        return
    separator = next((s for s in (";", "\t", "|") if s in header[0]), None)
    if separator is not None:
        named = "tabs" if separator == "\t" else f"`{separator}`"
        raise InputError.at(shown, f"the columns are separated by {named}; save as comma-separated CSV", 1)


# A decimal as tables write one: digits with an optional sign and point (`36.2021`, `-0.5`, `40`).
DECIMAL = r"^-?[0-9]+(?:\.[0-9]+)?$"
_DECIMAL = re.compile(DECIMAL)


def read_cell(standard: str, cell: str) -> int | float | bool:
    """A cell of a column of numbers or of true or false (`standard`, a standard name from `VALUE_COLUMNS`) as the
    value it writes: a count as a whole number in plain digits, a point's number as `DECIMAL`, `true` or `false`
    in any case. A number's range is the model's to check.

    Raises ValueError saying what was given and what would be right.
    """
    if standard in BOOLEAN_COLUMNS:
        if cell.lower() not in ("true", "false"):
            raise ValueError(f"expected true or false, got `{short(cell)}`")
        return cell.lower() == "true"
    if standard in COUNT_COLUMNS:
        if not _COUNT.fullmatch(cell):
            raise ValueError(f"expected a whole number, got `{short(cell)}`")
        # past Python's limit on digits a count is far too large anyway: its first 4,000 digits say so alike
        return int(cell[:4000])
    if not _DECIMAL.fullmatch(cell):
        raise ValueError(f"expected a number like 36.2 or -0.5, got `{short(cell)}`")
    return float(cell)


def _csv_incident(cells: dict[str, str], shown: str, number: int) -> Incident:
    """One row (its cells by the column named) as an incident: empty cells absent, numbers read as plain
    numbers, `true` and `false` (in any case) as booleans, each column placed where `COLUMN_FIELDS` says."""
    data: dict[str, Any] = {}
    location: dict[str, Any] = {}
    casualties: dict[str, int] = {}
    for column, cell in cells.items():
        standard = COLUMN_ALIASES.get(column, column)
        field = COLUMN_FIELDS.get(column, column)
        if standard in VALUE_COLUMNS:
            cell = cell.strip()
        if not cell:
            continue
        if standard in VALUE_COLUMNS:
            try:
                value = read_cell(standard, cell)
            except ValueError as exc:
                raise InputError.at(shown, str(exc), number, path=field) from None
            if standard in COUNT_COLUMNS:
                casualties[column] = int(value)
            elif standard in DECIMAL_COLUMNS:
                location[column] = value
            else:
                data[column] = value
        elif field.startswith("location."):
            location[field.removeprefix("location.")] = cell
        else:
            data[column] = cell
    if location:
        data["location"] = location
    if casualties:
        data["casualties"] = casualties
    try:
        return Incident.model_validate(data, context=TABLE_ROW)
    except ValidationError as exc:
        doc = Document(shown, data, {(): (number, 1)})
        problem = problems_from(exc, doc, Incident)[0]
        raise InputError([Problem(shown, problem.message, number, None, problem.path)]) from None

"""Incident tables read straight into an incident frame (`engine.incidents.frame`), column by column.

`read_table` reads a CSV, JSON Lines or Parquet table with a columnar reader and checks it with
vectorized expressions; no Python object is made per row. Every check is one the row reader
(`engine.incidents.load.load_incidents`) and the `Incident` model also make, or stricter: when one
fails, or cannot be sure (a stray quote, a blank line, a backslash escape near a control code...), the
row reader reads the file again and raises its exact one-line `InputError`. Should it accept the file
after all, its incidents become the frame: a fast check too strict costs speed, never a verdict.

Readers, chosen by measurement (see the commit's notes): polars' CSV reader (all columns as text,
counts and the point's numbers checked and cast), pyarrow's JSON reader with an explicit schema (the
only one of polars, DuckDB and pyarrow that refuses a count written as text or a name written as a
number, rather than converting it; keys the schema does not name it reads as it guesses them, so
that other tools' keys are seen, and left out, and a key unknown inside an object is seen, and
refused), polars' Parquet reader. Parquet, which the row reader
does not read, has its own exact row-by-row check (`_parquet_rows`) behind the fast one.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from pydantic import TypeAdapter, ValidationError

from engine.errors import InputError, Problem, did_you_mean
from engine.incidents.blocks import blocks, csv_row_end, has_control_bytes, line_end
from engine.incidents.frame import INCIDENTS, JUDGED, PLACE, POINT, TOLD, frame_of, with_defaults
from engine.incidents.load import (
    BOOLEAN_COLUMNS,
    COLUMN_ALIASES,
    COLUMN_FIELDS,
    COUNT_COLUMNS,
    DECIMAL,
    DECIMAL_COLUMNS,
    ROW_PROBLEM_LIMIT,
    TABLE_COLUMNS,
    TABLE_LIMIT,
    VALUE_COLUMNS,
    RowProblems,
    ignored_columns,
    in_row_order,
    incident_lines,
    load_incidents,
    misplaced_key,
    repeated_problem,
    table_columns,
)
from engine.incidents.model import MAX_COUNT, Incident, Location, both_given
from engine.ruleset.compile import clocks_change_near
from engine.ruleset.model import VERDICTS
from engine.times import TIME_YEARS, MomentOrDay, read_time
from engine.validation import out_of_range, problems_from
from engine.yamlsafe import Document, control_message, stat_of

if TYPE_CHECKING:
    from engine.ruleset.compile import Compiled

ROW_TABLES = (".jsonl", ".ndjson", ".csv")  # what the row reader reads


COUNTS = COUNT_COLUMNS


# The facts an account may give in a flat table (`source` and the told columns), and a Parquet table's columns.
ACCOUNT_COLUMNS = ("source", *(c for c in TABLE_COLUMNS if c in TOLD))
PARQUET_COLUMNS = (*TABLE_COLUMNS, "accounts")
# A value a hive folder gives a Parquet table's column (`country=Iraq/`), as the column holds it: text, a count,
# a point's number, true or false; None: not told. Each column's type is the incident frame's (`_HIVE_TYPES`).
Cell = str | int | float | bool | None
_HIVE_TYPES = {**INCIDENTS, "mutual": JUDGED["mutual"]}
# How much of a table `TableReader` reads at a time. Measured on `ceasefire run` of 1M generated incidents
# (peak RSS, wall time in pairs): CSV in blocks of 32 MB (about 290,000 rows) 710 MB; in 16 MB blocks 610 MB
# but about 10% slower (each part judged costs time of its own). JSON Lines (10% with accounts, read by
# pyarrow) in 16 MB blocks 670 MB; in 32 MB blocks 990 MB, in no less time.
BLOCK = 32 * 1024 * 1024  # bytes of CSV
JSONL_BLOCK = 16 * 1024 * 1024  # bytes of JSON Lines
JSON_PARSE_BLOCK = 2 * 1024 * 1024  # bytes of JSON Lines pyarrow parses as one task (see `_jsonl_frame`)
PARQUET_ROWS = 64_000  # rows of Parquet: about the incidents of a JSON Lines block, so memory stays near its


# engine.yamlsafe.CONTROL in the regex dialect polars speaks (Rust's): the same code points.
_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"


_COUNT = r"^-?[0-9]+$"  # as the CSV reader's: plain ASCII digits, no `+`, `_`, exponent or point


class _Unsure(Exception):
    """A fast check failed, or cannot be sure of the file: the exact reader decides."""


# The told columns without which no incident of a flat table can be judged: with one missing, each incident's
# value is unknown (an empty cell says that of one row), so the table is read but the gap is said.
JUDGED_COLUMNS = ("time", "actor", "act")


def missing_columns(path: Path, hive: Iterable[str] = ()) -> Problem | None:
    """The warning for a CSV or Parquet table whose header names no `time`, `actor` or `act` column, nor do
    its hive folders (`hive`: the columns they give, by standard name; a Parquet table with `accounts` may
    give them there); None when they name them all, or the table cannot be read (the reader says why, in its
    words).
    """
    from engine.incidents.eventdata import header_of  # which imports this module

    names = header_of(path)
    if not names:
        return None
    given = {*(COLUMN_ALIASES.get(name, name) for name in names), *hive}
    missing = [c for c in JUDGED_COLUMNS if c not in given]
    if not missing or "accounts" in given:
        return None
    named = " or ".join(f"`{c}`" for c in missing)
    return Problem(
        str(path),
        f"no {named} column: every incident's {' and '.join(missing)} is read as unknown; "
        "expected columns " + ", ".join(TABLE_COLUMNS),
        severity="warning",
    )


def read_table(
    path: Path | str, warnings: list[Problem] | None = None, every: bool = False, hive: Mapping[str, Cell] | None = None
) -> pl.DataFrame:
    """An incident table as an incident frame (`INCIDENTS`: one row per incident, in file order).

    Formats, by suffix: `.csv` (a header naming columns from `TABLE_COLUMNS`, as the row reader reads
    it), `.jsonl` / `.ndjson` (one incident object a line, as in a scenario file), and `.parquet` (the
    CSV's flat columns, `killed` and `wounded` of an integer type, `latitude`, `longitude` and
    `precision_km` of a number type, `mutual` of the boolean type, `id` text or whole numbers, the rest
    text, plus an optional `accounts` column: a list of structs with `source` and the same columns but
    `id`, `notes`, `source` and `mutual`). Other columns (JSON Lines: top-level keys) whose names are not
    close to one of these are left out, with one warning appended to `warnings` (when given).

    In JSON Lines an account's `"actor": null` (or `target`, `intended_target`) says the source names
    none, read as `unidentified`; in CSV and Parquet, which cannot tell null from a value left out, a
    null is "not told" (the incident's value stands) and a source that names none is written
    `unidentified`.

    `hive` gives a Parquet table the columns of its hive folders ({standard name: value}, `country=Iraq/`):
    each value is read in every row, and the table's own column of that name, if any, is set aside, as polars,
    pyarrow and DuckDB read a hive dataset.

    Raises `InputError`, the row reader's own line for CSV and JSON Lines (the file, line, column, what
    is wrong and what would be right), for Parquet the file, row (1-based) and field, or the column and
    the type expected: the first problem, or with `every`, each bad row's (up to a limit).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = _read_parquet(path, warnings, every, hive or {})
        _warn_missing(path, warnings, hive or ())
        return with_defaults(frame)
    if suffix not in ROW_TABLES:
        try:
            load_incidents(path)  # refuses a missing, unreadable or empty file in its own words first
        except InputError as exc:
            if exc.problems[0].message.startswith("unknown table format"):
                raise InputError.at(
                    str(path), f"unknown table format `{suffix}`; expected .jsonl, .csv or .parquet"
                ) from None
            raise
    try:
        raw = _raw(path)
        frame, ignored = _csv_frame(*_header_and_body(raw), str(path)) if suffix == ".csv" else _jsonl_frame(raw)
    except _Unsure:
        frame = frame_of(load_incidents(path, warnings, every))
    else:
        if warnings is not None and ignored:
            warnings.append(ignored_columns(str(path), ignored))
        frame = with_defaults(frame)
    _warn_missing(path, warnings)
    return frame


def _warn_missing(path: Path, warnings: list[Problem] | None, hive: Iterable[str] = ()) -> None:
    """Append `missing_columns`' warning, if any, to `warnings` (when given)."""
    if warnings is not None and (missing := missing_columns(path, hive)) is not None:
        warnings.append(missing)


class TableReader:
    """A table of incidents read a block of rows at a time (Parquet: `rows` rows, default `PARQUET_ROWS`), as
    `read_table` reads one whole.

    `batches()` gives the incident frames of its rows in file order: each block of whole rows (`block`
    bytes, default `BLOCK` for CSV and `JSONL_BLOCK`, cut at a row's end) read and checked as `read_table` reads
    a table, and the ids of every block checked against each other's once the last is read. Where a block's
    checks cannot be sure, an id is given twice, or a time of day names no zone and the ruleset (`compiled`)
    none either (or one its zone's clocks skip), the whole table is read by `frame()` instead, which raises the
    same one-line `InputError` as a table read whole, and the rows not yet given follow from it. Memory stays at
    a block and its frames, and the ids' hashes (8 bytes an incident). `warnings` says which columns were left
    out once the table is read through, and `repeated` which incidents tell a local time the ruleset's zone
    shows twice. `hive` gives a Parquet table the columns of its hive folders, as `read_table` reads them; `folders`
    names the folder that gives each ({standard name: the folder, `in/latitude=36.2`}), where a problem its value
    makes is said (`_blamed`).
    """

    def __init__(
        self,
        path: Path,
        compiled: Compiled,
        block: int | None = None,
        rows: int | None = None,
        hive: Mapping[str, Cell] | None = None,
        folders: Mapping[str, Path] | None = None,
    ) -> None:
        self.path, self.compiled = path, compiled
        self.hive = dict(hive or {})
        self.folders = dict(folders or {})
        self.shown = str(path)
        self.suffix = path.suffix.lower()
        self.block = block or (BLOCK if self.suffix == ".csv" else JSONL_BLOCK)
        self.rows = rows or PARQUET_ROWS
        self.warnings: list[Problem] = []
        self.repeated = Repeated()  # known once the table is read through, as `warnings` are

    def frame(self) -> pl.DataFrame:
        """Every incident at once (`read_table`), a time the ruleset cannot read refused at its line.

        Raises `InputError` as `read_table` does.
        """
        warnings: list[Problem] = []
        try:
            frame = read_table(self.path, warnings, hive=self.hive)
            changed = changed_clocks(self.compiled, frame)  # the times its zone's clocks skip or show twice, once
            refuse_unreadable_times(self.compiled, frame, self.path, changed)
            self.repeated = Repeated().told(frame, self.shown, changed)
        except InputError as exc:
            if not self.folders:
                raise
            raise InputError([self._blamed(problem) for problem in exc.problems]) from None
        self.warnings = warnings
        return frame

    def _blamed(self, problem: Problem) -> Problem:
        """A problem at a row of the table said at the hive folder whose value makes it (the table's file and row
        kept in the message), where the field it names comes from one: that value, not the file's cells, is
        what is wrong. Any other problem as it is."""
        found = _ROW_FIELD.fullmatch(problem.path) if problem.file == self.shown else None
        if found is None:
            return problem
        row, field = found.groups()
        if field == "location":  # a point's parts together: `Location` names the one given first (`latitude` without)
            named = _GIVEN_WITHOUT.match(problem.message)
            column = COLUMN_ALIASES.get(named[1], named[1]) if named else field
        else:
            column = _FIELD_COLUMNS.get(field, field)
        folder = self.folders.get(column)
        if folder is None:
            return problem
        key = folder.name.partition("=")[0]
        inside = self.path.relative_to(folder).as_posix()
        message = f"the folder gives `{key}` to every row under it: `{inside}` row {row}: {field}: {problem.message}"
        return Problem(str(folder), message)

    def batches(self) -> Iterator[pl.DataFrame]:
        """The incident frames of the table's rows, in file order, a block at a time (at least one frame).

        Raises `InputError` as `frame()` does, when the block that shows the problem is reached (an id given
        twice: once every block has been given).
        """
        done = 0
        try:
            for frame in self._blocks():
                done += frame.height
                yield frame
            return
        except _Unsure:
            pass
        whole = self.frame()
        if whole.height > done or not done:
            yield whole.slice(done)

    def _blocks(self) -> Iterator[pl.DataFrame]:
        """Each block's frame, checked as `read_table` checks a table; _Unsure where `read_table` is to decide."""
        self.warnings = []
        ignored: dict[str, None] = {}
        hashes: list[pl.Series] = []
        local_refused = self.compiled.timezone is None
        repeated = Repeated()
        for frame, names in self._parquet_blocks() if self.suffix == ".parquet" else self._text_blocks():
            if local_refused and first_local_time(frame) is not None:
                raise _Unsure  # refused at its line once the whole table is known to be good
            if not local_refused:
                changed = changed_clocks(self.compiled, frame)
                if changed.get_column("skipped").any():
                    raise _Unsure  # likewise
                repeated = repeated.told(frame, self.shown, changed)
            ignored.update(dict.fromkeys(names))
            hashes.append(frame.get_column("id").hash())
            yield with_defaults(frame)
        ids = pl.concat(hashes) if hashes else None
        if ids is None or ids.n_unique() != ids.len():
            raise _Unsure  # no rows, or an id given twice (or two ids that hash alike): the row reader says
        if ignored:
            self.warnings = [ignored_columns(self.shown, list(ignored))]
        _warn_missing(self.path, self.warnings, self.hive)
        self.repeated = repeated

    def _text_blocks(self) -> Iterator[tuple[pl.DataFrame, list[str]]]:
        csv = self.suffix == ".csv"
        if self.suffix not in ROW_TABLES:
            raise _Unsure
        try:
            _size(self.path)
            with self.path.open("rb") as stream:
                start = stream.read(3)
                stream.seek(len(start) - len(_without_bom(start)))
                header = _text(stream.readline()) if csv else b""
                if csv and not header.endswith(b"\n"):
                    raise _Unsure
                for block in blocks(stream, self.block, csv_row_end if csv else line_end, self.block // 8):
                    if _BLANK.fullmatch(_text(block)):
                        continue  # blank lines: the row reader skips them
                    yield _csv_frame(header, block, self.shown) if csv else _jsonl_frame(block)
        except OSError:
            raise _Unsure from None

    def _parquet_blocks(self) -> Iterator[tuple[pl.DataFrame, list[str]]]:
        try:
            _size(self.path)
            schema = _with_hive(pl.read_parquet_schema(self.path), self.hive)
            read, ignored = _check_parquet_columns(schema, self.shown)
            count = pl.scan_parquet(self.path).select(pl.len()).collect().item()
        except (InputError, pl.exceptions.PolarsError, OSError, ValueError):
            raise _Unsure from None
        for start in range(0, count, self.rows):
            try:
                table = _parquet_table(self.path, read, self.hive, start, self.rows)
            except (pl.exceptions.PolarsError, OSError, ValueError):
                raise _Unsure from None
            try:
                refuse_unfit_counts(table, self.shown)
            except InputError:
                raise _Unsure from None  # its row is numbered in the whole table
            frame = _parquet_frame(table)
            _check_incidents(frame)
            yield frame, ignored


_BLANK = re.compile(rb"[\r\n]*")
# A Parquet row's problem's path (`row 3: location.latitude`), and the column each field of an incident is read from.
_ROW_FIELD = re.compile(r"row ([0-9]+): ([a-z_.]+)")
_FIELD_COLUMNS = {field: column for column, field in COLUMN_FIELDS.items() if column not in COLUMN_ALIASES}
_GIVEN_WITHOUT = re.compile(r"`([a-z_]+)` without")


@dataclass(frozen=True)
class Repeated:
    """The incidents of a table (or of a dataset's parts) that tell a local time its ruleset's zone shows twice,
    each read as either (see `Compiled.repeated`): how many, and the first's file, id, where it tells it (`time`,
    `accounts[0].time`) and why."""

    count: int = 0
    first: tuple[str, str, str, str] | None = None

    def told(self, frame: pl.DataFrame, file: str, changed: pl.DataFrame) -> Repeated:
        """These and the incidents of `frame` (the next rows of the table `file`) that tell such a time. `changed`
        is `changed_clocks` for `frame`."""
        found = changed.filter(~pl.col("skipped"))
        if found.is_empty():
            return self
        first = self.first
        if first is None:
            row, account, _, _, why = found.row(0)
            field = "time" if account is None else f"accounts[{account}].time"
            first = (file, str(frame.get_column("id")[row]), field, why)
        return Repeated(self.count + found.get_column("row").n_unique(), first)

    def __add__(self, other: Repeated) -> Repeated:
        return Repeated(self.count + other.count, self.first or other.first)

    def problems(self) -> list[Problem]:
        """The one warning that says them (none where there are none)."""
        if self.first is None:
            return []
        file, incident, field, why = self.first
        return [repeated_problem(file, self.count, why, path=f"incident `{incident}`: {field}")]


def refuse_unreadable_times(
    compiled: Compiled, frame: pl.DataFrame, path: Path, changed: pl.DataFrame | None = None
) -> None:
    """Refuse the first time of a table the ruleset cannot read, at its line (a Parquet table: its row). `changed`
    is `changed_clocks` for `frame`, where already found.

    Raises `InputError`: a time of day without a UTC offset, where the ruleset names no zone to read it in, or one
    its zone's clocks skip (with how many incidents tell such a time).
    """
    if compiled.timezone is not None:
        skipped = (changed if changed is not None else changed_clocks(compiled, frame)).filter("skipped")
        if skipped.is_empty():
            return
        row, account, _, _, message = skipped.row(0)
        if (many := skipped.get_column("row").n_unique()) > 1:
            message += f" ({many:,} incidents tell a time its clocks skip, this the first)"
    else:
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


# -- bytes -----------------------------------------------------------------------------------------


def _raw(path: Path) -> bytes:
    """The file's bytes, without a UTF-8 BOM, if the row reader would read them as text without a word."""
    try:
        _size(path)
        with path.open("rb") as stream:
            raw = stream.read(TABLE_LIMIT + 1)
    except OSError:
        raise _Unsure from None
    if len(raw) > TABLE_LIMIT:
        raise _Unsure
    return _text(_without_bom(raw))


def _size(path: Path) -> int:
    """The size of a regular file the row reader would read (not empty, within `TABLE_LIMIT`); or _Unsure."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= TABLE_LIMIT:
        raise _Unsure
    return info.st_size


def _without_bom(start: bytes) -> bytes:
    """A file's first bytes without a UTF-8 BOM; _Unsure at a UTF-16 one."""
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Unsure
    return start.removeprefix(b"\xef\xbb\xbf")


def _text(raw: bytes) -> bytes:
    """Bytes of a table (whole or a block of whole lines) if the row reader would read them as text without a word."""
    if b"\0" in raw:
        raise _Unsure
    if not raw.isascii():
        try:
            raw.decode("utf-8")  # the readers below replace or refuse bad bytes in words of their own
        except UnicodeDecodeError:
            raise _Unsure from None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        raise _Unsure  # a lone carriage return ends a CSV line for Python, not for polars
    return raw


# -- CSV -------------------------------------------------------------------------------------------


def _header_and_body(raw: bytes) -> tuple[bytes, bytes]:
    """A CSV table's first line (with its line break) and the rest."""
    end = raw.find(b"\n")
    return (raw, b"") if end < 0 else (raw[: end + 1], raw[end + 1 :])


def _csv_frame(header_line: bytes, raw: bytes, shown: str) -> tuple[pl.DataFrame, list[str]]:
    """A CSV table read by polars, as the row reader reads it, and the columns left out; or _Unsure. `header_line`
    is the table's first line, `raw` whole rows after it (the whole rest of the table, or a block of it)."""
    header = header_line.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8")
    columns = header.split(",")
    if '"' in header or re.search(_CONTROL, header):
        raise _Unsure
    try:
        read, ignored = table_columns(columns, shown)
    except InputError:
        raise _Unsure from None  # the row reader says what is wrong, in its words
    if has_control_bytes(raw):
        raise _Unsure  # the row reader says where, in its words
    # Blank lines at the end: the row reader skips them (one line end is no blank line, and copying is slow).
    body = raw.rstrip(b"\r\n") if raw.endswith((b"\n\n", b"\n\r\n")) or raw in (b"\n", b"\r\n") else raw
    try:
        cells = pl.read_csv(body, schema=dict.fromkeys(columns, pl.String()), has_header=False)
    except (pl.exceptions.PolarsError, ValueError):
        raise _Unsure from None
    if cells.height == 0:
        raise _Unsure
    # Every row must hold as many cells as the header: polars refuses a longer one but fills a short
    # one (or a blank line) with nulls. The commas between cells are all the file's less those in quoted
    # cells; a quote within a cell is where the two readers may part. Without a quote in the file, no
    # cell holds a comma.
    commas = 0
    quoted = b'"' in body
    if quoted:
        text = [pl.col(c) for c in columns]
        checks = cells.select(
            pl.any_horizontal(c.str.contains('"', literal=True).any() for c in text).alias("quote"),
            pl.sum_horizontal(c.str.count_matches(",", literal=True).sum() for c in text).alias("commas"),
        ).row(0, named=True)
        if checks["quote"]:
            raise _Unsure
        commas = checks["commas"]
    if body.count(b",") - commas != (len(columns) - 1) * cells.height:
        raise _Unsure
    given = {standard: name for name, standard in read.items()}
    numbers = {
        c: pl.col(given[c]).str.strip_chars(" \t\r\n").replace("", None)
        for c in (*COUNTS, *DECIMAL_COLUMNS)
        if c in given
    }
    for n, c in numbers.items():  # each distinct text once: a column holds few
        plain = c.str.contains(_COUNT) & (c.str.len_bytes() <= 18) if n in COUNTS else c.str.contains(DECIMAL)
        if not cells.get_column(given[n]).unique().to_frame().select((plain | c.is_null()).all()).item():
            raise _Unsure
    # `true` or `false` in any case, with white space around as a number may have; the row reader says the rest
    flags = {
        c: pl.col(given[c]).str.strip_chars(" \t\r\n").str.to_lowercase().replace("", None)
        for c in BOOLEAN_COLUMNS
        if c in given
    }
    for n, c in flags.items():
        distinct = cells.get_column(given[n]).unique().to_frame()
        if not distinct.select((c.is_in(["true", "false"]) | c.is_null()).all()).item():
            raise _Unsure
    frame = cells.select(
        *(
            numbers[c].cast(t).alias(c)
            if c in numbers
            else (pl.col(given[c]).replace("", None) if quoted else pl.col(given[c])).alias(c)  # unquoted: null
            if c in given
            else pl.lit(None, t).alias(c)
            for c, t in INCIDENTS.items()
            if c != "accounts"
        ),
        pl.lit([], INCIDENTS["accounts"]).alias("accounts"),
        *((c == "true").alias(n) for n, c in flags.items()),
    )
    _check_incidents(frame, text_checked=True)
    return frame.select(*(pl.col(c).cast(t) for c, t in INCIDENTS.items()), *flags), ignored


# -- JSON Lines ------------------------------------------------------------------------------------


_LINE_NOT_AN_OBJECT = re.compile(rb"\n[\n\r \t]")  # a line that is blank or starts with white space


# A null the model reads otherwise than "not given": `accounts` (null is refused), an account's person (the
# source names none), or a key with a backslash escape (which may spell either). `mutual: null` is not given.
_MEANINGFUL_NULL = re.compile(rb'"(?:accounts|actor|target|intended_target|[^"\n]*\\[^"\n]*)"\s*:\s*null')
# An escape that may write a control character into a text (`_CONTROL`): `\b`, `\f`, `\u0000`-`\u001f`, `\u007f`,
# `\u0080`-`\u009f`. `\u0009`, `\u000a` and `\u000d` match too, though they write none: the texts are then searched.
_CONTROL_ESCAPE = re.compile(rb"\\(?:[bf]|u00[0189][0-9a-fA-F]|u007[fF])")


def _jsonl_frame(raw: bytes) -> tuple[pl.DataFrame, list[str]]:
    """A JSON Lines table read by pyarrow against the incident's schema, and the keys left out; or _Unsure."""
    body = raw.strip(b" \t\r\n")
    # One object a line: a blank or indented line (or two objects on one) would leave the count of
    # lines and of rows apart, and the count is what proves that each line held one.
    if not body or _LINE_NOT_AN_OBJECT.search(body):
        raise _Unsure
    # pyarrow cannot tell `"actor": null` from no `actor`: where the model can, the row reader reads.
    if b"null" in body and _MEANINGFUL_NULL.search(body):
        raise _Unsure
    # Without a control character in the bytes, or an escape that writes one, no text holds one (a text of the
    # table is its bytes between quotes, escapes read): the texts need not be searched after reading.
    text_checked = not has_control_bytes(body) and (b"\\" not in body or _CONTROL_ESCAPE.search(body) is None)
    # Ids written as numbers are read as numbers (every one, or pyarrow refuses the file), then as text.
    try:
        table, schema = _parsed(body, number_ids=False)
    except _IdsAreNumbers:
        table, schema = _parsed(body, number_ids=True)
    if table.num_rows != body.count(b"\n") + 1:
        raise _Unsure
    ignored = [name for name in table.schema.names if name not in schema.names]
    if any(map(misplaced_key, ignored)):
        raise _Unsure  # a misspelt key: the row reader says which line
    if ignored and not text_checked:
        raise _Unsure  # a key left out, or its value, may hold the control character: the row reader refuses it
    table = table.select(schema.names)
    if not table.schema.equals(schema):
        raise _Unsure  # an unknown key inside an object: the row reader refuses it
    aliased = _aliased(table)
    nested = pl.from_arrow(table)
    assert isinstance(nested, pl.DataFrame)
    del table
    _check_nested(nested, text_checked, aliased)
    frame = nested.select(
        pl.col("id").cast(pl.String()),
        "notes",
        "source",
        *_flat_told(pl.col),
        pl.col("accounts")
        .list.eval(pl.struct(pl.element().struct.field("source"), *_flat_told(pl.element().struct.field)))
        .fill_null(pl.lit([], INCIDENTS["accounts"])),
        pl.col("mutual").fill_null(False),  # a key left out, or null: not given
    )
    _check_incidents(frame, text_checked)
    return frame.select(*(pl.col(c).cast(t) for c, t in INCIDENTS.items()), "mutual"), ignored


class _IdsAreNumbers(_Unsure):
    """A JSON Lines table's first id read is a number, where the schema read them as text."""


def _parsed(body: bytes, number_ids: bool) -> tuple[Any, Any]:
    """JSON Lines parsed by pyarrow against the incident's schema (`number_ids`: ids as whole numbers), and that
    schema; `_IdsAreNumbers` where ids are read as text and one is a number, _Unsure where pyarrow refuses."""
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.json as pj  # type: ignore[import-untyped]

    schema = _arrow_schema(number_ids)
    # Keys the schema does not name are read as pyarrow guesses them: other tools' columns, left out below.
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    # Blocks of 2 MB are parsed side by side (one block of the whole text took 2.5 times as long); a line longer
    # than a block straddles two, and the text is read again as one block.
    for size in (JSON_PARSE_BLOCK, len(body) + 1):
        try:
            reading = pj.ReadOptions(block_size=size)
            return pj.read_json(pa.BufferReader(body), read_options=reading, parse_options=options), schema
        except (pa.ArrowException, ValueError) as exc:
            if not number_ids and "Column(/id) changed from string to number" in str(exc):
                raise _IdsAreNumbers from None
            if size > JSON_PARSE_BLOCK or "straddl" not in str(exc):
                raise _Unsure from None
    raise AssertionError("the last block size holds the whole text")


def _aliased(table: Any) -> bool:
    """Whether a place of a pyarrow table of incidents (an incident's, or an account's) is told under an alias."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    told = pc.list_flatten(table.column("accounts"))
    places = (table.column("location"), pc.struct_field(told, "location"))
    return any(pc.struct_field(place, alias).null_count < len(place) for place in places for alias in COLUMN_ALIASES)


def _flat_told(field: Any) -> list[pl.Expr]:
    """The flat facts (`TOLD`) of an incident or account struct as the JSON gives it, by `field(name)`.

    A place's key read under its name or its alias (`_check_nested` has made sure not both).
    """
    location = field("location").struct.field
    aliases = {standard: alias for alias, standard in COLUMN_ALIASES.items()}

    def place(key: str) -> pl.Expr:
        value = location(key)
        return pl.coalesce(value, location(aliases[key])) if key in aliases else value

    return [
        *(field(k) for k in ("time", "actor", "act", "target", "intended_target")),
        *(place(key).alias(k) for k, key in PLACE.items()),
        *(place(k).alias(k) for k in POINT),
        field("casualties").struct.field("killed").alias("killed"),
        field("casualties").struct.field("wounded").alias("wounded"),
    ]


@cache
def _arrow_schema(number_ids: bool = False) -> Any:
    """The `Incident` model as a pyarrow schema: every key it knows (`expect` as text only); made once (60 ms).

    `number_ids`: `id` as whole numbers, not text.
    """
    import pyarrow as pa

    text, count, number = pa.string(), pa.int64(), pa.float64()
    place = pa.struct([(k, number if k in (*POINT, "lat", "lon") else text) for k in Location.model_fields])
    told = [
        *((k, text) for k in ("time", "actor", "act", "target", "intended_target")),
        ("location", place),
        ("casualties", pa.struct([("killed", count), ("wounded", count)])),
    ]
    account = pa.struct([("source", text), *told])
    return pa.schema(
        [
            ("id", count if number_ids else text),
            *told,
            ("accounts", pa.list_(account)),
            ("expect", text),
            ("notes", text),
            ("source", text),
            ("mutual", pa.bool_()),  # true or false alone: pyarrow refuses `1` or "true" here, as the model does
        ]
    )


def _check_nested(nested: pl.DataFrame, text_checked: bool, aliased: bool) -> None:
    """What the model checks beyond the incident frame's columns: a place's key and its alias not both (where
    the table may use an alias: `aliased`), `expect`, text anywhere (unless the caller has `text_checked`)."""
    if aliased or not text_checked:
        told = nested.select(pl.col("accounts").filter(pl.col("accounts").list.len() > 0).explode())
        accounts = told.filter(pl.col("accounts").is_not_null()).unnest("accounts")
        places = [nested.select(pl.col("location").struct.unnest())]
        if accounts.height:
            places.append(accounts.select(pl.col("location").struct.unnest()))
        one = pl.all_horizontal(pl.col(a).is_null() | pl.col(s).is_null() for a, s in COLUMN_ALIASES.items())
        for place in places:
            if not place.select(one.all()).item() or (
                not text_checked and _has_control(place.select(pl.col(pl.String())))
            ):
                raise _Unsure
    expect = nested.select(pl.col("expect").is_in(VERDICTS) | pl.col("expect").is_null()).to_series()
    if not expect.all() or (not text_checked and _has_control(nested.select("notes", "expect"))):
        raise _Unsure


def _has_control(frame: pl.DataFrame) -> bool:
    """Whether any text column of `frame` holds a control character."""
    if not frame.width:
        return False
    return bool(frame.select(pl.any_horizontal(pl.all().str.contains(_CONTROL).any())).item())


# -- checks on an incident frame -------------------------------------------------------------------


def _check_incidents(frame: pl.DataFrame, text_checked: bool = False) -> None:
    """What the model and the row reader hold an incident frame's columns to, all rows at once; _Unsure if not.

    Ids present, 1 to 200 characters and unique; an incident's source, if any, 1 to 300; counts 0 to
    MAX_COUNT; a point's latitude -90 to 90 and longitude -180 to 180, both or neither, a precision (at
    least 0) only with them; no control character in any text (unless the caller has `text_checked`
    already); every time as the model takes it; accounts with a source, one account a source.
    """
    text = [c for c, t in INCIDENTS.items() if t == pl.String()]
    told = frame.select(pl.col("accounts").list.len().sum()).item()
    accounts = frame.head(0).select(pl.lit(0, pl.Int64()).alias("row"), pl.col("accounts").explode()).unnest("accounts")
    if told:
        accounts = frame.select(pl.int_range(pl.len()).alias("row"), "accounts").explode("accounts")
        accounts = accounts.filter(pl.col("accounts").is_not_null()).unnest("accounts")
    if accounts.height != told:
        raise _Unsure  # an account that is null (`[null]` in JSON)
    for part, key in ((frame, "id"), (accounts, "source")):
        if not part.height:
            continue
        longest = 200 if key == "id" else 300
        texts = [c for c in text if c in part.columns and c != key]
        ok = part.select(
            (pl.col(key).is_not_null() & pl.col(key).str.len_chars().is_between(1, longest))
            .and_(pl.col(key) == pl.col(key).str.strip_chars() if key == "id" else True)  # as `Incident` takes it
            .all()
            .alias("key"),
            pl.all_horizontal(pl.col(c).is_between(0, MAX_COUNT) | pl.col(c).is_null() for c in COUNTS)
            .all()
            .alias("counts"),
            (
                pl.lit(True) if text_checked else ~pl.any_horizontal(pl.col(*texts, key).str.contains(_CONTROL).any())
            ).alias("text"),
            (pl.lit(True) if key == "id" else ~pl.struct("row", key).is_duplicated().any()).alias("unique"),
            _point_ok().all().alias("point"),
            (pl.col("source").is_null() | pl.col("source").str.len_chars().is_between(1, 300)).all().alias("source")
            if key == "id"
            else pl.lit(True),
        ).row(0)
        if not all(ok):
            raise _Unsure
    # Ids unique: sorted, no two neighbours alike (a sort is cheaper than hashing a million texts).
    ids = frame.get_column("id").sort()
    if ids.len() > 1 and (ids.head(-1) == ids.tail(-1)).any():
        raise _Unsure
    if not _times_ok(pl.concat([frame.get_column("time"), accounts.get_column("time")])):
        raise _Unsure


def _point_ok() -> pl.Expr:
    """Whether a row's point is as `Location` takes it: in range and finite, whole, a precision only with it."""
    latitude, longitude, precision = pl.col("latitude"), pl.col("longitude"), pl.col("precision_km")
    return (
        (latitude.is_null() | (latitude.is_finite() & latitude.is_between(-90, 90)))
        & (longitude.is_null() | (longitude.is_finite() & longitude.is_between(-180, 180)))
        & (latitude.is_null() == longitude.is_null())
        & (precision.is_null() | (precision.is_finite() & (precision >= 0) & latitude.is_not_null()))
    )


_TIME = TypeAdapter(MomentOrDay)

# A time that ends in a UTC offset (`Z`, `+03:00`, `-0500`, `+03`): never a local time.
_WITH_OFFSET = r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"


def _without_offset(frame: pl.DataFrame) -> pl.DataFrame:
    """The times of an incident frame written without a UTC offset (days, weeks and months among them): `row`,
    `account` (index; null: the incident's own), `time`; the incidents' own, then their accounts' (sort what is
    kept of them by `_in_row_order`: most times have an offset, and few are kept)."""
    accounts = frame.select(pl.int_range(pl.len()).alias("row"), "accounts").explode("accounts")
    accounts = accounts.filter(pl.col("accounts").is_not_null()).select(
        "row", pl.int_range(pl.len()).over("row").alias("account"), pl.col("accounts").struct.field("time")
    )
    own = frame.select(pl.int_range(pl.len()).alias("row"), pl.lit(None, pl.Int64()).alias("account"), "time")
    told = pl.concat([own, accounts.cast({"account": pl.Int64()})]).filter(
        pl.col("time").is_not_null() & ~pl.col("time").str.strip_chars().str.contains(_WITH_OFFSET)
    )
    return told


def _in_row_order(told: pl.DataFrame) -> pl.DataFrame:
    """`_without_offset`'s rows (or a part of them) in row order, an incident's own time before its accounts'."""
    return told.sort("row", "account", nulls_last=False, maintain_order=True)


def first_local_time(frame: pl.DataFrame) -> tuple[int, int | None, str] | None:
    """The first time of day written without a UTC offset in an incident frame, in row order (an incident's
    own time before its accounts'): (row, account index or None, the time as written); None if there is none.
    """
    told = _without_offset(frame)
    local = [t for t in told.get_column("time").unique() if read_time(t).local]
    if not local:
        return None
    first = _in_row_order(told.filter(pl.col("time").is_in(local))).row(0)
    return first[0], first[1], first[2]


_CHANGED = {"time": pl.String(), "skipped": pl.Boolean(), "why": pl.String()}  # a time the clocks skip or repeat


def changed_clocks(compiled: Compiled, frame: pl.DataFrame) -> pl.DataFrame:
    """The times of an incident frame written without a UTC offset that the ruleset's zone has its clocks skip or
    show twice (see `Compiled.bounds`), in row order: `row`, `account` (null: the incident's own), `time`, `skipped`
    (true: skipped, a time refused; false: shown twice, read as either) and `why`; none where it names no zone.

    Only times told on a day the clocks change, or either side of one, are read one by one: the rest cannot be.
    """
    if compiled.timezone is None:
        return pl.DataFrame(schema={"row": pl.Int64(), "account": pl.Int64(), **_CHANGED})
    told = _without_offset(frame)
    times = told.get_column("time").unique()
    days = {day: _near_change(compiled, day) for day in times.str.strip_chars().str.slice(0, 10).unique()}
    found = {}
    for time in times:
        if "/" in time or days.get(time.strip()[:10], True):  # a span's end may lie on another day
            why = compiled.unreadable(time)
            if why is not None:
                found[time] = (True, why)
            elif (why := compiled.repeated(time)) is not None:
                found[time] = (False, why)
    troubles = pl.DataFrame([(t, *v) for t, v in found.items()], schema=_CHANGED, orient="row")
    return _in_row_order(told.join(troubles, on="time", maintain_order="left"))


def _near_change(compiled: Compiled, day: str) -> bool:
    """Whether a time told on `day` (its first ten characters, as written) may fall where the clocks change."""
    try:
        return clocks_change_near(compiled.zone, date.fromisoformat(day))
    except ValueError:  # another form (a week date): read it to be sure
        return True


# The common form of a time with its UTC offset, which `datetime.fromisoformat` takes whenever its date is one.
# `[0-9]`, not `\d`: in the regex dialect polars speaks `\d` is any script's digit.
_ISO_WITH_OFFSET = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)


def _times_ok(times: pl.Series) -> bool:
    """Whether the model takes every time of `times` (texts, null for none): the common form checked over the
    column, each date it names once; the rest one distinct text at a time (`_time_ok`)."""
    common = times.str.contains(_ISO_WITH_OFFSET).fill_null(False)
    days = times.filter(common).str.slice(0, 10).unique()
    dated = days.str.to_date("%Y-%m-%d", strict=False).is_not_null() & days.str.slice(0, 4).cast(
        pl.Int32(), strict=False
    ).is_between(*TIME_YEARS)
    if not dated.fill_null(False).all():
        common &= times.str.slice(0, 10).is_in(days.filter(dated).implode())
    return all(_time_ok(t) for t in times.filter(~common & times.is_not_null()).unique())


def _time_ok(value: str) -> bool:
    """Whether the model takes `value` as a time: fromisoformat for the common form, the model for the rest."""
    try:
        moment: datetime | date = datetime.fromisoformat(value) if value.isascii() else date.min
    except ValueError:
        moment = date.min
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        return TIME_YEARS[0] <= moment.year <= TIME_YEARS[1]
    try:
        _TIME.validate_python(value)
    except ValidationError:
        return False
    return True


# -- Parquet ---------------------------------------------------------------------------------------

_COLUMNS = ", ".join(PARQUET_COLUMNS)


def _read_parquet(path: Path, warnings: list[Problem] | None, every: bool, hive: Mapping[str, Cell]) -> pl.DataFrame:
    """A Parquet table as an incident frame, with the columns its hive folders give (`read_table`): its columns
    and types checked, then its rows."""
    shown = str(path)
    info = stat_of(path, shown)
    if stat.S_ISDIR(info.st_mode):
        raise InputError.at(shown, "is a directory; expected a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError.at(shown, "not a regular file (a device, pipe or socket); expected a file")
    if info.st_size > TABLE_LIMIT:
        raise InputError.at(shown, f"file is {info.st_size:,} bytes; the limit is {TABLE_LIMIT:,}")
    if info.st_size == 0:
        raise InputError.at(shown, "file is empty; expected a Parquet table with columns " + _COLUMNS)
    try:
        schema = pl.read_parquet_schema(path)
    except (pl.exceptions.PolarsError, OSError, ValueError):
        raise InputError.at(shown, "not a Parquet file (its footer cannot be read)") from None
    read, ignored = _check_parquet_columns(_with_hive(schema, hive), shown)
    try:
        table = _parquet_table(path, read, hive)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise InputError.at(shown, f"cannot read: {str(exc).splitlines()[0]}") from None
    if table.height == 0:
        raise InputError.at(shown, "file holds no incidents; expected a row per incident")
    unfit: list[Problem] = []
    try:
        refuse_unfit_counts(table, shown, every)
    except InputError as exc:
        if not every:
            raise
        unfit, table = list(exc.problems), _without_unfit_counts(table)  # the rows' other problems are listed too
    frame = _parquet_frame(table)
    try:
        _check_incidents(frame)
    except _Unsure:
        try:
            _parquet_rows(frame, shown, every)  # raises the exact problems; if none, the fast check was too strict
        except InputError as exc:
            raise InputError(in_row_order([*unfit, *exc.problems])) from None
    if unfit:
        raise InputError(unfit)
    if warnings is not None and ignored:
        warnings.append(ignored_columns(shown, ignored))
    return frame


def _with_hive(schema: Mapping[str, Any], hive: Mapping[str, Cell]) -> dict[str, Any]:
    """A Parquet table's schema with the columns its hive folders give (`hive`, by standard name, of the incident
    frame's types) in place of its own columns of those names (or their aliases)."""
    own = {name: dtype for name, dtype in schema.items() if COLUMN_ALIASES.get(name, name) not in hive}
    return own | {name: _HIVE_TYPES[name] for name in hive}


def _parquet_table(
    path: Path, read: Mapping[str, str], hive: Mapping[str, Cell], start: int = 0, rows: int | None = None
) -> pl.DataFrame:
    """A Parquet table's rows (`rows` from `start`; None: to the end) by their columns' standard names: those of
    `read` ({as named: standard name}) the file holds, then each hive column's value in every row.

    Raises polars' errors, OSError or ValueError where the file cannot be read.
    """
    scan = pl.scan_parquet(path).slice(start, rows)
    own = {name: standard for name, standard in read.items() if standard not in hive}
    table = scan.select(list(own)).collect().rename(own) if own else None
    height = table.height if table is not None else scan.select(pl.len()).collect().item()
    given = [pl.repeat(value, height, dtype=_HIVE_TYPES[name], eager=True).alias(name) for name, value in hive.items()]
    return table.hstack(given) if table is not None else pl.DataFrame(given)


def told_otherwise(path: Path, column: str, value: Cell) -> bool:
    """Whether a Parquet table's column `column` (a standard name; the table may name it by its alias) holds a
    value other than `value` in some row, read as the incident frame reads it (None: not told). False where
    the table holds no such column, or it cannot be read as one (the table's reader says why where it must).
    """
    try:
        schema = pl.read_parquet_schema(path)
        named = next((name for name in schema if COLUMN_ALIASES.get(name, name) == column), None)
        if named is None:
            return False
        told = _as_told(pl.col(named), schema[named]).cast(_HIVE_TYPES[column])
        other = told.ne_missing(pl.lit(value, _HIVE_TYPES[column])).any()
        return bool(pl.scan_parquet(path).select(other).collect().item())
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return False


def _check_parquet_columns(schema: Mapping[str, Any], shown: str) -> tuple[dict[str, str], list[str]]:
    """The columns read ({as named: standard name}) and those left out, each read of a type its values
    can be read from; an account's fields each known."""
    try:
        read, ignored = table_columns(list(schema), shown, PARQUET_COLUMNS)
    except InputError as exc:  # a header's line means nothing in Parquet
        raise InputError([replace(p, line=None) for p in exc.problems]) from None
    for name, standard in read.items():
        dtype = schema[name]
        if standard == "accounts":
            fields = dtype.inner.fields if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct) else None
            if fields is None and dtype != pl.Null():
                raise InputError.at(
                    shown,
                    f"column `accounts` is {dtype}; expected a list of structs with `source` and columns from "
                    + ", ".join(ACCOUNT_COLUMNS[1:]),
                    path="accounts",
                )
            given: dict[str, str] = {}
            for field in fields or ():
                field_standard = COLUMN_ALIASES.get(field.name, field.name)
                if field_standard not in ACCOUNT_COLUMNS:
                    hint = did_you_mean(field.name.strip().lower(), ACCOUNT_COLUMNS)
                    raise InputError.at(
                        shown,
                        f"unknown field `{field.name}`{hint}; expected fields " + ", ".join(ACCOUNT_COLUMNS),
                        path="accounts",
                    )
                if field_standard in given:
                    alias, named = sorted((field.name, given[field_standard]), key=lambda n: n not in COLUMN_ALIASES)
                    raise InputError.at(shown, "fields " + both_given(alias, named), path="accounts")
                given[field_standard] = field.name
                _check_type(field_standard, field.dtype, shown, f"accounts.{field.name}")
        else:
            _check_type(standard, dtype, shown, name)
    return read, ignored


def _check_type(name: str, dtype: Any, shown: str, where: str) -> None:
    """Refuse a column (or account field), by its standard name, whose type its values cannot be read from.

    Besides text: a count may be a float holding whole numbers (pandas writes a count with gaps so, NaN for
    each gap), a time a date or a date-time (with its zone, or without one: then read as a time without an
    offset is), text a categorical.
    """
    if dtype == pl.Null():
        return
    if name in COUNTS and not (dtype.is_integer() or dtype.is_float()):
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected whole numbers (an integer or float type)")
    if name in DECIMAL_COLUMNS and not dtype.is_numeric():
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected numbers (a float or integer type)")
    if name == "id" and not (_is_text(dtype) or dtype.is_integer()):
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected text or whole numbers")
    if name == "time" and not (_is_text(dtype) or isinstance(dtype, pl.Datetime | pl.Date)):
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected text, dates or date-times")
    if name in BOOLEAN_COLUMNS and dtype != pl.Boolean():
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected true or false (a boolean type)")
    if name not in (*VALUE_COLUMNS, "id", "time") and not _is_text(dtype):
        raise InputError.at(shown, f"column `{where}` is {dtype}; expected text (a string type)")


def _is_text(dtype: Any) -> bool:
    return dtype == pl.String() or isinstance(dtype, pl.Categorical | pl.Enum)


def _as_told(value: pl.Expr, dtype: Any) -> pl.Expr:
    """A typed Parquet value as the incident frame's: a date or date-time as ISO 8601 text (a zone's instant
    with its UTC offset, seconds' fraction only where there is one), a float count's NaN as not told, and an
    empty text as not told, as an empty CSV cell is (a table converted from CSV by pyarrow or pandas keeps them)."""
    if _is_text(dtype):
        return value.cast(pl.String()).replace("", None)
    if isinstance(dtype, pl.Datetime):
        offset = "%:z" if dtype.time_zone is not None else ""
        return value.dt.to_string("%Y-%m-%dT%H:%M:%S%.f" + offset)
    if isinstance(dtype, pl.Date):
        return value.dt.to_string("%Y-%m-%d")
    if dtype.is_float():
        return value.fill_nan(None)
    return value


def refuse_unfit_counts(table: pl.DataFrame, shown: str, every: bool = False) -> None:
    """Refuse the counts of a Parquet table (standard names) held as a float that is no whole number, or that
    a float or an unsigned 64-bit integer holds out of range (below 0, above `MAX_COUNT`): as the row reader
    would, with the value as given. Other integer types are cast to Int64 and checked with the rest.

    Raises `InputError` naming the first such count's row and field (`row 3: casualties.killed`), or with
    `every`, each one's in row order (up to `ROW_PROBLEM_LIMIT`, then how many more).
    """
    found: list[tuple[int, int, Problem]] = []
    total = 0
    names, told = _held_apart_counts(table)
    for name in names:
        count, some = _unfit_counts(table.select(pl.col(name).alias("count")), shown, f"casualties.{name}")
        total, found = total + count, found + some
    for field in told:
        counts = table.select(pl.col("accounts").list.eval(pl.element().struct.field(field.name)).alias("count"))
        name = COLUMN_ALIASES.get(field.name, field.name)
        count, some = _unfit_counts(counts, shown, f"casualties.{name}", account=True)
        total, found = total + count, found + some
    problems = RowProblems(shown, every)
    for _, _, problem in sorted(found, key=lambda f: (f[0], f[1]))[:ROW_PROBLEM_LIMIT]:
        problems.add(problem)
    problems.count = total
    problems.raise_any()


def _held_apart(dtype: Any) -> bool:
    """Whether a count's type holds values Int64 cannot: fractions, infinities, numbers past its range."""
    return bool(dtype.is_float() or dtype == pl.UInt64())


def _held_apart_counts(table: pl.DataFrame) -> tuple[list[str], list[Any]]:
    """A Parquet table's counts (standard names) of a type held apart (`_held_apart`): its columns, and its
    accounts' fields (pl.Field, named as written)."""
    names = [n for n in COUNTS if n in table.schema and _held_apart(table.schema[n])]
    accounts = table.schema.get("accounts")
    if not (isinstance(accounts, pl.List) and isinstance(accounts.inner, pl.Struct)):
        return names, []
    told = [f for f in accounts.inner.fields if COLUMN_ALIASES.get(f.name, f.name) in COUNTS and _held_apart(f.dtype)]
    return names, told


def _unfit_counts(
    counts: pl.DataFrame, shown: str, field: str, account: bool = False
) -> tuple[int, list[tuple[int, int, Problem]]]:
    """How many counts of one field are unfit, and the first `ROW_PROBLEM_LIMIT` of them as (row, account, problem)."""
    rows = counts.with_row_index("row")
    if account:
        rows = rows.with_columns(pl.int_ranges(pl.col("count").list.len()).alias("at")).explode("count", "at")
    else:
        rows = rows.with_columns(pl.lit(-1).alias("at"))
    bad = rows.filter(_unfit_count(pl.col("count"), rows.schema["count"]))
    return bad.height, [
        (row, at, _unfit(shown, count, f"row {row + 1}: " + (f"accounts[{at}].{field}" if account else field)))
        for row, count, at in bad.head(ROW_PROBLEM_LIMIT).select("row", "count", "at").iter_rows()
    ]


def _unfit_count(value: pl.Expr, dtype: Any) -> pl.Expr:
    """Whether a count of `dtype` held apart (`_held_apart`) is unfit: below 0, above `MAX_COUNT`, or (a float) a
    fraction or an infinity; NaN is not told, so not unfit."""
    wrong = (value < 0) | (value > MAX_COUNT)
    if dtype.is_float():
        fraction = value.is_infinite() | (value.is_finite() & (value != value.floor()))
        wrong = (fraction | wrong) & ~value.is_nan()
    return wrong


def _without_unfit_counts(table: pl.DataFrame) -> pl.DataFrame:
    """A Parquet table (standard names) with each unfit count (`_unfit_count`) not told: its other problems can
    then be found too."""

    def fit(value: pl.Expr, dtype: Any, name: str) -> pl.Expr:
        return pl.when(_unfit_count(value, dtype)).then(None).otherwise(value).alias(name)

    names, told = _held_apart_counts(table)
    columns = [fit(pl.col(n), table.schema[n], n) for n in names]
    if told:
        fields = (fit(pl.field(f.name), f.dtype, f.name) for f in told)
        columns.append(pl.col("accounts").list.eval(pl.element().struct.with_fields(*fields)))
    return table.with_columns(columns)


def _unfit(shown: str, count: float, where: str) -> Problem:
    """What is wrong with a count: a fraction, or a number out of range, with the value as given."""
    if isinstance(count, float) and not count.is_integer():
        return Problem(shown, f"expected a whole number, got `{count}`", None, None, where)
    shown_count = str(count) if isinstance(count, int) else f"{count:.0f}" if abs(count) < 1e15 else repr(count)
    low = count < 0
    return Problem(shown, out_of_range(shown_count, low, 0 if low else MAX_COUNT), None, None, where)


def _parquet_frame(table: pl.DataFrame) -> pl.DataFrame:
    """A Parquet table of known columns (by their standard names) and types as an incident frame (values
    not yet checked); an account's fields may be named by their aliases."""

    def column(name: str, have: Mapping[str, Any], get: Any) -> pl.Expr:
        dtype = INCIDENTS[name] if name != "source" else pl.String()
        alias = next((a for a, s in COLUMN_ALIASES.items() if s == name and a in have), None)
        if name not in have and alias is None:
            return pl.lit(None, dtype).alias(name)
        given = name if name in have or alias is None else alias
        value: pl.Expr = _as_told(get(given), have[given])
        return value.cast(dtype).alias(name)

    told = list(TOLD)
    accounts: pl.Expr = pl.lit([], INCIDENTS["accounts"])
    dtype = table.schema.get("accounts")
    if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct):
        fields = {f.name: f.dtype for f in dtype.inner.fields}
        element = pl.element().struct.field
        accounts = (
            pl.col("accounts")
            .list.eval(pl.struct(column("source", fields, element), *(column(c, fields, element) for c in told)))
            .fill_null(accounts)
        )
    return table.select(
        *(column(c, table.schema, pl.col) for c in INCIDENTS if c != "accounts"),
        accounts.cast(INCIDENTS["accounts"]).alias("accounts"),
        *(c for c in BOOLEAN_COLUMNS if c in table.columns),
    )


def _parquet_rows(frame: pl.DataFrame, shown: str, every: bool = False) -> None:
    """Each row of a Parquet table's frame validated as an `Incident`, in order: the first problem raised,
    or with `every`, each bad row's."""
    problems = RowProblems(shown, every)
    first: dict[str, int] = {}
    for number, row in enumerate(_rows(frame), 1):
        found = _control_in(row)
        if found:
            field, char = found
            problems.add(Problem(shown, control_message(char), None, None, f"row {number}: {field}"))
            continue
        data = _incident_data(row)
        try:
            incident = Incident.model_validate(data)
        except ValidationError as exc:
            problem = problems_from(exc, Document(shown, data, {}), Incident)[0]
            where = f"row {number}: {problem.path}" if problem.path else f"row {number}"
            problems.add(Problem(shown, problem.message, None, None, where))
            if isinstance(data.get("id"), str) and data["id"]:  # a bad row's id: another row may use it too
                first.setdefault(data["id"], number)
            continue
        if incident.id in first:
            message = f"incident id `{incident.id}` is used twice (first on row {first[incident.id]})"
            problems.add(Problem(shown, message, None, None, f"row {number}: id"))
        first.setdefault(incident.id, number)
    problems.raise_any()


def _rows(frame: pl.DataFrame) -> Iterator[dict[str, Any]]:
    for start in range(0, frame.height, 10_000):  # a slice at a time: rows as dicts are large
        yield from frame.slice(start, 10_000).iter_rows(named=True)


def _incident_data(row: dict[str, Any]) -> dict[str, Any]:
    """A frame row as an incident's data, as written in JSON: absent where null."""
    data = _told_data(row)
    data |= {k: row[k] for k in ("id", "notes", "source") if row[k] is not None}
    if row["accounts"]:
        data["accounts"] = [
            {**({"source": a["source"]} if a["source"] is not None else {}), **_told_data(a)} for a in row["accounts"]
        ]
    return data


def _told_data(row: dict[str, Any]) -> dict[str, Any]:
    data = {k: row[k] for k in ("time", "actor", "act", "target", "intended_target") if row[k] is not None}
    location = {key: row[k] for k, key in (*PLACE.items(), *((p, p) for p in POINT)) if row[k] is not None}
    casualties = {k: row[k] for k in COUNTS if row[k] is not None}
    if location:
        data["location"] = location
    if casualties:
        data["casualties"] = casualties
    return data


def _control_in(row: dict[str, Any]) -> tuple[str, str] | None:
    """The first text of a row holding a control character: its field and the character."""
    pattern = re.compile(_CONTROL)
    fields = [(k, v) for k, v in row.items() if k != "accounts"]
    for i, account in enumerate(row["accounts"] or ()):
        fields += [(f"accounts[{i}].{k}", v) for k, v in account.items()]
    for key, value in fields:
        if isinstance(value, str) and (found := pattern.search(value)):
            prefix, _, name = key.rpartition(".")
            return (f"{prefix}." if prefix else "") + COLUMN_FIELDS.get(name, name), found[0]
    return None

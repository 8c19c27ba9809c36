"""ACLED and UCDP GED exports read as they come: told apart by their header, mapped to incident frames in batches.

An export is recognised from its columns (a CSV header, a Parquet schema), in any order: ACLED by
`event_id_cnty`, `event_date` and `actor1`; UCDP's Georeferenced Event Dataset by `id`, `date_start`,
`side_a` and `type_of_violence`. Each row becomes one incident of the incident frame
(`engine.incidents.frame`), with the `JUDGED` columns the dataset tells (a clash is `mutual`; ACLED's
associated actors; UCDP's civilian deaths flag) and one struct column, `acled` or `ucdp`, keeping the
dataset's own codes for reports.

A third party's export has bad rows (no id, a row cut short, a date or a count that cannot be read, an
id given twice): each is skipped and kept as a `Problem` with its file, line (Parquet: row) and why, so
that one bad row of thousands does not stop a run; `--strict` makes them an error. A row whose only fault is
in a code its verdict does not depend on (UCDP's `date_prec`, ACLED's `inter1`, `inter2` and `interaction`) is
kept, with a warning at its line. An export with no row left to judge (a header alone, or every row bad) is
refused.

The file is read a block at a time and each block mapped as it comes, so that memory stays flat
however many rows there are. CSV: blocks of 32 MB cut at a row's end (a line break after an even number
of quotes), each read by polars' `read_csv`, its shape checked by its length (`_csv_block`); a block that
fails that check is read again by Python's csv module, row by row, which says exactly which rows are bad.
Readers measured on a 1M-row synthetic ACLED export (416 MB, 31 columns, 2 busy cores; CPU seconds, as
the machine was shared): polars' `scan_csv(...).collect_batches()` 3.3 s and pyarrow's streaming
`open_csv` 6.2 s both read far ahead of a consumer (peak RSS 500–900 MB whatever the batch size), and
polars fills a short row's missing cells as it does empty ones; pyarrow's `read_csv` on a block names a
row of the wrong shape but costs 2.5 times polars' `read_csv` on the same bytes. Blocks cut here and read by
`pl.read_csv` keep the peak to a block and its frames (531 MB for the whole run of 1M rows, against
1,304 MB for the same rows as a plain CSV table read whole). Parquet: pyarrow's `ParquetFile.iter_batches`.
"""

from __future__ import annotations

import csv
import io
import re
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from engine.errors import InputError, Problem
from engine.incidents.blocks import Census, blocks, census, csv_row_end
from engine.incidents.frame import INCIDENTS, JUDGED
from engine.incidents.load import (
    ROW_PROBLEM_LIMIT,
    TABLE_LIMIT,
    column_hint,
    in_row_order,
    refuse_bare_returns,
    refuse_separator,
    row_of,
)
from engine.incidents.model import MAX_COUNT
from engine.times import TIME_YEARS
from engine.yamlsafe import stat_of

KINDS = ("acled", "ucdp")
NAMES = {"acled": "ACLED", "ucdp": "UCDP GED"}
EXPORTS = {"acled": "an ACLED export", "ucdp": "a UCDP GED export"}  # as a sentence names one
# The columns that tell an export apart, and that it must have to be read as one.
SIGNATURES = {
    "acled": ("event_id_cnty", "event_date", "actor1"),
    "ucdp": ("id", "date_start", "side_a", "type_of_violence"),
}

# ACLED's columns, in the order its 2023 CSV export writes them.
ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)
# UCDP GED's columns (23.1 to 26.1), in the order its CSV export writes them.
UCDP_COLUMNS = (
    "id",
    "relid",
    "year",
    "active_year",
    "code_status",
    "type_of_violence",
    "conflict_dset_id",
    "conflict_new_id",
    "conflict_name",
    "dyad_dset_id",
    "dyad_new_id",
    "dyad_name",
    "side_a_dset_id",
    "side_a_new_id",
    "side_a",
    "side_b_dset_id",
    "side_b_new_id",
    "side_b",
    "number_of_sources",
    "source_article",
    "source_office",
    "source_date",
    "source_headline",
    "source_original",
    "where_prec",
    "where_coordinates",
    "where_description",
    "adm_1",
    "adm_2",
    "latitude",
    "longitude",
    "geom_wkt",
    "priogrid_gid",
    "country",
    "country_id",
    "region",
    "event_clarity",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
    "gwnoa",
    "gwnob",
)
# Every column of each dataset's exports, read or not (older ACLED exports also have `data_id`, `event_id_no_cnty`
# and `iso3`): one is never taken for a misspelling of another (`country_id` of `country`, `event_id_no_cnty` of
# `event_id_cnty`).
COLUMNS = {"acled": (*ACLED_COLUMNS, "data_id", "event_id_no_cnty", "iso3"), "ucdp": UCDP_COLUMNS}

# ACLED's columns read, the rest left out (`region` is a world region, never a province; `iso`, `year`,
# older exports' `data_id`, `event_id_no_cnty` and `iso3` say nothing the incident needs).
ACLED_READ = tuple(c for c in ACLED_COLUMNS if c not in ("year", "iso", "region"))
# UCDP GED's columns left out: other UCDP datasets' ids and codes, its sources' bookkeeping, the geometry and
# grid cell (the point is read), the country's and sides' Gleditsch-Ward numbers (the names are read).
UCDP_UNREAD = (
    "year",
    "active_year",
    "code_status",
    "conflict_dset_id",
    "conflict_new_id",
    "dyad_dset_id",
    "dyad_new_id",
    "side_a_dset_id",
    "side_a_new_id",
    "side_b_dset_id",
    "side_b_new_id",
    "number_of_sources",
    "source_office",
    "source_date",
    "source_original",
    "where_description",
    "geom_wkt",
    "priogrid_gid",
    "country_id",
    "region",
    "gwnoa",
    "gwnob",
)
UCDP_READ = tuple(c for c in UCDP_COLUMNS if c not in UCDP_UNREAD)
READ = {"acled": ACLED_READ, "ucdp": UCDP_READ}
# The columns an export's verdicts depend on (its id, when, who against whom, which act, where, how many died):
# one missing would have every row read without it, a guess, so the export is refused instead. The others are
# read where given (an older ACLED export has no `disorder_type`; an API query may leave out `notes`).
NEEDED = {
    "acled": (
        "event_id_cnty",
        "event_date",
        "time_precision",
        "sub_event_type",
        "actor1",
        "actor2",
        "country",
        "admin1",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
    ),
    "ucdp": (
        "id",
        "date_start",
        "date_end",
        "date_prec",
        "type_of_violence",
        "side_a",
        "side_b",
        "country",
        "adm_1",
        "latitude",
        "longitude",
        "where_prec",
        "best",
        "deaths_civilians",
    ),
}

# The dataset's own fields kept beside the incident, typed: codes and counts as integers.
ACLED_KEPT = pl.Struct(
    {
        "event_type": pl.String(),
        "sub_event_type": pl.String(),
        "disorder_type": pl.String(),
        "inter1": pl.String(),  # as the export writes them: a code (`1`) or, from newer exports, a label
        "inter2": pl.String(),
        "interaction": pl.String(),
        "time_precision": pl.Int64(),
        "geo_precision": pl.Int64(),
        "civilian_targeting": pl.String(),
        "source_scale": pl.String(),
        "tags": pl.String(),
        "timestamp": pl.Int64(),
    }
)
UCDP_KEPT = pl.Struct(
    {
        "type_of_violence": pl.Int64(),
        "conflict_name": pl.String(),
        "dyad_name": pl.String(),
        "where_prec": pl.Int64(),
        "date_prec": pl.Int64(),
        "best": pl.Int64(),
        "low": pl.Int64(),
        "high": pl.Int64(),
        "deaths_a": pl.Int64(),
        "deaths_b": pl.Int64(),
        "deaths_civilians": pl.Int64(),
        "deaths_unknown": pl.Int64(),
        "relid": pl.String(),
        "event_clarity": pl.Int64(),
    }
)
KEPT = {"acled": ACLED_KEPT, "ucdp": UCDP_KEPT}
# An incident frame of each kind: the incident's columns, how it is judged, and the dataset's own fields.
SCHEMAS = {kind: {**INCIDENTS, **JUDGED, kind: KEPT[kind]} for kind in KINDS}

# The radius (km) of a point by the dataset's precision code; a code not listed leaves the point out and
# the place to its admin names.
# ACLED's codebook (2023, "geo_precision"): 1, the town itself (its coordinates; a town spans a few km);
# 2, "near" a town or a part of a region (the nearest town's coordinates: within about 25 km, UCDP's
# bound for the same case); 3, a larger region (the coordinates of its capital or a natural feature: no
# point, its admin1 says where).
ACLED_RADIUS = {1: 5.0, 2: 25.0}
# UCDP GED's codebook ("where_prec"): 1, the exact place; 2, within 25 km of a known point; 3 and above, an
# admin 2 or 1 area, a region, the country or international waters: no point, `adm_1`/`adm_2` say where.
UCDP_RADIUS = {1: 5.0, 2: 25.0}

# UCDP's categories of organised violence, as the act of its incident: a ruleset's act aliases say what each
# means (a clash between two armed sides, or an attack on civilians).
UCDP_ACTS = {1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}
# UCDP GED's codebook: `date_prec` 1 (the day) to 5 (the year), kept but not read (the time is `date_start` to
# `date_end`); `where_prec` 1 (the exact place) to 7 (international waters or airspace), which places the event.
UCDP_DATE_PRECS = range(1, 6)
UCDP_WHERE_PRECS = range(1, 8)
# ACLED's codebook (2023, "Actor Names, Types, and 'Inter' Codes", "Interaction codes"): `inter1` and `inter2` are
# actor types 1 (state forces) to 8 (external/other forces), `inter2` 0 where there is no second actor; `interaction`
# is the two, the lower first (12, state forces and rebels), or the one and 0 for an actor alone (10). Newer exports
# give labels instead (`State forces`, `State forces-Rebel group`), and their words have changed between versions:
# a label is kept as written, a number checked. No verdict reads them: a number outside these is a warning.
ACLED_INTERS = {"inter1": range(1, 9), "inter2": range(0, 9)}
ACLED_INTERACTIONS = sorted(10 * a + b for a in range(1, 9) for b in (0, *range(a, 9)))
ACLED_INTERS_SAID = {
    "inter1": "an actor type, 1 to 8",
    "inter2": "an actor type, 1 to 8, or 0 for no second actor",
    "interaction": "two actor types, the lower first (12), or one and 0 for an actor alone (10)",
}
# What is done with a row whose point has no precision: its coordinates may be an area's centre.
NO_PRECISION = "the row is kept: its point is left out, and its admin names place it"
UCDP_CIVILIANS = "Civilians"  # side_b of a one-sided event
ACLED_CIVILIANS = "Civilians"  # the target of a row flagged `civilian_targeting` that names none
ACLED_TARGETING = "Civilian targeting"  # `civilian_targeting` as ACLED writes it; else it is empty
# ACLED's codebook (2023, "Battles", "Civilian targeting"): a battle is a violent interaction between two organised
# armed groups, and `civilian_targeting` marks events whose main or only target is civilians, so a battle never has
# it. These are the battles' sub-event types (`event_type` is `Battles`).
ACLED_BATTLES = ("Armed clash", "Government regains territory", "Non-state actor overtakes territory")
CIVILIANS_HARMED = "civilians_harmed"  # the flag of a UCDP event with civilian deaths

BLOCK = 32 * 1024 * 1024  # bytes of CSV read and mapped at a time
PARQUET_ROWS = 250_000  # rows of Parquet read at a time
LONGEST_SOURCE = 300  # an incident's `source` (the model's limit): longer text is cut, with `…`
LONGEST_ID = 200

_CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"  # engine.yamlsafe.CONTROL in Rust's regex dialect


# -- what kind of export ---------------------------------------------------------------------------


def header_of(path: Path) -> list[str] | None:
    """The columns a CSV's header or a Parquet schema names; None for another format or an unreadable file.

    Raises `InputError` for a CSV whose lines end with a bare carriage return (`refuse_bare_returns`), so that its
    header cannot be told from its rows, or whose columns are separated by another mark than a comma
    (`refuse_separator`).
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            return list(pq.read_schema(path).names)
        if suffix == ".csv":
            with path.open("rb") as stream:
                first = stream.readline(1024 * 1024).removeprefix(b"\xef\xbb\xbf")
            refuse_bare_returns(first, str(path))
            columns = next(csv.reader([first.decode("utf-8").rstrip("\r\n")]), [])
            refuse_separator(columns, str(path))
            return columns
    except (OSError, ValueError, UnicodeDecodeError, csv.Error):
        return None
    except Exception as exc:  # pyarrow's errors (a file that is not Parquet) derive from ArrowException
        if type(exc).__module__.startswith("pyarrow"):
            return None
        raise
    return None


def sniff(columns: Sequence[str]) -> str | None:
    """The dataset a table's columns are of (`acled`, `ucdp`), or None."""
    names = {c.strip() for c in columns}
    found = [kind for kind, needed in SIGNATURES.items() if set(needed) <= names]
    return found[0] if len(found) == 1 else None


def kind_of(path: Path, source: str | None = None) -> str | None:
    """The dataset `path` is an export of: `source` (checked against its columns), or sniffed from them; None if
    it is no export (then it is read as ceasefire's own table). InputError naming what is missing when `source`
    is given and the file lacks its columns."""
    columns = header_of(path)
    if source is None:
        return sniff(columns) if columns else None
    if source not in KINDS:
        raise InputError.at(str(path), f"unknown dataset `{source}`; expected one of {', '.join(KINDS)}")
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise InputError.at(str(path), f"--from {source} reads .csv and .parquet exports; this is not one")
    stat_of(path, str(path))
    names = [c.strip() for c in columns or ()]
    missing = [c for c in SIGNATURES[source] if c not in names]
    if missing:
        many = "columns" if len(missing) > 1 else "column"
        raise InputError.at(
            str(path),
            f"not {EXPORTS[source]}: no {many} "
            + ", ".join(f"`{c}`" for c in missing)
            + _column_hints(source, missing, names),
            1 if path.suffix.lower() == ".csv" else None,
        )
    return source


def _column_hints(kind: str, missing: Sequence[str], names: Sequence[str]) -> str:
    """The columns of a header (`names`) spelled nearly as one an export of `kind` lacks (`Admin1`, `admn1` for
    `admin1`: `load.column_hint`), as ` (its header has `Admin1`; did you mean `admin1`?)`; '' where none is. A
    column of the dataset's own (`COLUMNS`) is never taken for a misspelling of another."""
    hints = [f"`{n}`{hint}" for n in names if n not in COLUMNS[kind] and (hint := column_hint(n, missing))]
    return f" (its header has {' '.join(hints)})" if hints else ""


# -- bad rows --------------------------------------------------------------------------------------


KEPT_FIRST = "; the first row is kept"  # said of a skipped row; not where `--strict` refuses the export


@dataclass
class BadRows:
    """The rows an export reader skipped (or, as `nouns` say, kept with a warning): the first `limit` kept as
    problems, all counted."""

    shown: str
    limit: int = ROW_PROBLEM_LIMIT
    found: list[Problem] = field(default_factory=list)
    count: int = 0
    nouns: tuple[str, str] = ("bad row", "bad rows")  # one, and more than one

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.found) < self.limit:
            self.found.append(problem)

    def problems(self, severity: str = "warning") -> list[Problem]:
        """Each bad row kept, then how many more there were, as problems of `severity` (an error's keeps nothing)."""
        cut = KEPT_FIRST if severity == "error" else "\0"  # refused: no row is kept
        out = [Problem(p.file, p.message.removesuffix(cut), p.line, p.column, p.path, severity) for p in self.found]
        more = self.count - len(self.found)
        if more:
            out.append(Problem(self.shown, f"… and {more:,} more {self.nouns[more != 1]}", severity=severity))
        return out

    def summary(self) -> str:
        """One line: how many rows were skipped."""
        many = f"{self.count:,} bad rows" if self.count != 1 else "1 bad row"
        return f"{self.shown}: {many} skipped"


# -- reading an export -----------------------------------------------------------------------------


class EventTable:
    """An ACLED or UCDP GED export, read as incident frames a block at a time (see the module's notes).

    `batches()` reads the file from the start each time it is called; the rows it skipped are in `bad`, and
    those it kept with a warning in `noted`, once it has been read through. `lines()` gives the line (Parquet:
    the row) of each incident kept.
    """

    def __init__(self, path: Path, kind: str, block: int = BLOCK, rows: int = PARQUET_ROWS) -> None:
        self.path, self.kind, self.block, self.rows = path, kind, block, rows
        self.shown = str(path)
        self._start()
        self._control = True  # whether the block being read may hold a control character
        self.parquet = path.suffix.lower() == ".parquet"
        info = stat_of(path, self.shown)
        if stat.S_ISDIR(info.st_mode):
            raise InputError.at(self.shown, "is a directory; expected a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError.at(self.shown, "not a regular file (a device, pipe or socket); expected a file")
        if info.st_size > TABLE_LIMIT:
            raise InputError.at(self.shown, f"file is {info.st_size:,} bytes; the limit is {TABLE_LIMIT:,}")
        self.size = info.st_size
        given = [c.strip() for c in header_of(path) or ()]
        missing = [c for c in NEEDED[kind] if c not in given]
        if given and missing:
            many = "columns" if len(missing) > 1 else "column"
            raise InputError.at(
                self.shown,
                f"{EXPORTS[kind]} without the {many} "
                + ", ".join(f"`{c}`" for c in missing)
                + _column_hints(kind, missing, given)
                + "; its verdicts depend on "
                + ", ".join(NEEDED[kind])
                + ": export it with them",
                None if self.parquet else 1,
            )

    def _start(self) -> None:
        """Forget what an earlier reading found: each reading reads the file from its start."""
        self.bad, self.noted = BadRows(self.shown), _noted(self.shown)
        self._shapes: list[Problem] = []  # the rows of the wrong shape in the block being read
        # The block being read as it came, every column read in the file's order, and each row's line; and the
        # file's columns in order (Parquet: those not read too), to tell whether a row is cut short.
        self._block = (pl.DataFrame(), pl.Series("line", [], pl.Int64()))
        self._order: list[str] = []

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    def batches(
        self, progress: Callable[[int], None] | None = None, severity: str = "warning"
    ) -> Iterator[pl.DataFrame]:
        """The incident frames of the export's rows, in file order, a block at a time (each with a row at least).

        `progress`, if given, is called with the bytes (Parquet: rows) read so far after each block. An export
        with no row kept raises InputError once read through: each bad row as a problem of `severity`, then why
        nothing could be judged.
        """
        self._start()
        seen = _Seen()
        kept = False
        for cells, lines in self._cells(progress):
            frame = self._mapped(cells, lines, seen)
            if frame.height:
                kept = True
                yield frame.drop("line")
        if not kept:
            raise InputError([*self.bad.problems(severity), self._no_events()])

    def _no_events(self) -> Problem:
        """Why an export gave no incident: it holds no rows, or none could be read (the first bad one says why)."""
        if not self.bad.count:
            expected = "a row per event" if self.parquet else "rows under the header"
            return Problem(self.shown, f"file holds no events; expected {expected}", None if self.parquet else 1)
        first = self.bad.found[0]
        where = first.path if first.line is None else f"line {first.line}"
        return Problem(self.shown, f"no row could be read; the first bad row is {where}: {first.message}")

    def row_problems(self) -> list[Problem]:
        """The rows kept with a warning and those skipped, as warnings, in row order (then how many more of each)."""
        return in_row_order([*self.noted.problems(), *self.bad.problems()])

    def frame(self) -> pl.DataFrame:
        """Every incident at once (for commands that need the whole table)."""
        return pl.concat(list(self.batches()), how="vertical")

    def skipped(self, wanted: str) -> Problem | None:
        """Why the first row whose id reads `wanted` was skipped as bad (a problem at its line; Parquet: its row), or
        None where no such row was: an id asked for that is not among the incidents may be a bad row's.

        Reads the file through again, as `batches` does, holding one block's problems at a time.
        """
        column = SIGNATURES[self.kind][0]  # the id's column
        seen = _Seen()
        self._start()
        try:
            for cells, lines in self._cells(None):
                self.bad = BadRows(self.shown, limit=cells.height)  # every bad row of the block
                self._mapped(cells, lines, seen)
                numbers = set(lines.filter(cells.get_column(column).str.strip_chars() == wanted).to_list())
                found = [p for p in self.bad.found if row_of(p) in numbers]
                if found:
                    return found[0]
            return None
        finally:
            self._start()

    def lines(self) -> list[int]:
        """The line (Parquet: the row, from 1) of each incident kept, in order."""
        self._start()
        seen = _Seen()
        out: list[int] = []
        for cells, lines in self._cells(None):
            frame = self._mapped(cells, lines, seen)
            out += frame.get_column("line").to_list()
        return out

    # -- cells -------------------------------------------------------------------------------------

    def _cells(self, progress: Callable[[int], None] | None) -> Iterator[tuple[pl.DataFrame, pl.Series]]:
        """The export's cells as text, the columns read (`READ`, null where the file lacks one), a block at a
        time, with each row's line (Parquet: row number); rows of the wrong shape reported and left out."""
        reader = self._parquet_cells if self.parquet else self._csv_cells
        for cells, lines in reader(progress):
            self._block = (cells, lines)
            have = set(cells.columns)
            yield (
                cells.select(
                    pl.col(c).cast(pl.String()) if c in have else pl.lit(None, pl.String()).alias(c)
                    for c in READ[self.kind]
                ),
                lines,
            )

    def _parquet_cells(self, progress: Callable[[int], None] | None) -> Iterator[tuple[pl.DataFrame, pl.Series]]:
        import pyarrow.parquet as pq

        try:
            source = pq.ParquetFile(self.path)
        except Exception as exc:
            raise InputError.at(self.shown, f"not a Parquet file ({str(exc).splitlines()[0]})") from None
        columns = [c for c in source.schema_arrow.names if c.strip() in READ[self.kind]]
        self._order = [c.strip() for c in source.schema_arrow.names]
        done = 0
        for batch in source.iter_batches(batch_size=self.rows, columns=columns):
            part = pl.from_arrow(batch)
            assert isinstance(part, pl.DataFrame)
            part = part.rename({c: c.strip() for c in part.columns})
            part = _nulled(part.with_columns(_as_text(part, name) for name in part.columns))
            self._control = True
            yield part, pl.int_range(done + 1, done + 1 + part.height, eager=True).alias("line")
            done += part.height
            if progress is not None:
                progress(done)

    def _csv_cells(self, progress: Callable[[int], None] | None) -> Iterator[tuple[pl.DataFrame, pl.Series]]:
        with self.path.open("rb") as stream:
            first = stream.readline().removeprefix(b"\xef\xbb\xbf")
            try:
                header = [c.strip() for c in next(csv.reader([first.decode("utf-8").rstrip("\r\n")]), [])]
            except (UnicodeDecodeError, csv.Error) as exc:
                raise InputError.at(self.shown, f"the header cannot be read: {exc}", 1) from None
            self._order = header
            line = 2  # the line the next block starts on
            done = len(first)
            for block in blocks(stream, self.block, csv_row_end, self.block // 8):
                counted = census(block)
                if not _BLANK.fullmatch(block):
                    yield self._csv_block(block, header, line, counted)
                line += counted.breaks
                done += len(block)
                if progress is not None:
                    progress(done)

    def _csv_block(self, body: bytes, header: list[str], line: int, counted: Census) -> tuple[pl.DataFrame, pl.Series]:
        """One block of whole rows read into text cells, with each row's line: fast, or exactly if unsure.

        polars refuses a row with too many cells but fills a short one with empty cells, and skips a blank
        line: the block's length says whether it did either. Every byte is in a cell, or is a separator
        (`width - 1` a row), a row's line break (with its carriage return), or a quote around a cell (a
        quoted `""` is one quote in the cell and two in the block); the cells' lengths cost a read of
        their offsets, the rest a count of bytes.
        """
        width = len(header)
        self._control = counted.control
        try:
            cells = pl.read_csv(
                body,
                has_header=False,
                new_columns=header,
                schema=dict.fromkeys(header, pl.String()),
                empty_string_is_null=True,
                raise_if_empty=False,
            )
        except (pl.exceptions.PolarsError, ValueError):  # a row too long, or not UTF-8
            return self._csv_exact(body, header, line)
        rows = cells.height
        text = [pl.col(c).str.len_bytes().cast(pl.Int64()).sum() for c in header]
        if counted.doubled:  # a quote within a cell, or an empty quoted cell: count what the cells hold
            text += [-pl.col(c).str.count_matches('"', literal=True).cast(pl.Int64()).sum() for c in header]
        held = cells.select(pl.sum_horizontal(text)).item() if rows else 0
        returns = body.count(b"\r\n") if counted.returns else 0
        ended = body.endswith(b"\n")
        expected = held + (width - 1) * rows + rows - (0 if ended else 1) + returns + counted.quotes
        if rows == 0 or len(body) != expected or counted.returns != returns:
            return self._csv_exact(body, header, line)
        lines = pl.int_range(line, line + rows, eager=True)
        if counted.breaks - (0 if ended else -1) != rows:  # a quoted cell holds a line break: the rows after move
            within = cells.select(
                pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True) for c in header)
            ).to_series()
            lines = lines + within.cum_sum() - within
        return cells, lines.alias("line")

    def _csv_exact(self, body: bytes, header: list[str], line: int) -> tuple[pl.DataFrame, pl.Series]:
        """A block read row by row: rows of the wrong shape reported and left out."""
        self._control = True
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            start = body.count(b"\n", 0, exc.start)
            raise InputError.at(self.shown, "not UTF-8 text; save the export as UTF-8", line + start) from None
        rows: list[list[str]] = []
        lines: list[int] = []
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        number = line
        try:
            for row in reader:
                if not row or (len(row) == 1 and not row[0].strip()):
                    pass  # a blank line
                elif len(row) != len(header):
                    self._shapes.append(Problem(self.shown, _shape(row, header), number))
                else:
                    rows.append(row)
                    lines.append(number)
                number = line + reader.line_num
        except csv.Error as exc:
            reason = str(exc)
            if reason == "unexpected end of data":
                reason = 'a quoted cell is never closed (a `"` is missing)'
            self._shapes.append(
                Problem(self.shown, f"not valid CSV: {reason}; the rest of the block is skipped", number)
            )
        cells = _nulled(pl.DataFrame(rows, schema=dict.fromkeys(header, pl.String()), orient="row"))
        return cells, pl.Series("line", lines, pl.Int64())

    # -- mapping -----------------------------------------------------------------------------------

    def _mapped(self, cells: pl.DataFrame, lines: pl.Series, seen: _Seen) -> pl.DataFrame:
        """A block's cells as incidents (with their `line`), bad rows reported and left out; `seen` ids grown."""
        raw = cells.with_columns(lines.cast(pl.Int64()).alias("line"))
        # Empty cells are null as read; an id, a date, a code or a count is stripped too (names and notes are
        # long, and exports do not pad them: stripping them would copy every cell's text).
        cells = raw.with_columns(_cleaned(c) for c in READ[self.kind] if c in STRIPPED[self.kind])
        control = self._control
        mapped, reasons, notes = _acled(cells, control) if self.kind == "acled" else _ucdp(cells, control)
        why = mapped.get_column("why")
        ids = mapped.get_column("id")
        again = why.is_null() & (seen.holds(ids) | (ids.is_duplicated() & ~ids.is_first_distinct()))
        if again.any():
            twice = len(reasons)
            reasons = [*reasons, "event id `{_id}` is given twice" + KEPT_FIRST]
            mapped = mapped.with_columns(pl.when(again).then(pl.lit(twice, pl.Int32())).otherwise("why").alias("why"))
        found = self._shapes + self._problems(raw, mapped.filter(pl.col("why").is_not_null()), "why", reasons)
        for problem in sorted(found, key=lambda p: p.line or 0):  # in file order, a block's rows of the wrong shape too
            self.bad.add(problem)
        self._shapes = []
        good = mapped.filter(pl.col("why").is_null()).drop("why")
        for problem in self._problems(raw, good.filter(pl.col("note").is_not_null()), "note", notes):
            self.noted.add(problem)
        good = good.drop("note")
        seen.add(good.get_column("id"))
        responses = pl.lit(None, pl.String()).alias("in_response_to")  # datasets do not link one event to another
        return good.with_columns(responses).select(*SCHEMAS[self.kind], "line")

    def _problems(self, raw: pl.DataFrame, rows: pl.DataFrame, code: str, reasons: list[str]) -> list[Problem]:
        """A problem at each of `rows` (incidents with their `line` and `id`), in the words of its `code` column's
        check (`note`: of every note its bits name, in one line), quoting its cells as `raw` (the block as read) holds
        them."""
        if not rows.height:
            return []
        found = rows.select("line", code, "id")
        cells = raw.join(found, on="line", how="semi")
        block, lines = self._block
        whole = block.filter(lines.is_in(found.get_column("line").implode()))  # every column, in the file's order
        out = []
        for (number, check, given), row, told in zip(
            found.iter_rows(), cells.iter_rows(named=True), whole.iter_rows(named=True), strict=True
        ):
            if code == "note":  # every note of the row, in one line
                said = "; ".join(_reason(r, row) for k, r in enumerate(reasons) if check >> k & 1)
            else:
                said = _reason(reasons[check].replace("{_id}", str(given).replace("{", "{{").replace("}", "}}")), row)
            if "empty" in said and (start := _cut_short(self._order, told)) is not None:
                said += f" (the row looks cut short: every cell from `{start}` on is empty)"
            out.append(_problem(self.shown, self.parquet, number, said))
        return out


def _noted(shown: str) -> BadRows:
    """The rows of an export kept with a warning (see `BadRows`)."""
    return BadRows(shown, nouns=("row with a warning", "rows with a warning"))


_BLANK = re.compile(rb"[\r\n]*")


class _Seen:
    """The ids of the rows kept so far: each block's ids, and a 64-bit hash of every id to look them up by.

    A hash's 8 bytes keep the lookup small however long the ids; a hash found is confirmed against the ids
    themselves, so that two ids that hash alike are never taken for one.
    """

    def __init__(self) -> None:
        self.blocks: list[pl.Series] = []
        self.hashes = pl.Series("hash", [], pl.UInt64())

    def holds(self, ids: pl.Series) -> pl.Series:
        """For each id, whether an earlier block kept it."""
        if not self.blocks:
            return pl.Series("held", [False] * ids.len(), pl.Boolean())
        found = ids.hash().is_in(self.hashes.implode())
        if not found.any():
            return found
        candidates = ids.filter(found)
        confirmed = pl.Series("held", [False] * candidates.len(), pl.Boolean())
        for block in self.blocks:
            confirmed = confirmed | candidates.is_in(block.implode())
        return found.scatter(found.arg_true(), confirmed)

    def add(self, ids: pl.Series) -> None:
        self.blocks.append(ids)
        self.hashes = pl.concat([self.hashes, ids.hash()])


def _shape(row: list[str], header: list[str]) -> str:
    """Why a row of the wrong number of cells is skipped."""
    if len(row) < len(header):
        return (
            f"the row has {len(row)} cells, the header {len(header)}: it stops before `{header[len(row)]}` (cut short?)"
        )
    return f"the row has {len(row)} cells, the header {len(header)}"


def _cut_short(order: Sequence[str], row: dict[str, Any]) -> str | None:
    """The column from which every cell of `row` is empty to the row's end, where at least three are and not all:
    the row looks cut short there. `order` is the file's columns in order; one `row` lacks (a Parquet column not
    read) may hold anything, so no cell before it is said to be empty."""
    empty = 0
    for name in reversed(order):
        if name not in row or row[name] not in (None, ""):
            break
        empty += 1
    return order[-empty] if 3 <= empty < len(order) else None


def _problem(shown: str, parquet: bool, number: int, reason: str) -> Problem:
    """A bad row as a problem at its line (Parquet: its row)."""
    if parquet:
        return Problem(shown, reason, None, None, f"row {number}")
    return Problem(shown, reason, number)


def _as_text(part: pl.DataFrame, name: str) -> pl.Expr:
    """A Parquet column as the text a CSV export would hold: dates ISO, whole floats without `.0`."""
    dtype = part.schema[name]
    column = pl.col(name)
    if dtype == pl.String():
        return column
    if dtype.is_float():
        whole = column.is_finite() & (column == column.round(0)) & (column.abs() < 2**53)
        return pl.when(whole).then(column.cast(pl.Int64()).cast(pl.String())).otherwise(column.cast(pl.String()))
    if dtype == pl.Date():
        return column.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):  # a fraction of a second written where there is one
        return column.dt.strftime("%Y-%m-%d %H:%M:%S%.f")
    return column.cast(pl.String())


# -- shared pieces of the two mappings -------------------------------------------------------------


STRIPPED = {
    "acled": (
        "event_id_cnty",
        "event_date",
        "time_precision",
        "inter1",
        "inter2",
        "interaction",
        "latitude",
        "longitude",
        "geo_precision",
        "fatalities",
        "timestamp",
        "civilian_targeting",
    ),
    "ucdp": (
        "id",
        "type_of_violence",
        "where_prec",
        "latitude",
        "longitude",
        "event_clarity",
        "date_prec",
        "date_start",
        "date_end",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
        "best",
        "high",
        "low",
    ),
}


def _nulled(part: pl.DataFrame) -> pl.DataFrame:
    """A frame's empty texts as nulls, as the CSV reader reads them."""
    return part.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in part.columns)


def _cleaned(name: str) -> pl.Expr:
    """A text cell, stripped; empty is null (done once per block, before the mapping reads it)."""
    value = pl.col(name).str.strip_chars()
    return pl.when(value == "").then(None).otherwise(value).alias(name)


def _text(name: str) -> pl.Expr:
    """A text cell as cleaned (`_cleaned`)."""
    return pl.col(name)


def _whole(name: str) -> pl.Expr:
    """A cell as a whole number (null where empty or not one); `12.0`, as a spreadsheet may write it, is 12."""
    number = _text(name).cast(pl.Float64(), strict=False)
    whole = pl.when(number == number.round(0)).then(number).cast(pl.Int64(), strict=False)
    return pl.coalesce(_text(name).cast(pl.Int64(), strict=False), whole)


def _source(name: str) -> pl.Expr:
    """Where a record comes from, cut to what an incident's `source` holds."""
    value = _text(name)
    return (
        pl.when(value.str.len_chars() > LONGEST_SOURCE)
        .then(value.str.slice(0, LONGEST_SOURCE - 1) + "…")
        .otherwise(value)
    )


_NUMBER = r"^-?[0-9]+(?:\.[0-9]+)?$"


def _why(checks: Sequence[tuple[pl.Expr, str]], name: str = "why", start: int = 0) -> pl.Expr:
    """The number (from `start`) of the first check whose condition holds (null where none does), as column `name`:
    its words are made only for the few rows that are bad, or warned of (`_reason`)."""
    out: pl.Expr = pl.lit(None, pl.Int32())
    for number in reversed(range(len(checks))):
        out = pl.when(checks[number][0]).then(pl.lit(start + number, pl.Int32())).otherwise(out)
    return out.alias(name)


def _noting(notes: Sequence[tuple[pl.Expr, str]]) -> pl.Expr:
    """Every note whose condition holds, as column `note`: bit k for note k (null where none does), so that a row is
    warned of each in one line."""
    bits = [
        pl.when(condition).then(pl.lit(1 << k, pl.Int32())).otherwise(pl.lit(0, pl.Int32()))
        for k, (condition, _) in enumerate(notes)
    ]
    total = pl.sum_horizontal(bits) if bits else pl.lit(0, pl.Int32())
    return pl.when(total > 0).then(total).alias("note")


def _reason(template: str, row: dict[str, Any]) -> str:
    """A check's words for a bad row: `{column}` is the cell as written, quoted (cut to 60 characters)."""
    shown = {k: f"`{str(v)[:60]}`" if v not in (None, "") else "empty" for k, v in row.items()}
    return template.format_map(shown)


def _common_checks(
    texts: Sequence[str], counts: Sequence[str], points: tuple[str, str], control: bool
) -> list[tuple[pl.Expr, str]]:
    """Checks both datasets share: counts whole, the point's numbers in range, no control character."""
    checks: list[tuple[pl.Expr, str]] = []
    for name in counts:
        value = _text(name)
        plain = value.str.contains(r"^[0-9]{1,12}(?:\.0+)?$")
        checks.append((value.is_null(), f"`{name}` is empty; expected a whole number"))
        checks.append((~plain | (_whole(name) > MAX_COUNT), f"`{name}` is {{{name}}}; expected a whole number"))
    latitude, longitude = (_text(p) for p in points)
    for value, name, limit in ((latitude, points[0], 90), (longitude, points[1], 180)):
        number = value.cast(pl.Float64(), strict=False)
        checks.append(
            (
                value.is_not_null() & (~value.str.contains(_NUMBER) | (number.abs() > limit)),
                f"`{name}` is {{{name}}}; expected a number from -{limit} to {limit}",
            )
        )
    checks.append((latitude.is_null() != longitude.is_null(), "a point needs both `latitude` and `longitude`"))
    if control:  # the block's bytes hold one somewhere: which rows
        held = pl.any_horizontal(pl.col(c).str.contains(_CONTROL) for c in texts)
        checks.append((held.fill_null(False), "a cell holds a control character"))
    return checks


def _point(precision: pl.Expr, radius: dict[int, float], points: tuple[str, str]) -> list[pl.Expr]:
    """The point and its radius: kept for the precisions `radius` names, else (a wider area, or no precision
    given: the point may be an area's centre) left out, for the admin names to place the event."""
    keep = precision.is_in(list(radius)).fill_null(False)
    km = precision.replace_strict(list(radius), list(radius.values()), default=None, return_dtype=pl.Float64())
    return [
        pl.when(keep).then(_text(points[0]).cast(pl.Float64(), strict=False)).alias("latitude"),
        pl.when(keep).then(_text(points[1]).cast(pl.Float64(), strict=False)).alias("longitude"),
        km.alias("precision_km"),
    ]


def _mapped_time(keys: pl.Expr, read: Callable[[str], str | None]) -> pl.Expr:
    """A time for each row, worked out once per distinct key (`read` gives None for one that cannot be read)."""
    return keys.map_batches(lambda s: _per_distinct(s, read), return_dtype=pl.String(), is_elementwise=True)


def _per_distinct(series: pl.Series, read: Callable[[str], str | None]) -> pl.Series:
    distinct = series.drop_nulls().unique()
    values = [read(v) for v in distinct]
    return series.replace_strict(distinct, pl.Series(values, dtype=pl.String()), default=None, return_dtype=pl.String())


# -- ACLED -----------------------------------------------------------------------------------------

_MONTHS = {
    name.lower(): number
    for number, names in enumerate(
        (
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sep", "Sept"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ),
        1,
    )
    for name in names
}
# `27 April 2020`, `27-April-2020`, and `9-May-20` (the export opened and saved by a spreadsheet; met in a
# real global export of 2020).
_WRITTEN = re.compile(r"(\d{1,2})[ -]([A-Za-z]+)\.?[ -](\d{4}|\d{2})", re.ASCII)  # digits 0-9 only
# A day with the time midnight, as a date-time column gives one (pandas' `parse_dates` written to Parquet, read
# as text by `_as_text`; a zone's offset after it, `Z` or `+00:00`, as a column in UTC is written to CSV); a day
# and another time of day (`_TIMED`) is no ACLED date: ACLED dates are days.
_MIDNIGHT = r"(\d{4}-\d{2}-\d{2})[ T]00:00(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
_TIMED = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}"
ACLED_DATES = "2020-04-27, 27 April 2020, 27-April-2020 or 27-Apr-20"


def acled_day(text: str) -> date | None:
    """An ACLED `event_date` as the day it names, or None. Two-digit years are 1997 (ACLED's first) to 2096. A day
    at midnight (`2020-04-27 00:00:00`, as a Parquet date-time column is read; with a zone's offset too,
    `2020-04-27T00:00:00Z`) is that day; another time of day is None: ACLED's codebook dates each event to a day."""
    text = text.strip()
    try:
        midnight = re.fullmatch(_MIDNIGHT, text, re.ASCII)
        if midnight is not None:
            text = midnight[1]
        if len(text) == 10 and text[4] == "-":
            return date.fromisoformat(text)
        found = _WRITTEN.fullmatch(text)
        if found is None:
            return None
        month = _MONTHS.get(found[2].lower())
        year = int(found[3])
        if len(found[3]) == 2:
            year += 1900 if year >= 97 else 2000
        if month is None or not TIME_YEARS[0] <= year <= TIME_YEARS[1]:
            return None
        return date(year, month, int(found[1]))
    except ValueError:
        return None


def acled_time(key: str) -> str | None:
    """The time an ACLED row tells: `event_date` and `time_precision` (joined by a tab) as a day, a span or a month.

    ACLED's codebook (2023, "time_precision"): 1, the day is known; 2, only the week or a few days, and the
    date recorded is the middle of the week, or of the weekend, reported: the span from three days before it
    to three days after (not the ISO week, which starts on a Monday whatever was reported); 3, only the month,
    and the date recorded is the middle of the month: the whole month. None for any other precision (empty too).
    """
    text, _, precision = key.partition("\t")
    day = acled_day(text)
    if day is None:
        return None
    if precision == "1":
        return day.isoformat()
    if precision == "2":
        return f"{day - timedelta(days=3)}/{day + timedelta(days=3)}"
    if precision == "3":
        return f"{day:%Y-%m}"
    return None


def _acled(cells: pl.DataFrame, control: bool = True) -> tuple[pl.DataFrame, list[str], list[str]]:
    """ACLED rows (text cells) as incidents, with `why` a row is bad (the number of a check, null for a good row),
    `note` what a kept row is warned of (an empty `geo_precision`: `_noting`) and its `line`; the words of each check;
    and those of each note."""
    text = [c for c in ACLED_READ]
    precision = _text("time_precision")
    geo = _whole("geo_precision")
    time = _mapped_time(pl.concat_str(_text("event_date"), pl.lit("\t"), precision.fill_null("")), acled_time)
    targeted = (_text("civilian_targeting") == ACLED_TARGETING).fill_null(False)
    battle = ((_text("event_type") == "Battles") | _text("sub_event_type").is_in(ACLED_BATTLES)).fill_null(False)
    checks = [
        (_text("event_id_cnty").is_null(), "no `event_id_cnty`: a row without an id"),
        (
            _text("event_id_cnty").str.len_chars() > LONGEST_ID,
            f"`event_id_cnty` is longer than {LONGEST_ID} characters",
        ),
        (_text("event_date").is_null(), "`event_date` is empty"),
        (
            ~precision.is_in(["1", "2", "3"]).fill_null(False),
            "`time_precision` is {time_precision}; expected 1, 2 or 3",
        ),
        (
            time.is_null()
            & _text("event_date").str.contains(_TIMED)
            & ~_text("event_date").str.contains(f"^{_MIDNIGHT}$"),
            "`event_date` {event_date} has a time of day; expected a day (ACLED dates are days: a date-time is read "
            "as its day only at midnight)",
        ),
        (
            time.is_null(),
            f"`event_date` {{event_date}} is not a date; expected one like {ACLED_DATES}",
        ),
        *_common_checks(text, ["fatalities"], ("latitude", "longitude"), control),
        (
            _text("geo_precision").is_not_null() & ~geo.is_in([1, 2, 3]).fill_null(False),
            "`geo_precision` is {geo_precision}; expected 1, 2 or 3",
        ),
        (
            _text("civilian_targeting").is_not_null() & (_text("civilian_targeting") != ACLED_TARGETING),
            f"`civilian_targeting` is {{civilian_targeting}}; expected `{ACLED_TARGETING}` or empty",
        ),
        (
            targeted & battle,
            f"`civilian_targeting` is `{ACLED_TARGETING}` on a battle ({{sub_event_type}}); expected empty: in ACLED's "
            "coding a battle is fought between armed groups, never aimed at civilians",
        ),
    ]
    notes = [
        (_text("geo_precision").is_null(), f"`geo_precision` is empty; expected 1, 2 or 3 ({NO_PRECISION})"),
        *(
            (
                _text(name).str.contains(_NUMBER) & ~_whole(name).is_in(list(codes)).fill_null(False),
                f"`{name}` is {{{name}}}; expected {ACLED_INTERS_SAID[name]} (the row is kept: no verdict reads it)",
            )
            for name, codes in (*ACLED_INTERS.items(), ("interaction", ACLED_INTERACTIONS))
        ),
    ]
    actor2 = _text("actor2")
    names_civilians = actor2.str.to_lowercase().str.contains("civilian").fill_null(False)
    # A row flagged as civilian targeting has civilians as its target: actor2 where it names them, else
    # `Civilians`, and an actor2 that names someone else stays with the target's associated actors.
    target = pl.when(targeted & ~names_civilians).then(pl.lit(ACLED_CIVILIANS)).otherwise(actor2)
    moved = (
        pl.when(targeted & ~names_civilians & actor2.is_not_null())
        .then(pl.concat_list(actor2))
        .otherwise(pl.lit([], pl.List(pl.String())))
    )
    return (
        cells.select(
            _text("event_id_cnty").alias("id"),
            _text("notes").alias("notes"),
            _source("source").alias("source"),
            time.alias("time"),
            _text("actor1").alias("actor"),
            _text("sub_event_type").alias("act"),
            target.alias("target"),
            pl.lit(None, pl.String()).alias("intended_target"),
            _text("country").alias("country"),
            _text("admin1").alias("admin1"),
            _text("admin2").alias("admin2"),
            _text("admin3").alias("admin3"),
            _text("location").alias("location"),
            *_point(geo, ACLED_RADIUS, ("latitude", "longitude")),
            _whole("fatalities").alias("killed"),
            pl.lit(None, pl.Int64()).alias("wounded"),
            pl.lit([], INCIDENTS["accounts"]).alias("accounts"),
            # Actor 1 and actor 2 of a battle do not say who attacked whom; territory changing hands has a taker.
            (_text("sub_event_type") == "Armed clash").fill_null(False).alias("mutual"),
            _associated("assoc_actor_1").alias("assoc_actor"),
            pl.concat_list(moved, _associated("assoc_actor_2")).alias("assoc_target"),
            pl.lit([], pl.List(pl.String())).alias("flags"),
            pl.struct(
                *(_text(n).alias(n) for n in ("event_type", "sub_event_type", "disorder_type")),
                # a code written `12.0` (a spreadsheet's way) is 12; a label as written
                *(pl.coalesce(_whole(n).cast(pl.String()), _text(n)).alias(n) for n in ACLED_INTERS_SAID),
                *(_whole(n).alias(n) for n in ("time_precision", "geo_precision")),
                *(_text(n).alias(n) for n in ("civilian_targeting", "source_scale", "tags")),
                _whole("timestamp").alias("timestamp"),
            ).alias("acled"),
            _why(checks),
            _noting(notes),
            pl.col("line"),
        ),
        [reason for _, reason in checks],
        [reason for _, reason in notes],
    )


def _associated(name: str) -> pl.Expr:
    """ACLED's associated actors: several joined by `; `, each stripped, empty ones left out."""
    return (
        _text(name)
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().filter(pl.element().str.strip_chars() != ""))
        .fill_null(pl.lit([], pl.List(pl.String())))
    )


# -- UCDP GED --------------------------------------------------------------------------------------

_UCDP_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", re.ASCII)


def ucdp_day(text: str) -> date | None:
    """A UCDP date (`2016-09-17 00:00:00.000`, or the day alone) as its day, or None."""
    found = _UCDP_DAY.fullmatch(text.strip())
    if found is None:
        return None
    try:
        day = date.fromisoformat(found[1])
    except ValueError:
        return None
    return day if TIME_YEARS[0] <= day.year <= TIME_YEARS[1] else None


def ucdp_time(key: str) -> str | None:
    """The time a UCDP event tells: `date_start` and `date_end` (joined by a tab) as a day, or as a span of days
    when they differ. UCDP's codebook: the event lies between the two, whatever `date_prec` says of how well
    they are known (it is kept)."""
    start_text, _, end_text = key.partition("\t")
    start = ucdp_day(start_text)
    end = ucdp_day(end_text) if end_text.strip() else start
    if start is None or end is None or end < start:
        return None
    return start.isoformat() if start == end else f"{start}/{end}"


def _ucdp_date(text: str) -> str | None:
    """A UCDP date as its day written ISO, or None (see `ucdp_day`)."""
    day = ucdp_day(text)
    return None if day is None else day.isoformat()


UCDP_DATES = "2016-09-17 00:00:00.000 or 2016-09-17"


def _ucdp(cells: pl.DataFrame, control: bool = True) -> tuple[pl.DataFrame, list[str], list[str]]:
    """UCDP GED rows (text cells) as incidents, with `why` a row is bad (the number of a check, null where none holds)
    and `note` what a kept row is warned of (`_noting`) and its `line`; the words of each check; and those of each
    note."""
    kind = _whole("type_of_violence")
    where = _whole("where_prec")
    time = _mapped_time(pl.concat_str(_text("date_start"), pl.lit("\t"), _text("date_end").fill_null("")), ucdp_time)
    # Which of the two dates is wrong, read only for the rows whose time cannot be read.
    unread = time.is_null()
    start, end = (_mapped_time(pl.when(unread).then(_text(n)), _ucdp_date) for n in ("date_start", "date_end"))
    checks = [
        (_text("id").is_null(), "no `id`: a row without an id"),
        (_text("id").str.len_chars() > LONGEST_ID, f"`id` is longer than {LONGEST_ID} characters"),
        (_text("date_start").is_null(), "`date_start` is empty"),
        (unread & start.is_null(), f"`date_start` {{date_start}} is not a date; expected one like {UCDP_DATES}"),
        (
            unread & _text("date_end").is_not_null() & end.is_null(),
            f"`date_end` {{date_end}} is not a date; expected one like {UCDP_DATES}",
        ),
        (unread, "`date_end` {date_end} is before `date_start` {date_start}; expected an end on or after the start"),
        (
            ~kind.is_in(list(UCDP_ACTS)).fill_null(False),
            "`type_of_violence` is {type_of_violence}; expected 1, 2 or 3",
        ),
        (
            where.is_not_null() & ~where.is_in(list(UCDP_WHERE_PRECS)).fill_null(False),
            "`where_prec` is {where_prec}; expected 1 to 7",
        ),
        *_common_checks(list(UCDP_READ), ["best"], ("latitude", "longitude"), control),
        (
            ((_whole("best") < _whole("low")) | (_whole("best") > _whole("high"))).fill_null(False),
            "`best` {best} is outside `low` {low} to `high` {high}; expected `low` ≤ `best` ≤ `high`",
        ),
    ]
    # Not read for the verdict: a wrong one is said, and the row judged.
    notes = [
        (
            ~_whole("date_prec").is_in(list(UCDP_DATE_PRECS)).fill_null(False),
            "`date_prec` is {date_prec}; expected 1 to 5 (the row is kept: its time is `date_start` to `date_end`)",
        ),
        (where.is_null(), f"`where_prec` is empty; expected 1 to 7 ({NO_PRECISION})"),
    ]
    civilians = _whole("deaths_civilians")
    side_b = _text("side_b")
    return (
        cells.select(
            _text("id").str.replace(r"\.0+$", "").alias("id"),
            _text("source_headline").alias("notes"),
            _source("source_article").alias("source"),
            time.alias("time"),
            _text("side_a").alias("actor"),
            kind.replace_strict(
                list(UCDP_ACTS), list(UCDP_ACTS.values()), default=None, return_dtype=pl.String()
            ).alias("act"),
            pl.when((kind == 3) & side_b.is_null()).then(pl.lit(UCDP_CIVILIANS)).otherwise(side_b).alias("target"),
            pl.lit(None, pl.String()).alias("intended_target"),
            _text("country").alias("country"),
            _text("adm_1").alias("admin1"),
            _text("adm_2").alias("admin2"),
            pl.lit(None, pl.String()).alias("admin3"),
            _text("where_coordinates").alias("location"),
            *_point(where, UCDP_RADIUS, ("latitude", "longitude")),
            _whole("best").alias("killed"),
            pl.lit(None, pl.Int64()).alias("wounded"),
            pl.lit([], INCIDENTS["accounts"]).alias("accounts"),
            # State-based and non-state violence is fighting between two armed sides: who struck first is not told.
            kind.is_in([1, 2]).fill_null(False).alias("mutual"),
            pl.lit([], pl.List(pl.String())).alias("assoc_actor"),
            pl.lit([], pl.List(pl.String())).alias("assoc_target"),
            pl.when(civilians > 0)
            .then(pl.lit([CIVILIANS_HARMED], pl.List(pl.String())))
            .otherwise(pl.lit([], pl.List(pl.String())))
            .alias("flags"),
            pl.struct(
                kind.alias("type_of_violence"),
                _text("conflict_name").alias("conflict_name"),
                _text("dyad_name").alias("dyad_name"),
                where.alias("where_prec"),
                *(_whole(n).alias(n) for n in ("date_prec", "best", "low", "high", "deaths_a", "deaths_b")),
                civilians.alias("deaths_civilians"),
                _whole("deaths_unknown").alias("deaths_unknown"),
                _text("relid").alias("relid"),
                _whole("event_clarity").alias("event_clarity"),
            ).alias("ucdp"),
            _why(checks),
            _noting(notes),
            pl.col("line"),
        ),
        [reason for _, reason in checks],
        [reason for _, reason in notes],
    )

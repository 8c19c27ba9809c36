"""A folder of Parquet files judged part by part, each part's verdicts written as a Parquet file of its own.

A part is read a block of rows at a time (`TableReader`) and judged a batch at a time, so memory stays at a
batch whatever the folder holds; parts go to local processes or a Dask cluster (`engine.analysis.dispatch`).
Where a ruleset's verdicts depend on other incidents (`Compiled.over_time`: phases after quiet days,
escalation), the parts are first read here, a batch at a time, for the phases and escalation episodes
(`Evaluator.context`), which every part's task is then given. Ids are unique across the dataset, as in one table.

A hive folder (`country=Iraq/`) whose key names a column ceasefire reads gives every row under it that column, as
polars, pyarrow, DuckDB and Spark read a hive dataset; its other keys (`year=2016/`) are the dataset's layout,
named in a warning, unless spelled nearly as a column (`admn1=Idleb/`): that is an error, as such a column is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import polars as pl

from engine.analysis.dispatch import run_all
from engine.errors import InputError, Problem
from engine.evaluation.pipeline import BATCH, Context, Evaluator
from engine.evaluation.result import Report
from engine.incidents.load import Loaded
from engine.incidents.tables import Cell, Repeated, TableReader
from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS

SUFFIX = ".parquet"
IMPLAUSIBLE = "implausible_time"
PLACE_UNRESOLVED = "place_unresolved"
HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"  # a hive folder's value for null, as Hive writes it


@dataclass(frozen=True)
class Given:
    """A column a hive folder gives every row under it: the column's standard name, the value (None: not told),
    and the folder, relative to the input folder (`year=2016/country=Iraq`)."""

    column: str
    value: Cell
    folder: str


@dataclass(frozen=True)
class Part:
    """One input file and where its verdicts go: `name` is relative to the output folder, its hive folders
    (`year=2016/`) kept and the file numbered in sorted input order (`part-00000.parquet`); `hive` holds the
    columns its hive folders give, in path order."""

    path: Path
    name: str
    hive: tuple[Given, ...] = ()

    def reader(self, compiled: Compiled) -> TableReader:
        """The part's table, a block of rows at a time, with the columns its hive folders give (a problem a
        folder's value makes said at the folder)."""
        root = self.path.parents[len(PurePosixPath(self.name).parts) - 1]  # the input folder: `name` keeps its folders
        folders = {g.column: root / g.folder for g in self.hive}
        return TableReader(self.path, compiled, hive={g.column: g.value for g in self.hive}, folders=folders)


def parts_of(folder: Path) -> list[Part]:
    """Every `.parquet` file under `folder`, hive partitions (`key=value/`) included, in sorted path order, each
    with the columns its hive folders give (`hive_of`).

    Names starting with `.` or `_` (`_SUCCESS`, `_metadata`, hidden files) are not parts, as in Spark and
    Hive. Raises `InputError` when there is none, and as `hive_of` does.
    """
    found = []
    for path in folder.rglob(f"*{SUFFIX}"):
        relative = path.relative_to(folder)
        if path.is_file() and not any(piece.startswith((".", "_")) for piece in relative.parts):
            found.append(relative)
    if not found:
        raise InputError.at(
            str(folder), "folder holds no .parquet files; expected a folder of Parquet files (or key=value/ folders)"
        )
    found.sort(key=lambda p: p.as_posix())
    return [
        Part(folder / p, (p.parent / f"part-{i:05d}{SUFFIX}").as_posix(), hive_of(folder, p))
        for i, p in enumerate(found)
    ]


def hive_of(folder: Path, relative: Path) -> tuple[Given, ...]:
    """The columns the hive folders of a part give (`relative`: its path under `folder`), in path order: one for
    each `key=value` folder whose key names a column ceasefire reads (`TABLE_COLUMNS`, or an alias). The value
    is percent-decoded as Hive writes it (`%20`, `%2F`); `__HIVE_DEFAULT_PARTITION__`, or nothing, is not told;
    a count, a point's number or `mutual` is read as a CSV cell is (`killed=3` a whole number, `latitude=36.2` a
    number, `mutual=true`).
    Other keys are the dataset's layout, not read (`hive_layout` says which).

    Raises `InputError` at the folder of a key given twice in the path (or a column under both its names), of a
    key spelled nearly as a column (`admn1`, `Country`: a misspelling, as such a column of a table is), or of a
    number that is not one.
    """
    from engine.incidents.load import (
        COLUMN_ALIASES,
        COUNT_COLUMNS,
        TABLE_COLUMNS,
        VALUE_COLUMNS,
        column_hint,
        read_cell,
    )
    from engine.incidents.model import MAX_COUNT, both_given
    from engine.validation import short

    given: list[Given] = []
    keys: dict[str, str] = {}  # each key so far: the folder that names it
    columns: dict[str, str] = {}  # each column given so far: its key
    for where, piece, key, written in _hive_folders(relative):
        shown = str(folder / where)
        if key in keys:
            raise InputError.at(shown, f"`{key}` is given twice in one path (`{keys[key]}`, then `{piece}`); keep one")
        keys[key] = piece
        column = COLUMN_ALIASES.get(key, key)
        if column not in TABLE_COLUMNS:
            hint = column_hint(key, (*TABLE_COLUMNS, *COLUMN_ALIASES))
            if hint:
                raise InputError.at(
                    shown,
                    f"the folder's key `{key}` names no column ceasefire reads{hint} (a key of the dataset's own "
                    "layout is named unlike any column)",
                )
            continue
        if column in columns:
            alias, named = sorted((key, columns[column]), key=lambda k: k not in COLUMN_ALIASES)
            raise InputError.at(shown, "keys " + both_given(alias, named))
        columns[column] = key
        value: Cell = None if written in ("", HIVE_NULL) else unquote(written)
        if isinstance(value, str) and column in VALUE_COLUMNS:
            try:
                value = read_cell(column, value.strip())  # white space around, as a CSV cell may have
                if column in COUNT_COLUMNS and value > MAX_COUNT:  # past what a column of counts can hold
                    raise ValueError(f"`{short(written)}` is too large; expected at most {MAX_COUNT:,}")
            except ValueError as exc:
                raise InputError.at(shown, f"the folder gives `{key}` to every row under it: {exc}") from None
        given.append(Given(column, value, where.as_posix()))
    return tuple(given)


def _hive_folders(relative: Path) -> Iterator[tuple[PurePosixPath, str, str, str]]:
    """The `key=value` folders a part lies under (`relative`: its path under the input folder), in path order:
    (the folder, relative to the input folder; its name; the key; the value as written)."""
    where = PurePosixPath()
    for piece in relative.parent.parts:
        where /= piece
        key, equals, written = piece.partition("=")
        if equals and key:
            yield where, piece, key, written


def unread_tables(folder: Path) -> list[Problem]:
    """A warning where `folder` holds tables other than Parquet (`.csv`, `.jsonl`): its parts are its `.parquet`
    files alone, so those are not read (said, not passed over silently)."""
    other = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.suffix.lower() in (".csv", ".jsonl", ".ndjson")
        and path.is_file()
        and not any(piece.startswith((".", "_")) for piece in path.relative_to(folder).parts)
    )
    if not other:
        return []
    many = f"{len(other):,} files" if len(other) > 1 else "a file"
    return [
        Problem(
            str(folder),
            f"{many} of another table format not read (`{other[0]}`{', …' if len(other) > 1 else ''}): a folder's "
            "parts are its .parquet files; run each other file on its own, or write it as Parquet",
            severity="warning",
        )
    ]


def hive_layout(folder: Path, parts: Sequence[Part]) -> list[Problem]:
    """One warning naming the keys of hive folders (`year=2016/`) that name no column ceasefire reads: the
    dataset's layout, not read (said, not passed over silently), as a table's columns it does not read are."""
    from engine.incidents.load import COLUMN_ALIASES, TABLE_COLUMNS

    keys = {
        key
        for part in parts
        for _, _, key, _ in _hive_folders(part.path.relative_to(folder))
        if COLUMN_ALIASES.get(key, key) not in TABLE_COLUMNS
    }
    if not keys:
        return []
    many = f"{len(keys)} hive keys" if len(keys) > 1 else "1 hive key"
    return [
        Problem(
            str(folder),
            f"ignoring {many} ceasefire does not read: {', '.join(sorted(keys))} (the dataset's layout, kept in the "
            "verdicts' folders)",
            severity="warning",
        )
    ]


def hive_set_aside(folder: Path, parts: Sequence[Part]) -> list[Problem]:
    """A warning for each hive folder (`country=Iraq/`) whose files hold the column its key names too, with
    another value in some row: the folder's value is read for every row, as polars, pyarrow and DuckDB read a
    hive dataset, and the files' own values set aside (said, not silently). One warning per such folder, in
    path order."""
    from engine.incidents.tables import told_otherwise

    found: dict[str, Problem] = {}
    for part in parts:
        for given in part.hive:
            if given.folder in found or not told_otherwise(part.path, given.column, given.value):
                continue
            key = PurePosixPath(given.folder).name
            found[given.folder] = Problem(
                str(folder / given.folder),
                f"its files hold `{given.column}` too, with other values: the folder's `{key}` is read for every row "
                "under it instead, as polars and pyarrow read hive folders",
                severity="warning",
            )
    return list(found.values())


@dataclass(frozen=True)
class Job:
    """What every part's task shares: the ruleset, the engine, and the folder the parts are written in."""

    name: str
    compiled: Compiled
    engine: str
    out: Path
    context: Context | None = None  # the phases and escalation episodes of the whole dataset, where they matter


@dataclass(frozen=True)
class Judged:
    """What a task tells of the parts it judged: verdict counts, incidents with names the ruleset cannot
    resolve, those with an implausible time (and the first: its part, id and time), the ids' hashes, what
    reading found worth a warning, the incidents that tell a local time the ruleset's zone shows twice, and those
    that tell a place it cannot wholly resolve (flagged `place_unresolved`)."""

    counts: dict[str, int]
    unresolved: int
    implausible: int
    first_implausible: tuple[str, str, str] | None
    ids: pl.Series
    warnings: tuple[Problem, ...] = field(default=())
    repeated: Repeated = field(default_factory=Repeated)
    unplaced: int = 0


def judge(job: Job, parts: Sequence[Part]) -> Judged | list[Problem]:
    """The parts judged and each written to `job.out / part.name`; problems in the input come back as data
    (a task that raised would be run again, and its problems lost on the way)."""
    try:
        return _judge(job, parts)
    except InputError as exc:
        return exc.problems


def _judge(job: Job, parts: Sequence[Part]) -> Judged:
    from engine.report.data import write_parquet

    tally = _Tally(job.compiled)
    readers = [part.reader(job.compiled) for part in parts]
    with Evaluator(job.compiled, job.engine) as evaluator:
        for part, reports in zip(parts, _reports(job, evaluator, readers)):
            target = job.out / part.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as out:
                write_parquet(tally.counted(part, reports), out)
    warnings = next((tuple(reader.warnings) for reader in readers if reader.warnings), ())
    repeated = sum((reader.repeated for reader in readers), Repeated())
    ids = pl.concat(tally.ids)
    return Judged(
        tally.counts, tally.unresolved, tally.implausible, tally.first, ids, warnings, repeated, tally.unplaced
    )


def _reports(job: Job, evaluator: Evaluator, readers: Sequence[TableReader]) -> Iterator[Iterator[Report]]:
    """Each part's reports, in order, a batch at a time as its blocks are read (in the job's context)."""
    for reader in readers:
        frames = Loaded(job.name, job.compiled, reader, None, None).parts(BATCH)
        yield (evaluator.report(job.name, frame, context=job.context) for frame in frames)


def _batches(name: str, compiled: Compiled, parts: Sequence[Part]) -> Iterator[pl.DataFrame]:
    """Every part's incidents, in order, a batch at a time."""
    for part in parts:
        yield from Loaded(name, compiled, part.reader(compiled), None, None).parts(BATCH)


class _Tally:
    """What the reports of a task's parts tell, counted as they are written."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.counts = dict.fromkeys(VERDICTS, 0)
        self.unresolved = self.implausible = self.unplaced = 0
        self.first: tuple[str, str, str] | None = None
        self.ids: list[pl.Series] = []

    def counted(self, part: Part, reports: Iterator[Report]) -> Iterator[Report]:
        for report in reports:
            for verdict, n in report.summary().items():
                self.counts[verdict] += n
            self.unresolved += report.unresolved
            self.ids.append(report.incidents.get_column("id").cast(pl.String).hash())
            flagged = report.table.get_column("flags").list.contains(IMPLAUSIBLE)
            if self.first is None and flagged.any():
                self.first = (str(part.path), *_implausible(self.compiled, report, flagged))
            self.implausible += int(flagged.sum())
            self.unplaced += report.flagged(PLACE_UNRESOLVED)[0]
            yield report


def _implausible(compiled: Compiled, report: Report, flagged: pl.Series) -> tuple[str, str]:
    """The first incident flagged `implausible_time` in a report: its id, and the time told that is."""
    from engine.incidents.frame import incidents_of
    from engine.incidents.load import implausible_times

    incident = incidents_of(report.incidents.slice(int(flagged.arg_true()[0]), 1))[0]
    _, time = next(implausible_times(compiled, [incident]))
    return incident.id, time


@dataclass(frozen=True)
class Summary:
    """A dataset's run, its parts' tallies combined: counts by verdict, incidents naming someone the ruleset
    cannot resolve, incidents with an implausible time (the first: its part, id and time), warnings, the
    incidents that tell a local time the ruleset's zone shows twice (said in one warning for every part), and
    those that tell a place it cannot wholly resolve (flagged `place_unresolved`)."""

    parts: int
    counts: dict[str, int]
    unresolved: int
    implausible: int
    first_implausible: tuple[str, str, str] | None
    warnings: tuple[Problem, ...]
    repeated: Repeated = field(default_factory=Repeated)
    unplaced: int = 0


def judge_dataset(
    name: str,
    compiled: Compiled,
    engine: str,
    parts: Sequence[Part],
    out: Path,
    jobs: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> Summary:
    """Every part judged and written under `out` (a folder that exists: the caller makes it appear whole), a
    task a part (where verdicts depend on other incidents, in the context the parts give, read here first),
    across `jobs` local processes or on the executor, as a sweep's combinations are
    (`engine.analysis.sweep.sweep`); `progress` hears how many parts are done. Workers of a cluster read the
    parts and write `out` at the same paths: a file system they share. Raises `InputError` for the first bad
    part found, or an id used in two parts.
    """
    context = None
    if compiled.over_time:
        with Evaluator(compiled, engine) as evaluator:
            context = evaluator.context(lambda: _batches(name, compiled, parts))
    job = Job(name, compiled, engine, out, context)
    groups = [[part] for part in parts]
    done = 0

    def each(i: int, result: Judged | list[Problem]) -> None:
        nonlocal done
        if not isinstance(result, Judged):
            raise InputError(result)
        done += len(groups[i])
        if progress is not None:
            progress(done)

    judged = [r for r in run_all(judge, job, groups, executor, jobs, each) if isinstance(r, Judged)]
    ids = pl.concat([j.ids for j in judged])
    if ids.n_unique() != ids.len():  # an id in two parts, or two ids that hash alike: the ids themselves say
        _refuse_reused_ids(parts)
    counts = {verdict: sum(j.counts[verdict] for j in judged) for verdict in VERDICTS}
    first = next((j.first_implausible for j in judged if j.first_implausible is not None), None)
    warnings = next((j.warnings for j in judged if j.warnings), ())
    unresolved, implausible = sum(j.unresolved for j in judged), sum(j.implausible for j in judged)
    repeated = sum((j.repeated for j in judged), Repeated())
    unplaced = sum(j.unplaced for j in judged)
    return Summary(len(parts), counts, unresolved, implausible, first, warnings, repeated, unplaced)


def _refuse_reused_ids(parts: Sequence[Part]) -> None:
    """Raise `InputError` at the first id used in two parts (each part's own were checked as it was read)."""
    seen: dict[str, Path] = {}
    for part in parts:
        named = [str(g.value) for g in part.hive if g.column == "id"]  # a folder's id is every row's: the part has one
        ids = named or pl.read_parquet(part.path, columns=["id"]).get_column("id").cast(pl.String).to_list()
        for id_ in ids:
            if id_ in seen:
                message = f"incident id `{id_}` is used twice (first in `{seen[id_]}`); ids are unique across a dataset"
                raise InputError.at(str(part.path), message)
            seen[id_] = part.path

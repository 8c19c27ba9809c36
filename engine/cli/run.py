"""`ceasefire run`: evaluate a scenario or an incident table and report every verdict."""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from engine.cli.main import (
    EXIT_OK,
    SUFFIX_FORMATS,
    add_evaluation,
    add_output,
    add_source,
    add_workers,
    examples,
    warn,
    warn_skipped,
)
from engine.cli.outputs import (
    OUTPUT,
    atomic_folder,
    check_folder_output,
    check_output,
    output,
    refuse_inputs,
    refused,
    write_bytes,
)

if TYPE_CHECKING:
    from engine.errors import Problem
    from engine.evaluation.result import Report
    from engine.incidents.load import Loaded


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "run",
        help="evaluate a scenario or incident table and report the verdicts",
        description="Evaluate every incident of a scenario (YAML) or an incident table (JSON Lines, CSV, Parquet) "
        "under a ruleset, and report each verdict with the rule and clause that decided it. Scenarios run on the "
        "durable engine where it is installed, tables on the columnar engine; both give the same verdicts. "
        "A folder of Parquet files (or key=value/ partitions) is judged part by part, in local processes "
        "(--jobs) or on a Dask cluster (--scheduler), into a Parquet dataset with a part for each part.",
        epilog=examples(
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --format json",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --format html -o deir-ezzor.html",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml -o deir-ezzor.md   # the format its suffix names",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --rules rules/variants/strict-liability.yaml",
            "ceasefire run scenarios/deir-ezzor-2016-09-17.yaml --set policy.mistaken_target=violation",
            "ceasefire run incidents.jsonl --rules syria-2016-09 -f json -o report.json",
            "ceasefire run events.csv --rules syria-2016-09 -f jsonl -o verdicts.jsonl   # summary on stderr",
            "ceasefire run events.parquet --rules syria-2016-09 -f parquet -o verdicts.parquet",
            "ceasefire run acled-export.csv --rules syria-2016-09 -f jsonl -o verdicts.jsonl   # told by its columns",
            "ceasefire run GEDEvent_v23_1.csv --from ucdp --rules syria-2016-09 -f jsonl --strict",
            "ceasefire run events/ --rules syria-2016-02 -f parquet -o verdicts/ --jobs 2   # a folder of tables",
            "ceasefire run events/ --rules syria-2016-02 -f parquet -o verdicts/ --scheduler tcp://10.0.0.5:8786",
        ),
    )
    p.add_argument(
        "scenario",
        metavar="INPUT",
        type=Path,
        help="a scenario .yaml, a .jsonl/.csv/.parquet incident table (or ACLED or UCDP GED export), or a folder "
        "of .parquet tables",
    )
    add_evaluation(p)
    add_source(p)
    add_output(p, ("table", "json", "jsonl", "markdown", "parquet", "html"))
    add_workers(p, "a folder's parts", jobs=1)
    p.set_defaults(handler=run)


def load_report(
    path: Path,
    rules: str | None,
    engine: str | None,
    sets: Sequence[str] = (),
    source: str | None = None,
    strict: bool = False,
) -> Report:
    """Load and evaluate: shared by every command that reports on a scenario or table.

    With no engine named, a scenario runs on durable where it is installed, a table on columnar. The rows an
    export's reading skipped are said on stderr.
    """
    from engine.incidents.load import load_input

    loaded = load_input(path, rules, sets, source, strict)
    tally = Tally()
    report, *_ = tally.passing(reports_of(loaded, engine, batch=None))
    warn_judged(loaded, path, rules, tally, sets)
    return report


@dataclass
class Tally:
    """What is said on stderr of an input's reports once all are written, gathered as they pass (`passing`): the
    reports with an incident flagged `implausible_time`, and how many incidents name someone the ruleset cannot
    resolve inside the truce's scope and window (`Report.unresolved`) or tell a place it cannot (flagged
    `place_unresolved`)."""

    implausible: list[Report] = field(default_factory=list)
    implausible_count: int = 0  # incidents flagged `implausible_time`, over those reports
    unresolved: int = 0
    unplaced: int = 0

    def passing(self, reports: Iterable[Report]) -> Iterator[Report]:
        """The reports, unchanged, each counted as it passes."""
        for report in reports:
            implausible, unplaced = report.flagged(IMPLAUSIBLE, PLACE_UNRESOLVED)
            if implausible:
                self.implausible.append(report)
            self.implausible_count += implausible
            self.unresolved += report.unresolved
            self.unplaced += unplaced
            yield report


def warn_judged(loaded: Loaded, path: Path, rules: str | None, tally: Tally, sets: Sequence[str] = ()) -> None:
    """Say on stderr what `run` says of an input once it is judged (what reading it found, `reports_of` says as it
    reads): the rows an export's reading skipped, how many incidents tell an implausible time, how many inside the
    truce name someone unresolved and how many tell a place that is (`tally`; `rules` and `sets` as given, for
    the commands the notes give). Every command that judges an input says these, once."""
    warn_skipped(loaded)
    _warn_implausible(loaded, tally, path)
    _note_unresolved(path, rules, tally.unresolved, sets=sets)
    _note_unplaced(path, rules, tally.unplaced)


def reports_of(
    loaded: Loaded, engine: str | None, batch: int | None = None, progress: Callable[[int], None] | None = None
) -> Iterator[Report]:
    """Evaluate what was loaded, in parts of `batch` incidents (None: all at once) as the parts are asked for.

    A table loaded to be streamed, or an export (ACLED, UCDP GED), is read as its parts are judged: `progress`
    hears how far an export's reading has got. Each report carries the rows the export's reading skipped as bad
    (`Report.skipped`), the last every one: a report's summary comes after its last part.
    """
    from engine.ahead import read_ahead
    from engine.evaluation.pipeline import Evaluator, default_engine

    said = loaded.warnings
    warn(said)
    with Evaluator(loaded.compiled, engine or default_engine(table=loaded.scenario is None)) as evaluator:
        if batch is None or not loaded.compiled.over_time:  # batch None: the one part there is
            parts = read_ahead(loaded.parts(batch, progress))
            # an export's rows skipped are known once it has been read through: each part is judged once the next
            # has been read (the rest of the file, for the last), at the cost of one part more held
            for part in _read_through(parts) if loaded.events is not None else parts:
                yield replace(evaluator.report(loaded.name, part), skipped=loaded.skipped)
        else:  # a verdict may depend on incidents in other parts: all are read before any is given
            again = loaded.again(batch)  # the file as it is before the first reading starts
            # `Evaluator.context` reads ahead, a part with its facts, on a thread. A table is read on one more: an
            # export's parts carry its records, and one more held costs about 100 MB at 1M rows (0.96× the wall
            # time either way; JSON Lines read and its facts found on one thread took 1.03×).
            parts = loaded.parts(batch, progress)
            judged = evaluator.reports_over_time(loaded.name, parts if loaded.events else read_ahead(parts), again)
            for report in judged:
                yield replace(report, skipped=loaded.skipped)
    warn(w for w in loaded.warnings if w not in said)  # a table read a block at a time knows its own once read


_T = TypeVar("_T")


def _read_through(parts: Iterator[_T]) -> Iterator[_T]:
    """`parts` as they come, each given once the next has been read, and the last once there is none to read."""
    held: list[_T] = []
    for part in parts:
        yield from held
        held = [part]
    yield from held


def _is_folder(path: Path) -> bool:
    """Whether `path` is a folder; False for what the system cannot even look up (a name too long): its
    reader then says what is wrong in one line."""
    try:
        return path.is_dir()
    except OSError:
        return False


def run(args: argparse.Namespace) -> int:
    from engine.evaluation.pipeline import BATCH
    from engine.report.progress import ProgressBar

    if _is_folder(args.scenario):
        return run_dataset(args)
    if args.jobs != 1 or args.scheduler is not None:
        option = "--scheduler" if args.scheduler is not None else "--jobs"
        raise refused(option, "judges a folder of Parquet files part by part; one file is judged in this process")

    if args.format == "parquet" and args.output is None:
        raise refused("--format parquet", "Parquet is binary; name a file with --output FILE")
    from engine.incidents.load import load_input

    check_output(args.output, [args.scenario])
    # Programs' formats are written part by part as the parts are judged; people's need the whole.
    streamed = args.format in ("json", "jsonl", "parquet")
    loaded = load_input(args.scenario, args.rules, args.sets, args.source, args.strict, stream=streamed)
    tally = Tally()
    events = loaded.events
    bar = ProgressBar(
        events.size if events is not None else 0,
        f"reading the {events.name} export" if events is not None else "",
        enabled=events is not None and sys.stderr.isatty(),
        unit="bytes" if events is not None and not events.parquet else "items",
    )
    with bar:
        counts = _write(
            args, loaded, tally.passing(reports_of(loaded, args.engine, BATCH if streamed else None, bar.update))
        )
    if args.format == "jsonl":  # the lines are for programs; people get the counts
        shown = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        total = sum(counts.values())
        print(f"{total:,} incident{'' if total == 1 else 's'}: {shown}", file=sys.stderr)
    warn_judged(loaded, args.scenario, args.rules, tally, args.sets)
    return EXIT_OK


DATASET = "a folder of Parquet files is judged into a Parquet dataset, a part for each part"


def run_dataset(args: argparse.Namespace) -> int:
    """`run FOLDER`: every Parquet file under it judged part by part, the verdicts written as a dataset under
    --output (whole, or not at all), the counts on stderr."""
    from engine.analysis.dispatch import executor_for
    from engine.evaluation.dataset import hive_layout, hive_set_aside, judge_dataset, parts_of, unread_tables
    from engine.incidents.eventdata import EXPORTS, kind_of
    from engine.incidents.load import implausible_problem
    from engine.report.progress import ProgressBar
    from engine.ruleset.load import load_ruleset

    folder: Path = args.scenario
    parts = parts_of(folder)  # a folder that holds none is said first
    if not getattr(args, "format_given", True) and args.output is not None:
        named = SUFFIX_FORMATS.get(os.path.splitext(args.output.rstrip("/"))[1].lower(), "parquet")
        if named != "parquet":  # `-o verdicts.json` would make a folder of Parquet files of that name
            raise refused(args.output, f"its suffix says {named}, but {DATASET}; name a folder (-o verdicts/)")
        args.format = "parquet"  # the one format a dataset is written in
    if args.format != "parquet" or args.output is None:
        raise refused(str(folder), f"{DATASET}; pass --format parquet --output FOLDER")
    if args.source is not None:
        raise refused(str(folder), f"--from {args.source} reads one export file; {DATASET} of ceasefire's columns")
    if args.rules is None:
        raise refused(str(folder), "a folder of incident tables names no ruleset; pass --rules RULESET")
    for part in parts:  # an export's columns read as ceasefire's would be refused in words that do not fit it
        kind = kind_of(part.path)
        if kind is not None:
            raise refused(
                str(part.path),
                f"this is {EXPORTS[kind]}, and a folder run reads ceasefire's own tables: run the export as one file "
                f"(`ceasefire run {part.path} --rules {args.rules}`)",
            )
    check_folder_output(args.output, folder)
    compiled = load_ruleset(args.rules, sets=args.sets)
    with executor_for(args.scheduler) as executor:  # a cluster that cannot be reached is refused before any work
        warn([*unread_tables(folder), *hive_layout(folder, parts), *hive_set_aside(folder, parts)])
        if executor is not None:  # a cluster's workers find the parts by their whole path
            parts = [replace(part, path=part.path.absolute()) for part in parts]
        bar = ProgressBar(len(parts), "judging parts", enabled=sys.stderr.isatty(), unit="items")
        with atomic_folder(args.output) as out, bar:
            summary = judge_dataset(
                folder.name, compiled, args.engine or "columnar", parts, out, args.jobs, executor, bar.update
            )
    warn([*summary.warnings, *summary.repeated.problems()])
    shown = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items())
    total = sum(summary.counts.values())
    many = f"{summary.parts:,} part{'' if summary.parts == 1 else 's'}"
    print(f"{total:,} incident{'' if total == 1 else 's'} in {many}: {shown}", file=sys.stderr)
    if summary.first_implausible is not None:
        file, incident, time = summary.first_implausible
        problem = implausible_problem(compiled, file, summary.implausible, time, path=f"incident `{incident}`")
        print(f"warning: {problem}", file=sys.stderr)
    # `names` reads one table: the note points at the first part, and says so
    _note_unresolved(parts[0].path, args.rules, summary.unresolved, parts=True, sets=args.sets)
    _note_unplaced(parts[0].path, args.rules, summary.unplaced, parts=True)
    return EXIT_OK


def _note_unresolved(path: Path, rules: str | None, count: int, parts: bool = False, sets: Sequence[str] = ()) -> None:
    """One line on stderr: how many incidents inside the truce's scope and window name someone unresolved (`parts`:
    in a dataset, whose first part `path` is); `rules` and `sets`, the ruleset named and its changes, if any, for
    the `names` line (a --set may give a party a name)."""
    if count:
        which = "those of its first part, and of each other part likewise" if parts else "each spelling"
        print(
            f"note: {count:,} incident{'' if count == 1 else 's'} inside the truce's scope and window "
            f"name{'s' if count == 1 else ''} someone the ruleset cannot resolve; "
            f"`ceasefire names {_command_args(path, rules, sets)}` lists {which}",
            file=sys.stderr,
        )


def _note_unplaced(path: Path, rules: str | None, count: int, parts: bool = False) -> None:
    """One line on stderr: how many incidents are flagged `place_unresolved` (a place told with a name no area of its
    level has, whether passed over for the levels above or leaving the place unknown; inside the truce's window or
    not), and the `check` command that lists each such name with the nearest it knows (`parts`: in a dataset,
    whose first part `path` is). `check` reads the ruleset as written: a --set is not passed on."""
    if count:
        which = "those of its first part, and of each other part likewise" if parts else "each such name"
        print(
            f"note: {count:,} incident{' is' if count == 1 else 's are'} flagged `{PLACE_UNRESOLVED}`, told in a "
            f"place the ruleset cannot wholly resolve; `ceasefire check {_command_args(path, rules)}` lists {which}, "
            "with the nearest it knows",
            file=sys.stderr,
        )


def _command_args(path: Path, rules: str | None, sets: Sequence[str] = ()) -> str:
    """The input, ruleset and changes of a command a note suggests, quoted as a shell reads them (a path that
    begins with `-` as `./-…`, not to be read as an option)."""
    import shlex

    shown = str(path) if path.is_absolute() or not str(path).startswith("-") else f"./{path}"
    named = (f" --rules {shlex.quote(rules)}" if rules else "") + "".join(f" --set {shlex.quote(s)}" for s in sets)
    return shlex.quote(shown) + named


def _write(args: argparse.Namespace, loaded: Loaded, parts: Iterator[Report]) -> dict[str, int]:
    """Write the report in the format asked for, part by part where it can be; the counts of each verdict for
    JSON Lines (empty for the rest)."""
    import io

    from engine.report.data import write_json, write_jsonl, write_parquet

    first = next(parts)
    refuse_inputs(args.output, first.compiled.files)  # known once loaded: the ruleset and what it extends
    reports = itertools.chain([first], parts)
    counts: dict[str, int] = {}
    if args.format == "parquet":
        buffer = io.BytesIO()
        write_parquet(reports, buffer)
        write_bytes(args.output, buffer.getvalue(), OUTPUT)
        return counts
    if args.format == "html":  # the page is made whole before anything is written
        from engine.report.html import run_html

        page = run_html(first, str(args.scenario))
        with output(args.output) as out:
            out.write(page)
        return counts
    with output(args.output) as out:
        if args.format == "json":
            write_json(reports, out)
        elif args.format == "jsonl":
            counts = write_jsonl(reports, out)
        elif args.format == "markdown":
            from engine.report.render import write_markdown

            write_markdown(first, out)
        else:
            from engine.report.render import console_for, write_table

            write_table(first, console_for(out, args.width))
    for _ in parts:  # the one part there is: let the evaluator close
        pass
    return counts


IMPLAUSIBLE = "implausible_time"
PLACE_UNRESOLVED = "place_unresolved"


def _warn_implausible(loaded: Loaded, tally: Tally, path: Path) -> None:
    """One line on stderr: how many incidents tell an implausible time, and where the first is."""
    if tally.implausible:
        print(
            f"warning: {_implausible_problem(loaded, tally.implausible, tally.implausible_count, path)}",
            file=sys.stderr,
        )


def _implausible_problem(loaded: Loaded, flagged: Sequence[Report], count: int, path: Path) -> Problem:
    import polars as pl

    from engine.incidents.frame import incidents_of
    from engine.incidents.load import implausible_problem, implausible_times
    from engine.yamlsafe import dotted

    compiled = loaded.compiled
    file = loaded.document.file if loaded.document is not None else str(path)
    if loaded.scenario is not None and loaded.document is not None:
        key, time = next(implausible_times(compiled, loaded.scenario.incidents))
        line, column = loaded.document.where(key) or (None, None)
        return implausible_problem(compiled, file, count, time, line, column, dotted(key))
    # A table: the first flagged incident made a model, to find which of its times it is.
    report = flagged[0]
    row = report.table.select(pl.col("flags").list.contains(IMPLAUSIBLE).arg_true().first()).item()
    incident = incidents_of(report.incidents.slice(row, 1))[0]
    _, time = next(implausible_times(compiled, [incident]))
    return implausible_problem(compiled, file, count, time, path=f"incident `{incident.id}`")

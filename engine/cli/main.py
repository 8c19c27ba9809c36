"""The `ceasefire` command line: parse arguments, hand off to a command, turn bad input into one line.

Building the parser must stay light, since `--version` and `--help` build it: the command modules
register their options with the standard library alone and import their machinery (polars, pydantic,
rich, durable_rules, PyYAML) in their handlers. tests/test_packaging.py checks that it stays so.
"""

from __future__ import annotations

import argparse
import errno
import gc
import math
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from typing import Any

from engine import __version__
from engine.evaluation.engines import ENGINES, RENAMED

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on every start (mypy reads it alike)
if TYPE_CHECKING:
    from engine.errors import Problem
    from engine.incidents.load import Loaded

# One module a command in engine/cli/, listed by `--help` in this order.
COMMANDS = ("run", "check", "test", "explain", "names", "timeline", "schema", "whatif", "sweep", "credence", "diff")


EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2

VERSION = f"ceasefire-sim {__version__}"


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help with each paragraph of a description wrapped to the terminal's width; the examples
    (`examples`) kept line for line as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        # never at a hyphen, which may be inside a name or a code span (`yaml-language-server`)
        fill = textwrap.TextWrapper(width, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False)
        return "\n\n".join(fill.fill(" ".join(part.split())) for part in text.split("\n\n"))


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 2 like every other bad input; help as `_HelpFormatter`
    lays it out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="ceasefire",
        description="Truce terms as YAML rules, incidents as data, verdicts with the clause that decided them.",
        epilog="examples:\n  ceasefire run scenarios/deir-ezzor-2016-09-17.yaml\n"
        "  ceasefire run events.jsonl --rules syria-2016-09 --format json --output report.json\n\n"
        "Run `ceasefire COMMAND --help` for a command's options and examples.",
    )
    top.add_argument("--version", action="version", version=VERSION)
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        import_module(f"engine.cli.{name}").register(sub)
    return top


def program() -> int:
    """The `ceasefire` program (its console script, and `python -m engine`): `main` on the process's arguments, its
    output flushed. Ctrl-C ends it with status 130, quietly; output that cannot be written (a full disk, standard
    output sent to /dev/full) is one line and status 2; a reader that goes away (`| head`) is no error.

    What the run made is left to the system at exit (`gc.freeze`): Python's last collections at shutdown walk every
    object the imports made (polars, pydantic, durable_rules), 0.3 s of a 1.6 s scenario run (median of 10 pairs,
    `run scenarios/deir-ezzor-2016-09-17.yaml`: 1.56 → 1.26 s). Exit handlers still run; the commands close
    what they open themselves, and the objects' memory goes back with the process's."""
    for name, value in (ALLOCATOR, BLAS_THREADS):
        os.environ.setdefault(name, value)
    try:
        code = main()
        sys.stdout.flush()
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _WRITE_ERRORS:
            raise
        _silence_stdout()
        print(f"error: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INPUT
    finally:
        gc.freeze()


# polars' allocator (jemalloc): pages freed are kept 2 s before they go back to the system, where polars, on import,
# keeps them 0.5 s (it adds this value after its own, and the last wins). A large table's stages free and take back
# the same few hundred MB; kept, they are not faulted in again. Measured: 10M rows, 56.3 → 52.6 s (24.1 → 18.3 s of
# system time); 1M rows, no faster, about 80 MB more at the peak; 5 s, 10M rows a second faster still, but 1M rows
# up to 110 MB more at the peak. A value the user sets is left alone.
ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:2000")
# numpy's OpenBLAS starts a thread per core that waits busily after a call: nothing here multiplies matrices, and on a
# 1M-row table those threads took 1.5% of the CPU time from polars (one thread: 0.96× the wall time, in pairs).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "1")

# What writing the output can meet: no space, over a quota, a file too large, a device that fails.
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _silence_stdout() -> None:
    """Standard output pointed at the null device, so that what is left in its buffer is not written at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (`argv`, default the process's arguments) and give its exit status: 0 done, 1 findings
    (a failed expectation, rulesets that differ under `--exit-code`), 2 bad input, said in one line a problem on
    standard error. Ctrl-C is raised (KeyboardInterrupt) for the caller to end on (`program`)."""
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        print(VERSION)  # as the parser's --version says it, without loading every command to build the parser
        return EXIT_OK
    args = parser().parse_args(argv)
    from engine.errors import InputError  # `--help` and `--version` have ended by now, without it

    old = getattr(args, "engine", None)
    if old in RENAMED:
        print(
            f"note: --engine {old} is now called {RENAMED[old]}; the old name goes in a later release", file=sys.stderr
        )
        args.engine = RENAMED[old]

    note = None  # what the report's file name does not say of its format, said once the report is written
    if hasattr(args, "formats"):
        args.format_given = args.format is not None
        # a folder's run writes a dataset whatever the folder's name (`run.run_dataset` settles its format)
        folder = os.path.isdir(getattr(args, "scenario", None) or "")
        args.format, note = chosen_format(args.format, args.output, args.formats, dataset=folder)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        code = handler(args)
    except InputError as exc:
        for problem in exc.problems:  # the errors, and what led to them (an export's bad rows) as warnings
            print(f"{problem.severity}: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        # the reader went away (`| head`): not an error of ours, and nothing more to say
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if not _engine_error(exc):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if note is not None:
        print(f"warning: {note}", file=sys.stderr)
    return code


def warn(problems: Iterable[Problem]) -> None:
    """Say what reading an input found worth saying but not refusing: a line each, on standard error."""
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)


def _engine_error(exc: Exception) -> bool:
    """Whether durable_rules refused a ruleset: checked without importing the executor, which raised it if so."""
    durable = sys.modules.get("engine.evaluation.durable")
    return durable is not None and isinstance(exc, durable.EngineError)


SET_HELP = "change a ruleset value for this run, e.g. policy.mistaken_target=violation (repeatable)"
# what the commands that judge one input read
INPUT_HELP = "a scenario .yaml, a .jsonl/.csv/.parquet incident table, or an ACLED or UCDP GED export"


def add_engine(p: argparse.ArgumentParser, default: str | None = None, why: str = "", said: str | None = None) -> None:
    """--engine, defaulting to `default` (None: the command's own choice, which `said` words for --help)."""
    shown = f"{default}{why}" if default else said or "durable for scenarios where installed, columnar for tables"
    listed = "{" + ",".join(e for e in ENGINES if e not in RENAMED) + "}"  # an old name is taken, not offered
    p.add_argument(
        "--engine", "-e", choices=ENGINES, metavar=listed, default=default, help=f"executor (default: {shown})"
    )


def add_evaluation(
    p: argparse.ArgumentParser, sets: str | None = SET_HELP, base: str = "", engine: str | None = None, why: str = ""
) -> None:
    """The options of every command that evaluates a scenario: ruleset, engine, --set (unless None)."""

    p.add_argument(
        "--rules",
        "-r",
        metavar="RULESET",
        help=f"{base}ruleset id or path (required for tables; overrides a scenario's)",
    )
    add_engine(p, engine, why)
    if sets is not None:
        p.add_argument("--set", "-s", metavar="PATH=VALUE", action="append", default=[], dest="sets", help=sets)
    p.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


DATASETS = ("acled", "ucdp")  # engine.incidents.eventdata.KINDS, here for --help (which must not load polars)


def add_source(p: argparse.ArgumentParser, strict: bool = True) -> None:
    """The options of every command that reads an incident table: which dataset an export is, and --strict."""
    p.add_argument(
        "--from",
        dest="source",
        choices=DATASETS,
        default=None,
        help="read the table as an ACLED or UCDP GED export (.csv or .parquet) as it comes "
        "(default: an export is told by its columns)",
    )
    if strict:
        p.add_argument(
            "--strict",
            action="store_true",
            help="refuse an export that has bad rows (exit 2, a line each) instead of skipping them with a warning",
        )


def warn_skipped(loaded: Loaded) -> None:
    """Say which rows of an export were kept with a warning, and which were skipped (each, up to a limit, then how
    many more) and how many in all."""
    events = loaded.events
    if events is None:
        return
    warn(events.row_problems())
    if events.bad.count:
        print(f"warning: {events.bad.summary()}", file=sys.stderr)


def whole_number(least: int | None = None, most: int | None = None, said: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number, from `least` to `most` where given (one outside is refused with `said`).
    A whole number written as another (`2.0`, `1e3`) is refused too, not read as one: said as outside the range
    where it is, else with what to write (`errors.write_whole`)."""

    def whole(text: str) -> int:
        from engine.errors import write_whole

        try:
            number: float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
            if not number.is_integer():
                raise argparse.ArgumentTypeError(f"`{text}` is not a whole number") from None
        if (least is not None and number < least) or (most is not None and number > most):
            raise argparse.ArgumentTypeError(f"`{text}`: {said}")
        if isinstance(number, float):
            raise argparse.ArgumentTypeError(f"`{text}` is not a whole number{write_whole(number)}")
        return number

    return whole


_jobs = whole_number(1, said="at least one job is needed")


def add_workers(p: argparse.ArgumentParser, work: str, jobs: int | None = None) -> None:
    """--jobs N (local processes; `jobs` by default, None: one per core) and --scheduler ADDRESS (a Dask
    cluster instead, see engine.analysis.dispatch.connect): where `work` runs."""
    default = "one per core" if jobs is None else f"{jobs}"
    p.add_argument(
        "--jobs",
        "-j",
        metavar="N",
        type=_jobs,
        default=jobs or os.cpu_count() or 1,
        help=f"processes to run {work} in on this machine (default: {default})",
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run {work} on the Dask cluster whose scheduler is at ADDRESS (tcp://HOST:PORT) or whose "
        "scheduler file ADDRESS names, instead of on this machine (the result is the same)",
    )


# The format a report file's name says, by its suffix.
SUFFIX_FORMATS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
    ".parquet": "parquet",
    ".html": "html",
    ".htm": "html",
    ".csv": "csv",
}
# A suffix of plain text, which the first format (the terminal's table or tree) is written to without a word.
TEXT_SUFFIX = ".txt"
# Suffixes written for a format's that are not close to its own in spelling (`did_you_mean`).
SHORT_SUFFIXES = {".pq": ".parquet"}


def add_output(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    """--format (one of `formats`; default: what --output's suffix names, if the command writes it, else the first)
    and --output. `chosen_format` settles the format once the line is parsed."""
    p.add_argument(
        "--format",
        "-f",
        choices=formats,
        help=f"output format (default: the one of these the --output file's suffix names, such as .{formats[1]}; "
        f"else {formats[0]})",
    )
    p.set_defaults(formats=formats)
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",  # kept as typed, not as a Path, which would drop the slash that makes `out/` a folder
        type=_output,
        help="write the report here (only when the run succeeds) instead of to standard output (`-`: standard "
        "output too); a device or a pipe, such as /dev/null, is written as it goes",
    )


def chosen_format(
    given: str | None, output: str | None, formats: Sequence[str], dataset: bool = False
) -> tuple[str, str | None]:
    """The report format: `given`, else the one `output`'s suffix names where the command writes it, else the
    first of `formats`; and the warning to give once it is written (None: none), where the file's name does not
    name it: a format given that its suffix contradicts; or, none given, the first, where its suffix names a format
    the command does not write, names none (`.yaml`; `.pq`: did you mean `.parquet`?) or there is no suffix. Not
    warned of: `.txt` (the text a terminal shows), a device or a pipe (/dev/null), any name with `dataset` (a
    folder's run writes a dataset)."""
    suffix = os.path.splitext(output or "")[1].lower()
    named = SUFFIX_FORMATS.get(suffix)
    if given is not None:
        if named is not None and named != given:
            return given, f"{output}: its suffix says {named}, but --format {given} is what is written to it"
        return given, None
    if named is not None and named in formats:
        return named, None
    takes = f"{formats[0]} is written to it (--format takes {', '.join(formats)})"
    if named is not None:
        return formats[0], f"{output}: its suffix says {named}, which this command does not write; {takes}"
    if output is None or suffix == TEXT_SUFFIX or dataset:
        return formats[0], None
    from engine.cli.outputs import written_as_it_goes

    if written_as_it_goes(output):
        return formats[0], None
    if not suffix:
        return formats[0], f"{output}: its name has no suffix to name a format; {takes}"
    from engine.errors import did_you_mean

    meant = SHORT_SUFFIXES.get(suffix)
    hint = f"; did you mean `{meant}`?" if meant else did_you_mean(suffix, SUFFIX_FORMATS, cutoff=0.8)
    return formats[0], f"{output}: its suffix `{suffix}` names no format ceasefire writes{hint}; {takes}"


def _output(text: str) -> str | None:
    """An --output as typed; `-`, as most tools read it, is standard output (None)."""
    return None if text == "-" else text


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)

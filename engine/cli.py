"""The `ceasefire` command line: parse arguments, hand off to a command, turn bad input into one line."""

from __future__ import annotations

import argparse
import errno
import os
import pkgutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import IO, Any

import engine.commands
from engine import __version__
from engine.errors import InputError
from engine.evaluate import ENGINES
from engine.rete import EngineError

# One module a subcommand in engine/commands/; `--help` lists these first, in this order.
ORDER = ("run", "check", "test", "explain", "schema", "whatif", "sweep", "diff")

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line and exit 2 like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="ceasefire",
        description="Truce terms as YAML rules, incidents as data, verdicts with the clause that decided them.",
        epilog="examples:\n  ceasefire run scenarios/deir-ezzor-2016-09-17.yaml\n"
        "  ceasefire run events.jsonl --rules syria-2016-09 --format json --output report.json\n\n"
        "Run `ceasefire COMMAND --help` for a command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"ceasefire-sim {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in commands():
        import_module(f"engine.commands.{name}").register(sub)
    return top


def commands() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules(engine.commands.__path__) if not m.name.startswith("_")]
    return sorted(found, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_INPUT
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`| head`): not an error of ours, and nothing more to say
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


SET_HELP = "change a ruleset value for this run, e.g. policy.mistaken_target=violation (repeatable)"


def add_engine(p: argparse.ArgumentParser, default: str | None = None, why: str = "") -> None:
    shown = f"{default}{why}" if default else "durable where installed, else native"
    p.add_argument("--engine", "-e", choices=ENGINES, default=default, help=f"executor (default: {shown})")


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


OUTPUT = "--output"


def add_output(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    p.add_argument("--format", "-f", choices=formats, default=formats[0], help=f"output format (default: {formats[0]})")
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",  # kept as typed, not as a Path, which would drop the slash that makes `out/` a folder
        help="write the report here (only when the run succeeds) instead of to standard output; "
        "a device or a pipe, such as /dev/null, is written as it goes",
    )


def check_output(path: str | Path | None, inputs: Iterable[str | Path] = (), option: str = OUTPUT) -> None:
    """Refuse, before any work is done, an output path that cannot be written or that is one of the inputs."""
    if path is None:
        return
    text = str(path)
    if not text:
        raise InputError.at(option, "names no file; expected a file path")
    if text.endswith(("/", os.sep)):
        raise InputError.at(text, f"{option} ends in `/`, so it names a folder; expected a file path")
    target = _target(Path(text))
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        _check_folder(text, target.parent, option)
    except OSError as exc:
        raise cannot_write(text, option, exc) from None
    else:
        _check_existing(text, target, mode, option)
    refuse_inputs(text, inputs, option)


def _target(path: Path) -> Path:
    """Where a write to `path` goes: through a symbolic link to a file (or to nothing yet), that file."""
    if not os.path.islink(path):
        return path
    try:
        if _is_stream(os.stat(path).st_mode):
            return path  # /dev/stdout: the pipe it leads to has no name to resolve to
    except OSError:
        pass
    return Path(os.path.realpath(path))


def _check_folder(text: str, folder: Path, option: str) -> None:
    """A new file can be made in `folder`: each part of it is a folder, and it takes new files."""
    for part in (*reversed(folder.parents), folder):
        try:
            mode = os.stat(part).st_mode
        except FileNotFoundError:
            raise InputError.at(text, f"{option} folder `{folder}` does not exist") from None
        except OSError as exc:
            raise cannot_write(text, option, exc) from None
        if not stat.S_ISDIR(mode):
            raise InputError.at(text, f"{option} folder `{part}` is not a folder")
    _probe(text, folder, option)


def _check_existing(text: str, target: Path, mode: int, option: str) -> None:
    if stat.S_ISDIR(mode):
        raise InputError.at(text, f"{option} is a directory; expected a file path")
    if not (stat.S_ISREG(mode) or _is_stream(mode)):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise InputError.at(text, f"{option} is {kind}; expected a file path")
    if not os.access(target, os.W_OK):
        raise cannot_write(text, option, PermissionError(errno.EACCES, os.strerror(errno.EACCES)))
    if stat.S_ISREG(mode):
        _probe(text, target.parent, option)  # replaced through a new file beside it


def _probe(text: str, folder: Path, option: str) -> None:
    """Make and remove a file in `folder`: the one test of permissions, read-only and special file systems."""
    try:
        fd, tmp = _temp(folder / "probe")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise cannot_write(text, option, exc) from None


def _temp(path: Path) -> tuple[int, str]:
    # a short prefix: the temporary name must stay within the length a name may have when `path`'s does
    return tempfile.mkstemp(prefix=f".{path.name[:40]}.", dir=path.parent)


def _is_stream(mode: int) -> bool:
    """A terminal, /dev/null or a pipe: written as it goes, since a rename would replace the device itself."""
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def cannot_write(text: str, option: str, exc: OSError) -> InputError:
    return InputError.at(text, f"{option}: cannot write: {(exc.strerror or str(exc)).lower()}")


def refuse_inputs(path: str | Path | None, inputs: Iterable[str | Path], option: str = OUTPUT) -> None:
    """Refuse an output that is one of the files the run reads: writing it would replace that input."""
    if path is None:
        return
    for source in inputs:
        if same_file(path, source):
            named = "" if str(source) == str(path) else f" `{source}`,"
            raise InputError.at(str(path), f"{option} is{named} an input of this run; choose another file")


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: by identity where both exist, else by their resolved names."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return os.path.realpath(a) == os.path.realpath(b)


@contextmanager
def atomic(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A file that appears whole, with ordinary permissions, only if the block completes.

    Through a symbolic link the file it points to is replaced and the link stays; a device or a pipe is
    written as it goes (a rename would replace the device).
    """
    target = _target(path)
    try:
        stream = _is_stream(os.stat(target).st_mode)
    except OSError:
        stream = False
    if stream:
        with open(target, "wb") if binary else open(target, "w", encoding="utf-8", newline="\n") as out:
            yield out
        return
    fd, tmp = _temp(target)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes a private file; a report is an ordinary one
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


@contextmanager
def _as_problem(path: str | Path, option: str) -> Iterator[None]:
    """A failed write (disk full, permissions changed during the run) as one line, not a traceback."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(str(path), option, exc) from None


@contextmanager
def output(path: str | Path | None, option: str = OUTPUT) -> Iterator[IO[str]]:
    """Standard output, or a file that appears only if the block completes."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with _as_problem(path, option), atomic(Path(path)) as out:
        yield out


def write_bytes(path: str | Path, data: bytes, option: str) -> None:
    """`data` written to `path` as `output` writes text: whole or not at all, a device as it goes."""
    with _as_problem(path, option), atomic(Path(path), binary=True) as out:
        out.write(data)


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)

"""The `ceasefire` command line: parse arguments, hand off to a command, turn bad input into one line."""

from __future__ import annotations

import argparse
import os
import pkgutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
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


def add_engine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine", "-e", choices=ENGINES, default=None, help="executor (default: durable where installed, else native)"
    )


def add_evaluation(p: argparse.ArgumentParser, sets: str | None = SET_HELP, base: str = "") -> None:
    """The options of every command that evaluates a scenario: ruleset, engine, --set (unless None)."""

    p.add_argument(
        "--rules",
        "-r",
        metavar="RULESET",
        help=f"{base}ruleset id or path (required for tables; overrides a scenario's)",
    )
    add_engine(p)
    if sets is not None:
        p.add_argument("--set", "-s", metavar="PATH=VALUE", action="append", default=[], dest="sets", help=sets)
    p.add_argument("--width", type=int, default=None, help=argparse.SUPPRESS)


def add_output(p: argparse.ArgumentParser, formats: tuple[str, ...]) -> None:
    p.add_argument("--format", "-f", choices=formats, default=formats[0], help=f"output format (default: {formats[0]})")
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        type=Path,
        help="write the report here (only when the run succeeds) instead of to standard output",
    )


def check_output(path: Path | None) -> None:
    """Refuse an output path that cannot be written before any work is done."""
    if path is None:
        return
    if path.is_dir():
        raise InputError.at(str(path), "--output is a directory; expected a file path")
    if not path.parent.exists() if str(path.parent) else False:
        raise InputError.at(str(path), f"--output folder `{path.parent}` does not exist")


@contextmanager
def atomic(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """A file that appears whole, with ordinary permissions, only if the block completes."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes a private file; a report is an ordinary one
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@contextmanager
def output(path: Path | None) -> Iterator[IO[str]]:
    """Standard output, or a file that appears only if the block completes."""
    if path is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic(path) as out:
        yield out


def examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)

"""Where reports go: output paths checked before any work, written whole only when the run succeeded."""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.errors import InputError

OUTPUT = "--output"
PLOT = "--plot"
CHARTS = (".png", ".svg")


def refused(text: str, message: str) -> InputError:
    """InputError.at, with engine.errors imported only when there is something to refuse (the CLI starts light)."""
    from engine.errors import InputError

    return InputError.at(text, message)


def check_output(path: str | Path | None, inputs: Iterable[str | Path] = (), option: str = OUTPUT) -> None:
    """Refuse, before any work is done, an output path that cannot be written or that is one of the inputs."""
    if path is None:
        return
    text = str(path)
    if not text:
        raise refused(option, "names no file; expected a file path")
    if text.endswith(("/", os.sep)):
        raise refused(text, f"{option} ends in `/`, so it names a folder; expected a file path")
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
            raise refused(text, f"{option} folder `{folder}` does not exist") from None
        except OSError as exc:
            raise cannot_write(text, option, exc) from None
        if not stat.S_ISDIR(mode):
            raise refused(text, f"{option} folder `{part}` is not a folder")
    _probe(text, folder, option)


def _check_existing(text: str, target: Path, mode: int, option: str) -> None:
    if stat.S_ISDIR(mode):
        raise refused(text, f"{option} is a directory; expected a file path")
    if not (stat.S_ISREG(mode) or _is_stream(mode)):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        raise refused(text, f"{option} is {kind}; expected a file path")
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
    except OSError as exc:  # the report is made beside its name, then renamed: say where it cannot be made
        reason = (exc.strerror or str(exc)).lower()
        raise refused(text, f"{option}: cannot write: its folder `{folder}` takes no new file ({reason})") from None


def _temp(path: Path) -> tuple[int, str]:
    import tempfile

    # a short prefix: the temporary name must stay within the length a name may have when `path`'s does
    return tempfile.mkstemp(prefix=f".{path.name[:40]}.", dir=path.parent)


def _is_stream(mode: int) -> bool:
    """A terminal, /dev/null or a pipe: written as it goes, since a rename would replace the device itself."""
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def written_as_it_goes(path: str | Path) -> bool:
    """Whether `path` is a terminal, /dev/null or a pipe (`_is_stream`), which a report is written to as it goes."""
    try:
        return _is_stream(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def cannot_write(text: str, option: str, exc: OSError) -> InputError:
    return refused(text, f"{option}: cannot write: {(exc.strerror or str(exc)).lower()}")


def refuse_inputs(path: str | Path | None, inputs: Iterable[str | Path], option: str = OUTPUT) -> None:
    """Refuse an output that is one of the files the run reads: writing it would replace that input."""
    if path is None:
        return
    for source in inputs:
        if same_file(path, source):
            named = "" if str(source) == str(path) else f" `{source}`,"
            raise refused(str(path), f"{option} is{named} an input of this run; choose another file")


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
    """A failed write (disk full, permissions changed during the run) as one line, not a traceback. A pipe whose
    reader went away (`-o /dev/stdout | head`) is no failure: BrokenPipeError goes on, as for standard output."""
    try:
        yield
    except BrokenPipeError:
        raise
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


@contextmanager
def then_plot(path: str | None, chart: bytes | None) -> Iterator[None]:
    """The block writes the report; then the chart drawn for --plot (`chart`, None: none asked for) is written to
    `path`. It is written too where the report's reader went away (`| head`), which ends no run: a file asked for
    is made whatever becomes of standard output, and BrokenPipeError goes on to end the command as it ends any.
    A report that could not be written otherwise (a full disk) leaves no chart: the run failed."""
    try:
        yield
    except BrokenPipeError:
        if path is not None and chart is not None:
            write_bytes(path, chart, PLOT)
        raise
    if path is not None and chart is not None:
        write_bytes(path, chart, PLOT)


def check_plot(path: str | None, inputs: list[Path], report: str | None) -> None:
    """The --plot path as --output's, which moreover must end in .png or .svg, differ from the report, and
    have matplotlib to draw it."""
    if path is None:
        return
    if Path(path).suffix.lower() not in CHARTS and not path.endswith("/"):
        raise refused(path, f"{PLOT} draws a PNG or an SVG; name the file with a .png or .svg suffix")
    check_output(path, inputs, PLOT)
    if report is not None and same_file(path, report):
        raise refused(path, f"{PLOT} names the same file as --output; give each its own file")
    from importlib.util import find_spec

    if find_spec("matplotlib") is None:
        raise refused(PLOT, "drawing a chart needs matplotlib: pip install 'ceasefire-sim[plot]'")


def check_folder_output(path: str | None, source: Path, option: str = OUTPUT) -> None:
    """Refuse, before any work, a dataset's output folder that cannot be made whole: it must not exist (or be an
    empty folder), its parent must be a folder that takes new files, and it must be neither inside the input
    folder `source` (it would be read as input the next time) nor hold it."""
    if path is None:
        return
    if not path.strip("/"):
        raise refused(path or option, f"{option} names no folder; expected a folder path")
    target = Path(path)
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):
        _check_folder(path, target.absolute().parent, option)
    except OSError as exc:
        raise cannot_write(path, option, exc) from None
    else:
        if not stat.S_ISDIR(mode):
            raise refused(path, f"{option} exists and is not a folder; a dataset is written as a new folder")
        if any(target.iterdir()):
            raise refused(path, f"{option} folder is not empty; name a new folder (nothing is replaced)")
        _probe(path, target.absolute().parent, option)
    out, given = Path(os.path.realpath(target)), Path(os.path.realpath(source))
    if out == given or out.is_relative_to(given) or given.is_relative_to(out):
        raise refused(path, f"{option} is inside the input folder `{source}` or holds it; choose a folder apart")


@contextmanager
def atomic_folder(path: str | Path, option: str = OUTPUT) -> Iterator[Path]:
    """A folder that appears whole at `path`, with ordinary permissions, only if the block completes: the block
    writes in a new folder beside it (yielded), renamed to `path` at the end (an empty folder there is replaced)."""
    import shutil
    import tempfile

    target = Path(path).absolute()
    with _as_problem(path, option):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name[:40]}.", dir=target.parent))
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o777 & ~mask)  # mkdtemp makes a private folder; a dataset is an ordinary one
        yield tmp
        with _as_problem(path, option):
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

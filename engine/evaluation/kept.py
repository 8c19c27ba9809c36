"""The parts of an input kept on disk while a run whose verdicts depend on one another reads it.

Such a run (a truce's phases that wait for quiet days, escalation: `Compiled.over_time`) needs the whole input
before any verdict is final, and the input may not fit in memory. `Kept` holds each part, and its verdicts as
last judged, in a temporary folder, so the input is read from its file once.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from engine.errors import InputError

_SAID = "said"  # a verdict's `said` number, kept as a column beside the verdicts


class Kept:
    """A temporary folder of Arrow IPC files (LZ4-compressed), a set per part, removed on leaving the `with`.

    Parts are numbered from 0 in input order. A part's incident frame is written the first time it is kept;
    its verdicts (and escalation periods) each time, the last kept being the ones given back. A part is
    written on a thread of its own while the caller judges the next (polars writes without holding the
    GIL); at most one part waits to be written.
    """

    def __init__(self) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._unresolved: list[int] = []
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="kept")
        self._writing: Future[None] | None = None

    def __enter__(self) -> Kept:
        with _said(tempfile.gettempdir()):
            self._folder = tempfile.TemporaryDirectory(prefix="ceasefire-")
        return self

    def __exit__(self, *_: object) -> None:
        self._writer.shutdown(wait=True)
        if self._folder is not None:
            self._folder.cleanup()

    def _written(self) -> None:
        """Wait for the part being written; what writing it raised, raised here (InputError: a full disk)."""
        writing, self._writing = self._writing, None
        if writing is not None:
            with _said(self._path):
                writing.result()

    @property
    def _path(self) -> Path:
        assert self._folder is not None, "Kept is used in a `with`"
        return Path(self._folder.name)

    def _file(self, number: int, what: str) -> Path:
        return self._path / f"{number:06d}.{what}.arrow"

    def keep(
        self,
        number: int,
        incidents: pl.DataFrame,
        verdicts: pl.DataFrame,
        said: pl.Series,
        unresolved: int,
        periods: pl.DataFrame | None,
    ) -> None:
        """Keep part `number`: its incident frame (once), its verdict table with what each says (`said`), how
        many of its incidents name someone the ruleset cannot resolve, and its escalation periods (None without
        escalation terms). Raises InputError where the folder cannot be written (a full disk), here or at the
        next call that waits for the writing."""
        self._written()
        new = number == len(self._unresolved)
        if new:
            self._unresolved.append(unresolved)
        files = [(verdicts.with_columns(said.alias(_SAID)), self._file(number, "verdicts"))]
        files += [(incidents, self._file(number, "incidents"))] if new else []
        files += [(periods, self._file(number, "periods"))] if periods is not None else []

        def write() -> None:
            for frame, path in files:
                frame.write_ipc(path, compression="lz4")

        self._writing = self._writer.submit(write)

    def incidents(self) -> Iterator[pl.DataFrame]:
        """The incident frames kept, in order."""
        self._written()
        for number in range(len(self._unresolved)):
            yield pl.read_ipc(self._file(number, "incidents"))

    def judged(self) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, pl.Series, int, pl.DataFrame | None]]:
        """Each part kept, in order: (incident frame, verdict table, `said`, unresolved count, periods or None)."""
        self._written()
        for number, (incidents, unresolved) in enumerate(zip(self.incidents(), self._unresolved)):
            table = pl.read_ipc(self._file(number, "verdicts"))
            periods = self._file(number, "periods")
            yield (
                incidents,
                table.drop(_SAID),
                table.get_column(_SAID),
                unresolved,
                pl.read_ipc(periods) if periods.exists() else None,
            )


@contextmanager
def _said(folder: str | Path) -> Iterator[None]:
    """A temporary folder that cannot be made or written as one line (InputError), not a traceback."""
    try:
        yield
    except (OSError, pl.exceptions.PolarsError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        raise InputError.at(
            str(folder),
            f"cannot keep the input's parts in a temporary folder ({reason}); a ruleset whose verdicts depend on "
            "one another keeps them there while the input is read: free space there, or set TMPDIR to a folder "
            "with room",
        ) from None

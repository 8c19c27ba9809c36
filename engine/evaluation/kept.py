"""The parts of an input kept while a run whose verdicts depend on one another reads it.

Such a run (a truce's phases that wait for quiet days, escalation: `Compiled.over_time`) needs the whole input
before any verdict is final, and the input may not fit in memory. `Kept` holds each part, and its verdicts as
last judged, so the input is read from its file once: in memory up to `IN_MEMORY` bytes, the rest in a
temporary folder.
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
_BODY = "body"  # the row of `_said_once`'s bodies a verdict's row is
# Parts held in memory, at most this many bytes (`resident`); the rest are written to the temporary folder. Measured
# on a million incidents of a plain CSV table against none held: 5.8 → 5.2 s, 8.2 → 7.3 s of CPU, 856 → 921 MB at
# the peak (192 MiB: 5.1 s, up to 994 MB).
IN_MEMORY = 96 * 1024 * 1024


class Kept:
    """Parts of an input, held in memory up to `IN_MEMORY` bytes and beyond that in a temporary folder of Arrow
    IPC files (LZ4-compressed), removed on leaving the `with`.

    Parts are numbered from 0 in input order. A part's incident frame is kept the first time; its verdicts (and
    escalation periods) each time, the last kept being the ones given back. Verdicts are kept as what each says
    once (`_said_once`): most of a table's say what others say. A part is written on a thread of its own while
    the caller judges the next (polars writes without holding the GIL); at most one part waits to be written.
    """

    def __init__(self, in_memory: int | None = None) -> None:
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._unresolved: list[int] = []
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="kept")
        self._writing: Future[None] | None = None
        self._room = IN_MEMORY if in_memory is None else in_memory  # bytes left for frames held in memory
        self._held: dict[str, tuple[pl.DataFrame, int]] = {}  # each with its size, by the file it would be

    def __enter__(self) -> Kept:
        with _said(tempfile.gettempdir()):
            self._folder = tempfile.TemporaryDirectory(prefix="ceasefire-")
        return self

    def __exit__(self, *_: object) -> None:
        self._writer.shutdown(wait=True)
        self._held.clear()
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

    def _name(self, number: int, what: str) -> str:
        return f"{number:06d}.{what}.arrow"

    def _let_go(self, name: str) -> None:
        """Forget what was kept under `name` (in memory, or on disk), if anything was."""
        held = self._held.pop(name, None)
        if held is not None:
            self._room += held[1]
        (self._path / name).unlink(missing_ok=True)

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
        rows, bodies = _said_once(verdicts, said)
        frames = [(rows, "rows"), (bodies, "bodies")]
        frames += [(incidents, "incidents")] if new else []
        frames += [(periods, "periods")] if periods is not None else []
        written = []
        for frame, what in frames:
            name = self._name(number, what)
            self._let_go(name)
            size = resident(frame)
            if size <= self._room:
                self._held[name] = (frame, size)
                self._room -= size
            else:
                written.append((frame, self._path / name))

        def write() -> None:
            for frame, path in written:
                frame.write_ipc(path, compression="lz4")

        if written:
            self._writing = self._writer.submit(write)

    def _read(self, number: int, what: str, last: bool = False) -> pl.DataFrame | None:
        """What part `number` kept as `what`, None where nothing was; with `last`, let go of it once read."""
        name = self._name(number, what)
        frame = self._held[name][0] if name in self._held else None
        path = self._path / name
        if frame is None and path.exists():
            frame = pl.read_ipc(path)
        if last:
            self._let_go(name)
        return frame

    def incidents(self, last: bool = False) -> Iterator[pl.DataFrame]:
        """The incident frames kept, in order (with `last`, each let go of once given)."""
        self._written()
        for number in range(len(self._unresolved)):
            frame = self._read(number, "incidents", last)
            assert frame is not None
            yield frame

    def judged(self) -> Iterator[tuple[pl.DataFrame, pl.DataFrame, pl.Series, int, pl.DataFrame | None]]:
        """Each part kept, in order: (incident frame, verdict table, `said`, unresolved count, periods or None).

        This is the last reading: each part is let go of once given."""
        self._written()
        for number, (incidents, unresolved) in enumerate(zip(self.incidents(last=True), self._unresolved)):
            rows, bodies = self._read(number, "rows", True), self._read(number, "bodies", True)
            assert rows is not None and bodies is not None
            ids = incidents.get_column("id").alias("incident")  # a verdict's incident is its incident's id
            verdicts = bodies.gather(rows.get_column(_BODY)).select(ids, *bodies.columns)
            yield incidents, verdicts, rows.get_column(_SAID), unresolved, self._read(number, "periods", True)


def resident(frame: pl.DataFrame) -> int:
    """About how many bytes a frame holds in memory: polars' estimate, plus the 16-byte view of each text value
    (nested ones too), which the estimate leaves out (a part of a plain table: about twice the estimate)."""
    return int(frame.estimated_size()) + 16 * sum(_texts(frame.get_column(c)) for c in frame.columns)


def _texts(values: pl.Series) -> int:
    """How many text values a column holds, in lists and structs too."""
    if values.dtype == pl.String:
        return values.len()
    if isinstance(values.dtype, pl.Struct):
        return sum(_texts(values.struct.field(f.name)) for f in values.dtype.fields)
    if isinstance(values.dtype, pl.List):  # the values inside, where there are any (most lists are empty)
        return _texts(values.explode()) if values.list.len().sum() else 0
    return 0


def _said_once(verdicts: pl.DataFrame, said: pl.Series) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A verdict table as what each of its verdicts says, once (`bodies`: the verdict table's rows without
    `incident`, one for each distinct `said` number and one for each verdict without one) and its `rows`
    (`said`, and `body`: which of the bodies each row is; `incident` is the part's `id`, kept with it)."""
    first = said.is_null() | said.is_first_distinct()
    place = (first.cum_sum() - 1).cast(pl.UInt32())
    numbered = first & said.is_not_null()
    body = pl.select(
        pl.when(first).then(place).otherwise(said.replace_strict(said.filter(numbered), place.filter(numbered)))
    ).to_series()
    rows = pl.DataFrame([said.alias(_SAID), body.alias(_BODY)])
    return rows, verdicts.filter(first).drop("incident")


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

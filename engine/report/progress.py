"""A progress bar on stderr for long runs (rich's), imported only when one is shown."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class ProgressBar:
    """A transient bar on stderr that appears only once the work has taken more than a moment."""

    def __init__(self, total: int, description: str, enabled: bool, delay: float = 0.5, unit: str = "items") -> None:
        """`unit`: what is counted, `items` (shown as done/total) or `bytes` (shown in MB)."""
        self.total, self.description, self.enabled, self.delay = total, description, enabled, delay
        self.unit = unit
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._since = time.monotonic()

    def __enter__(self) -> ProgressBar:
        self._since = time.monotonic()
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            if time.monotonic() - self._since < self.delay:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn() if self.unit == "bytes" else MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._task = self._progress.add_task(self.description, total=self.total)
            self._progress.start()
        assert self._task is not None
        self._progress.update(self._task, completed=done)

"""Work on the next part on a thread of its own while the caller uses this one.

polars reads, encodes and writes without holding the GIL, so a part read (or encoded) on one thread and the
part before it judged (or written) on another share the machine's cores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

_T = TypeVar("_T")


def read_ahead(parts: Iterator[_T]) -> Iterator[_T]:
    """`parts` as they come, the next one made on a thread of its own while the caller works on this one.

    What `parts` raises is raised here, in its turn. At most one part is made ahead.
    """
    from concurrent.futures import ThreadPoolExecutor

    done = object()
    with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as reader:
        coming = reader.submit(next, parts, done)
        while (part := coming.result()) is not done:
            coming = reader.submit(next, parts, done)
            yield part  # type: ignore[misc]

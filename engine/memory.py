"""Pause the cyclic garbage collector while a stage builds many long-lived objects that form no cycles."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Objects a block must have made (net) for them to go straight to the oldest generation afterwards.
FREEZE_ABOVE = 100_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run the block with the cyclic collector off; afterwards, hand a large haul to the oldest generation.

    Reading or judging 100,000 incidents makes millions of objects, none in a reference cycle, and
    keeps them: each collection their allocation triggers rescans them all and frees nothing (left
    on, it costs reading a JSON Lines file half its time). When the block made more than
    FREEZE_ABOVE objects, `freeze` then `unfreeze` moves every tracked object to the oldest generation
    at once, so the young collections that follow do not rescan them either. A small block's objects
    are left to the collector as usual: moved that way, they would escape the count that triggers full
    collections, and the garbage of many small runs (a sweep's) would never be freed.
    Reference counting frees all as usual throughout.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > FREEZE_ABOVE:  # tracked objects made (net) since the last collection
            gc.freeze()
            gc.unfreeze()
        gc.enable()

"""Pausing the cyclic collector: it comes back as it was, and no cycle made meanwhile escapes it."""

from __future__ import annotations

import gc
import weakref

from engine.memory import paused_gc


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause does not switch it back on early
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_cycle_made_while_paused_is_still_collected() -> None:
    with paused_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        watch = weakref.ref(a)
    del a, b
    assert watch() is not None  # only the cyclic collector can free it
    gc.collect()
    assert watch() is None

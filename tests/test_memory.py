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


def test_the_cycles_of_many_small_pauses_are_freed_by_the_collector_unaided() -> None:
    # A sweep runs thousands of small evaluations, each paused: what each leaves in a cycle must
    # stay where the collector's own young collections find it, not pile up in the oldest generation.
    gc.collect()
    watches = []
    for _ in range(3000):
        with paused_gc():
            a, b = Node(), Node()
            a.other, b.other = b, a
            watches.append(weakref.ref(a))
        del a, b
    alive = sum(w() is not None for w in watches)
    assert alive < 1000, f"{alive} of 3000 cycles never collected"


def test_a_large_haul_goes_to_the_oldest_generation_at_once() -> None:
    gc.collect()
    with paused_gc():
        kept = [Node() for _ in range(150_000)]
    assert gc.get_count()[0] < 1000  # nothing left for the next young collection to rescan
    assert kept

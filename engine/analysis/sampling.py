"""Sampled sweeps: combinations drawn by Latin hypercube or Monte Carlo, for spaces too large for a grid.

A sample is a list of combinations like `sweep.grid`'s, so that it runs through the same machinery (and the
same executors): only which combinations, and how many, differ. The draws are made here, in one process,
from the seed alone: the rows are the same whatever runs them, and however many workers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.analysis.ranges import number_text
from engine.analysis.sweep import MAX_COMBINATIONS, Combo, Param
from engine.errors import InputError

SAMPLE = "--sample"
SEED = "--seed"
METHODS = {"lhs": "Latin hypercube", "mc": "Monte Carlo"}
DEFAULT_SEED = 0  # the sample a sweep draws unless told otherwise: the same on every run
MAX_SEED = 2**63 - 1
_COUNT = re.compile(r"-?[0-9]+")  # a whole number in ASCII digits (`str.isdigit` takes `²`, which int() refuses)


@dataclass(frozen=True)
class Design:
    """How a sample is drawn: `method` (a key of METHODS), `count` combinations, from `seed`."""

    method: str
    count: int
    seed: int = DEFAULT_SEED

    def json(self) -> dict[str, Any]:
        return {"method": self.method, "samples": self.count, "seed": self.seed}

    @property
    def title(self) -> str:
        """`Latin hypercube sample of 1,000, seed 0`."""
        return f"{METHODS[self.method]} sample of {self.count:,}, seed {self.seed}"


def parse_design(text: str, seed: int = DEFAULT_SEED) -> Design:
    """`lhs:1000` or `mc:200` → Design. Raises InputError (at --sample) for another method, a count that is not a
    whole number from 1 to MAX_COMBINATIONS, or a seed outside 0 to 2^63 - 1."""
    method, sep, count_text = text.partition(":")
    method = method.strip().lower()
    if not sep or method not in METHODS or not _COUNT.fullmatch(count_text.strip()):
        raise InputError.at(
            SAMPLE, f"`{text}` is not METHOD:N; write lhs:N (Latin hypercube) or mc:N (Monte Carlo), e.g. lhs:1000"
        )
    count = int(count_text)
    if not 1 <= count <= MAX_COMBINATIONS:
        raise InputError.at(SAMPLE, f"`{text}`: a sample has from 1 to {MAX_COMBINATIONS:,} combinations")
    if not 0 <= seed <= MAX_SEED:
        raise InputError.at(SEED, f"`{seed}` is not a seed; give a whole number from 0 to 2^63 - 1")
    return Design(method, count, seed)


def units(design: Design, dimensions: int) -> list[list[float]]:
    """`design.count` points in the unit cube [0, 1)^dimensions, as rows.

    Latin hypercube (scipy.stats.qmc): each dimension cut into `count` equal strata, one point in each.
    Monte Carlo: independent uniform draws (numpy's PCG64). Both from `design.seed` alone.
    """
    import numpy as np
    from scipy.stats import qmc

    if design.method == "lhs":
        points = qmc.LatinHypercube(dimensions, rng=np.random.default_rng(design.seed)).random(design.count)
    else:
        points = np.random.default_rng(design.seed).random((design.count, dimensions))
    return [[float(u) for u in row] for row in points]


def draw(params: Sequence[Param], design: Design) -> list[Combo]:
    """The sample's combinations, in the order drawn: each parameter's value at its coordinate of a point
    (a range: see `Span.at`; a list: its values in equal strata, the first for [0, 1/n))."""
    combos: list[Combo] = []
    for point in units(design, len(params)):
        picked = [_pick(p, u) for p, u in zip(params, point)]
        combos.append((tuple(v for v, _ in picked), tuple(f"{p.path}={t}" for p, (_, t) in zip(params, picked))))
    return combos


def _pick(p: Param, u: float) -> tuple[Any, str]:
    """The value at `u` and its text as a `--set` value."""
    if p.span is not None:
        value = p.span.at(u)
        return value, number_text(value)
    i = min(math.floor(u * len(p.values)), len(p.values) - 1)
    return p.values[i], p.texts[i]

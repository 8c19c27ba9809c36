"""Credence: which source to believe, swept. Each sample keeps each account of a source with the probability
given for that source, and the incidents are judged on the accounts kept.

An incident whose accounts are all dropped is judged on its own record (the facts told without accounts).
Sources given no credence keep every account. Which accounts each sample keeps is drawn up front, in one
process, from the seed alone (one uniform number per sample and account, in input order, whatever the
credences): the result depends on the seed, never on how the samples are run. Samples that keep the same
accounts are judged once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.analysis.sweep import MAX_COMBINATIONS
from engine.errors import InputError, did_you_mean
from engine.evaluation.pipeline import Evaluator
from engine.evaluation.result import Report
from engine.ruleset.model import VERDICTS

CREDENCE = "--credence"
SAMPLES = "--samples"
DEFAULT_SAMPLES = 200
MAX_SAMPLES = MAX_COMBINATIONS
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Belief:
    """A source, and the probability (0 to 1) that a sample keeps each of its accounts."""

    source: str
    p: float


def parse_belief(expr: str) -> Belief:
    """`Syrian military (SANA)=0.5` → Belief; the last `=` splits (a source's name may hold one). Raises
    InputError (at --credence) for a missing name or a probability that is not a number from 0 to 1."""
    source, sep, text = expr.rpartition("=")
    source = source.strip()
    if not sep or not source:
        raise InputError.at(CREDENCE, f"`{expr}` is not SOURCE=P, e.g. 'Syrian military (SANA)=0.5'")
    try:
        p = float(text)
    except ValueError:
        p = math.nan
    if not 0 <= p <= 1:
        raise InputError.at(
            CREDENCE, f"`{text.strip()}` is not a probability; give a number from 0 to 1, e.g. 0.5", path=source
        )
    return Belief(source, p)


def parse_beliefs(exprs: Sequence[str], sources: Sequence[str]) -> tuple[Belief, ...]:
    """The --credence options, each a source of the input's accounts (`sources`), each once."""
    beliefs = [parse_belief(e) for e in exprs]
    seen: set[str] = set()
    for b in beliefs:
        if b.source not in sources:
            hint = did_you_mean(b.source, sources)
            told = f"; the accounts' sources are {', '.join(sources)}" if sources and not hint else ""
            none = "; the input has no accounts" if not sources else ""
            raise InputError.at(CREDENCE, f"`{b.source}` tells no account of the input{hint}{told}{none}")
        if b.source in seen:
            raise InputError.at(CREDENCE, "given twice; give each source one probability", path=b.source)
        seen.add(b.source)
    return tuple(beliefs)


def check_samples(samples: int) -> None:
    if not 1 <= samples <= MAX_SAMPLES:
        raise InputError.at(SAMPLES, f"`{samples}`: give from 1 to {MAX_SAMPLES:,} samples")


def sources(incidents: pl.DataFrame) -> list[str]:
    """Every source that tells an account of the incident frame, sorted."""
    told = incidents.get_column("accounts").explode().struct.field("source").drop_nulls().unique()
    return sorted(told.to_list())


@dataclass(frozen=True)
class Stats:
    """A distribution of whole numbers: its least, quartiles (numpy's linear interpolation), most and mean."""

    least: int
    q1: float
    median: float
    q3: float
    most: int
    mean: float

    @classmethod
    def of(cls, counts: Sequence[int]) -> Stats:
        import numpy as np

        q1, median, q3 = (float(q) for q in np.percentile(counts, [25, 50, 75]))
        return cls(min(counts), q1, median, q3, max(counts), sum(counts) / len(counts))


@dataclass(frozen=True)
class IncidentShares:
    """One incident: in how many samples each verdict was its verdict (every verdict, in VERDICTS order)."""

    incident: str
    counts: dict[str, int]


@dataclass(frozen=True)
class PartyViolations:
    """One party the verdicts name (as `Report.by_party` counts them): its violations in each sample, in order."""

    party: str
    violations: tuple[int, ...]

    @property
    def stats(self) -> Stats:
        return Stats.of(self.violations)

    def histogram(self) -> dict[int, int]:
        """How many samples gave each count of violations, by count."""
        return dict(sorted(Counter(self.violations).items()))


@dataclass(frozen=True)
class Credence:
    """A credence sweep's result: what was judged, the beliefs, and per incident and per party what followed."""

    scenario: str
    ruleset: str
    engine: str
    beliefs: tuple[Belief, ...]
    samples: int
    seed: int
    sources: tuple[str, ...]  # every source of the input's accounts
    incidents: tuple[IncidentShares, ...]  # in input order
    parties: tuple[PartyViolations, ...]  # by name
    judged: int  # distinct sets of accounts kept, each judged once

    def share(self, incident: IncidentShares, verdict: str = "violation") -> float:
        return incident.counts[verdict] / self.samples


def keep(incidents: pl.DataFrame, beliefs: Sequence[Belief], samples: int, seed: int) -> Iterator[Any]:
    """Which accounts each sample keeps, sample by sample: a boolean numpy array over the accounts in input
    order (incident by incident, each incident's in its order). A sample keeps an account when its uniform
    draw in [0, 1) is below the source's credence (1 for a source given none): always at 1, never at 0. The
    draws are numpy's PCG64 from `seed`, one per sample and account whatever the credences."""
    import numpy as np

    told = [a["source"] for listed in incidents.get_column("accounts").to_list() for a in listed]
    credence = {b.source: b.p for b in beliefs}
    p = np.array([credence.get(source, 1.0) for source in told], dtype=float)
    rng = np.random.default_rng(seed)
    for _ in range(samples):
        yield rng.random(len(told)) < p


Progress = Callable[[int], None]  # called with the number of samples done so far


def credence(
    report: Report,
    beliefs: Sequence[Belief],
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
) -> Credence:
    """The report's incidents judged `samples` times under its ruleset and engine, each time on the accounts
    that sample keeps (see `keep`); per incident, how often each verdict; per party, its violations per sample."""
    frame = report.incidents
    accounts = frame.get_column("accounts")
    told = accounts.to_list()
    tell = progress or (lambda _: None)
    judged: dict[bytes, tuple[list[str], dict[str, int]]] = {}
    verdicts: list[list[str]] = []
    by_party: list[dict[str, int]] = []
    with Evaluator(report.compiled, report.engine) as evaluator:
        for s, mask in enumerate(keep(frame, beliefs, samples, seed)):
            key = mask.tobytes()
            if key not in judged:
                kept, start = [], 0
                for listed in told:
                    kept.append([a for a, k in zip(listed, mask[start : start + len(listed)]) if k])
                    start += len(listed)
                sample = frame.with_columns(pl.Series("accounts", kept, dtype=accounts.dtype))
                run = evaluator.report(report.scenario, sample)
                violations = {who: n["violation"] for who, n in run.by_party().items()}
                judged[key] = (run.table.get_column("verdict").to_list(), violations)
            verdicts.append(judged[key][0])
            by_party.append(judged[key][1])
            tell(s + 1)
    ids = frame.get_column("id").to_list()
    shares = tuple(
        IncidentShares(incident, {v: sum(1 for row in verdicts if row[i] == v) for v in VERDICTS})
        for i, incident in enumerate(ids)
    )
    names = sorted({who for row in by_party for who in row})
    parties = tuple(PartyViolations(who, tuple(row.get(who, 0) for row in by_party)) for who in names)
    found = tuple(sources(frame))
    return Credence(
        report.scenario,
        report.compiled.id,
        report.engine,
        tuple(beliefs),
        samples,
        seed,
        found,
        shares,
        parties,
        len(judged),
    )

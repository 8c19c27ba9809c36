"""Scenario discovery: which ranges of the swept values make an outcome pass a threshold, as boxes.

As the EMA Workbench does it, with a shallow decision tree (scikit-learn's CART) in place of PRIM: the
sweep's rows are the cases, those whose outcome passes the threshold the cases of interest, and each leaf
of the tree where they are the majority (leaves side by side that all are: one) is a box: a range for each
number it bounds, a set of values for each other parameter. A box is told by its coverage (the share of all
cases of interest inside it) and its density (the share of its cases that are of interest). The tree is
fitted with a fixed seed on the rows in their order: the same sweep gives the same boxes.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.analysis.sweep import Param, Sweep, party_column
from engine.errors import InputError, did_you_mean, one_of
from engine.evaluation.result import ACCOUNTS_DIFFER
from engine.ruleset.model import VERDICTS

DISCOVER = "--discover"
DEPTH = 3  # splits from the root to a box: at most three parameters bound, which a person can read
SEED = 0  # the tree's random_state: ties between equally good splits are broken alike on every run
OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_THRESHOLD = re.compile(r"(?P<outcome>.*?)\s*(?P<op>>=|<=|>|<)\s*(?P<n>[+-]?[0-9]+)\s*")


@dataclass(frozen=True)
class Threshold:
    """`violation > 5`: a column of the sweep's rows (a verdict, or `PARTY: VERDICT`), compared with a number."""

    column: str
    op: str
    value: int

    @property
    def text(self) -> str:
        return f"{self.column} {self.op} {self.value}"

    def holds(self, count: int) -> bool:
        return OPERATORS[self.op](count, self.value)


def parse_threshold(text: str, parties: Mapping[str, str] | None = None) -> Threshold:
    """`violation>5`, `violation >= 2`, `coalition: violation > 0`, `US-led coalition: violation > 0`. The outcome is a
    verdict, as the sweep's columns name it, or a party's count of one, the party by its id or its name (`parties`:
    the ruleset's, {id: name}; None: any party, the form alone checked), or the count of the incidents whose accounts
    name different actors (`ACCOUNTS_DIFFER`). A near miss (`violations`, `Violation`) is refused with the word
    meant, not read as it. Raises InputError (at --discover) otherwise."""
    found = _THRESHOLD.fullmatch(text)
    if found is None:
        raise InputError.at(
            DISCOVER,
            f"`{text}` is not OUTCOME>N; write a verdict or `PARTY: VERDICT`, one of > >= < <=, and a whole "
            "number, e.g. 'violation>5'",
        )
    party, colon, verdict = found["outcome"].rpartition(":")
    verdict = verdict.strip()
    if verdict not in VERDICTS:
        outcome = f"`{found['outcome'].strip()}`: " if colon else ""
        hint = did_you_mean(verdict, VERDICTS)
        raise InputError.at(DISCOVER, f"{outcome}`{verdict}` is no verdict; {one_of(VERDICTS)}{hint}")
    column = verdict
    if colon:
        party = party.strip()
        if parties is not None and party not in (*parties.values(), ACCOUNTS_DIFFER):
            party = _party_name(party, parties)
        column = party_column(party, verdict)
    return Threshold(column, found["op"], int(found["n"]))


def _party_name(given: str, parties: Mapping[str, str]) -> str:
    """The name of the party whose id is `given` (the sweep counts a party under its name). Raises InputError naming
    each party's id and name otherwise."""
    if given in parties:
        return parties[given]
    named = ", ".join(f"{party_id} ({name})" for party_id, name in parties.items())
    hint = did_you_mean(given, [*parties, *parties.values()])
    raise InputError.at(DISCOVER, f"`{given}` is no party of the ruleset; expected a party's id or name: {named}{hint}")


@dataclass(frozen=True)
class Limit:
    """How a box bounds one parameter: a range of numbers (`low`..`high`, the cases' own values at its ends)
    or the values it allows (`values`, in the parameter's order)."""

    path: str
    low: int | float | None = None
    high: int | float | None = None
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Box:
    """A region of the swept values: its limits (only the parameters it bounds, in --param order), how many
    cases it holds and how many of them are of interest, and so its coverage and density (shares, 0 to 1)."""

    limits: tuple[Limit, ...]
    cases: int
    of_interest: int
    coverage: float
    density: float


@dataclass(frozen=True)
class Discovery:
    """Scenario discovery over one sweep: the threshold, how many cases pass it, and the boxes, densest first."""

    sweep: Sweep
    threshold: Threshold
    cases: int
    of_interest: int
    boxes: tuple[Box, ...]
    depth: int = DEPTH


def _numeric(p: Param) -> bool:
    """A parameter whose values are numbers is split by ranges; any other by which values it takes."""
    return p.span is not None or all(isinstance(v, int | float) and not isinstance(v, bool) for v in p.values)


def _domain(p: Param, sweep: Sweep, i: int) -> list[Any]:
    """The distinct values of a parameter other than numbers, in --param order."""
    return list(p.values) if p.values else sorted({row.values[i] for row in sweep.rows}, key=repr)


def discover(result: Sweep, threshold: Threshold, depth: int = DEPTH) -> Discovery:
    """The boxes where the cases of interest (the rows whose `threshold.column` passes the threshold) are the
    majority, from a decision tree of at most `depth` levels; densest first, then the most covering.

    A column the sweep never counts (a party that never acts) counts 0 in every row. No box when no case, or
    every case, is of interest: there is nothing to tell apart. Raises ImportError without scikit-learn.
    """
    from sklearn.tree import DecisionTreeClassifier

    interest = [threshold.holds(record.get(threshold.column, 0)) for record in result.records()]
    total, hits = len(interest), sum(interest)
    if hits in (0, total):
        return Discovery(result, threshold, total, hits, (), depth)
    # a column per number; a column per value (0 or 1) for any other parameter
    columns: list[tuple[int, Any]] = []  # (parameter, None for a number or the value the column is 1 for)
    for i, p in enumerate(result.params):
        columns += [(i, None)] if _numeric(p) else [(i, v) for v in _domain(p, result, i)]
    features = [
        [float(row.values[i]) if value is None else float(_same(row.values[i], value)) for i, value in columns]
        for row in result.rows
    ]
    tree = DecisionTreeClassifier(max_depth=depth, random_state=SEED, min_samples_leaf=max(1, total // 50))
    tree.fit(features, interest)
    leaves = tree.apply(features)
    positive = list(tree.classes_).index(True)
    boxes = []
    for under, path in _paths(tree.tree_, positive):
        inside = [k for k, n in enumerate(leaves) if n in under]
        found = sum(interest[k] for k in inside)
        if 2 * found <= len(inside):
            continue
        limits = _limits(result, columns, path, inside)
        boxes.append(Box(limits, len(inside), found, found / hits, found / len(inside)))
    boxes.sort(key=lambda b: (-b.density, -b.coverage, [_key(limit) for limit in b.limits]))
    return Discovery(result, threshold, total, hits, tuple(boxes), depth)


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b  # `true` and `1` differ, though True == 1


def _key(limit: Limit) -> str:
    return repr((limit.path, limit.low, limit.high, limit.values))


Step = tuple[int, float, bool]  # a feature column, its threshold, and whether the path goes right (above it)


def _paths(tree: Any, positive: int) -> list[tuple[set[int], list[Step]]]:
    """The regions of a fitted sklearn tree, left to right, each as the leaves it holds and the splits that lead
    to it: a leaf, or a node all of whose leaves are of interest (column `positive` the larger), so that CART's
    splits between two boxes of interest side by side do not cut one box in two."""
    left, right = tree.children_left, tree.children_right

    def leaves(node: int) -> set[int]:
        if left[node] == right[node]:  # both -1: a leaf
            return {node}
        return leaves(int(left[node])) | leaves(int(right[node]))

    def wanted(leaf: int) -> bool:
        counts = tree.value[leaf][0]
        return bool(counts[positive] > counts[1 - positive])

    out: list[tuple[set[int], list[Step]]] = []
    stack: list[tuple[int, list[Step]]] = [(0, [])]
    while stack:
        node, path = stack.pop()
        under = leaves(node)
        if len(under) == 1 or all(wanted(leaf) for leaf in under):
            out.append((under, path))
            continue
        feature, cut = int(tree.feature[node]), float(tree.threshold[node])
        stack.append((int(right[node]), [*path, (feature, cut, True)]))
        stack.append((int(left[node]), [*path, (feature, cut, False)]))
    return out


def _limits(result: Sweep, columns: list[tuple[int, Any]], path: list[Step], inside: list[int]) -> tuple[Limit, ...]:
    """The box's limits for each parameter the path splits on, in --param order. A range's ends are the values
    its cases take at either end (the tree cuts halfway between two values, which no case takes)."""
    bounded = sorted({columns[feature][0] for feature, _, _ in path})
    limits = []
    for i in bounded:
        p = result.params[i]
        if _numeric(p):
            taken = [result.rows[k].values[i] for k in inside]
            limits.append(Limit(p.path, min(taken), max(taken)))
            continue
        allowed = _domain(p, result, i)
        for feature, _, above in path:
            j, value = columns[feature]
            if j == i:
                allowed = [v for v in allowed if _same(v, value) == above]
        limits.append(Limit(p.path, values=tuple(allowed)))
    return tuple(limits)


def share(n: float) -> float:
    """A share (0 to 1) as reports give it: four decimals."""
    return round(n, 4) if math.isfinite(n) else n

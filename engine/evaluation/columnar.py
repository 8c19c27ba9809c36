"""The columnar executor: each rule's condition one polars expression over the fact table, rules as bit masks."""

from __future__ import annotations

from functools import reduce
from operator import and_, or_

import polars as pl

from engine.evaluation.decide import WORD, mask_columns
from engine.ruleset.compile import AllOf, Compiled, Node, Test, holds


class ColumnarExecutor:
    """Answers which rules hold for each row of a fact table, as bit masks (see `mask_columns`)."""

    name = "columnar"

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        # A knob's value is the ruleset's own: a test on it is decided here, once.
        self._policy = (None,) * len(compiled.columns) + compiled.policy
        self._conditions = [self.expression(rule.condition) for rule in compiled.rules]

    def expression(self, node: Node) -> pl.Expr:
        """A condition as a boolean expression that is never null (a test on a field not told is false)."""
        if isinstance(node, Test):
            if node.field.startswith("policy."):
                return pl.lit(holds(node, self._policy))
            return _test(node)
        parts = [self.expression(item) for item in node.items]
        if not parts:
            return pl.lit(isinstance(node, AllOf))
        return reduce(and_ if isinstance(node, AllOf) else or_, parts)

    def match(self, facts: pl.DataFrame) -> pl.DataFrame:
        """One row per fact row: the mask columns of the rules whose condition holds."""
        words = []
        names = mask_columns(len(self._conditions))
        for k, name in enumerate(names):
            bits = [
                pl.when(condition).then(pl.lit(1 << j, pl.UInt64())).otherwise(pl.lit(0, pl.UInt64()))
                for j, condition in enumerate(self._conditions[k * WORD : (k + 1) * WORD])
            ]
            words.append((pl.sum_horizontal(bits) if bits else pl.lit(0, pl.UInt64())).cast(pl.UInt64()).alias(name))
        # with_columns, not select: a condition that always holds is a literal, which alone would make one row
        return facts.with_columns(words).select(names)

    def close(self) -> None:
        pass


def _test(test: Test) -> pl.Expr:
    column = pl.col(test.field)
    op, value = test.op, test.value
    if op == "present":
        return column.is_not_null()
    if op == "absent":
        return column.is_null()
    if op == "eq":
        out = column == value
    elif op == "in":
        out = column.is_in(sorted(value, key=repr))
    elif op == "not_in":
        out = ~column.is_in(sorted(value, key=repr))
    elif op == "lt":
        out = column < value
    elif op == "lte":
        out = column <= value
    elif op == "gt":
        out = column > value
    else:
        out = column >= value
    filled: pl.Expr = out.fill_null(False)
    return filled

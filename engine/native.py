"""The plain-Python executor: rule conditions tested directly, each distinct fact row decided once."""

from __future__ import annotations

from typing import Any

from engine.compile import AllOf, Compiled, Node, Test


def holds(node: Node, row: tuple[Any, ...]) -> bool:
    if isinstance(node, Test):
        value = row[node.index]
        op = node.op
        if value is None:
            return op == "absent"
        if op == "eq":
            return bool(value == node.value)
        if op == "in":
            return value in node.value
        if op == "not_in":
            return value not in node.value
        if op == "present":
            return True
        if op == "absent":
            return False
        if op == "lt":
            return bool(value < node.value)
        if op == "lte":
            return bool(value <= node.value)
        if op == "gt":
            return bool(value > node.value)
        return bool(value >= node.value)
    if isinstance(node, AllOf):
        return all(holds(item, row) for item in node.items)
    return any(holds(item, row) for item in node.items)


class NativeExecutor:
    name = "native"

    def __init__(self, compiled: Compiled) -> None:
        self.rules = compiled.rules

    def match(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, ...]]:
        """For each row, the indices (in deciding order) of the rules whose condition holds."""
        rules = self.rules
        return [tuple(i for i, rule in enumerate(rules) if holds(rule.condition, row)) for row in rows]

    def close(self) -> None:
        pass

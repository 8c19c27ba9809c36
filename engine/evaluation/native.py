"""The plain-Python executor: each group of fields tested once per distinct value, rules matched as bitmasks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from engine.evaluation.facts import FactMaker, Memo
from engine.ruleset.compile import AllOf, Compiled, Node, Test

# Fields that come from one thing told, and so take their values together: a rule's tests on one
# group are decided once per distinct value of the group (an alpha memory, in Rete's words), and
# the rules a fact row matches are the AND of its groups' bitmasks. Bit i stands for rules[i].
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("actor", ("actor.party", "actor.role", "actor.side")),
    ("target", ("target.party", "target.role", "target.side")),
    ("intended_target", ("intended_target.party", "intended_target.role", "intended_target.side")),
    ("act", ("act", "act.hostile")),
    ("time", ("in_window",)),
    ("place", ("in_scope", "region")),
    ("killed", ("killed",)),
    ("wounded", ("wounded",)),
)


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


def _conjuncts(node: AllOf) -> Iterator[Node]:
    """The parts of a condition that must all hold, nested `all:` lists flattened."""
    for item in node.items:
        if isinstance(item, AllOf):
            yield from _conjuncts(item)
        else:
            yield item


def _fields(node: Node) -> set[int]:
    if isinstance(node, Test):
        return {node.index}
    return set().union(*(_fields(item) for item in node.items))


class NativeExecutor:
    name = "native"

    def __init__(self, compiled: Compiled) -> None:
        self.rules = compiled.rules
        self.width = len(compiled.fields)
        index = {name: i for i, name in enumerate(compiled.fields)}
        self.groups: dict[str, tuple[int, ...]] = {name: tuple(index[f] for f in fields) for name, fields in GROUPS}
        self.groups["policy"] = tuple(i for name, i in index.items() if name.startswith("policy."))
        group_of = {i: name for name, fields in self.groups.items() for i in fields}
        # The policy is the ruleset's own, the same in every row: a conjunct that reads a knob and one
        # group's fields belongs to that group, and is tested with the knobs set.
        self._blank: list[Any] = [None] * self.width
        for i, value in zip(self.groups["policy"], compiled.policy):
            self._blank[i] = value
        self._tests: dict[str, list[tuple[int, Node]]] = {name: [] for name in self.groups}
        # conjuncts that span groups (an `any:` over an actor's and an act's fields): tested on the row
        self._spanning: list[tuple[int, Node]] = []
        for bit, rule in enumerate(self.rules):
            for item in _conjuncts(rule.condition):
                owners = {group_of[i] for i in _fields(item)} - {"policy"} or {"policy"}
                if len(owners) == 1:
                    self._tests[owners.pop()].append((bit, item))
                else:
                    self._spanning.append((bit, item))
        self.everything = (1 << len(self.rules)) - 1
        self.spanning = sum(1 << bit for bit in {bit for bit, _ in self._spanning})  # a rule may have several
        self.tested = frozenset(name for name, tests in self._tests.items() if tests)
        self._masks: dict[str, Memo[tuple[Any, ...], int]] = {name: Memo(self._mask_of(name)) for name in self.groups}
        self._matched: Memo[int, tuple[int, ...]] = Memo(self._bits)

    def _mask_of(self, group: str) -> Callable[[tuple[Any, ...]], int]:
        fields, tests = self.groups[group], self._tests[group]

        def mask(values: tuple[Any, ...]) -> int:
            row = list(self._blank)
            for i, value in zip(fields, values):
                row[i] = value
            facts = tuple(row)
            out = self.everything
            for bit, node in tests:
                if not holds(node, facts):
                    out &= ~(1 << bit)
            return out

        return mask

    def mask(self, group: str, values: tuple[Any, ...]) -> int:
        """The rules whose tests on the group's fields hold for these values (and every rule with none)."""
        return self._masks[group][values]

    def settle(self, mask: int, row: tuple[Any, ...]) -> int:
        """The mask with each rule whose group-spanning conjuncts fail on the row taken out."""
        for bit, node in self._spanning:
            if mask >> bit & 1 and not holds(node, row):
                mask &= ~(1 << bit)
        return mask

    def matched(self, mask: int) -> tuple[int, ...]:
        """The rule indices a settled mask stands for, in deciding order."""
        return self._matched[mask]

    def _bits(self, mask: int) -> tuple[int, ...]:
        return tuple(i for i in range(len(self.rules)) if mask >> i & 1)

    def match(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, ...]]:
        """For each row (made by a FactMaker of this ruleset, so with its policy), the indices in
        deciding order of the rules whose condition holds."""
        out = []
        masks = [(self._masks[name], fields) for name, fields in self.groups.items()]
        for row in rows:
            mask = self.everything
            for memo, fields in masks:
                mask &= memo[tuple(row[i] for i in fields)]
            if mask & self.spanning:
                mask = self.settle(mask, row)
            out.append(self._matched[mask])
        return out

    def tables(self, facts: FactMaker) -> Tables:
        return Tables(self, facts)

    def close(self) -> None:
        pass


class Tables:
    """Bitmasks keyed by what a FactMaker hands out (part codes, times, places as told), for the hot loop."""

    def __init__(self, executor: NativeExecutor, facts: FactMaker) -> None:
        mask, people, deeds = executor.mask, facts.people.meanings, facts.deeds.meanings
        self.base = mask("policy", facts.compiled.policy)
        self.actor: Memo[int, int] = Memo(lambda code: mask("actor", people[code][0]))
        self.target: Memo[int, int] = Memo(lambda code: mask("target", people[code][0]))
        self.intended: Memo[int, int] = Memo(lambda code: mask("intended_target", people[code][0]))
        self.act: Memo[int, int] = Memo(lambda code: mask("act", deeds[code][0]))
        by_window = {known: mask("time", (known,)) for known in (True, False, None)}
        self.time: Memo[str | None, int] = Memo(lambda time: by_window[None if time is None else facts.window(time)])
        self.place: Memo[tuple[str | None, str | None], int] = Memo(
            lambda where: mask("place", facts.places.meanings[facts.places[where]])
        )
        self.killed: Memo[int | None, int] = Memo(lambda n: mask("killed", (n,)))
        self.wounded: Memo[int | None, int] = Memo(lambda n: mask("wounded", (n,)))
        self.counts = bool({"killed", "wounded"} & executor.tested)
        self.spanning = executor.spanning
        # no count tests and no conjunct over two groups: a verdict follows from the parts' codes and masks
        self.fast = not (self.counts or self.spanning)
        self.settle = executor.settle
        self.matched = executor.matched

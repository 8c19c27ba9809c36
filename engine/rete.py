"""The durable_rules executor: the only module that talks to durable_rules."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable
from typing import Any

from engine.compile import AnyOf, Compiled, Node, Test

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import durable.engine as _durable
except ImportError:  # Python 3.13+, or not installed: the native executor stands in
    _durable = None

AVAILABLE = _durable is not None
GUARD = "cfs_incident"  # only incident facts carry it; the session state fact never does
_OPERATORS = {"$lt", "$lte", "$gt", "$gte", "$eq", "$neq", "$ex", "$nex", "$and", "$or"}
_CMP = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
_names = itertools.count()  # durable_rules never forgets a ruleset name: each executor takes a new one


class EngineError(Exception):
    """durable_rules refused a compiled ruleset (it reports only a numeric code)."""


def field_key(index: int) -> str:
    return f"f{index}"


def expression(node: Node) -> dict[str, Any] | None:
    """The durable_rules JSON for a condition; None for a condition that always holds."""
    if isinstance(node, Test):
        key = field_key(node.index)
        if node.op == "eq":
            return {key: node.value}
        if node.op == "in":
            options = [{key: v} for v in sorted(node.value, key=repr)]
            return options[0] if len(options) == 1 else {"$or": options}
        if node.op == "not_in":
            # `$neq` never matches an absent field, which is the meaning every test has here
            nots = [{"$neq": {key: v}} for v in sorted(node.value, key=repr)]
            return nots[0] if len(nots) == 1 else {"$and": nots}
        if node.op == "present":
            return {"$ex": {key: 1}}
        if node.op == "absent":
            return {"$nex": {key: 1}}
        return {_CMP[node.op]: {key: node.value}}
    parts = [e for e in (expression(item) for item in node.items) if e is not None]
    if isinstance(node, AnyOf):
        if len(parts) < len(node.items):
            return None  # one alternative always holds
        return parts[0] if len(parts) == 1 else {"$or": parts}
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _check_operators(expr: Any) -> None:
    # durable_rules accepts an unknown operator silently and never matches it: refuse it here
    if isinstance(expr, dict):
        for key, value in expr.items():
            if key.startswith("$") and key not in _OPERATORS:
                raise EngineError(f"operator `{key}` is not one durable_rules knows")
            _check_operators(value)
    elif isinstance(expr, list):
        for item in expr:
            _check_operators(item)


def definition(compiled: Compiled) -> dict[str, Any]:
    """A fresh definition dict (registration mutates it): one rule per ruleset rule, plus a catch-all."""
    rules: dict[str, Any] = {}
    guard = {"$ex": {GUARD: 1}}
    for i, rule in enumerate(compiled.rules):
        expr = expression(rule.condition)
        _check_operators(expr)
        match = guard if expr is None else {"$and": [guard, expr]}
        rules[f"r{i}"] = {"all": [{"m": match}], "run": f"r{i}"}
    # without a rule that matches every incident, an unmatched one raises MessageNotHandledException
    rules["otherwise"] = {"all": [{"m": guard}], "pri": 1_000_000, "run": "otherwise"}
    return rules


if _durable is not None:

    class _Host(_durable.Host):  # type: ignore[misc]
        """A host whose actions record matches, with no timer threads (nothing here uses timers)."""

        def __init__(self, record: Callable[[int], None]) -> None:
            self._record = record
            super().__init__()

        def _run(self) -> None:
            pass

        def get_action(self, action_name: str) -> Callable[[Any], None]:
            if action_name == "otherwise":
                return lambda c: None
            index = int(action_name[1:])
            record = self._record
            return lambda c: record(index)


class DurableExecutor:
    name = "durable"

    def __init__(self, compiled: Compiled) -> None:
        if _durable is None:
            raise EngineError("durable_rules is not installed here (it needs Python < 3.13); use --engine native")
        self._hits: list[int] = []
        self._host = _Host(self._hits.append)
        self._ruleset = f"ceasefire_{next(_names)}"
        self._ids = itertools.count(1)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self._host.set_rulesets({self._ruleset: definition(compiled)})
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"durable_rules refused ruleset `{compiled.id}`: {exc}") from None

    def match(self, rows: list[tuple[Any, ...]]) -> list[tuple[int, ...]]:
        out = []
        hits, host, name = self._hits, self._host, self._ruleset
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for row in rows:
                fact: dict[str, Any] = {field_key(i): v for i, v in enumerate(row) if v is not None}
                fact["id"] = next(self._ids)
                fact[GUARD] = 1
                hits.clear()
                host.assert_fact(name, fact)
                host.retract_fact(name, fact)
                out.append(tuple(sorted(set(hits))))  # a rule fires once for each `$or` branch that holds
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the session may hold nothing to delete
            self._host.delete_state(self._ruleset)

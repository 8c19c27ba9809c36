"""The durable_rules executor: the only module that talks to durable_rules."""

from __future__ import annotations

import contextlib
import itertools
import warnings
from collections.abc import Callable
from typing import Any

import polars as pl

from engine.evaluation.decide import WORD, mask_columns
from engine.ruleset.compile import AllOf, AnyOf, Compiled, Node, Test, knob_values

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
MAX_SPLIT = 64  # alternatives a rule may be split into (each one a durable_rules rule)
# durable_rules walks the rules a fact matches on a stack of 64 entries (MAX_STACK_SIZE in events.c):
# past it an assert fails with error 303, or corrupts memory and kills the process. A ruleset of many
# rules is therefore registered as several, each of at most CHUNK rules, and every fact asserted in each.
CHUNK = 24


class EngineError(Exception):
    """durable_rules refused a compiled ruleset (it reports only a numeric code), or is not installed.

    Where one rule was refused, `order` is its position in the ruleset file `source`.
    """

    def __init__(self, message: str, source: str = "", order: int | None = None) -> None:
        super().__init__(message if order is None else f"{source}: rules[{order}]: {message}")
        self.message, self.order = message, order


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
    if not isinstance(node, AnyOf):
        # an all-of within an all-of is one conjunction: durable_rules allows few nested groups in a rule
        parts = [p for part in parts for p in (part["$and"] if set(part) == {"$and"} else [part])]
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


def alternatives(node: Node) -> list[AllOf]:
    """The condition as an any-of of all-ofs with no `any:` left in them (its disjunctive normal form)."""
    if isinstance(node, Test):
        return [AllOf((node,))]
    if isinstance(node, AnyOf):
        return [term for item in node.items for term in alternatives(item)]
    terms = [AllOf(())]
    for item in node.items:
        terms = [AllOf(t.items + u.items) for t in terms for u in alternatives(item)]
        if len(terms) > MAX_SPLIT:
            break
    return terms


def definition(compiled: Compiled, split: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
    """Fresh definition dicts (registration mutates them): one durable_rules ruleset per CHUNK rules.

    A rule in `split` becomes one durable_rules rule for each of its alternatives, all recording it:
    so written, a condition with many `any:` branches stays within what durable_rules accepts.
    Each ruleset holds at most CHUNK of these, and a catch-all.
    """
    rules = [
        (f"r{i}" if k == 0 else f"r{i}_{k}", _rule(i, term))
        for i, rule in enumerate(compiled.rules)
        for k, term in enumerate(alternatives(rule.condition) if i in split else [rule.condition])
    ]
    return [dict(rules[n : n + CHUNK]) | _otherwise() for n in range(0, len(rules), CHUNK)]


def _otherwise() -> dict[str, Any]:
    # without a rule that matches every incident, an unmatched one raises MessageNotHandledException
    return {"otherwise": {"all": [{"m": {"$ex": {GUARD: 1}}}], "pri": 1_000_000, "run": "otherwise"}}


def _rule(index: int, condition: Node) -> dict[str, Any]:
    """A durable_rules rule that records `index` when an incident's facts meet the condition."""
    expr = expression(condition)
    _check_operators(expr)
    guard = {"$ex": {GUARD: 1}}  # a fresh dict each time: durable_rules changes what it registers
    return {"all": [{"m": guard if expr is None else {"$and": [guard, expr]}}], "run": f"r{index}"}


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


def _registers(host: Any, name: str, rules: dict[str, Any]) -> bool:
    """Whether durable_rules accepts the ruleset (it says why only as a numeric code)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            host.set_rulesets({name: rules})
    except Exception:
        return False
    return True


def refused(compiled: Compiled) -> list[int]:
    """The rules durable_rules refuses, each tried alone."""
    host = _Host(lambda _: None)
    return [
        i
        for i, rule in enumerate(compiled.rules)
        if not _registers(host, f"ceasefire_{next(_names)}", {f"r{i}": _rule(i, rule.condition)})
    ]


class DurableExecutor:
    name = "durable"

    def __init__(self, compiled: Compiled) -> None:
        if _durable is None:
            raise EngineError("durable_rules is not installed here (it needs Python < 3.13); use --engine columnar")
        self._hits: list[int] = []
        self._host = _Host(self._hits.append)
        self._ids = itertools.count(1)
        self._rulesets = self._register(compiled)
        self._rules = len(compiled.rules)
        self._columns = compiled.columns
        base = len(self._columns)
        # Only the knobs a rule tests are facts: the rest (a term's, such as a casualty ratio) match nothing, and
        # durable_rules cannot read every number (`1e-05`, which JSON writes without a point, is refused). A knob a
        # rule tests holds text, a whole number or true or false (compile refuses any other).
        tested = {f"policy.{knob}" for knob in knob_values(compiled.rules)}
        knobs = [(i, v) for i, v in enumerate(compiled.policy) if compiled.fields[base + i] in tested]
        self._policy = {field_key(base + i): v for i, v in knobs}

    def _register(self, compiled: Compiled) -> list[str]:
        """Register the ruleset (as one durable_rules ruleset per CHUNK rules), and return their names.

        durable_rules accepts only so many nested groups of tests in one rule (error 113): a rule it
        refuses is registered again as one durable_rules rule per alternative of its condition.
        """
        names = self._registered(definition(compiled))
        if names:
            return names
        split = refused(compiled)
        fits = all(len(alternatives(compiled.rules[i].condition)) <= MAX_SPLIT for i in split)
        names = self._registered(definition(compiled, frozenset(split))) if split and fits else []
        if names:
            return names
        if not split:
            raise EngineError(f"durable_rules refused ruleset `{compiled.id}`")
        rule = compiled.rules[split[0]]
        raise EngineError(
            f"rule `{rule.id}` is too complex for durable_rules, which accepts only so many nested `any:`, "
            "`all:` and lists in one rule; split it into simpler rules, or run with --engine columnar",
            compiled.source or compiled.id,
            rule.order,
        )

    def _registered(self, chunks: list[dict[str, Any]]) -> list[str]:
        """The names the chunks were registered under, or none if durable_rules refused one."""
        names = [f"ceasefire_{next(_names)}" for _ in chunks]
        return names if all(_registers(self._host, n, c) for n, c in zip(names, chunks)) else []

    def match(self, facts: pl.DataFrame) -> pl.DataFrame:
        """One row per fact row: the mask columns (see `columnar.mask_columns`) of the rules that fired.

        Each row's facts, the ruleset's policy among them, are asserted then retracted, so that every
        rule whose condition holds fires once.
        """
        columns = mask_columns(self._rules)
        masks: list[list[int]] = [[] for _ in columns]
        hits, host, names, policy = self._hits, self._host, self._rulesets, self._policy
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            for row in facts.select(list(self._columns)).iter_rows():
                fact: dict[str, Any] = {field_key(i): v for i, v in enumerate(row) if v is not None}
                fact.update(policy)
                fact["id"] = next(self._ids)
                fact[GUARD] = 1
                hits.clear()
                for name in names:
                    host.assert_fact(name, fact)
                    host.retract_fact(name, fact)
                words = [0] * len(columns)
                for i in set(hits):  # a rule fires once for each `$or` branch that holds
                    words[i // WORD] |= 1 << (i % WORD)
                for k, word in enumerate(words):
                    masks[k].append(word)
        return pl.DataFrame({c: pl.Series(c, m, dtype=pl.UInt64()) for c, m in zip(columns, masks)})

    def close(self) -> None:
        for name in self._rulesets:
            with contextlib.suppress(Exception):  # the session may hold nothing to delete
                self._host.delete_state(name)

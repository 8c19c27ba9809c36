"""Variants: a ruleset that `extends` another and changes parts of it, as JSON Merge Patch (RFC 7396)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem, at_pos, did_you_mean, one_of
from engine.yamlsafe import Document, Key, Pos, load_yaml, parse_yaml

MAX_CHAIN = 16
SET = "--set"


# A rule a variant gives with both of these is whole: it adds a rule, or replaces the one with its id. One
# without either changes the base's rule of that id, field by field.
WHOLE_RULE = ("when", "verdict")


@dataclass(frozen=True)
class _Placed:
    """A value and where each part of it was written: {key below it: (file, line and column)}."""

    data: Any
    places: dict[Key, tuple[str, Pos]]

    @classmethod
    def of(cls, doc: Document) -> _Placed:
        return cls(doc.data, {k: (doc.file_at(k), pos) for k, pos in doc.positions.items()})

    def child(self, name: str | int) -> _Placed:
        """The part under a key (or index), with its places; None where there is none."""
        data = self.data
        if isinstance(data, dict):
            data = data.get(name)
        elif isinstance(data, list) and isinstance(name, int) and 0 <= name < len(data):
            data = data[name]
        else:
            data = None
        return _Placed(data, {k[1:]: v for k, v in self.places.items() if k[:1] == (name,)})

    def document(self, file: str) -> Document:
        """This as a document of `file`, each part placed where it was written."""
        positions = {k: pos for k, (_, pos) in self.places.items()}
        return Document(file, self.data, positions, {k: f for k, (f, _) in self.places.items()})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: maps merge key by key, `null` deletes a key, anything else (lists too) replaces."""
    return _merge(_Placed(target, {}), _Placed(patch, {})).data


def _merge(target: _Placed, patch: _Placed) -> _Placed:
    """`merge_patch`, keeping where each part of the result was written: a part the patch gives is placed where
    the patch gives it, the rest where the target did."""
    if not isinstance(patch.data, dict):
        return _Placed(copy.deepcopy(patch.data), dict(patch.places))
    result = dict(target.data) if isinstance(target.data, dict) else {}
    places = dict(target.places) if isinstance(target.data, dict) else {}
    if () in patch.places:
        places[()] = patch.places[()]
    for key, value in patch.data.items():
        places = {k: v for k, v in places.items() if k[:1] != (key,)}
        if value is None:
            result.pop(key, None)
            continue
        merged = _merge(target.child(key) if key in result else _Placed(None, {}), patch.child(key))
        result[key] = merged.data
        places.update({(key, *k): v for k, v in merged.places.items()})
    return _Placed(result, places)


def entry_index(items: Sequence[Any], name: object) -> int | None:
    """Where in a list of entries with ids (rules, phases) the one with id `name` is; None if none has it.

    How a variant's `rules` and `--set rules.ID.FIELD` both address a rule: by its id, not its place.
    """
    return next((i for i, item in enumerate(items) if isinstance(item, dict) and item.get("id") == name), None)


def entry_ids(items: Sequence[Any]) -> list[str]:
    """The ids of a list's entries, in order, for a did-you-mean."""
    return [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]


def _patch_rules(base: _Placed, patch: _Placed, doc: Document, base_id: str) -> _Placed:
    """A base's rules with a variant's `rules` mapping (rule id -> change) applied: a whole rule (with `when` and
    `verdict`) replaces the base's rule of that id in its place or is added after the rest, in the variant's
    order; any other mapping changes the base's rule field by field (as `merge_patch`); `null` removes it."""
    rules: list[_Placed] = [base.child(i) for i in range(len(base.data))] if isinstance(base.data, list) else []
    for rule_id, change in patch.data.items():
        at = entry_index([r.data for r in rules], rule_id)
        key: Key = ("rules", rule_id)
        hint = did_you_mean(str(rule_id), entry_ids([r.data for r in rules]), begun=True)
        if change is None:
            if at is None:
                raise doc.error(key, f"no rule `{rule_id}` in `{base_id}` to remove{hint}")
            del rules[at]
            continue
        if not isinstance(change, dict):
            raise doc.error(
                key, "a rule's change is a mapping (a whole rule, or the fields to change) or null to remove the rule"
            )
        if "id" in change and change["id"] != rule_id:
            raise doc.error((*key, "id"), f"rule `{rule_id}` is given the id `{change['id']}`; its id is its key here")
        given = patch.child(rule_id)
        if all(field in change for field in WHOLE_RULE):
            places = dict(given.places)
            if () in places:
                places[("id",)] = places[()]  # the id is the key
            whole = _Placed({"id": rule_id, **change}, places)
            if at is None:
                rules.append(whole)
            else:
                rules[at] = whole
        elif at is None:
            raise doc.error(
                key, f"no rule `{rule_id}` in `{base_id}` to change (a new rule gives `when` and `verdict`){hint}"
            )
        else:
            rules[at] = _merge(rules[at], given)
    places = {(): patch.places[()]} if () in patch.places else {}
    for i, rule in enumerate(rules):
        places.update({(i, *k): v for k, v in rule.places.items()})
    return _Placed([rule.data for rule in rules], places)


@dataclass(frozen=True)
class Resolved:
    """A ruleset document with its `extends` chain applied, every file read for it (the ruleset's own first),
    and what `check` says of the chain: a variant whose `rules` replaces all its base's, a file named unlike its id."""

    document: Document
    files: tuple[str, ...]
    warnings: tuple[Problem, ...]
    added_knobs: tuple[str, ...] = ()  # policy knobs a variant in the chain sets that its base does not have
    base: Resolved | None = None  # a variant's base, resolved alone: what it would say without the variant


def resolve_extends(
    doc: Document, path: Path, find: Callable[[str, Path], Path], chain: tuple[Path, ...] = ()
) -> Resolved:
    """The document with its `extends` chain applied: base first, each variant patched over it. A variant's
    document names its rules by id, as the variant does, and keeps where each `null` of it took a key away
    (`Document.named_by_id`, `Document.removed`).

    `find(ref, folder)` finds the file a reference names from a file in `folder` (LookupError if none).
    Raises InputError at the variant's line for a base that cannot be found or read, a loop, a chain longer
    than `MAX_CHAIN`, or a rule change that names no rule of the base.
    """
    expect_ruleset(doc)
    if "extends" not in doc.data:
        return Resolved(doc, (doc.file,), tuple(_name_warnings(doc, path, None)))
    ref = doc.data["extends"]
    if not isinstance(ref, str) or not ref:
        raise doc.error(("extends",), "`extends` takes a ruleset id or a path to a ruleset file")
    try:
        base_path = find(ref, path.parent)
    except LookupError as exc:
        raise doc.error(("extends",), str(exc)) from None
    here = path.resolve()
    if base_path.resolve() in (*chain, here):
        names = " → ".join(p.name for p in (*chain, here, base_path.resolve()))
        raise doc.error(("extends",), f"`extends` goes round in a circle: {names}")
    if len(chain) >= MAX_CHAIN:
        raise doc.error(("extends",), f"`extends` chain is longer than {MAX_CHAIN}")
    if base_path.is_dir():
        raise doc.error(("extends",), f"ruleset `{ref}` is a directory; expected a YAML file")
    if not base_path.is_file():
        raise doc.error(("extends",), f"ruleset `{ref}` not found at {base_path}")
    resolved = resolve_extends(load_yaml(base_path, str(base_path)), base_path, find, (*chain, here))
    base = resolved.document
    base_id = str(base.data.get("id", base_path.stem))
    warnings = [*_name_warnings(doc, path, base_id), *resolved.warnings]
    patch = _Placed.of(doc)
    patch = _Placed({k: v for k, v in patch.data.items() if k != "extends"}, patch.places)
    rules = patch.data.get("rules")
    if isinstance(rules, dict):  # by rule id: made a list here, which then replaces the base's like any list
        patched = _patch_rules(_Placed.of(base).child("rules"), patch.child("rules"), doc, base_id)
        places = {k: v for k, v in patch.places.items() if k[:1] != ("rules",)}
        places.update({("rules", *k): v for k, v in patched.places.items()})
        patch = _Placed({**patch.data, "rules": patched.data}, places)
    elif isinstance(rules, list) and isinstance(base.data.get("rules"), list):
        line, column = doc.where(("rules",)) or (None, None)
        message = (
            f"a list of rules replaces all {len(base.data['rules'])} rules of `{base_id}`; to change some, give "
            "`rules` as a mapping by rule id"
        )
        warnings.insert(0, Problem(doc.file, message, line, column, "rules", "warning"))
    merged = _merge(_Placed.of(base), patch)
    files = tuple(dict.fromkeys((doc.file, *resolved.files)))
    had, policy = base.data.get("policy"), patch.data.get("policy")
    added = [k for k in policy if not (isinstance(had, dict) and k in had)] if isinstance(policy, dict) else []
    named: tuple[Key, ...] = () if isinstance(rules, list) else (("rules",),)  # a list of rules is its own
    document = replace(merged.document(doc.file), named_by_id=named, removed=_removals(doc, base, merged.data))
    knobs = (*resolved.added_knobs, *map(str, added))
    return Resolved(document, files, tuple(warnings), knobs, resolved)


# Where a `null` took a key away (its file, line and column) and why the ruleset is wrong without the key.
Removal = tuple[str, Pos, str]


# What each field of a rule is, in words, for a variant that takes it away with `null`.
RULE_FIELDS = {
    "when": "a condition",
    "verdict": "a verdict",
    "clause": "a clause",
    "priority": "a priority",
    "explanation": "an explanation",
}


def _removals(doc: Document, base: Document, merged: Any) -> dict[Key, Removal]:
    """Each key a `null` of the variant, or of a variant it extends, takes away, as the merged ruleset names it
    (a rule by its index), with where that `null` is and why the ruleset is wrong without the key, should it need
    it. A rule taken away whole is in no rule to need it, and left out; so are the base's rules where the
    variant's `rules` is a list, which replaces them."""
    rules = merged.get("rules") if isinstance(merged, dict) else None
    given = doc.data.get("rules")
    out: dict[Key, Removal] = {}
    for key, removal in base.removed.items():
        if key[:1] != ("rules",):
            out[key] = removal
            continue
        at = None if isinstance(given, list) else _rule_key(rules, base.data["rules"][key[1]]["id"], key[2:])
        if at is not None:
            out[at] = removal
    for key in _nulls(doc.data):
        pos = doc.positions.get(key)
        at = _rule_key(rules, key[1], key[2:]) if key[:1] == ("rules",) and isinstance(given, dict) else key
        if pos is not None and at is not None:
            out[at] = (doc.file, pos, _removal_message(key))
    return out


def _rule_key(rules: Any, rule_id: object, rest: Key) -> Key | None:
    """The key of `rest` in the rule with id `rule_id` of the merged `rules`; None where there is no such rule."""
    at = entry_index(rules, rule_id) if isinstance(rules, list) else None
    return None if at is None else ("rules", at, *rest)


def _nulls(data: Any, key: Key = ()) -> Iterator[Key]:
    """The keys under which a variant's mappings hold `null`, outermost first (a list, which replaces its base's
    whole, is not looked into: a `null` in it is a value)."""
    if not isinstance(data, dict):
        return
    for name, value in data.items():
        if value is None:
            yield (*key, name)
        else:
            yield from _nulls(value, (*key, name))


def _removal_message(key: Key) -> str:
    """Why a required key a variant's `null` takes away (`key`, as the variant names it) leaves the ruleset wrong,
    and what would be right."""
    field = key[-1]
    if key[:1] == ("rules",) and len(key) == 3 and field in RULE_FIELDS:
        given = RULE_FIELDS[str(field)]
        what = "condition" if field == "when" else f"`{field}`"
        return (
            f"`{field}: null` removes the rule's {what}, and a rule needs one; give {given}, or remove the rule "
            f"with `{key[1]}: null`"
        )
    return (
        f"`{field}: null` removes `{field}`, which is required here; leave it out to keep the base's, or give another"
    )


def _name_warnings(doc: Document, path: Path, base_id: str | None) -> Iterator[Problem]:
    """A warning when a ruleset's file is named unlike its id (`ID.yaml`; a variant's may drop its base's id and
    a hyphen, `truce-held.yaml` for `syria-2016-09-truce-held`): an id and a file name then find different files."""
    rid = doc.data.get("id")
    if not isinstance(rid, str):
        return
    names = [rid] + ([rid.removeprefix(f"{base_id}-")] if base_id and rid.startswith(f"{base_id}-") else [])
    if path.stem in names:
        return
    line, column = doc.where(("id",)) or (None, None)
    wanted = " or ".join(f"`{name}{path.suffix}`" for name in reversed(names))
    message = f"id `{rid}` differs from the file name `{path.name}`; name the file {wanted}"
    yield Problem(doc.file, message, line, column, "id", "warning")


def expect_ruleset(doc: Document) -> None:
    """Refuse, in one line, a scenario given where a ruleset belongs (rather than list all it lacks)."""
    data = doc.data
    if isinstance(data, dict) and "incidents" in data and not {"rules", "extends"} & data.keys():
        message = "this is a scenario; expected a ruleset (a file with `rules`, or `extends`)"
        raise at_pos(doc.file, doc.where(("incidents",)), message)


def parse_set(expr: str) -> tuple[list[str], Any]:
    """`policy.mistaken_target=violation` → (["policy", "mistaken_target"], "violation"); values are YAML."""
    name, sep, text = expr.partition("=")
    if not sep or not name.strip():
        raise InputError.at(SET, f"`{expr}` is not PATH=VALUE, e.g. policy.mistaken_target=violation")
    try:
        value = parse_yaml(f"value: {text}", SET).data["value"] if text.strip() else ""
    except InputError:
        raise InputError.at(SET, f"`{text}` is not a YAML value", path=name) from None
    return name.strip().split("."), value


def apply_sets(doc: Document, sets: Sequence[str]) -> Document:
    """Change existing values in place of a variant file; rules are addressed by id (`rules.ID.verdict`)."""
    if isinstance(sets, str):  # one change given alone, not in a list: not a list of its letters
        sets = [sets]
    if not sets:
        return doc
    data = copy.deepcopy(doc.data)
    files = dict(doc.files)
    for expr in sets:
        names, value = parse_set(expr)
        node: Any = data
        where: Key = ()
        for i in range(len(names)):
            key, child = _step(node, names, i)
            where = (*where, key)
            if i < len(names) - 1:
                node = child
            elif value is None and isinstance(node, dict):
                del node[key]
            elif value is None and isinstance(node, list) and isinstance(key, int):
                del node[key]  # the entry (a rule) with that id, as a variant's `null` takes it away
            else:
                node[key] = value
        files[where] = SET
    return replace(doc, data=data, files=files)


def value_at(doc: Document, path: str) -> Any:
    """The value a `--set` path (`policy.jic_after_days`, `rules.ID.verdict`) names in the document; raises
    InputError, as `apply_sets` does, for a path that names nothing."""
    names = path.split(".")
    node: Any = doc.data
    for i in range(len(names)):
        node = _step(node, names, i)[1]
    return node


def _step(node: Any, names: Sequence[str], i: int) -> tuple[str | int, Any]:
    """The key (a list's entries: the index of the one with id `names[i]`) that `names[i]` picks in `node`,
    and what it holds."""
    name = names[i]
    if isinstance(node, list):
        index = entry_index(node, name)
        if index is None:
            ids = entry_ids(node)  # none close: every id, so that the line says what would be right
            hint = did_you_mean(name, ids, begun=True) or (f"; {one_of(ids)}" if ids else "")
            raise InputError.at(SET, f"`{'.'.join(names)}`: no entry `{name}` in `{names[i - 1]}`{hint}")
        return index, node[index]
    if isinstance(node, dict):
        if name not in node:
            hint = did_you_mean(name, node)
            raise InputError.at(SET, f"`{'.'.join(names)}`: no such key `{name}` to change{hint}")
        return name, node[name]
    raise InputError.at(SET, f"`{'.'.join(names[:i])}` holds a value, not a mapping; cannot set `{name}` in it")

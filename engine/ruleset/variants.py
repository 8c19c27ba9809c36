"""Variants: a ruleset that `extends` another and changes parts of it, as JSON Merge Patch (RFC 7396)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from engine.errors import InputError, at_pos, did_you_mean
from engine.yamlsafe import Document, Key, load_yaml, parse_yaml

MAX_CHAIN = 16
SET = "--set"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396: maps merge key by key, `null` deletes a key, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def resolve_extends(
    doc: Document, path: Path, find: Callable[[str, Path], Path], chain: tuple[Path, ...] = ()
) -> Document:
    """The document with its `extends` chain applied: base first, each variant patched over it."""
    expect_ruleset(doc)
    if "extends" not in doc.data:
        return doc
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
    base = resolve_extends(load_yaml(base_path, str(base_path)), base_path, find, (*chain, here))
    patch = {k: v for k, v in doc.data.items() if k != "extends"}
    files = {p: base.file_at(p) for p in base.positions}
    files.update(dict.fromkeys(doc.positions, doc.file))
    return Document(doc.file, merge_patch(base.data, patch), {**base.positions, **doc.positions}, files)


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
            else:
                node[key] = value
        files[where] = SET
    return Document(doc.file, data, doc.positions, files)


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
        ids = [item.get("id") for item in node if isinstance(item, dict)]
        if name not in ids:
            hint = did_you_mean(name, map(str, ids))
            raise InputError.at(SET, f"`{'.'.join(names)}`: no entry `{name}` in `{names[i - 1]}`{hint}")
        index = ids.index(name)
        return index, node[index]
    if isinstance(node, dict):
        if name not in node:
            hint = did_you_mean(name, node)
            raise InputError.at(SET, f"`{'.'.join(names)}`: no such key `{name}` to change{hint}")
        return name, node[name]
    raise InputError.at(SET, f"`{'.'.join(names[:i])}` holds a value, not a mapping; cannot set `{name}` in it")

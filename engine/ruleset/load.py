"""Find, read, resolve and compile rulesets: by id or path, with `extends` and `--set`."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem, did_you_mean
from engine.ruleset.compile import Compiled, compile_ruleset
from engine.ruleset.model import Ruleset
from engine.ruleset.variants import apply_sets, resolve_extends
from engine.validation import validate
from engine.yamlsafe import Document, load_yaml, stat_of

_NOT_RULESETS = (".jsonl", ".ndjson", ".csv", ".parquet", ".json", ".tsv", ".txt")  # tables and other data


SHIPPED = Path(__file__).resolve().parent.parent / "rules"


CHECKOUT = Path(__file__).resolve().parent.parent.parent / "rules"


YAML = (".yaml", ".yml")  # scenarios and rulesets


def shipped_rules() -> Path | None:
    """The rulesets that come with the package (or with this checkout, when run from source)."""
    for folder in (SHIPPED, CHECKOUT):
        if folder.is_dir():
            return folder
    return None


@dataclass(frozen=True)
class LoadedRuleset:
    compiled: Compiled
    document: Document


def read_ruleset(path: Path, shown: str | None = None, sets: Sequence[str] = ()) -> LoadedRuleset:
    """Parse, resolve `extends`, apply `--set` changes, validate and compile: raising every error found."""
    return ruleset_from(load_yaml(path, shown), path, sets)


def ruleset_from(doc: Document, path: Path, sets: Sequence[str] = ()) -> LoadedRuleset:
    """A parsed ruleset file (`path` is where `extends` is looked up from) resolved, validated and compiled."""
    doc = apply_sets(resolve_extends(doc, path, _find_inside(path)), sets)
    ruleset: Ruleset = validate(doc, Ruleset)
    compiled, problems = compile_ruleset(ruleset, doc.file)
    if problems:
        raise InputError(_placed(doc, problems))
    files = dict.fromkeys(f for f in (doc.file, *doc.files.values()) if not f.startswith("--"))
    return LoadedRuleset(dataclasses.replace(compiled, files=tuple(files)), doc)


def _placed(doc: Document, problems: list[Problem]) -> list[Problem]:
    """Give meaning problems (which know a dotted path) the line and column of that path."""
    out = []
    for p in problems:
        loc = _parse_path(p.path, doc)
        file, pos = doc.locate(loc)
        line, column = pos or (None, None)
        out.append(Problem(file, p.message, line, column, p.path, p.severity))
    return out


def _parse_path(path: str, doc: Document) -> tuple[str | int, ...]:
    """A dotted path back as a key of `doc`: a condition's field names hold dots (`when.act.hostile.ne`)."""
    parts: list[str | int] = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    key: list[str | int] = []
    while parts:
        # the longest run of names that is a key here: `act.hostile` before `act`
        runs = [parts[:n] for n in range(len(parts), 0, -1) if all(isinstance(p, str) for p in parts[:n])]
        taken = next((run for run in runs if (*key, ".".join(map(str, run))) in doc.positions), parts[:1])
        key.append(".".join(map(str, taken)) if len(taken) > 1 else taken[0])
        parts = parts[len(taken) :]
    return tuple(key)


def find_ruleset(ref: str, near: Path | None = None) -> Path:
    """A ruleset file from a path, or from an id looked up beside `near`, in ./rules, then shipped."""
    if Path(ref).suffix.lower() in _NOT_RULESETS:
        raise LookupError(f"`{ref}` is not a ruleset; a ruleset is a YAML file (.yaml)")
    if ref.endswith(YAML) or "/" in ref or "\\" in ref:
        return (near / ref) if near is not None else Path(ref)
    # Run from a checkout, ./rules and the shipped rules are one folder: look (and say so) once.
    unique = {p.resolve(): p for p in reversed((near, Path("rules"), shipped_rules())) if p is not None}
    folders = list(reversed(unique.values()))
    for folder in folders:
        for candidate in (folder / f"{ref}{suffix}" for suffix in YAML):
            if candidate.is_file():
                return candidate
    known = sorted({p.stem for f in folders if f.is_dir() for p in f.glob("*.y*ml")})
    raise LookupError(f"no ruleset `{ref}`{did_you_mean(ref, known)}; looked in " + ", ".join(map(str, folders)))


def load_ruleset(ref: str | Path, near: Path | None = None, sets: Sequence[str] = ()) -> Compiled:
    """A compiled ruleset from an id (searched for) or a path, with `sets` (PATH=VALUE) applied."""
    shown = str(ref)
    if not shown.strip():
        raise InputError.at("ruleset", "the name is empty; expected a ruleset id or path")
    try:
        path = find_ruleset(str(ref), near)
    except LookupError as exc:
        raise InputError.at(shown, str(exc)) from None
    stat_of(path, str(path))  # there, and a name the system takes
    return read_ruleset(path, str(path), sets).compiled


def _project_root(path: Path) -> Path:
    for folder in path.resolve().parents:
        if any((folder / marker).exists() for marker in (".git", "pyproject.toml", "rules", "scenarios")):
            return folder
    return path.resolve().parent


def inside_project(found: Path, origin: Path) -> bool:
    """May the file `origin` name `found`? Only inside its project tree, the working folder, or the shipped rules."""
    target = found.resolve()
    roots = (_project_root(origin), Path.cwd().resolve())
    return any(target.is_relative_to(root) for root in roots) or _is_shipped(target)


def _find_inside(origin: Path) -> Callable[[str, Path], Path]:
    """find_ruleset for `extends`, held to the same tree as a scenario's ruleset."""

    def find(ref: str, near: Path) -> Path:
        found = find_ruleset(ref, near)
        if not inside_project(found, origin):
            raise LookupError(f"ruleset `{ref}` points outside the project tree")
        return found

    return find


def _is_shipped(path: Path) -> bool:
    shipped = shipped_rules()
    return shipped is not None and path.is_relative_to(shipped.resolve())

"""Find, read, resolve and compile rulesets: by id or path, with `extends` and `--set`."""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from engine.errors import InputError, Problem, did_you_mean, in_file_order
from engine.ruleset.compile import Compiled, compile_ruleset, read_knobs
from engine.ruleset.model import Ruleset
from engine.ruleset.variants import Resolved, apply_sets, resolve_extends
from engine.validation import validate
from engine.yamlsafe import MAX_BYTES, Document, load_yaml, stat_of

_NOT_RULESETS = (".jsonl", ".ndjson", ".csv", ".parquet", ".json", ".tsv", ".txt")  # tables and other data


SHIPPED = Path(__file__).resolve().parent.parent / "rules"


CHECKOUT = Path(__file__).resolve().parent.parent.parent / "rules"


YAML = (".yaml", ".yml")  # scenarios and rulesets
# Folders a search for YAML files under a folder passes over, as ruff and pytest do: virtual environments, installed
# packages, caches and builds hold other tools' YAML. A folder named itself is read whatever its name.
SKIPPED_FOLDERS = frozenset({"venv", "node_modules", "site-packages", "__pycache__", "__pypackages__", "build", "dist"})


def yaml_files(folder: Path) -> list[Path]:
    """The YAML files (`YAML`) under `folder`, searched recursively and sorted, leaving out folders whose name starts
    with a dot or is one of `SKIPPED_FOLDERS`."""
    found: list[Path] = []
    for root, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".") and f not in SKIPPED_FOLDERS]
        found += [Path(root, f) for f in files if Path(f).suffix.lower() in YAML]
    return sorted(p for p in found if p.is_file())


def shipped_rules() -> Path | None:
    """The rulesets that come with the package (or with this checkout, when run from source)."""
    for folder in (SHIPPED, CHECKOUT):
        if folder.is_dir():
            return folder
    return None


@dataclass(frozen=True)
class LoadedRuleset:
    """A ruleset compiled, the document it was compiled from (its `extends` chain applied), and what `check`
    says of the chain (see `Resolved.warnings`)."""

    compiled: Compiled
    document: Document
    warnings: tuple[Problem, ...] = ()


def read_ruleset(path: Path, shown: str | None = None, sets: Sequence[str] = ()) -> LoadedRuleset:
    """Parse, resolve `extends`, apply `--set` changes, validate and compile: raising every error found."""
    return ruleset_from(load_yaml(path, shown), path, sets)


def ruleset_from(doc: Document, path: Path, sets: Sequence[str] = ()) -> LoadedRuleset:
    """A parsed ruleset file (`path` is where `extends` is looked up from) resolved, validated and compiled."""
    resolved = resolve_extends(doc, path, find_ruleset)
    doc = apply_sets(resolved.document, sets)
    try:
        compiled = _compiled(doc, resolved.added_knobs)
    except InputError as exc:
        raise InputError(_said_of_bases(exc.problems, resolved)) from None
    return LoadedRuleset(dataclasses.replace(compiled, files=resolved.files), doc, resolved.warnings)


def _compiled(doc: Document, added_knobs: Sequence[str]) -> Compiled:
    """A resolved ruleset document validated and compiled; raises InputError with every problem found."""
    ruleset: Ruleset = validate(doc, Ruleset)
    compiled, problems = compile_ruleset(ruleset, doc.file)
    problems += _unread_added_knobs(compiled, added_knobs)
    if problems:
        raise InputError(_placed(doc, problems))
    return compiled


def _said_of_bases(problems: list[Problem], resolved: Resolved) -> list[Problem]:
    """A variant's problems, each one in a file it extends saying so (``in the base that `v.yaml` extends``), and,
    where the base alone is right there, that the changes made to it make it wrong (a rule of the base testing an
    act the variant takes away). Any other problem as it is."""
    bases = resolved.files[1:]
    if resolved.base is None or all(p.file not in bases for p in problems):
        return problems
    own = {_spot(p) for p in _problems_of(resolved.base)}
    variant = resolved.document.file
    out = []
    for p in problems:
        if p.file in bases:
            why = "" if _spot(p) in own else ", and wrong only with the changes made to it"
            p = dataclasses.replace(p, message=f"{p.message} (in the base that `{variant}` extends{why})")
        out.append(p)
    return out


def _problems_of(resolved: Resolved) -> list[Problem]:
    """The problems of a ruleset document resolved alone, as `ruleset_from` finds them (none if it compiles)."""
    try:
        _compiled(resolved.document, resolved.added_knobs)
    except InputError as exc:
        return exc.problems
    return []


def _spot(problem: Problem) -> tuple[str, int | None, int | None, str]:
    """A problem as a file says it, whatever a variant calls its path: its file, line, column and message."""
    return problem.file, problem.line, problem.column, problem.message


def _unread_added_knobs(compiled: Compiled, added: Sequence[str]) -> list[Problem]:
    """A problem for each policy knob a variant sets that its base does not have and nothing reads: most often a
    misspelt knob, whose setting would otherwise change nothing without a word."""
    read = read_knobs(compiled)
    known = [k for k in compiled.ruleset.policy if k not in added]
    return [
        Problem(
            compiled.ruleset.id,
            f"`{knob}` is no policy knob of the ruleset this extends, and no rule reads it"
            f"{did_you_mean(knob, known)}; a variant sets its base's knobs, or adds one a rule reads",
            path=f"policy.{knob}",
        )
        for knob in dict.fromkeys(added)
        if knob not in read
    ]


# Problems of two values together, found at the first path: said at the second where that one is the change made
# (by `--set`, or by a variant over the base it extends) and the first is not: the change is what went wrong.
_PAIRED = {"window.until": "window.from"}


def _placed(doc: Document, problems: list[Problem]) -> list[Problem]:
    """Give meaning problems (which know a dotted path) the line and column of that path."""
    out = []
    for p in problems:
        loc = _parse_path(p.path, doc)
        file, pos = doc.locate(loc)
        other = _PAIRED.get(p.path)
        if other is not None:
            paired = _parse_path(other, doc)
            there = doc.locate(paired)
            if _changed(doc, there[0]) > _changed(doc, file):
                loc, (file, pos) = paired, there
        line, column = pos or (None, None)
        # `--set`'s and a variant's own words for a rule (by id): others as the problem names it
        shown = doc.shown(loc) if file.startswith("--") or doc.named_by_id else p.path
        out.append(Problem(file, p.message, line, column, shown, p.severity))
    return in_file_order(out)


def _changed(doc: Document, file: str) -> int:
    """How late a value written in `file` came to a document: 2 `--set`, 1 the document's own file, 0 a file it
    extends."""
    return 2 if file.startswith("--") else 1 if file == doc.file else 0


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


# A project's root: the nearest folder holding one of these. A ruleset reference never looks above it.
ROOT_MARKERS = ("pyproject.toml", ".git", "ceasefire.toml")


# A line of block YAML at column 0 that opens a top-level key: `id: syria-2016-09`, `rules:`.
_TOP_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?$")


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # the model's `Id`


@dataclass(frozen=True)
class Indexed:
    """A YAML file a reference may name: a ruleset (a top-level `rules` or `extends`), with its top-level `id`
    (None when it gives none that reads as an id), or a file that could not be told (id None: found by its
    file name alone, to be read and refused in its own words, and never suggested)."""

    path: Path
    id: str | None


@dataclass(frozen=True)
class Level:
    """One place a reference is looked for: a folder, searched through its subfolders (a `rules/`) or not."""

    folder: Path
    recursive: bool

    def files(self) -> list[Indexed]:
        """The rulesets (and files that could not be told) here, in path order; scenarios left out."""
        try:
            found = sorted(p for p in (self.folder.rglob("*") if self.recursive else self.folder.iterdir()))
        except OSError:  # a folder that cannot be read holds nothing to find
            return []
        out = []
        for path in (p for p in found if p.suffix.lower() in YAML):
            try:
                info = path.stat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            indexed = _index(path, info.st_mtime_ns, info.st_size)
            if indexed is not None:
                out.append(indexed)
        return out


@functools.lru_cache(maxsize=4096)
def _index(path: Path, mtime: int, size: int) -> Indexed | None:
    """What a file's top-level lines say it is (None for a scenario): read line by line, not parsed, so that
    indexing a folder costs little and a broken file in it breaks nothing. Cached until the file changes."""
    if size > MAX_BYTES:
        return Indexed(path, None)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Indexed(path, None)
    keys: dict[str, str] = {}
    for line in text.lstrip("\ufeff").splitlines():
        found = _TOP_KEY.match(line)
        if found is not None:
            keys.setdefault(found[1], (found[2] or "").strip())
    if not {"rules", "extends"} & keys.keys():
        return None if {"incidents", "scenario"} & keys.keys() else Indexed(path, None)
    value = re.sub(r"\s#.*$", "", keys.get("id", "")).strip().strip("'\"")
    return Indexed(path, value if _ID.match(value) else None)


def project_root(folder: Path) -> Path | None:
    """The project `folder` is in: the nearest folder, itself or a parent, holding `pyproject.toml`, `.git` or
    `ceasefire.toml`; None when there is none."""
    folder = folder.resolve()
    for candidate in (folder, *folder.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return None


def search_levels(near: Path) -> list[Level]:
    """Where a ruleset id named from folder `near` is looked for, nearest first: `near` itself, then `rules/`
    (with its subfolders) of `near` and of each parent up to the project root (every parent outside any
    project: a folder of rulesets and scenarios needs no marker), then the shipped rulesets. Folders that do not
    exist are left out; each folder is listed once."""
    near = near.resolve()
    root = project_root(near)
    levels = [Level(near, False)]
    for folder in (near, *near.parents):
        levels.append(Level(folder / "rules", True))
        if folder == root:
            break
    shipped = shipped_rules()
    if shipped is not None:
        levels.append(Level(shipped.resolve(), True))
    seen: set[Level] = set()
    out = []
    for level in levels:
        if level not in seen and level.folder.is_dir():
            seen.add(level)
            out.append(level)
    return out


def find_ruleset(ref: str, near: Path | None = None) -> Path:
    """The ruleset file `ref` names, from a file in folder `near` (None: the working folder).

    A path (holding `/`, or ending `.yaml`) is read relative to `near`, wherever it leads. Anything else is an id
    looked for in each of `search_levels(near)` in turn: a ruleset whose `id:` it is, else one whose file name
    (without `.yaml`) it is. Raises LookupError (one line) for a path that is no YAML file, an id found nowhere
    (with the nearest ruleset id, and where it looked), or one that two files at the same level answer to.
    """
    if Path(ref).suffix.lower() in _NOT_RULESETS:
        raise LookupError(f"`{ref}` is not a ruleset; a ruleset is a YAML file (.yaml)")
    if ref.endswith(YAML) or "/" in ref or "\\" in ref:
        path = (near / ref) if near is not None else Path(ref)
        if not ref.lower().endswith(YAML) and not path.is_dir():  # a folder: its reader says so
            raise LookupError(f"`{ref}` is not a ruleset; a ruleset is a YAML file (.yaml)")
        return path
    levels = search_levels(Path.cwd() if near is None else near)
    known: set[str] = set()
    for level in levels:
        files = level.files()
        for matches in ([f for f in files if f.id == ref], [f for f in files if f.path.stem == ref]):
            if len(matches) > 1:
                a, b = (_shown(f.path) for f in matches[:2])
                raise LookupError(f"ruleset `{ref}` is ambiguous: both {a} and {b} answer to it; rename one")
            if matches:
                return Path(_shown(matches[0].path))  # as messages name it: from the working folder when inside it
        known |= {f.id for f in files if f.id is not None}
    looked = ", ".join(dict.fromkeys(_shown(level.folder) for level in levels))
    raise LookupError(f"no ruleset `{ref}`{did_you_mean(ref, sorted(known))}; looked in {looked}")


def _shown(path: Path) -> str:
    """A path as messages give it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


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

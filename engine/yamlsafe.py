"""Read YAML from anyone: plain data only, positions kept for error messages, hostile input refused."""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine.errors import InputError, at_pos, cut

MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 64
_C_PARSER = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None  # libyaml, where PyYAML has it

# Standard YAML tags only: anything else (`!!python/object`, custom `!tags`) is refused, not run.
_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:timestamp",
}

# C0 controls but tab, line feed and carriage return; DEL; C1 controls. Reports print text as given, and
# a terminal obeys these (ESC [ 3 1 m recolours it; others move the cursor or retitle the window).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_SURROGATE = re.compile("[\ud800-\udfff]")

Pos = tuple[int, int]
Key = tuple[str | int, ...]


@dataclass
class Document:
    """A parsed file: its data and where (line, column) each value's entry starts."""

    file: str
    data: Any
    positions: dict[Key, Pos] = field(default_factory=dict)
    files: dict[Key, str] = field(default_factory=dict)  # where a merged document's parts came from
    # A variant's: the lists whose entries it names by id (its `rules`, changed by id), and each key a `null` of
    # it takes away from its base, with where that `null` is (file, line and column) and why the ruleset is wrong
    # without the key.
    named_by_id: tuple[Key, ...] = ()
    removed: dict[Key, tuple[str, Pos, str]] = field(default_factory=dict)

    def where(self, path: Key) -> Pos | None:
        """The position of `path`, or of its nearest parent that has one."""
        while True:
            if path in self.positions:
                return self.positions[path]
            if not path:
                return None
            path = path[:-1]

    def file_at(self, path: Key) -> str:
        """The file `path` was written in: the document's own, unless merged from another."""
        while path not in self.files:
            if not path:
                return self.file
            path = path[:-1]
        return self.files[path]

    def locate(self, path: Key) -> tuple[str, Pos | None]:
        """The file and position of `path`; a value set on the command line (`--set`) has no position."""
        file = self.file_at(path)
        return file, None if file.startswith("--") else self.where(path)

    def error(self, path: Key, message: str) -> InputError:
        return at_pos(*self.locate(path), message=message, path=self.shown(path))

    def shown(self, path: Key) -> str:
        """`path` dotted as its writer named it: an entry of a list that has an id by that id (`rules.ID.verdict`)
        in a value set on the command line (`--set`, as it takes them) and in a list a variant names by id (its
        `rules`); else by its index (`rules[13]`)."""
        by_set = self.file_at(path).startswith("--")
        if not by_set and not any(path[: len(named)] == named for named in self.named_by_id):
            return dotted(path)
        out, node = "", self.data
        for i, part in enumerate(path):
            inside = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            child = node[part] if inside or (isinstance(node, dict) and part in node) else None
            by_id = by_set or path[:i] in self.named_by_id
            if inside and by_id and isinstance(child, dict) and isinstance(child.get("id"), str):
                out += f".{child['id']}"
            else:
                out += dotted((part,)) if not out or isinstance(part, int) else f".{part}"
            node = child
        return out


def control_message(char: str, what: str = "text") -> str:
    """Why text holding `char` (a character CONTROL matches) is refused: the character named, not shown."""
    return f"{what} holds a control character (U+{ord(char):04X}); remove it"


def dotted(path: Key) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Refused(Exception):
    def __init__(self, message: str, mark: yaml.Mark) -> None:
        super().__init__(message)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """Counts values and nesting as it composes, so a hostile file is refused early and where it goes wrong.

    Parsing runs at some 25 µs a value: without a cap on values, a 4 MB flow list of numbers takes a
    minute; without a cap on depth, Python's own stack runs out.
    """

    depth = 0
    values = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        self.values += 1
        try:
            if self.depth > MAX_DEPTH + 1:
                raise _Refused(f"nested too deeply; the limit is {MAX_DEPTH} levels", self._mark())
            if self.values > MAX_NODES:
                too_many = (
                    f"too many values; the limit is {MAX_NODES:,} (put large incident sets in a .jsonl or .csv table)"
                )
                raise _Refused(too_many, self._mark())
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _mark(self) -> yaml.Mark:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call,no-any-return]


# YAML 1.2 core schema, not PyYAML's 1.1: `no` and `off` stay text (a party may be called that),
# `16:00` is not the number 960, and timestamps stay strings for the models to parse with their offset.
_Loader.yaml_implicit_resolvers = {}
if _C_PARSER is not None:

    class _CLoader(_C_PARSER):  # type: ignore[misc,valid-type]
        """libyaml's parser with `_Loader`'s resolvers (YAML 1.2's core schema)."""


# Each plain scalar's tag by its form (YAML 1.2's core schema): the pattern, the first characters it can start with,
# and the form in words. A value tagged by hand (`!!int 1_000`) is held to the same form.
_SCALARS = (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF", "true or false"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789", "a whole number such as 12, 0o14 or 0xC"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
        "a number such as 1.5, 2e3 or .inf",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""], "null, ~ or nothing"),
)
_FORMS = {tag: (re.compile(pattern), words) for tag, pattern, _, words in _SCALARS}
for _tag, _pattern, _first, _ in _SCALARS:
    _Loader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])  # only to be refused
if _C_PARSER is not None:
    _CLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


# Where libyaml and PyYAML part: a tab (libyaml takes it as a space in more places) and U+FEFF (counted in columns
# by one, not the other): a file holding either is read by PyYAML alone; and a `?` in a plain scalar (libyaml takes
# one inside a flow collection), found once the document is composed (`_plain_question`).
_PARSERS_PART = re.compile("[\t\ufeff]")


def _c_node(text: str) -> yaml.Node | None:
    """The document's node composed by libyaml (some 20 times faster than PyYAML's own parser), with the same
    resolvers; None where libyaml is missing, or where anything would be refused (a character the reader
    refuses, a syntax error, too deep or too many values): `_Loader` then says what, in its own words.

    Its events are counted first, so that libyaml's composer, which recurses in C, never meets a hostile depth.
    """
    if _C_PARSER is None or _PARSERS_PART.search(text) or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    loader = _CLoader(text)
    try:
        depth = values = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.ScalarEvent) and event.tag == "!" and not event.value:
                return None  # `!` on nothing: text to libyaml, null to PyYAML (`! :` is a key to one, not the other)
            if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.CollectionStartEvent)):
                values += 1
                depth += isinstance(event, yaml.CollectionStartEvent)
                if values > MAX_NODES or depth > MAX_DEPTH:
                    return None
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loader = _CLoader(text)
        node: yaml.Node | None = loader.get_single_node()
        return None if node is None or _plain_question(node) else node
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _plain_question(root: yaml.Node) -> bool:
    """Whether a composed document holds a plain (unquoted) scalar with a `?` in it: each node looked at once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue  # an alias's node, met again
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if not node.style and "?" in node.value:
                return True
        elif isinstance(node, yaml.MappingNode):
            stack += [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return False


def stat_of(path: Path, shown: str) -> os.stat_result:
    """What is at `path`, or one clear error: nothing there, or a name the system refuses (one too long, say)."""
    try:
        return path.stat()
    except FileNotFoundError:
        raise InputError.at(shown, "no such file") from None
    except OSError as exc:
        raise InputError.at(shown, f"cannot read: {exc.strerror or exc}".lower()) from None


def read_text(path: Path, shown: str, limit: int = MAX_BYTES) -> str:
    """The file's text, or one clear error for a missing, huge, binary or non-UTF-8 file."""
    info = stat_of(path, shown)
    if stat.S_ISDIR(info.st_mode):
        raise InputError.at(shown, "is a directory; expected a file")
    if not stat.S_ISREG(info.st_mode):  # /dev/zero never ends; a pipe can block forever
        raise InputError.at(shown, "not a regular file (a device, pipe or socket); expected a file")
    if info.st_size > limit:
        raise InputError.at(shown, f"file is {info.st_size:,} bytes; the limit is {limit:,}")
    try:
        with path.open("rb") as stream:
            raw = stream.read(limit + 1)  # a file may grow after stat, or not report its size (/proc)
    except OSError as exc:
        raise InputError.at(shown, f"cannot read: {exc.strerror or exc}".lower()) from None
    if len(raw) > limit:
        raise InputError.at(shown, f"file is over {limit:,} bytes, the limit")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError.at(shown, "not UTF-8 text (it is UTF-16); save it as UTF-8")
    if b"\0" in raw:
        raise InputError.at(shown, "not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(shown, f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", line) from None


def load_yaml(path: Path, shown: str | None = None) -> Document:
    """Parse one YAML file whose top level must be a mapping."""
    shown = shown or str(path)
    return parse_yaml(read_text(path, shown), shown)


def parse_yaml(text: str, shown: str) -> Document:
    if not text.strip():
        raise InputError.at(shown, "file is empty; expected a YAML mapping")
    node = _c_node(text)
    if node is not None:
        doc = Document(shown, None)
        if isinstance(node, yaml.MappingNode):
            doc.data = _build(node, (), doc, _Loader(""), [MAX_NODES])
            return doc
    try:
        loader = _Loader(text)  # the reader refuses control characters here, before any parsing
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        what, line, col = syntax_problem(exc, text)
        raise InputError.at(shown, f"YAML syntax error: {what}", line, col) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - text.rfind("\n", 0, exc.position)
        raise InputError.at(shown, f"character #x{exc.character:04x} is not allowed in YAML", line, col) from None
    except yaml.YAMLError as exc:
        raise InputError.at(shown, f"YAML syntax error: {exc}") from None
    except _Refused as exc:
        raise InputError.at(shown, str(exc), exc.mark.line + 1, exc.mark.column + 1) from None
    if node is None:
        raise InputError.at(shown, "file holds no YAML document; expected a mapping")
    doc = Document(shown, None)
    if not isinstance(node, yaml.MappingNode):
        empty = isinstance(node, yaml.ScalarNode) and node.value == "" and node.style is None  # `---` alone
        kind = "a list" if isinstance(node, yaml.SequenceNode) else "empty" if empty else "a single value"
        raise InputError.at(shown, f"top level is {kind}; expected a mapping", node.start_mark.line + 1)
    doc.data = _build(node, (), doc, loader, [MAX_NODES])
    return doc


def syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[str, int | None, int | None]:
    """What a YAML syntax error means in a person's words, and where (line and column, from 1): where the fix goes,
    which for a bracket or a quote never closed is where it opens. The common mistakes of hand-written YAML (a key
    indented unlike its neighbours, a tab, `: ` inside a value, a bracket or quote left open, a key without its `:`)
    say what would be right; anything else is PyYAML's own words."""
    problem, context = exc.problem or "", exc.context or ""
    at, opened = exc.problem_mark, exc.context_mark
    lines = text.splitlines()

    def line_of(mark: Any) -> str:
        return lines[mark.line] if mark is not None and mark.line < len(lines) else ""

    def where(mark: Any) -> tuple[int | None, int | None]:
        return (mark.line + 1, mark.column + 1) if mark is not None else (None, None)

    here = line_of(at)
    if problem.startswith("found character '\\t'") and at is not None:
        if not here[: at.column].strip():
            return "a tab indents this line; YAML indents with spaces only: indent it with spaces", *where(at)
        return 'a tab in a value; write a space, or quote the value (`"…"`)', *where(at)
    if context == "while scanning a quoted scalar" and "end of stream" in problem and opened is not None:
        quote = line_of(opened)[opened.column : opened.column + 1]
        return f"the quote `{quote}` that opens here is never closed; end the text with `{quote}`", *where(opened)
    flow = {"while parsing a flow mapping": ("{", "}"), "while parsing a flow sequence": ("[", "]")}.get(context)
    if flow is not None and opened is not None and at is not None and problem.startswith("expected ','"):
        if at.line > opened.line:
            return (
                f"the `{flow[0]}` that opens here is not closed before line {at.line + 1}; end it with `{flow[1]}`",
                *where(opened),
            )
        inside = f"inside the `{flow[0]}` at column {opened.column + 1}"
        return f"expected `,` between entries or `{flow[1]}` to end them, {inside}", *where(at)
    if problem.startswith("expected <block end>") and at is not None:
        is_key = "'?'" in problem or "<block mapping start>" in problem
        return _misaligned(lines, at.line, at.column, is_key), *where(at)
    if problem == "mapping values are not allowed here" and at is not None:
        above = _content_above(lines, at.line)
        indent = len(here) - len(here.lstrip(" "))
        if above is not None and indent > above[1] and ": " in lines[above[0]].strip() + " ":
            return (
                f"this line is indented under `{cut(lines[above[0]].strip())}` (line {above[0] + 1}), which already "
                f"has a value: line it up with `{_key_of(lines[above[0]])}` ({above[1]} spaces), or move the value "
                "onto its own line",
                *where(at),
            )
        key, _, value = here.strip().partition(": ")
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"a value holds `: `, which starts a key; quote the value: `{cut(f'{key}: {quoted}')}`", *where(at)
    if problem == "could not find expected ':'" and context == "while scanning a simple key" and opened is not None:
        name = cut(line_of(opened).strip())
        return f"`{name}` has no `:` after it; a key is written `{name}:`", *where(opened)
    if "but found another document" in problem:
        return "a second document starts here; a file holds one: remove the `---`, or split the file", *where(at)
    what = problem or context or "invalid YAML"
    if context and what.startswith("but "):  # PyYAML splits one sentence: "expected X" / "but found Y"
        what = f"{context}, {what}"
    return what, *where(at or opened)


def _content_above(lines: list[str], number: int) -> tuple[int, int] | None:
    """The nearest line above line `number` (from 0) that holds more than a comment: its number and indentation."""
    for above in range(number - 1, -1, -1):
        stripped = lines[above].strip()
        if stripped and not stripped.startswith("#"):
            return above, len(lines[above]) - len(lines[above].lstrip(" "))
    return None


def _misaligned(lines: list[str], number: int, indent: int, key: bool) -> str:
    """Why a line indented `indent` spaces (a `key`, or a list's item) cannot stand where it does: the indentations
    open above it (the line just above, then each less indented), and which it might line up with."""
    levels: list[tuple[int, int]] = []  # (indentation, line) of the levels open above, deepest first
    for above in range(number - 1, -1, -1):
        stripped = lines[above].strip()
        if not stripped or stripped.startswith("#"):
            continue
        level = len(lines[above]) - len(lines[above].lstrip(" "))
        if not levels or level < levels[-1][0]:
            levels.append((level, above))
        if level == 0:
            break
    same = next((line for level, line in levels if level == indent), None)
    if same is not None:
        item = lines[same].strip()
        if key and item.startswith("- "):  # a key meant for the item above, written at its dash
            inner = indent + len(item) - len(item[1:].lstrip(" "))
            return (
                f"`{_key_of(lines[number])}` is a key among a list's items (`{_key_of(lines[same])}` on line "
                f"{same + 1}); indent it {inner} spaces to make it part of that item, or start an item with `- `"
            )
        return f"an item (`- …`) among keys (`{_key_of(lines[same])}` on line {same + 1}); one level holds keys or "
        "items, not both"
    shown = [
        f"{level}{' spaces' if not n else ''} (as `{_key_of(lines[line])}` on line {line + 1})"
        for n, (level, line) in enumerate(sorted(levels, key=lambda lv: (abs(lv[0] - indent), -lv[0]))[:2])
    ]
    spaces = "space" if indent == 1 else "spaces"
    return f"this line is indented {indent} {spaces}, unlike any line above it; indent it " + " or ".join(shown)


def _key_of(line: str) -> str:
    """A line as an error names it: its key with the `:` (`- id:`), or the line cut short where it has none."""
    text = line.strip()
    return cut(text[: text.index(":") + 1] if ":" in text else text)


def _build(node: yaml.Node, path: Key, doc: Document, loader: _Loader, budget: list[int]) -> Any:
    budget[0] -= 1
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    # The file itself holds at most MAX_NODES values (the loader counted them): the rest are alias repeats.
    if budget[0] < 0:
        raise InputError.at(doc.file, f"too many values (aliases expand past {MAX_NODES:,})", line, col)
    if len(path) > MAX_DEPTH:
        raise InputError.at(doc.file, f"nested too deeply; the limit is {MAX_DEPTH} levels", line, col)
    _refuse_control(node.tag, "tag", doc, path, line, col)  # a tag may be written %-escaped: `!%C2%9B`
    if node.tag not in _PLAIN_TAGS:
        raise InputError.at(doc.file, f"tag `{node.tag}` is not allowed; only plain YAML data", line, col)
    doc.positions.setdefault(path, (line, col))
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InputError.at(doc.file, "merge keys (`<<`) are not allowed", line, col)
            kline, kcol = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if isinstance(key_node, yaml.ScalarNode):  # named here, as a key, before it is read as a value
                _refuse_control(key_node.value, "key", doc, path, kline, kcol)
            key = _build(key_node, path, doc, loader, budget)
            if not isinstance(key, (str, int, float, bool)) or isinstance(key, bool):
                raise InputError.at(doc.file, "mapping keys must be plain names", kline, kcol)
            key = str(key)
            if key in out:
                first = doc.positions[(*path, key)][0]
                raise InputError.at(
                    doc.file, f"duplicate key `{key}` (first at line {first})", kline, kcol, dotted(path)
                )
            doc.positions[(*path, key)] = (kline, kcol)
            out[key] = _build(value_node, (*path, key), doc, loader, budget)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), doc, loader, budget) for i, item in enumerate(node.value)]
    _refuse_control(node.value, "text", doc, path, line, col)
    if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
        return node.value
    kind = node.tag.rsplit(":", 1)[1]
    if kind in _FORMS and not _FORMS[kind][0].match(node.value):  # tagged by hand (`!!int abc`): held to the form
        shown = f"`{cut(node.value)}`" if node.value else "an empty value"
        message = f"{shown} is tagged `!!{kind}` but is none; expected {_FORMS[kind][1]}"
        raise InputError.at(doc.file, message, line, col, dotted(path))
    if node.tag == "tag:yaml.org,2002:int" and len(node.value) <= 4000:
        return yaml12_int(node.value)
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError, IndexError, KeyError, TypeError):
        shown = cut(node.value)
        if node.tag == "tag:yaml.org,2002:int":  # the resolver matched it: only its length can be wrong
            size = "small" if node.value.startswith("-") else "large"
            message = f"`{shown}` ({len(node.value):,} digits) is too {size} a number"
            raise InputError.at(doc.file, message, line, col, dotted(path)) from None
        raise InputError.at(doc.file, f"bad value `{shown}`", line, col) from None


def yaml12_int(text: str) -> int:
    """An integer as YAML 1.2's core schema reads it: decimal (`010` is ten), `0o17` octal, `0x1F` hex.

    PyYAML follows YAML 1.1, where `010` is eight and `0b1`, `1_000` and `1:30` are numbers too; the
    resolver above lets only the 1.2 forms through, and this reads them (`text` matches its pattern).
    """
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _refuse_control(text: str, what: str, doc: Document, path: Key, line: int, col: int) -> None:
    """Refuse text holding a control character: the reader refuses raw ones, not escapes (`"\\e"`, `"\\x9b"`)."""
    found = CONTROL.search(text)
    if found:
        raise InputError.at(doc.file, control_message(found[0], what), line, col, dotted(path))
    found = _SURROGATE.search(text)  # only an escape (`"\ud800"`) can write one: no text holds it alone
    if found:
        message = f"{what} holds a lone surrogate (U+{ord(found[0]):04X}), which is no character; remove it"
        raise InputError.at(doc.file, message, line, col, dotted(path))

"""Render results for people (a rich table, Markdown) and for programs (JSON, CSV)."""

from __future__ import annotations

import csv
import errno
import functools
import json
import os
import re
import shutil
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import IO, Any, cast

import polars as pl
import yaml
from rich import box
from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Column, Table
from rich.text import Text
from rich.tree import Tree

from engine.analysis.coverage import DECIDED, MATCHED, NEVER, Coverage
from engine.analysis.diff import DIMENSIONS, Phased, RulesetDiff, Side, Uncompared
from engine.analysis.explain import AccountExplanation, Explanation
from engine.analysis.names import NameList, Spelling
from engine.analysis.ranges import NUMBER
from engine.analysis.sweep import Sweep
from engine.analysis.timeline import NO_DAY, Timeline
from engine.analysis.whatif import Change, Outcome, WhatIf
from engine.errors import escape_marks
from engine.evaluation.result import AccountVerdict, Report, Shown, Skipped, Verdict
from engine.incidents.model import Incident
from engine.report.data import skipped_entry
from engine.ruleset.compile import PEOPLE, UNKNOWN
from engine.ruleset.model import VERDICTS

STYLES = {
    "violation": "bold red",
    "permitted": "green",
    "not_covered": "dim",
    "disputed": "bold yellow",
    "undetermined": "magenta",
}


def _account(a: AccountVerdict) -> dict[str, Any]:
    return {
        "source": a.source,
        "actor": a.actor,
        "verdict": a.verdict,
        "rule": a.rule,
        "clause": a.clause,
        "phase": a.phase,
        "explanation": a.explanation,
        "matched": list(a.matched),
        "flags": list(a.flags),
    }


def verdict_json(v: Verdict) -> dict[str, Any]:
    return {
        "incident": v.incident,
        "verdict": v.verdict,
        "rule": v.rule,
        "clause": v.clause,
        "phase": v.phase,
        "explanation": v.explanation,
        "matched": list(v.matched),
        "flags": list(v.flags),
        "accounts": [_account(a) for a in v.accounts],
    }


def _when(time: str | None) -> str:
    """`2016-09-17 16:00+03:00`: short enough for a table cell, still exact (seconds left out where they are 0)."""
    return _ZERO_SECONDS.sub("", time or "").replace("T", " ")


_ZERO_SECONDS = re.compile(r"(?<=T\d{2}:\d{2}):00(?=Z|[+-]\d|$)")


def moment_text(report: Report, moment: datetime | None) -> str:
    """An instant as ISO 8601 in the ruleset's zone, to the second (`2016-09-20T00:00:00+03:00`); `` for None."""
    return "" if moment is None else moment.astimezone(report.compiled.zone).isoformat(timespec="seconds")


def _moment(report: Report, moment: datetime | None) -> str:
    return _when(moment_text(report, moment)) or "(open)"


def _who(incident: Shown) -> str:
    target = f" → {incident.target}" if incident.target else ""
    return f"{incident.actor or '?'}{target}"


# A column that wraps (a name, free text) is narrowed, when the table must be, down to its longest word but not
# below this: narrower, names and ids (`syrian-government`) would break inside words, and narrower still, a
# letter a line. A longer word (a URL) is folded.
NAME_WORD = 20


def _fit(table: Table, console: Console) -> bool:
    """Set the width of each column of `table` for the console's width, or say it cannot fit (False, widths
    untouched) so that the caller shows the rows another way.

    A column that does not wrap (`no_wrap`: an id, a verdict word, a rule id, a count) is as wide as its widest
    cell, header included, and is never narrowed or cut. A column that wraps gets its widest cell where there
    is room; else the widest such columns are narrowed first, each down to its longest word or NAME_WORD,
    whichever is less, so that names wrap between words. Widths are set, not left to rich, whose last resort
    narrows every column, the ones that must not wrap too.
    """
    options = console.options.update_width(10**6)
    widest: list[int] = []
    least: list[int] = []
    for column in table.columns:
        sizes = [Measurement.get(console, options, cell) for cell in (column.header, *column.cells)]
        wide = max(m.maximum for m in sizes)
        word = wide if column.no_wrap else min(max(m.minimum for m in sizes), NAME_WORD, wide)
        widest.append(wide)
        least.append(max(word, column.min_width or 0))
    # rich's own sum of what lies between the cells: the edges and rules of the box, and each cell's padding
    room = console.width - table._extra_width - sum(table._get_padding_width(i) for i in range(len(table.columns)))
    if sum(least) > room:
        return False
    widths = list(widest)
    while sum(widths) > room:
        # the widest column that can narrow, to the next width down, or as far as it must, or its least
        narrow = max((i for i, w in enumerate(widths) if w > least[i]), key=lambda i: widths[i])
        below = [w for i, w in enumerate(widths) if least[i] < w < widths[narrow]]
        width = max(least[narrow], widths[narrow] - (sum(widths) - room), max(below, default=0))
        # as wide as its cells are once wrapped at that width: `2016-09-17 16:00+03:00` at 20 takes 11
        widths[narrow] = max(least[narrow], _wrapped(console, table.columns[narrow], width))
    # what that freed beyond the need goes back to the columns narrowed the most
    for i in sorted(range(len(widths)), key=lambda i: widths[i] - widest[i]):
        widths[i] += min(widest[i] - widths[i], room - sum(widths))
    for column, width in zip(table.columns, widths):
        column.width = width
    return True


def _wrapped(console: Console, column: Column, width: int) -> int:
    """The width of the widest line of `column`'s cells (header included) wrapped at `width`, folded where a
    word is longer."""
    lines = 0
    for cell in (column.header, *column.cells):
        text = cell if isinstance(cell, Text) else Text(str(cell))
        lines = max(lines, *(line.cell_len for line in text.wrap(console, width, overflow="fold")))
    return lines


def _show(console: Console, table: Table, title: str | None = None, blocks: Callable[[], None] | None = None) -> None:
    """`table` under `title` (italic, wrapped at the console's width, as rich would show a table's title but for
    the width) if it fits the console (see `_fit`), else its rows as blocks: `blocks()`, or one block a row."""
    if title is not None:
        console.print(Text(title, style="italic"))
    _escaped(table)  # before its columns are measured
    if _fit(table, console):
        console.print(table)
    elif blocks is not None:
        blocks()
    else:
        _row_blocks(table, console)


def _row_blocks(table: Table, console: Console) -> None:
    """Each row of `table` as a block: its first cell on a line, then each other cell that says something as
    `header: value`, joined with `; ` and wrapped between words, two spaces in."""
    columns = [list(column.cells) for column in table.columns]
    headers = [str(column.header) for column in table.columns]
    console.print()
    for row in zip(*columns):
        lead, *rest = row
        if str(lead).strip():  # a blank first cell repeats the one above (a day's second party): under it
            console.print(lead)
        parts: list[Text] = []
        for header, cell in zip(headers[1:], rest):
            value = cell if isinstance(cell, Text) else Text(str(cell))
            if value.plain.strip():
                parts.append(Text.assemble(f"{header}: " if header else "", value))
        if parts:
            console.print(Padding(Text("; ").join(parts), (0, 0, 0, 2)))
    console.print()


LISTED = 1_000  # verdicts the terminal lists one by one; the counts below them cover every incident


def write_table(report: Report, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`skipped_lines`), if any; the verdicts as a table
    (accounts of a disputed incident beneath it), then the clause of each rule that decided one of those listed,
    the phases, the escalation episodes and the counts per acting party. Where the verdict table cannot fit the
    console with its incident ids, verdict words and rule ids whole, one block per incident instead (see
    `write_blocks`).

    Only the first `LISTED` verdicts are listed, then how many are not and how to have every one: a terminal
    is read, and a table of a million rows takes minutes and gigabytes to lay out."""
    everything = report
    if report.count > LISTED:
        report = replace(report, incidents=report.incidents.head(LISTED), table=report.table.head(LISTED), said=None)
    table = Table(box=box.SIMPLE_HEAD)
    phased = bool(report.compiled.phases)
    for name in ("time", "incident", "actor → target", "act", *(("phase",) if phased else ()), "verdict", "rule"):
        table.add_column(name, overflow="fold", no_wrap=name in ("incident", "verdict", "rule"))
    for incident, v in zip(report.shown, report.verdicts):
        phase = (v.phase or "none",) if phased else ()
        table.add_row(
            _when(incident.time),
            incident.id,
            _who(incident),
            incident.act or "",
            *phase,
            Text(v.verdict, style=STYLES[v.verdict]),
            v.rule or "",
        )
        if v.verdict == "disputed":
            for a in v.accounts:
                table.add_row(
                    "",
                    "",
                    Text(f"  {a.source}", style="italic"),
                    "",
                    *(("",) if phased else ()),
                    Text(a.verdict, style=STYLES[a.verdict]),
                    a.rule or "",
                )
    console.print(Text(f"{report.scenario} · ruleset {report.compiled.id} · engine {report.engine}", style="italic"))
    write_skipped(everything.skipped, console)
    _show(console, table, None, lambda: write_blocks(report, console))
    if everything.count > report.count:
        console.print(
            f"  … and {everything.count - report.count:,} more incidents, not listed here; "
            "`--format jsonl --output FILE` (or json, markdown, parquet, html) gives every verdict",
            style="dim",
        )
    clauses = _clauses(report)
    if clauses:
        decided = Table(box=box.SIMPLE_HEAD)
        decided.add_column("rule", no_wrap=True)
        decided.add_column("clause", overflow="fold")
        for rule, clause in clauses.items():
            decided.add_row(rule, clause or "")
        _show(console, decided, "clauses")
    report = everything
    if phased:
        bands = Table(box=box.SIMPLE_HEAD)
        for name in ("phase", "from", "until", "clause"):
            bands.add_column(name, overflow="fold", no_wrap=name == "phase")
        for band in report.phases:
            bands.add_row(band.phase, _moment(report, band.start), _moment(report, band.until), band.clause)
        _show(console, bands, "phases")
    if report.episodes:
        episodes = Table(box=box.SIMPLE_HEAD)
        for name in ("party", "from", "until", "violations"):
            episodes.add_column(name, no_wrap=name == "violations", justify="right" if name == "violations" else "left")
        for e in report.episodes:
            shown = report.compiled.party_name(e.party)
            episodes.add_row(shown, _moment(report, e.start), _moment(report, e.until), str(e.violations))
        _show(console, episodes, "escalation")
    summary = _counts_table("party")
    for who, counts in report.by_party().items():
        summary.add_row(who, *(str(counts[n]) for n in VERDICTS))
    summary.add_row(Text("all", style="bold"), *(str(n) for n in report.summary().values()))
    _show(console, summary, "verdicts by acting party")


def skipped_lines(skipped: Skipped) -> list[str]:
    """What a report for people says of the input's rows skipped as bad: how many, then each of the first few as
    the warning on stderr says it (`file:line: why`), then how many more; nothing where none was."""
    if not skipped.rows:
        return []
    rows = f"{skipped.rows:,} bad row{'s' if skipped.rows != 1 else ''}"
    more = skipped.rows - len(skipped.first)
    return [
        f"{rows} of the input skipped, not judged and not counted here:",
        *(str(p) for p in skipped.first),
        *([f"… and {more:,} more"] if more else []),
    ]


def write_skipped(skipped: Skipped, console: Console) -> None:
    """`skipped_lines` as a terminal report shows them under its heading: the first in bold, each other two spaces
    in beneath it; nothing where no row was skipped."""
    lines = skipped_lines(skipped)
    if lines:
        console.print(Text(lines[0], style="bold"))
        for line in lines[1:]:
            console.print(Padding(Text(line), (0, 0, 0, 2)))


def _clauses(report: Report) -> dict[str, str | None]:
    """Each rule that decided a verdict (or an account of a disputed one) with its clause, once, in the order the
    verdicts first name it."""
    decided: list[tuple[str | None, str | None]] = []
    for v in report.verdicts:
        decided += [(v.rule, v.clause), *((a.rule, a.clause) for a in v.accounts if v.verdict == "disputed")]
    return {rule: clause for rule, clause in decided if rule is not None}


def _counts_table(*leading: str, whole: Sequence[str] = ()) -> Table:
    """A table of the `leading` columns (names that wrap, but those in `whole`) then a count per verdict, each
    headed by the verdict's word."""
    table = Table(box=box.SIMPLE_HEAD)
    for name in leading:
        table.add_column(name, overflow="fold", no_wrap=name in whole)
    for name in VERDICTS:
        table.add_column(name, justify="right", no_wrap=True)
    return table


BLOCK_LABEL = 18  # columns before a block's values: two spaces in, the longest label, two spaces


def write_blocks(report: Report, console: Console) -> None:
    """One block per incident, for a console too narrow for the verdict table: the incident id and verdict word
    on the first line, then the deciding rule, who did what to whom, when and where, the phase, the
    explanation and each account of a disputed incident, one a line, wrapped between words under its label."""
    phased = bool(report.compiled.phases)
    console.print()
    room = max(console.width - BLOCK_LABEL, 10)
    for incident, v, place in zip(report.shown, report.verdicts, _places(report)):
        block = Text.assemble((incident.id, "bold"), "  ", (v.verdict, STYLES[v.verdict]))
        fields: list[tuple[str, str | Text | None]] = [
            ("rule", v.rule),
            ("actor → target", _who(incident)),
            ("act", incident.act),
            ("time", _when(incident.time)),
            ("place", place),
            ("phase", (v.phase or "none") if phased else None),
            ("explanation", v.explanation),
        ]
        for a in v.accounts if v.verdict == "disputed" else ():
            rule = f" by {a.rule}" if a.rule else ""
            fields.append(
                ("account", Text.assemble((f"{a.source}", "italic"), ": ", (a.verdict, STYLES[a.verdict]), rule))
            )
        for label, value in fields:
            if not value:
                continue
            text = _escaped_text(value if isinstance(value, Text) else Text(value))  # before it is wrapped
            for i, line in enumerate(text.wrap(console, room, overflow="fold")):
                block.append("\n" + (f"  {label}" if i == 0 else "").ljust(BLOCK_LABEL))
                block.append_text(line)
        # laid out here, a line at a time, rather than as a grid a block: a table of thousands of incidents
        # would take seconds more
        console.print(block, soft_wrap=True)
        console.print()


def _places(report: Report) -> list[str]:
    """Each incident's place as recorded, the named location first and the country last (`` for none)."""
    fields = [name for name in ("location", "admin3", "admin2", "admin1", "country") if name in report.incidents]
    return [
        ", ".join(dict.fromkeys(part for part in row if part)) for row in report.incidents.select(fields).iter_rows()
    ]


def write_markdown(report: Report, out: IO[str]) -> None:
    def cell(text: str | None) -> str:
        return escape_marks(text or "").replace("|", "\\|").replace("\n", " ")

    out.write(f"# {cell(report.scenario)}\n\nRuleset `{report.compiled.id}`, engine `{report.engine}`.\n\n")
    skipped = skipped_lines(report.skipped)
    if skipped:
        out.write(f"**{skipped[0]}**\n\n" + "".join(f"- {line}\n" for line in skipped[1:]) + "\n")
    phased = bool(report.compiled.phases)
    out.write(
        "| time | incident | actor → target | act |"
        + (" phase |" if phased else "")
        + " verdict | rule | explanation |\n"
    )
    out.write("|---|---|---|---|" + ("---|" if phased else "") + "---|---|---|\n")
    for incident, v in zip(report.shown, report.verdicts):
        phase = f" {cell(v.phase or 'none')} |" if phased else ""
        out.write(
            f"| {cell(incident.time)} | {cell(incident.id)} | {cell(_who(incident))} | {cell(incident.act)} |{phase}"
            f" **{v.verdict}** | {cell(v.rule)} | {cell(v.explanation)} |\n"
        )
        for a in v.accounts if v.verdict == "disputed" else ():
            blank = " |" if phased else ""
            out.write(f"| | | *{cell(a.source)}* | |{blank} {a.verdict} | {cell(a.rule)} | {cell(a.explanation)} |\n")
    clauses = _clauses(report)
    if clauses:
        out.write("\n## Clauses\n\n| rule | clause |\n|---|---|\n")
        for rule, clause in clauses.items():
            out.write(f"| {cell(rule)} | {cell(clause)} |\n")
    if phased:
        out.write("\n## Phases\n\n| phase | from | until | clause |\n|---|---|---|---|\n")
        for band in report.phases:
            until = moment_text(report, band.until)
            out.write(f"| {band.phase} | {moment_text(report, band.start)} | {until} | {cell(band.clause)} |\n")
    if report.episodes:
        out.write("\n## Escalation\n\n| party | from | until | violations |\n|---|---|---|---:|\n")
        for e in report.episodes:
            start, until = moment_text(report, e.start), moment_text(report, e.until)
            out.write(f"| {cell(report.compiled.party_name(e.party))} | {start} | {until} | {e.violations} |\n")
    out.write("\n## Verdicts by acting party\n\n| party | " + " | ".join(VERDICTS) + " |\n")
    out.write("|---|" + "---:|" * len(VERDICTS) + "\n")
    for who, counts in report.by_party().items():
        out.write(f"| {cell(who)} | " + " | ".join(str(counts[n]) for n in VERDICTS) + " |\n")
    out.write("| **all** | " + " | ".join(str(n) for n in report.summary().values()) + " |\n")


# The fact fields an explanation shows under "names" rather than among the other facts.
_NAME_FIELDS = (*(f"{who}.{attr}" for who in PEOPLE for attr in ("party", "role", "side")), "act")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "true" if value else "false"
    return "(none)" if value is None else str(value)


def explanation_json(e: Explanation) -> dict[str, Any]:
    """The same data as the tree, for programs."""
    combined = {k: v for k, v in verdict_json(e.verdict).items() if k != "accounts"}
    return {
        "scenario": e.scenario,
        "ruleset": e.ruleset,
        "engine": e.engine,
        "incident": e.incident.id,
        "facts": e.recorded(),
        "accounts": [
            {
                "source": a.source,
                "told": a.told,
                "names": [asdict(n) for n in a.names],
                "facts": a.facts,
                "place": a.place,
                "time_read": a.time_read,
                "rules": [asdict(r) for r in a.rules],
                **_account(a.verdict),
            }
            for a in e.accounts
        ],
        "combined": {**combined, "how": e.combination},
    }


def _verdict_text(label: str, verdict: str) -> Text:
    return Text.assemble((label, "bold"), " → ", (verdict, STYLES[verdict]))


def _account_tree(a: AccountExplanation, root: Tree) -> None:
    v = a.verdict
    node = root.add(
        _verdict_text(f"account: {a.source}" if a.source is not None else "the incident as recorded", v.verdict)
    )
    if a.told:
        node.add("says: " + _shown(a.told))
    names = node.add("names")
    for n in a.names:
        side = f" ({n.side})" if n.side else ""
        note = f" ({n.note})" if n.note else ""
        names.add(f"{n.field}: {n.spelling} → {n.resolved or '(nothing)'} → {n.role}{side}{note}")
    facts = [(k, x) for k, x in a.facts.items() if k not in _NAME_FIELDS]
    node.add("facts: " + "; ".join(f"{k} {_shown(x)}" for k, x in facts if not k.startswith("policy.")))
    scope = {True: "in scope", False: "out of scope", None: "scope unknown"}[a.facts.get("in_scope")]
    node.add(f"place: {scope} ({a.place})")
    if a.time_read is not None:
        node.add(a.time_read)
    knobs = [(k.removeprefix("policy."), x) for k, x in facts if k.startswith("policy.")]
    if knobs:
        node.add("policy: " + "; ".join(f"{k} {_shown(x)}" for k, x in knobs))
    rules = node.add("rules, in deciding order")
    for r in a.rules:
        line = Text.assemble(
            ("held " if r.held else "no   ", "bold" if r.held else "dim"), f"{r.priority:>4}  {r.id} → {r.verdict}"
        )
        if r.deciding:
            line.append("  ← decides", style="bold")
        rules.add(line)
    decided = node.add(
        Text.assemble("verdict: ", (v.verdict, STYLES[v.verdict]), f" by rule {v.rule}" if v.rule else "")
    )
    if v.clause:
        decided.add(f"clause: {v.clause}")
    decided.add(v.explanation)
    if v.flags:
        decided.add("flags: " + ", ".join(v.flags))


def write_explanation(e: Explanation, console: Console) -> None:
    """A tree: the recorded facts, each account from names to verdict, then how the accounts combined."""
    head = f"{e.incident.id} · ruleset {e.ruleset} · engine {e.engine}"
    root = Tree(_verdict_text(head, e.verdict.verdict))
    facts = root.add("facts as recorded")
    for key, value in e.recorded().items():
        facts.add(f"{key}: {_shown(value)}")
    for a in e.accounts:
        _account_tree(a, root)
    combined = root.add(Text.assemble(("combined", "bold"), ": ", e.combination))
    # Flags no account raised: those of combining the accounts, and those the other incidents raise (escalation).
    later = [f for f in e.verdict.flags if all(f not in a.verdict.flags for a in e.accounts)]
    if later:
        combined.add(f"also flagged: {', '.join(later)}")
    console.print(root)


def example_json(incident: Incident) -> dict[str, Any]:
    """An incident as a scenario file holds it, id first."""
    data = incident.model_dump(exclude_none=True, exclude_defaults=True)
    return {"id": data.pop("id"), **data}


def _side_json(side: Side) -> dict[str, Any]:
    return {"verdict": side.verdict, "rule": side.rule, "explanation": side.explanation}


def _phased_json(phased: Phased | None) -> dict[str, Any] | None:
    if phased is None:
        return None
    a, b = phased.alone
    return {"given": phased.given, "alone": {"a": a, "b": b}, "agrees": phased.agrees}


def diff_json(diff: RulesetDiff) -> dict[str, Any]:
    return {
        "a": diff.a.id,
        "b": diff.b.id,
        "engine": diff.engine,
        "equivalent": diff.equivalent,
        "classes": diff.classes,
        "kinds": diff.kinds,
        "differences": [
            {
                "when": dict(d.when),
                "phase": _phased_json(d.phase),
                "a": _side_json(d.a),
                "b": _side_json(d.b),
                "example": example_json(d.example),
            }
            for d in diff.differences
        ],
        "untried": list(diff.untried),
        "not_compared": [{"term": u.term, "a": u.a, "b": u.b, "why": u.why} for u in diff.not_compared],
    }


def write_diff_json(diff: RulesetDiff, out: IO[str]) -> None:
    out.write(json.dumps(diff_json(diff), ensure_ascii=False, indent=1) + "\n")


def _decided(side: Side) -> Text:
    return Text.assemble((side.verdict, STYLES[side.verdict]), f" ({side.rule or 'no rule'})")


# What each term `diff` does not compare is, in a sentence (`engine.analysis.diff.Uncompared.term`).
_TERMS = {"self_defense": "the self-defence terms", "phases": "when the phases begin", "escalation": "escalation"}


def _uncompared(u: Uncompared) -> str:
    terms = f"A and B alike: {u.a}" if u.a == u.b else f"A: {u.a}. B: {u.b}"
    return f"\nNot compared: {_TERMS[u.term]} ({terms}). {u.why[:1].upper()}{u.why[1:]}."


def _in(phase: str | None) -> str:
    return "in no phase" if phase is None else "in an unknown phase" if phase == UNKNOWN else f"in phase {phase}"


def _alone(phased: Phased) -> str:
    """Where a class's example falls judged alone, beside the phase it is judged in (given)."""
    a, b = phased.alone
    if phased.agrees:
        return f"judged alone, it falls {_in(a)}" + (" under both" if a == b else f" under A, {_in(b)} under B")
    where = [f"{_in(x)} under {letter}" for letter, x, y in zip("AB", phased.alone, phased.judged) if x != y]
    return f"judged {_in(phased.given)}, given as if in force; judged alone, it falls {' and '.join(where)}"


def write_diff_table(diff: RulesetDiff, console: Console) -> None:
    """What is not compared, then each group of differing classes: a table of the classes, then one example with
    both verdicts."""
    names = Table.grid(padding=(0, 2))
    for letter, c in (("A", diff.a), ("B", diff.b)):
        names.add_row(letter, Text(c.id, style="bold"), Text(c.ruleset.title))
    console.print(names)
    checked = f"{diff.classes:,} classes checked, covering {diff.kinds:,} kinds of incident; engine {diff.engine}"
    if diff.untried:
        spelled = ", ".join(f"`{s}`" for s in diff.untried)
        console.print(
            Text(
                f"\nNot compared: {spelled}, whose meaning depends on when it is told (a pattern valid only "
                "between days) and which A and B read differently."
            )
        )
    for u in diff.not_compared:
        console.print(Text(_uncompared(u)))
    if diff.equivalent:
        console.print(Text(f"\nA and B are equivalent: no incident gets a different verdict ({checked})."))
        return
    if not diff.differences:
        console.print(
            Text(
                f"\nNo incident compared gets a different verdict ({checked}); what is not compared above can "
                "still tell A and B apart."
            )
        )
        return
    count = len(diff.differences)
    alone = (
        " Incidents are compared as answering no other (`in_response_to`)."
        if diff.a.self_defense or diff.b.self_defense
        else ""
    )
    given = (
        " A phase shown is given, as if in force: it follows from the days before an incident, not from the incident."
        if any(d.phase is not None for d in diff.differences)
        else ""
    )
    console.print(
        Text(
            f"\n{count} {'class' if count == 1 else 'classes'} of incident {'gets' if count == 1 else 'get'} "
            f"a different verdict ({checked}). "
            "A value that means something else under B reads `under A → under B`; a field not shown is any."
            f"{given}{alone}"
        )
    )
    for number, group in enumerate(diff.groups(), 1):
        first = group[0]
        console.print()
        console.print(Text.assemble(f"{number}. A ", _decided(first.a), " → B ", _decided(first.b)))
        shown = [name for name in DIMENSIONS if any(name in dict(d.when) for d in group)]
        table = Table(box=box.SIMPLE_HEAD)
        table.add_column("class", no_wrap=True)
        for name in shown:
            table.add_column("phase (given)" if name == "phase" else name.replace("_", " "), overflow="fold")
        for d in group:
            when = dict(d.when)
            table.add_row(d.example.id, *(when.get(name, "any") for name in shown))
        _show(console, table)
        example = yaml.safe_dump([example_json(first.example)], sort_keys=False, allow_unicode=True)
        placed = "" if first.phase is None else f" ({_alone(first.phase)})"
        console.print(Text(f"  example of {first.example.id}, to paste under `incidents:` in a scenario{placed}:"))
        console.print(Text(textwrap.indent(example.rstrip("\n"), "    ")))
        for letter, side in (("A", first.a), ("B", first.b)):
            console.print(Text.assemble(f"  {letter}: ", _decided(side), f": {side.explanation}"))


NAME_COLUMNS = (
    "spelling",
    "told_as",
    "rows",
    "inside",
    "resolved",
    "party",
    "role",
    "side",
    "how",
    "pattern",
    "why",
    "counted_as",
)


def _name_record(s: Spelling) -> dict[str, Any]:
    return {
        "spelling": s.spelling,
        "told_as": list(s.fields),
        "rows": s.rows,
        "inside": s.inside,
        "resolved": s.names,
        "party": s.party,
        "role": s.role,
        "side": s.side,
        "how": s.how,
        "pattern": s.pattern,
        "why": s.why,
        "counted_as": s.counted_as,
    }


def names_json(n: NameList) -> dict[str, Any]:
    """The listing for programs: each spelling with its counts and what it names (null where nothing); the input's
    rows skipped as bad (`skipped`, only where there are any: see `skipped_json`) before the summary."""
    return {
        "scenario": n.name,
        "ruleset": n.ruleset,
        "spellings": [_name_record(s) for s in n.spellings],
        **skipped_entry(n.skipped),
        "summary": {"spellings": len(n.spellings), "unresolved": n.unresolved},
    }


def write_names_json(n: NameList, out: IO[str]) -> None:
    out.write(json.dumps(names_json(n), ensure_ascii=False, indent=1) + "\n")


# A cell that starts with one of these a spreadsheet reads as a formula, or the start of one (`=HYPERLINK(…)`,
# `@SUM(…)`, `-2+3`; a tab or carriage return before one): CSV reports carry names from third parties' exports,
# and are opened in spreadsheets. Written after a single quote, as OWASP advises; a number (`-3.5`) as it is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A value as a CSV report writes it: text that a spreadsheet would read as a formula after `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class CsvWriter:
    """`csv.writer` for reports (a line ends with `\\n`): every cell through `csv_cell`."""

    def __init__(self, out: IO[str]) -> None:
        self._writer = csv.writer(out, lineterminator="\n")

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(map(csv_cell, row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def write_names_csv(n: NameList, out: IO[str]) -> None:
    """One spelling a row; `told_as` lists its fields joined by `;`, empty cells for what is not there."""
    writer = CsvWriter(out)
    writer.writerow(NAME_COLUMNS)
    for s in n.spellings:
        record = _name_record(s) | {"told_as": ";".join(s.fields)}
        writer.writerow("" if record[k] is None else record[k] for k in NAME_COLUMNS)


def _how(s: Spelling) -> str:
    if s.why is not None:
        alike = f"; counted as `{s.counted_as}`" if s.counted_as not in (None, s.spelling) else ""
        return s.why + alike
    return f"pattern `{s.pattern}`" if s.pattern is not None else s.how


def write_names_table(n: NameList, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`write_skipped`), if any; each spelling: where it is
    told, in how many records (inside the truce's scope and window), what it names."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("spelling", overflow="fold")
    table.add_column("told as", overflow="fold")
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("in scope and window", justify="right", no_wrap=True)
    table.add_column("resolves to", overflow="fold")
    table.add_column("how", overflow="fold")
    for s in n.spellings:
        resolved = Text(s.names, style="" if s.resolved else STYLES["undetermined"])
        table.add_row(s.spelling, ", ".join(s.fields), f"{s.rows:,}", f"{s.inside:,}", resolved, _how(s))
    console.print(
        Text(f"{n.name} · ruleset {n.ruleset} · {len(n.spellings):,} spellings, {n.unresolved:,} unresolved", "italic")
    )
    write_skipped(n.skipped, console)
    _show(console, table)


def timeline_json(t: Timeline) -> dict[str, Any]:
    """The timeline for programs, keys in a fixed order: `days` one object per (day, party) (`day` ISO 8601,
    null for no one day), `phases` and `escalation` with times as ISO 8601 in the ruleset's zone, the input's
    rows skipped as bad (`skipped`, only where there are any: see `skipped_json`), `summary` counting each
    incident once."""
    days = [
        {"day": None if row["day"] is None else row["day"].isoformat(), **{k: v for k, v in row.items() if k != "day"}}
        for row in t.days.iter_rows(named=True)
    ]
    return {
        "scenario": t.scenario,
        "ruleset": t.ruleset,
        "engine": t.engine,
        "timezone": t.timezone,
        "days": days,
        "phases": [
            {"phase": b.phase, "clause": b.clause, "from": t.local(b.start), "until": t.local(b.until)}
            for b in t.phases
        ],
        "escalation": [
            {"party": e.party, "from": t.local(e.start), "until": t.local(e.until), "violations": e.violations}
            for e in t.episodes
        ],
        **skipped_entry(t.skipped),
        "summary": t.summary(),
    }


def write_timeline_json(t: Timeline, out: IO[str]) -> None:
    out.write(json.dumps(timeline_json(t), ensure_ascii=False, indent=1) + "\n")


def write_timeline_csv(t: Timeline, out: IO[str]) -> None:
    """One row per (day, party) under a header: `day` (ISO 8601; empty for no one day), `party`, a count per verdict."""
    writer = CsvWriter(out)
    writer.writerow(t.days.columns)
    writer.writerows(t.days.with_columns(pl.col("day").cast(pl.String)).iter_rows())


def _day_text(day: Any) -> str:
    return NO_DAY if day is None else day.isoformat()


def write_timeline_table(t: Timeline, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`write_skipped`), if any; the verdicts per day and
    party, the phases, the escalation episodes, then the incidents per day."""
    table = _counts_table("day", "party", whole=("day",))
    shown = None
    for row in t.days.iter_rows(named=True):
        day = _day_text(row["day"])
        table.add_row("" if day == shown else day, row["party"], *(_count(row[n], n) for n in VERDICTS))
        shown = day
    console.print(Text(f"{t.scenario} · ruleset {t.ruleset} · engine {t.engine} · days in {t.timezone}", "italic"))
    write_skipped(t.skipped, console)
    _show(console, table)
    if t.phases:
        phases = Table(box=box.SIMPLE_HEAD)
        for name in ("phase", "from", "until", "clause"):
            phases.add_column(name, overflow="fold", no_wrap=name == "phase")
        for b in t.phases:
            phases.add_row(b.phase, _when(t.local(b.start)), _when(t.local(b.until)) or "(open)", b.clause)
        _show(console, phases, "phases")
    if t.episodes:
        episodes = Table(box=box.SIMPLE_HEAD)
        for name in ("party", "from", "until", "violations"):
            episodes.add_column(name, no_wrap=name == "violations", justify="right" if name == "violations" else "left")
        for e in t.episodes:
            episodes.add_row(e.party, _when(t.local(e.start)), _when(t.local(e.until)), str(e.violations))
        _show(console, episodes, "escalation")
    totals = _counts_table("day", whole=("day",))
    for row in t.totals.iter_rows(named=True):
        totals.add_row(_day_text(row["day"]), *(_count(row[n], n) for n in VERDICTS))
    totals.add_row(Text("all", style="bold"), *(str(n) for n in t.summary().values()))
    _show(console, totals, "incidents by day")


def _count(n: int, verdict: str) -> Text:
    return Text(str(n), style=STYLES[verdict] if n else "dim")


PIPED_WIDTH = 160  # columns a report is laid out in when it goes to a file or a pipe and COLUMNS is unset


def _escaped(renderable: Any) -> Any:
    """A renderable as the terminal shows it: each text in it with `escape_marks`, the cells and headers of a
    table, the labels of a tree and what a padding pads changed in place. Before a table is measured: an escape
    is six columns wide where the mark was none."""
    if isinstance(renderable, str):
        return escape_marks(renderable)
    if isinstance(renderable, Text):
        return _escaped_text(renderable)
    if isinstance(renderable, Table):
        renderable.title = _escaped(renderable.title)
        for column in renderable.columns:
            column.header = _escaped(column.header)
            column._cells = [_escaped(cell) for cell in column._cells]
    elif isinstance(renderable, Tree):
        renderable.label = _escaped(renderable.label)
        for child in renderable.children:
            _escaped(child)
    elif isinstance(renderable, Padding):
        renderable.renderable = _escaped(renderable.renderable)
    return renderable


def _escaped_text(text: Text) -> Text:
    """`text` with `escape_marks`, each part keeping its styles; `text` itself where it has no mark."""
    if escape_marks(text.plain) == text.plain:
        return text
    out = text.blank_copy()
    # cut where any style starts or ends, so that every style of a part covers all of it, however long its escape
    for part in text.divide(sorted({edge for span in text.spans for edge in (span.start, span.end)})):
        shown = Text(escape_marks(part.plain))
        for span in part.spans:
            shown.stylize(span.style)
        out.append_text(shown)
    return out


def console_for(out: IO[str], width: int | None = None) -> Console:
    """Colour at the terminal's width on a terminal (unless NO_COLOR); else plain text laid out in `COLUMNS`
    columns when that is set (a whole number above 0), else PIPED_WIDTH, each line without the spaces rich pads
    it with."""
    terminal = out.isatty()
    columns = os.environ.get("COLUMNS", "").strip()
    if width is None and not (columns.isdigit() and int(columns) > 0):  # `COLUMNS=0` is no width
        width = shutil.get_terminal_size((PIPED_WIDTH, 24)).columns if terminal else PIPED_WIDTH
    return _Console(
        file=out if terminal else cast(IO[str], _Unpadded(out)),
        width=width,
        force_terminal=terminal,
        no_color=bool(os.environ.get("NO_COLOR")) or not terminal,
        # every string shown is the user's text, never markup: `[JaI]` in a name is not a style, `:bomb:` no emoji
        markup=False,
        emoji=False,
        highlight=False,
    )


class _Console(Console):
    """rich's console, but a reader that goes away (`| head`) ends the command as it does for every other
    format (`engine.cli.main`: status 0), not with rich's own exit status 1; and the user's text it prints shows
    the marks that would reorder the terminal's line, or show nothing, escaped (`escape_marks`)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*map(_escaped, objects), **kwargs)

    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


class _Unpadded:
    """A text stream that passes lines on to `out` without their trailing spaces: rich pads every line of a
    table (and its title) to the table's width, which in a file or a pipe is only noise."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.encoding = getattr(out, "encoding", None) or "utf-8"  # rich draws box lines only where it is utf
        self._line = ""  # the end of what was written, after its last newline

    def write(self, text: str) -> int:
        *lines, self._line = (self._line + text).split("\n")
        if lines:
            self.out.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        # rich ends what it prints with a newline; anything after it is passed on as it is, not held back
        if self._line:
            self.out.write(self._line)
            self._line = ""
        self.out.flush()

    def isatty(self) -> bool:
        return False


def _decision_json(v: Verdict | AccountVerdict) -> dict[str, Any]:
    return {
        "verdict": v.verdict,
        "rule": v.rule,
        "phase": v.phase,
        "flags": list(v.flags),
        "explanation": v.explanation,
    }


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "incident": c.incident.id,
        "verdict_changed": c.verdict_changed,
        "base": _decision_json(c.base),
        "variant": _decision_json(c.variant),
        "accounts": [
            {
                "source": a.source,
                "changed": a.changed,
                "base": _decision_json(a.base),
                "variant": _decision_json(a.variant),
            }
            for a in c.accounts
        ],
    }


def whatif_json(w: WhatIf) -> dict[str, Any]:
    return {
        "scenario": w.base.scenario,
        "engine": w.base.engine,
        "incidents": w.base.count,
        **skipped_entry(w.base.skipped),
        "base": {"ruleset": w.base.compiled.id, "summary": w.base.summary()},
        "variants": [
            {
                "name": o.name,
                "ruleset": o.report.compiled.id,
                "file": o.file,
                "sets": list(o.sets),
                "summary": o.report.summary(),
                "changes": [_change_json(c) for c in o.changes],
            }
            for o in w.outcomes
        ],
    }


def write_whatif_json(w: WhatIf, out: IO[str]) -> None:
    out.write(json.dumps(whatif_json(w), ensure_ascii=False, indent=1) + "\n")


def _verdict_cells(v: Verdict | AccountVerdict, dim: bool = False) -> tuple[Text, str]:
    return Text(v.verdict, style="dim" if dim else STYLES[v.verdict]), v.rule or ""


def write_whatif_table(w: WhatIf, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`write_skipped`), if any; per variant, the incidents it
    changes (base → variant, accounts beneath); then counts per ruleset."""
    base, total = w.base, w.base.count
    console.print(Text(f"{base.scenario} · base ruleset {base.compiled.id} · engine {base.engine}", style="bold"))
    write_skipped(base.skipped, console)
    for o in w.outcomes:
        console.print()
        if not o.changes:
            console.print(Text(f"{o.name}: nothing changes ({total} incidents)"))
            continue
        also = any(c.also() for c in o.changes)  # a column for phases and flags only where one changes
        table = Table(box=box.SIMPLE_HEAD)
        for name in ("incident", "base", "base rule", "", "variant", "variant rule", *(["also"] if also else [])):
            table.add_column(name, overflow="fold", no_wrap=name not in ("incident", "also"))
        for c in o.changes:
            more = ["; ".join(c.also())] if also else []
            table.add_row(c.incident.id, *_verdict_cells(c.base), "→", *_verdict_cells(c.variant), *more)
            for a in c.accounts:
                same = not a.changed
                table.add_row(
                    Text(f"  {a.source}", style="italic"),
                    *_verdict_cells(a.base, same),
                    "=" if same else "→",
                    *_verdict_cells(a.variant, same),
                    *([""] if also else []),
                )
        title = f"{o.name}: {_changed(o, total)}"
        _show(console, table, title, functools.partial(_changes, o, console))
    counts = _counts_table("ruleset")
    counts.add_row(f"{base.compiled.id} (base)", *(str(n) for n in base.summary().values()))
    for o in w.outcomes:
        counts.add_row(o.name, *(str(n) for n in o.report.summary().values()))
    _show(console, counts, "verdicts per ruleset")


def _changed(o: Outcome, total: int) -> str:
    """How many incidents a variant judges differently, and how many of them in their verdicts."""
    verdicts = sum(c.verdict_changed for c in o.changes)
    return f"{len(o.changes)} of {total} incidents change ({verdicts} in their verdicts)"


def _changes(o: Outcome, console: Console) -> None:
    """The changes of one variant, for a console too narrow for their table: a line per incident (id, then base
    → variant), each account beneath it, wrapped between words."""
    console.print()
    for c in o.changes:
        also = "".join(f"; {a}" for a in c.also())
        console.print(Text.assemble((c.incident.id, "bold"), ": ", *_change_text(c.base, c.variant, "→"), also))
        for a in c.accounts:
            line = Text.assemble(
                (f"{a.source}", "italic"), ": ", *_change_text(a.base, a.variant, "→" if a.changed else "=")
            )
            console.print(Padding(line, (0, 0, 0, 2)))
    console.print()


def _change_text(base: Verdict | AccountVerdict, variant: Verdict | AccountVerdict, arrow: str) -> list[Text]:
    """`permitted (rule-a) → violation (rule-b)`, as pieces for Text.assemble."""

    def side(v: Verdict | AccountVerdict) -> Text:
        return Text.assemble((v.verdict, STYLES[v.verdict]), f" ({v.rule})" if v.rule else "")

    return [side(base), Text(f" {arrow} "), side(variant)]


def write_sweep_json(s: Sweep, out: IO[str]) -> None:
    """One combination a line, byte-identical for the same inputs whatever the number of jobs; after the rows, the
    input's rows skipped as bad (`skipped`, only where there are any: see `skipped_json`)."""
    dump = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    head = {
        "scenario": s.scenario,
        "ruleset": s.ruleset,
        "engine": s.engine,
        "params": {p.path: p.listed() for p in s.params},
        **({} if s.design is None else {"sample": s.design.json()}),
        "columns": s.columns(),
    }
    out.write(dump(head)[:-1] + ",\n" + ' "rows": [')
    out.write(",".join(f"\n  {dump(record)}" for record in s.records()))
    out.write("\n ]" + "".join(f',\n "{key}": {dump(value)}' for key, value in skipped_entry(s.skipped).items()))
    out.write("}\n")


def write_sweep_csv(s: Sweep, out: IO[str]) -> None:
    writer = CsvWriter(out)
    writer.writerow(s.columns())
    writer.writerows(s.cells())


CHART_WIDTH = 40  # characters for the longest bar, fewer on a console too narrow for them


def write_sweep_table(s: Sweep, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`write_skipped`), if any; the grid with verdict counts
    and violations per acting party, then violations as bars; each row and bar numbered as `sweep --plot` numbers
    its bars."""
    cells = s.cells()
    violations = [row.verdicts["violation"] for row in s.rows]
    by_party = s.violations_by_party()
    title = f"{s.scenario} · ruleset {s.ruleset} · engine {s.engine} · {len(s.rows)} combinations"
    console.print(Text(title, style="italic"))
    write_skipped(s.skipped, console)
    _show(console, _sweep_grid(s, cells, True, True), None, functools.partial(_sweep_apart, s, cells, console))
    if by_party:
        parties = Table(box=box.SIMPLE_HEAD)
        parties.add_column("#", justify="right", no_wrap=True)
        for who in by_party:
            parties.add_column(who, justify="right", overflow="fold")
        for i in range(len(s.rows)):
            parties.add_row(str(i + 1), *(str(n[i]) for n in by_party.values()))
        _show(console, parties, "violations by acting party")
    top = max(violations, default=0)
    number = len(str(len(s.rows)))
    console.print(Text("violations per combination", style="italic"))
    longest = max(1, min(CHART_WIDTH, console.width - number - len(str(top)) - 4))
    for i, n in enumerate(violations, 1):
        bar = "█" * (round(n * longest / top) if top else 0)
        console.print(Text.assemble(f" {i:>{number}}  {n:>{len(str(top))}} ", (bar, STYLES["violation"])))


def _sweep_grid(s: Sweep, cells: list[list[str]], values: bool, counts: bool) -> Table:
    """The sweep's rows numbered: with each combination's `values`, with its verdict `counts`, or both."""
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right", no_wrap=True)
    for p in s.params if values else ():
        table.add_column(p.path, overflow="fold")
    for name in VERDICTS if counts else ():
        table.add_column(name, justify="right", no_wrap=True)
    for i, row in enumerate(s.rows):
        shown = cells[i][: len(s.params)] if values else ()
        table.add_row(str(i + 1), *shown, *(str(row.verdicts[v]) for v in VERDICTS if counts))
    return table


def _sweep_apart(s: Sweep, cells: list[list[str]], console: Console) -> None:
    """The grid of a sweep, for a console too narrow for it whole: the values of each combination, then its
    verdict counts, each row numbered in both."""
    _show(console, _sweep_grid(s, cells, True, False))
    _show(console, _sweep_grid(s, cells, False, True), "verdicts per combination")


def _percent(value: float) -> float:
    """A percentage as reports show it: one decimal."""
    return round(value, 1)


def coverage_json(found: Sequence[Coverage], fail_under: float | None) -> dict[str, Any]:
    """`ceasefire test --coverage` as data: each ruleset's rules, clauses and verdicts, sorted by ruleset id."""
    return {
        "fail_under": fail_under,
        "rulesets": [
            {
                "ruleset": c.ruleset,
                "file": c.file,
                "scenarios": list(c.scenarios),
                "incidents": c.incidents,
                "percent": _percent(c.percent),
                "below": None if fail_under is None else c.below(fail_under),
                "rules": [
                    {
                        "id": r.id,
                        "clause": r.clause,
                        "verdict": r.verdict,
                        "decided": r.decided,
                        "matched": r.matched,
                        "coverage": r.status,
                    }
                    for r in c.rules
                ],
                "decided": c.with_status(DECIDED),
                "only_matched": c.with_status(MATCHED),
                "never_matched": c.with_status(NEVER),
                "clauses": {
                    "total": len(c.clauses),
                    "cited": c.cited,
                    "percent": _percent(c.clause_percent),
                    "never_cited": [k.clause for k in c.clauses if not k.cited],
                },
                "verdicts": c.verdicts,
                "verdicts_never_given": c.never_given,
            }
            for c in found
        ],
    }


_COVERAGE_STYLES = {DECIDED: "green", MATCHED: "yellow", NEVER: "bold red"}


def write_coverage_table(found: Sequence[Coverage], console: Console, fail_under: float | None = None) -> None:
    """One table per ruleset: each rule with the incidents it decided and held in; then the clauses no deciding
    rule cited, the verdicts never given, and each ruleset whose rule coverage is under `fail_under`."""
    for c in found:
        files = "scenario" if len(c.scenarios) == 1 else "scenarios"
        heading = (
            f"coverage · ruleset {c.ruleset} · {len(c.scenarios)} {files}, {c.incidents} incidents · "
            f"rules {c.decided}/{len(c.rules)} decided ({_percent(c.percent)}%) · "
            f"clauses {c.cited}/{len(c.clauses)} cited ({_percent(c.clause_percent)}%)"
        )
        table = Table(box=box.SIMPLE_HEAD)
        table.add_column("rule", no_wrap=True)
        table.add_column("verdict", no_wrap=True)
        table.add_column("decided", justify="right", no_wrap=True)
        table.add_column("matched", justify="right", no_wrap=True)
        table.add_column("coverage", no_wrap=True)
        table.add_column("clause", overflow="fold")
        for r in c.rules:
            status = Text(r.status, style=_COVERAGE_STYLES[r.status])
            table.add_row(r.id, r.verdict, str(r.decided), str(r.matched), status, r.clause)
        _show(console, table, heading)
        uncited = [k.clause for k in c.clauses if not k.cited]
        if uncited:
            console.print("clauses no deciding rule cited:")
            for clause in uncited:
                console.print(f"  {clause}")
        console.print(f"verdicts never given: {', '.join(c.never_given) or 'none'}")
        console.print()
    if fail_under is not None:
        for c in found:
            if c.below(fail_under):
                shown = f"{_percent(c.percent)}%"
                console.print(f"FAIL ruleset {c.ruleset}: rule coverage {shown} is under --fail-under {fail_under:g}%")

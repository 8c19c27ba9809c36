"""Render verdicts for people (a rich table, Markdown) and for programs (JSON)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import IO, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.compile import Compiled
from engine.model import VERDICTS, AccountVerdict, Incident, Verdict

STYLES = {
    "violation": "bold red",
    "permitted": "green",
    "not_covered": "dim",
    "disputed": "bold yellow",
    "undetermined": "magenta",
}


@dataclass(frozen=True)
class Report:
    """A run's result: what was evaluated, under which ruleset and engine, and the verdicts."""

    scenario: str
    compiled: Compiled
    engine: str
    incidents: list[Incident]
    verdicts: list[Verdict]

    def summary(self) -> dict[str, int]:
        counts = Counter(v.verdict for v in self.verdicts)
        return {name: counts.get(name, 0) for name in VERDICTS}

    def by_party(self) -> dict[str, dict[str, int]]:
        """Verdict counts per acting party (by the name the ruleset gives it)."""
        rows: dict[str, Counter[str]] = {}
        for incident, verdict in zip(self.incidents, self.verdicts):
            who = self.compiled.party_name(incident.actor)
            rows.setdefault(who, Counter())[verdict.verdict] += 1
        return {who: {name: c.get(name, 0) for name in VERDICTS} for who, c in sorted(rows.items())}


def _account(a: AccountVerdict) -> dict[str, Any]:
    return {
        "source": a.source,
        "verdict": a.verdict,
        "rule": a.rule,
        "clause": a.clause,
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
        "explanation": v.explanation,
        "matched": list(v.matched),
        "flags": list(v.flags),
        "accounts": [_account(a) for a in v.accounts],
    }


def write_json(report: Report, out: IO[str]) -> None:
    """One verdict a line, so that reports diff well; byte-identical for the same inputs."""
    dump = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    head = {"scenario": report.scenario, "ruleset": report.compiled.id, "engine": report.engine}
    out.write(dump(head)[:-1] + ",\n")
    out.write(' "verdicts": [')
    first = True
    for v in report.verdicts:
        out.write("\n  " if first else ",\n  ")
        out.write(dump(verdict_json(v)))
        first = False
    out.write("\n ],\n" if report.verdicts else "],\n")
    out.write(' "summary": ' + dump(report.summary()) + "}\n")


def _when(time: str | None) -> str:
    """`2016-09-17 16:00+03:00`: short enough for a table cell, still exact."""
    return (time or "").replace("T", " ").replace(":00+", "+").replace(":00-", "-")


def _who(incident: Incident) -> str:
    target = f" → {incident.target}" if incident.target else ""
    return f"{incident.actor or '?'}{target}"


def write_table(report: Report, console: Console) -> None:
    table = Table(
        title=f"{report.scenario} · ruleset {report.compiled.id} · engine {report.engine}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for name in ("time", "incident", "actor → target", "act", "verdict", "rule"):
        table.add_column(name, overflow="fold", no_wrap=name in ("time", "verdict", "rule"))
    for incident, v in zip(report.incidents, report.verdicts):
        table.add_row(
            _when(incident.time),
            incident.id,
            _who(incident),
            incident.act or "",
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
                    Text(a.verdict, style=STYLES[a.verdict]),
                    a.rule or "",
                )
    console.print(table)
    summary = Table(title="verdicts by acting party", box=box.SIMPLE_HEAD, title_justify="left")
    summary.add_column("party")
    for name in VERDICTS:
        summary.add_column(name, justify="right")
    for who, counts in report.by_party().items():
        summary.add_row(who, *(str(counts[n]) for n in VERDICTS))
    summary.add_row(Text("all", style="bold"), *(str(n) for n in report.summary().values()))
    console.print(summary)


def write_markdown(report: Report, out: IO[str]) -> None:
    def cell(text: str | None) -> str:
        return (text or "").replace("|", "\\|").replace("\n", " ")

    out.write(f"# {cell(report.scenario)}\n\nRuleset `{report.compiled.id}`, engine `{report.engine}`.\n\n")
    out.write("| time | incident | actor → target | act | verdict | rule | explanation |\n")
    out.write("|---|---|---|---|---|---|---|\n")
    for incident, v in zip(report.incidents, report.verdicts):
        out.write(
            f"| {cell(incident.time)} | {cell(incident.id)} | {cell(_who(incident))} | {cell(incident.act)} "
            f"| **{v.verdict}** | {cell(v.rule)} | {cell(v.explanation)} |\n"
        )
        for a in v.accounts if v.verdict == "disputed" else ():
            out.write(f"| | | *{cell(a.source)}* | | {a.verdict} | {cell(a.rule)} | {cell(a.explanation)} |\n")
    out.write("\n## Verdicts by acting party\n\n| party | " + " | ".join(VERDICTS) + " |\n")
    out.write("|---|" + "---:|" * len(VERDICTS) + "\n")
    for who, counts in report.by_party().items():
        out.write(f"| {cell(who)} | " + " | ".join(str(counts[n]) for n in VERDICTS) + " |\n")
    out.write("| **all** | " + " | ".join(str(n) for n in report.summary().values()) + " |\n")

"""Reports as one HTML file for people who will not run a command: static, offline, with the JSON report inside.

A page makes no network request (its Content-Security-Policy forbids every one), draws its charts as inline
SVG (matplotlib), and shows everything with scripts blocked: a small inline script, allowed by its hash,
only adds filtering and sorting. Every text from the input is escaped by Jinja2; the same input gives the
same bytes.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import polars as pl
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from engine import __version__
from engine.analysis.coverage import deciders
from engine.analysis.sweep import Sweep
from engine.analysis.timeline import NO_DAY, Timeline, timeline
from engine.analysis.whatif import WhatIf
from engine.errors import escape_marks
from engine.evaluation.result import AccountVerdict, Report, Verdict
from engine.report import charts
from engine.report.data import write_json
from engine.report.plot import COLOURS, sweep_figure, timeline_figure
from engine.report.render import moment_text, skipped_lines, write_sweep_json, write_timeline_json, write_whatif_json
from engine.ruleset.compile import Compiled
from engine.ruleset.model import VERDICTS

LIMIT = 2_000  # incidents a run's page lists one by one; above, only those in LISTED, and at most this many of them
LISTED = ("violation", "disputed")
COLUMNS = ("#", "time", "incident", "actor → target", "act", "place", "verdict", "rule")  # and `phase` if phased
MOST_COMBINATIONS = 60  # bars the sweep's chart draws; its table lists every combination
PLACE = ("location", "admin3", "admin2", "admin1", "country")  # a place, most precise first
INK = {"violation": "#fff", "permitted": "#fff", "not_covered": "#000", "disputed": "#000", "undetermined": "#fff"}


@dataclass(frozen=True)
class Heading:
    """What a page names at its top: the agreement, the ruleset, the engine and the input."""

    agreement: str
    agreement_date: str | None
    agreement_source: str | None
    agreement_url: str | None
    ruleset: str
    ruleset_title: str
    ruleset_file: str
    engine: str
    input: str
    source: str | None  # the input's file, as given on the command line


def heading(compiled: Compiled, engine: str, name: str, source: str | None = None) -> Heading:
    """The top of a page: the agreement `compiled` encodes, the ruleset, the `engine` and the input `name`
    (with the `source` file it was read from, where one was given and it differs from the name)."""
    a = compiled.ruleset.agreement
    shown = None if source is None or source == name else source
    return Heading(
        a.name, a.date, a.source, a.url, compiled.id, compiled.ruleset.title, compiled.source, engine, name, shown
    )


@dataclass(frozen=True)
class Clause:
    """A clause of the agreement that the ruleset cites, with the anchor verdicts link to (`c1`, `c2`, …)."""

    anchor: str
    text: str
    rules: tuple[str, ...]  # the rules (and `self_defense`) that cite it; phases cite theirs under `phase …`


def clauses_of(compiled: Compiled) -> list[Clause]:
    """Each clause the ruleset cites, once, in ruleset order: its rules', its self-defence terms', its phases'."""
    citing: dict[str, list[str]] = {}
    for rule, clause, _ in deciders(compiled):
        citing.setdefault(clause, []).append(rule)
    for phase in compiled.phases:
        citing.setdefault(phase.clause, []).append(f"phase {phase.id}")
    return [Clause(f"c{i}", text, tuple(rules)) for i, (text, rules) in enumerate(citing.items(), 1)]


def _embedded(text: str) -> Markup:
    """JSON safe inside `<script type="application/json">`: `<`, `>` and `&` (only ever inside strings) as
    `\\u` escapes, which parse to the same value; nothing else changes."""
    return Markup(text.strip().replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def _written(write: Callable[[io.StringIO], None]) -> str:
    out = io.StringIO()
    write(out)
    return out.getvalue()


def _shown(value: Any) -> Any:
    """What a template shows of a value: text with the marks that reorder text or show nothing escaped, as the
    terminal and Markdown reports show it (`errors.escape_marks`), where an input's names and notes could
    otherwise turn the page's text around; markup made here (the embedded JSON, kept as told) as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return escape_marks(value)
    return value


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("engine.report", "templates"),
        autoescape=True,
        finalize=_shown,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["label"] = lambda verdict: verdict.replace("_", " ")
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["when"] = lambda time: (time or "").replace("T", " ", 1)  # a time may break at the space
    env.globals["verdicts"] = VERDICTS
    return env


@functools.cache
def _assets() -> dict[str, Any]:
    """The page's own style and script, inlined; the script allowed by its hash in the page's policy."""
    folder = files("engine.report") / "templates"
    script = (folder / "report.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    colours = "".join(f".v.{v}{{background:{COLOURS[v]};color:{INK[v]}}}" for v in VERDICTS)
    css = (folder / "report.css").read_text(encoding="utf-8") + colours
    return {"css": Markup(css), "script": Markup(script), "script_hash": f"sha256-{digest}"}


def _page(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(version=__version__, **_assets(), **context)


def _svg(figure: Any, name: str) -> Markup:
    """A chart drawn by matplotlib, whose SVG writer escapes every text it holds."""
    return Markup(charts.inline_svg(figure, name))


def _top(counted: Mapping[str, Mapping[str, int]]) -> dict[str, Mapping[str, int]]:
    """The rows with the most incidents, at most `charts.MOST_BARS`, in their order."""
    kept = sorted(counted, key=lambda k: -sum(counted[k].values()))[: charts.MOST_BARS]
    return {k: counted[k] for k in counted if k in kept}


def _place(row: Mapping[str, Any]) -> str:
    return ", ".join(str(row[k]) for k in PLACE if row.get(k))


@dataclass(frozen=True)
class Listed:
    """An incident as the run's page lists it: its record, its verdict and where its clauses are."""

    number: int  # its place in the input, from 1
    id: str
    time: str
    actor: str
    target: str
    act: str
    place: str
    notes: str
    source: str
    parties: tuple[str, ...]
    verdict: Verdict


def _listed(report: Report, rows: pl.Series, parties: pl.Series) -> list[Listed]:
    """The incidents of `report` (at `rows` of the run's), each with the names it counts under (`parties`, as the
    run's `Report.parties` gives them)."""
    shown = report.incidents.select("id", "time", "actor", "target", "act", "notes", "source", *PLACE)
    out = []
    for number, row, who, v in zip(rows, shown.iter_rows(named=True), parties, report.verdicts):
        out.append(
            Listed(
                number + 1,
                row["id"],
                row["time"] or "",
                row["actor"] or "",
                row["target"] or "",
                row["act"] or "",
                _place(row),
                row["notes"] or "",
                row["source"] or "",
                tuple(who),
                v,
            )
        )
    return out


def run_html(report: Report, source: str | None = None) -> str:
    """A run's report as one page: the heading, verdict counts, a chart per party (and per day where the input
    spans days), every incident with its verdict linked to its clause and, in a `<details>`, its reasons and
    accounts; the ruleset's clauses; the JSON report (`write_json`) embedded.

    Above `LIMIT` incidents only the violations and disputed incidents are listed, the first `LIMIT` of them in
    input order (a page of a million incidents would not open), and the embedded JSON report is that of those
    listed; the counts and charts are the whole run's.
    """
    summary = report.summary()
    whole = report.count <= LIMIT
    chosen = pl.Series(range(report.count)) if whole else report.table.get_column("verdict").is_in(LISTED).arg_true()
    gravest = chosen.len()  # the violations and disputed incidents, of which the first `LIMIT` are listed
    chosen = chosen.head(LIMIT)
    shown = report if whole else _part(report, chosen)
    clauses = clauses_of(report.compiled)
    anchors = {c.text: c.anchor for c in clauses}
    by_party = report.by_party()
    parties = report.parties().gather(chosen)  # by the run's names, as `by_party` counts them
    days = timeline(report)
    spans_days = len(days.dates()) > 1
    return _page(
        "run.html.j2",
        kind="run",
        title=f"{report.scenario} · {report.compiled.id}",
        head=heading(report.compiled, report.engine, report.scenario, source),
        summary=summary,
        total=report.count,
        skipped=skipped_lines(report.skipped),
        whole=whole,
        gravest=gravest,
        listed=_listed(shown, chosen, parties),
        anchors=anchors,
        parties=sorted(set(parties.explode().to_list())),
        by_party=by_party,
        party_chart=_svg(charts.counts_figure(_top(by_party), "verdicts by party"), "chart-parties")
        if by_party
        else None,
        parties_drawn=min(len(by_party), charts.MOST_BARS),
        day_chart=_svg(timeline_figure(days), "chart-days") if spans_days else None,
        timezone=days.timezone,
        phased=bool(report.compiled.phases),
        columns=COLUMNS[:-2] + ("phase",) * bool(report.compiled.phases) + COLUMNS[-2:],
        phases=[(b.phase, moment_text(report, b.start), moment_text(report, b.until), b.clause) for b in report.phases],
        episodes=[
            (
                report.compiled.party_name(e.party),
                moment_text(report, e.start),
                moment_text(report, e.until),
                e.violations,
            )
            for e in report.episodes
        ],
        clauses=clauses,
        report_json=_embedded(_written(lambda out: write_json([shown], out))),
    )


def _part(report: Report, rows: pl.Series) -> Report:
    """The report of some of its incidents (`rows`, positions in order), with the run's phases and episodes."""
    return dataclasses.replace(
        report, incidents=report.incidents[rows], table=report.table[rows], said=None, unresolved=0
    )


@dataclass(frozen=True)
class Decision:
    """One side of a what-if change: the verdict, the deciding rule and its clause, the explanation."""

    verdict: str
    rule: str
    clause: str
    explanation: str


def _decision(v: Verdict | AccountVerdict) -> Decision:
    return Decision(v.verdict, v.rule or "", v.clause or "", v.explanation)


def whatif_html(w: WhatIf, source: str | None = None) -> str:
    """A what-if comparison as one page: how many incidents were judged (and the input's rows skipped as bad, if
    any), counts per ruleset (a table and a chart), then per variant each incident it judges differently, base →
    variant, with both explanations and every account in a `<details>`; the JSON report (`whatif_json`) embedded."""
    base = w.base
    rows = {f"{base.compiled.id} (base)": base.summary(), **{o.name: o.report.summary() for o in w.outcomes}}
    variants = [
        {
            "name": o.name,
            "file": o.file,
            "sets": o.sets,
            "verdicts": sum(c.verdict_changed for c in o.changes),
            "changes": [
                {
                    "incident": c.incident,
                    "base": _decision(c.base),
                    "variant": _decision(c.variant),
                    "also": c.also(),
                    "accounts": [(a.source, _decision(a.base), _decision(a.variant), a.changed) for a in c.accounts],
                }
                for c in o.changes
            ],
        }
        for o in w.outcomes
    ]
    return _page(
        "whatif.html.j2",
        kind="whatif",
        title=f"{base.scenario} · what if",
        head=heading(base.compiled, base.engine, base.scenario, source),
        total=base.count,
        skipped=skipped_lines(base.skipped),
        rows=rows,
        chart=_svg(charts.counts_figure(_top(rows), "verdicts per ruleset"), "chart-rulesets"),
        variants=variants,
        report_json=_embedded(_written(lambda out: write_whatif_json(w, out))),
    )


def sweep_html(s: Sweep, compiled: Compiled, source: str | None = None) -> str:
    """A sweep as one page: the parameters (and the input's rows skipped as bad, if any), verdicts per combination
    as a chart (`sweep_figure`, up to `MOST_COMBINATIONS`), every combination with its verdict counts, violations
    per acting party; the JSON report (`write_sweep_json`) embedded. `compiled` is the base ruleset, for the
    heading."""
    drawn = len(s.rows) <= MOST_COMBINATIONS
    values = [row[: len(s.params)] for row in s.cells()]
    return _page(
        "sweep.html.j2",
        kind="sweep",
        title=f"{s.scenario} · sweep",
        head=heading(compiled, s.engine, s.scenario, source),
        sweep=s,
        skipped=skipped_lines(s.skipped),
        combinations=list(zip(range(1, len(s.rows) + 1), values, s.rows)),
        by_party=s.violations_by_party(),
        chart=_svg(sweep_figure(s), "chart-sweep") if drawn else None,
        most=MOST_COMBINATIONS,
        report_json=_embedded(_written(lambda out: write_sweep_json(s, out))),
    )


def timeline_html(t: Timeline, compiled: Compiled, source: str | None = None) -> str:
    """A timeline as one page: the verdict counts (and the input's rows skipped as bad, if any), the chart of days
    (`timeline_figure`), incidents per day, verdicts per day and party, the phases and escalation episodes; the
    JSON report (`timeline_json`) embedded."""

    def day(value: Any) -> str:
        return NO_DAY if value is None else str(value.isoformat())

    return _page(
        "timeline.html.j2",
        kind="timeline",
        title=f"{t.scenario} · timeline",
        head=heading(compiled, t.engine, t.scenario, source),
        t=t,
        summary=t.summary(),
        skipped=skipped_lines(t.skipped),
        chart=_svg(timeline_figure(t), "chart-days"),
        totals=[(day(r["day"]), r) for r in t.totals.iter_rows(named=True)],
        days=[(day(r["day"]), r) for r in t.days.iter_rows(named=True)],
        phases=[(b.phase, t.local(b.start), t.local(b.until) or "", b.clause) for b in t.phases],
        episodes=[(e.party, t.local(e.start), t.local(e.until), e.violations) for e in t.episodes],
        report_json=_embedded(_written(lambda out: write_timeline_json(t, out))),
    )

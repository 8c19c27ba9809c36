"""Reports of exploring uncertain evidence: a sample's title, scenario discovery's boxes, and credence's shares,
as tables, JSON, CSV and (credence) a chart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from engine.analysis.credence import Credence
from engine.analysis.discovery import Discovery, Limit, share
from engine.analysis.ranges import number_text
from engine.analysis.sweep import Sweep, shown
from engine.report.data import skipped_entry
from engine.report.render import STYLES, CsvWriter, console_for, write_skipped
from engine.ruleset.model import VERDICTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_sample_title(s: Sweep, console: Console) -> None:
    """A sampled sweep's method, size and seed, above its table (nothing for a grid)."""
    if s.design is not None:
        console.print(Text(s.design.title, style="italic"))


def _dump(data: Any, out: IO[str]) -> None:
    out.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


# --- scenario discovery ------------------------------------------------------------------------------------


def _range(limit: Limit) -> str:
    """`4..10`, `3` (one value), or `permitted, violation`."""
    if limit.values:
        return ", ".join(shown(v) for v in limit.values)
    assert limit.low is not None and limit.high is not None
    low, high = number_text(limit.low), number_text(limit.high)
    return low if low == high else f"{low}..{high}"


def _limit_json(limit: Limit) -> dict[str, Any]:
    if limit.values:
        return {"in": list(limit.values)}
    return {"from": limit.low, "to": limit.high}


def discovery_json(d: Discovery) -> dict[str, Any]:
    """The boxes as data: each with its limits by parameter, its cases, coverage and density (0 to 1); after them,
    the input's rows skipped as bad (`skipped`, only where there are any: see `skipped_json`)."""
    s = d.sweep
    return {
        "scenario": s.scenario,
        "ruleset": s.ruleset,
        "engine": s.engine,
        "params": {p.path: p.listed() for p in s.params},
        **({} if s.design is None else {"sample": s.design.json()}),
        "threshold": {"outcome": d.threshold.column, "op": d.threshold.op, "value": d.threshold.value},
        "method": {"name": "decision tree (scikit-learn CART)", "depth": d.depth},
        "cases": d.cases,
        "of_interest": d.of_interest,
        "boxes": [
            {
                "limits": {limit.path: _limit_json(limit) for limit in b.limits},
                "cases": b.cases,
                "of_interest": b.of_interest,
                "coverage": share(b.coverage),
                "density": share(b.density),
            }
            for b in d.boxes
        ],
        **skipped_entry(s.skipped),
    }


DISCOVERY_COLUMNS = ("box", "param", "from", "to", "in", "cases", "of_interest", "coverage", "density")


def write_discovery_csv(d: Discovery, out: IO[str]) -> None:
    """One row per box and parameter it bounds: a range in `from`/`to`, values (`|`-separated) in `in`."""
    writer = CsvWriter(out)
    writer.writerow(DISCOVERY_COLUMNS)
    for i, b in enumerate(d.boxes, 1):
        for limit in b.limits:
            ends = ("", "") if limit.values else (shown(limit.low), shown(limit.high))
            values = "|".join(shown(v) for v in limit.values)
            writer.writerow([i, limit.path, *ends, values, b.cases, b.of_interest, share(b.coverage), share(b.density)])


def _percent(n: float) -> str:
    return f"{100 * n:.1f}%"


def write_discovery_table(d: Discovery, console: Console) -> None:
    """Under the heading, the input's rows skipped as bad (`write_skipped`), if any; the threshold and how many
    cases pass it, then each box: its ranges, coverage and density."""
    s = d.sweep
    how = f"grid of {d.cases:,} combinations" if s.design is None else s.design.title
    console.print(Text(f"{s.scenario} · ruleset {s.ruleset} · engine {s.engine} · {how}", "italic"))
    write_skipped(s.skipped, console)
    console.print(
        f"{d.threshold.text} in {d.of_interest:,} of {d.cases:,} combinations ({_percent(d.of_interest / d.cases)})"
    )
    if not d.boxes:
        why = "none does" if d.of_interest == 0 else "every one does"
        console.print(f"no box: {why}, so there is nothing to tell apart")
        return
    table = Table(box=box.SIMPLE_HEAD, title=f"boxes (decision tree, depth {d.depth})", title_justify="left")
    for name, justify in (("box", "right"), ("param", "left"), ("range", "left"), ("cases", "right")):
        table.add_column(name, justify=justify, no_wrap=name != "range")  # type: ignore[arg-type]
    for name in ("of interest", "coverage", "density"):
        table.add_column(name, justify="right", no_wrap=True)
    for i, b in enumerate(d.boxes, 1):
        for j, limit in enumerate(b.limits):
            first = j == 0
            counts = (f"{b.cases:,}", f"{b.of_interest:,}", _percent(b.coverage), _percent(b.density))
            table.add_row(str(i) if first else "", limit.path, _range(limit), *(counts if first else ("",) * 4))
    console.print(table)


def write_discovery(d: Discovery, form: str, out: IO[str], width: int | None = None) -> None:
    """Scenario discovery as `form` (table, json or csv)."""
    _written(form, out, width, lambda: discovery_json(d), write_discovery_csv, write_discovery_table, d)


def _written(
    form: str,
    out: IO[str],
    width: int | None,
    as_json: Callable[[], Any],
    as_csv: Callable[[Any, IO[str]], None],
    as_table: Callable[[Any, Console], None],
    result: Any,
) -> None:
    """`result` written as `form`: json (`as_json()`'s data), csv, or a table at `width` (None: the console's)."""
    if form == "json":
        _dump(as_json(), out)
    elif form == "csv":
        as_csv(result, out)
    else:
        as_table(result, console_for(out, width))


# --- credence ----------------------------------------------------------------------------------------------


def _stats(values: tuple[int, ...]) -> dict[str, Any]:
    from engine.analysis.credence import Stats

    st = Stats.of(values)
    return {"min": st.least, "q1": st.q1, "median": st.median, "q3": st.q3, "max": st.most, "mean": share(st.mean)}


def credence_json(c: Credence) -> dict[str, Any]:
    """Per incident the samples (and share) of each verdict; per party its violations' distribution."""
    return {
        "scenario": c.scenario,
        "ruleset": c.ruleset,
        "engine": c.engine,
        "samples": c.samples,
        "seed": c.seed,
        "credence": {b.source: b.p for b in c.beliefs},
        "sources": list(c.sources),
        "judged": c.judged,
        "incidents": [
            {
                "incident": i.incident,
                "samples": i.counts,
                "share": {v: share(n / c.samples) for v, n in i.counts.items()},
            }
            for i in c.incidents
        ],
        "parties": [
            {
                "party": p.party,
                "violations": _stats(p.violations),
                "histogram": {str(n): k for n, k in p.histogram().items()},
            }
            for p in c.parties
        ],
    }


STAT_COLUMNS = ("min", "q1", "median", "q3", "max", "mean")


def write_credence_csv(c: Credence, out: IO[str]) -> None:
    """Two kinds of row under one header: `incident` rows with each verdict's share of the samples, then `party`
    rows with the distribution of its violations (min, quartiles, max, mean); a row leaves the other's empty."""
    writer = CsvWriter(out)
    writer.writerow(["kind", "name", *VERDICTS, *STAT_COLUMNS])
    for i in c.incidents:
        writer.writerow(["incident", i.incident, *(share(i.counts[v] / c.samples) for v in VERDICTS), *[""] * 6])
    for p in c.parties:
        writer.writerow(["party", p.party, *[""] * len(VERDICTS), *_stats(p.violations).values()])


def _number(x: float) -> str:
    return f"{x:g}"


def write_credence_table(c: Credence, console: Console) -> None:
    """The beliefs, then each incident's share of samples per verdict, then each party's violations."""
    console.print(
        Text(
            f"{c.scenario} · ruleset {c.ruleset} · engine {c.engine} · {c.samples:,} samples, seed {c.seed}",
            style="italic",
        )
    )
    believed = {b.source: b.p for b in c.beliefs}
    sources = Table(box=box.SIMPLE_HEAD, title="credence per source", title_justify="left")
    sources.add_column("source", overflow="fold")
    sources.add_column("credence", justify="right", no_wrap=True)
    for source in c.sources:
        sources.add_row(source, _number(believed.get(source, 1.0)))
    console.print(sources)
    incidents = Table(box=box.SIMPLE_HEAD, title="share of samples per verdict", title_justify="left")
    incidents.add_column("incident", overflow="fold")
    for v in VERDICTS:
        incidents.add_column(v, justify="right", no_wrap=True)
    for i in c.incidents:
        cells = [Text(_percent(i.counts[v] / c.samples), style=STYLES[v] if i.counts[v] else "") for v in VERDICTS]
        incidents.add_row(i.incident, *cells)
    console.print(incidents)
    parties = Table(box=box.SIMPLE_HEAD, title="violations per party, over the samples", title_justify="left")
    parties.add_column("party", overflow="fold")
    for name in STAT_COLUMNS:
        parties.add_column(name, justify="right", no_wrap=True)
    for p in c.parties:
        st = _stats(p.violations)
        parties.add_row(p.party, *(_number(st[k]) for k in STAT_COLUMNS))
    console.print(parties)


def write_credence(c: Credence, form: str, out: IO[str], width: int | None = None) -> None:
    """A credence sweep as `form` (table, json or csv)."""
    _written(form, out, width, lambda: credence_json(c), write_credence_csv, write_credence_table, c)


def plot_credence(c: Credence, kind: str) -> bytes:
    """The chart of a credence sweep (`credence_figure`), `kind` `png` or `svg`, as bytes. The same result gives
    the same bytes on every run. Raises ValueError for another `kind`, ImportError when matplotlib is absent."""
    from engine.report.plot import FORMATS, _save

    if kind not in FORMATS:
        raise ValueError(f"a chart is one of {', '.join(FORMATS)}, not {kind}")
    return _save(credence_figure(c), kind)


def credence_figure(c: Credence) -> Figure:
    """Above, each incident's share of samples per verdict as a stacked bar; below, each party's violations over
    the samples as a box plot (whiskers at min and max). Raises ImportError when matplotlib is absent."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    from engine.report.plot import COLOURS

    names = [i.incident for i in c.incidents]
    parties = [p.party for p in c.parties]
    rows = max(len(names), 1) + max(len(parties), 1)
    with mpl.rc_context({"font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(8.0, 1.6 + 0.32 * rows), dpi=100)
        FigureCanvasAgg(figure)
        top, bottom = figure.subplots(2, 1, height_ratios=[max(len(names), 1), max(len(parties), 1)])
        positions = list(range(len(names)))
        left = [0.0] * len(names)
        for v in VERDICTS:
            widths = [i.counts[v] / c.samples for i in c.incidents]
            if any(widths):
                top.barh(positions, widths, 0.7, left=left, color=COLOURS[v], label=v)
                left = [a + b for a, b in zip(left, widths)]
        top.set_yticks(positions, names, fontsize=7)
        top.invert_yaxis()
        top.set_xlim(0, 1)
        top.xaxis.set_major_formatter(PercentFormatter(1.0))
        top.set_title(
            f"{c.scenario} · ruleset {c.ruleset} · {c.samples:,} samples, seed {c.seed}", fontsize=9, loc="left"
        )
        top.set_xlabel("share of samples per verdict", fontsize=8)
        top.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
        # a box plot drawn by hand (matplotlib's changed its arguments across the versions the project takes)
        spots = list(range(len(parties)))
        for y, p in zip(spots, c.parties):
            st = p.stats
            bottom.hlines(y, st.least, st.most, color=COLOURS["not_covered"], lw=1.5, zorder=1)
            bottom.barh(y, max(st.q3 - st.q1, 0.04), 0.5, left=st.q1, color="#f5dfdc", edgecolor="#555555", zorder=2)
            bottom.vlines(st.median, y - 0.25, y + 0.25, color=COLOURS["violation"], lw=2, zorder=3)
            bottom.plot([st.mean], [y], marker="D", markersize=4, color="#333333", zorder=4)
        bottom.set_yticks(spots, parties)
        bottom.set_ylim(len(parties) - 0.5, -0.5)
        bottom.tick_params(axis="y", labelsize=7)
        bottom.set_xlabel("violations in a sample: min to max, quartiles boxed, median a bar, mean ◆", fontsize=8)
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.tight_layout()
    return figure

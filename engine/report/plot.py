"""Charts (PNG or SVG) of a timeline and of a sweep, drawn with matplotlib, imported only when a chart is asked for."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from engine.analysis.sweep import Sweep, shown
from engine.analysis.timeline import NO_DAY, Timeline
from engine.ruleset.model import VERDICTS

FORMATS = ("png", "svg")
COLOURS = {
    "violation": "#c0392b",
    "permitted": "#27ae60",
    "not_covered": "#bdc3c7",
    "disputed": "#f1c40f",
    "undetermined": "#8e44ad",
}
if TYPE_CHECKING:
    from matplotlib.figure import Figure

BANDS = ("#dfe9f5", "#f5eedf", "#e3f5df", "#f5dfef")  # phase bands, in turn
SALT = "ceasefire-sim"  # matplotlib's SVG ids are hashed with it: the same chart is the same bytes
NAMED = 24  # combinations a sweep chart names under their bars; past this, only their numbers
BARS = 400  # combinations a sweep chart draws as bars; past this, as a stepped area (bars would take minutes)


# Read when a figure is made: every text drawn is the user's, never mathtext (`$x$` in a name stays `$x$`);
# typed Any as matplotlib's stubs want each key spelled as a literal.
DRAWING: Any = {"font.family": "DejaVu Sans", "text.parse_math": False}


def plot_timeline(t: Timeline, kind: str) -> bytes:
    """The timeline as a chart (see `timeline_figure`), `kind` `png` or `svg`, as bytes.

    The same timeline gives the same bytes on every run. Raises ImportError when matplotlib is absent.
    """
    return _save(timeline_figure(t), kind)


@contextmanager
def glyphs_quiet() -> Iterator[None]:
    """matplotlib draws a character its font lacks (an emoji in a party's name) as a box and warns once per
    character; the chart is still right, so the warning is not passed on."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        yield


def _save(figure: Figure, kind: str, description: str | None = None) -> bytes:
    """The figure as PNG or SVG bytes with no date or version in them (the same figure, the same bytes);
    `description` goes in the file's metadata. Raises ValueError for another `kind`."""
    import matplotlib as mpl

    if kind not in FORMATS:
        raise ValueError(f"a chart is one of {', '.join(FORMATS)}, not {kind}")
    with mpl.rc_context({"svg.hashsalt": SALT, "svg.fonttype": "path"}):
        buffer = io.BytesIO()
        metadata: dict[str, Any] = {"Date": None} if kind == "svg" else {"Software": None}
        if description is not None:
            metadata["Description"] = description
        with glyphs_quiet():
            figure.savefig(buffer, format=kind, metadata=metadata, bbox_inches="tight")
    return buffer.getvalue()


def timeline_figure(t: Timeline) -> Figure:
    """The timeline as a matplotlib figure: per day a bar stacked by verdict (each incident once, incidents on
    no one day in a bar of their own at the right), each phase shaded over the days it is in force and named,
    each escalation episode a line with its party above the bars. Raises ImportError without matplotlib."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    dates = t.dates()
    totals = {row["day"]: row for row in t.totals.iter_rows(named=True)}
    labels = [d.isoformat() for d in dates]
    rows = [totals.get(d) for d in dates]
    if None in totals:
        labels.append(NO_DAY)
        rows.append(totals[None])
    with mpl.rc_context(DRAWING):
        figure = Figure(figsize=(max(6.0, 0.45 * len(labels) + 2), 4.5), dpi=100)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(labels)))
        base = [0] * len(labels)
        for name in VERDICTS:
            heights = [0 if row is None else row[name] for row in rows]
            if any(heights):
                axes.bar(positions, heights, 0.8, bottom=base, color=COLOURS[name], label=name, zorder=2)
                base = [b + h for b, h in zip(base, heights)]
        top = max(base, default=0) or 1
        if dates:
            _bands(axes, t, dates[0], len(dates), top)
            _episodes(axes, t, dates[0], len(dates), top)
        axes.set_xticks(positions, labels, rotation=60, ha="right", fontsize=7)
        axes.set_xlim(-0.5, max(len(labels), 1) - 0.5)
        axes.set_ylim(0, top * 1.35)
        axes.set_ylabel("incidents")
        axes.set_title(f"{t.scenario} · ruleset {t.ruleset} · days in {t.timezone}", fontsize=9, loc="left")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        if positions:
            axes.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=len(VERDICTS), frameon=False)
        figure.tight_layout()
    return figure


def _x(moment: datetime, t: Timeline, first: Any) -> float:
    """Where an instant falls on the axis: day `first` spans [-0.5, 0.5), each day after it one further on."""
    midnight = datetime.combine(first, time(), t.zone)
    return (moment.astimezone(t.zone).replace(tzinfo=None) - midnight.replace(tzinfo=None)) / timedelta(days=1) - 0.5


def _bands(axes: Any, t: Timeline, first: Any, count: int, top: float) -> None:
    for i, band in enumerate(t.phases):
        start = max(_x(band.start, t, first), -0.5)
        end = count - 0.5 if band.until is None else min(_x(band.until, t, first), count - 0.5)
        if end <= start:
            continue
        axes.axvspan(start, end, color=BANDS[i % len(BANDS)], zorder=0, lw=0)
        axes.text(start + 0.05, top * 1.3, band.phase, fontsize=8, va="top", ha="left", style="italic")


def _episodes(axes: Any, t: Timeline, first: Any, count: int, top: float) -> None:
    for i, episode in enumerate(t.episodes):
        start = max(_x(episode.start, t, first), -0.5)
        end = min(_x(episode.until, t, first), count - 0.5)
        y = top * (1.05 + 0.06 * (i % 3))
        axes.plot([start, max(end, start + 0.1)], [y, y], color=COLOURS["violation"], lw=2.5, zorder=3)
        axes.text(
            start, y, f" escalation: {episode.party} ({episode.violations})", fontsize=7, va="bottom", clip_on=True
        )


def plot_sweep(s: Sweep, kind: str) -> bytes:
    """The sweep as a chart (see `sweep_figure`), `kind` `png` or `svg`, as bytes; its metadata's Description
    lists each combination's number, values and violations, one a line, however many there are.

    The same sweep gives the same bytes on every run. Raises ImportError when matplotlib is absent.
    """
    return _save(sweep_figure(s), kind, _numbered(s))


def sweep_figure(s: Sweep) -> Figure:
    """The sweep as a matplotlib figure of one axes: per combination a bar stacked by verdict (each incident
    once, violations at the bottom so that their heights compare), numbered as the table numbers its rows and,
    while there are at most NAMED combinations, named by its values; past BARS combinations the bars become a
    stepped area. A title (scenario, ruleset, what is swept), axis labels and a legend of the verdicts drawn.
    Raises ImportError without matplotlib."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    count = len(s.rows)
    widest = max((len(shown(v)) for row in s.rows for v in row.values), default=1)
    across = max(0.5, 0.075 * widest) * count if count <= NAMED else 0.02 * count
    size = (min(max(6.0, across + 3.5), 16.0), 4.5 + 0.15 * len(s.params) * (count <= NAMED))
    with mpl.rc_context(DRAWING):
        figure = Figure(figsize=size, dpi=100)
        FigureCanvasAgg(figure)
        positions = list(range(1, count + 1))
        axes = figure.add_subplot()
        base = [0] * count
        for name in VERDICTS:
            heights = [row.verdicts[name] for row in s.rows]
            if not any(heights):
                continue
            top = [b + h for b, h in zip(base, heights)]
            if count <= BARS:
                axes.bar(positions, heights, 0.8, bottom=base, color=COLOURS[name], label=name, zorder=2)
            else:
                axes.fill_between(positions, base, top, step="mid", color=COLOURS[name], label=name, lw=0, zorder=2)
            base = top
        if count <= NAMED:
            named = ["\n".join((str(i), *(shown(v) for v in row.values))) for i, row in enumerate(s.rows, 1)]
            axes.set_xticks(positions, named, fontsize=7)
        else:
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlim(0.5, max(count, 1) + 0.5)
        axes.set_ylim(0, (max(base, default=0) or 1) * 1.05)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        swept = ", ".join(p.path for p in s.params)
        values = f": {swept}" if count <= NAMED else ""
        axes.set_xlabel(f"combination, numbered as the table numbers its rows{values}", fontsize=8)
        axes.set_ylabel("incidents")
        axes.set_title(
            f"{s.scenario} · ruleset {s.ruleset}\nverdicts per combination of {swept}", fontsize=9, loc="left"
        )
        if count:
            axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
        figure.tight_layout()
    return figure


def _numbered(s: Sweep) -> str:
    """`1: policy.mistaken_target=permitted (0 violations)`, one combination a line."""
    return "\n".join(
        f"{i}: {label} ({row.verdicts['violation']} violations)"
        for i, (label, row) in enumerate(zip(s.labels(), s.rows), 1)
    )

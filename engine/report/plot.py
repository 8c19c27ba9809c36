"""A timeline as a chart (PNG or SVG), drawn with matplotlib, which is imported only when a chart is asked for."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

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


# Read when a figure is made: every text drawn is the user's, never mathtext (`$x$` in a name stays `$x$`);
# typed Any as matplotlib's stubs want each key spelled as a literal.
DRAWING: Any = {"font.family": "DejaVu Sans", "text.parse_math": False}


def plot_timeline(t: Timeline, kind: str) -> bytes:
    """The timeline as a chart (see `timeline_figure`), `kind` `png` or `svg`, as bytes.

    The same timeline gives the same bytes on every run. Raises ImportError when matplotlib is absent.
    """
    import matplotlib as mpl

    if kind not in FORMATS:
        raise ValueError(f"a chart is one of {', '.join(FORMATS)}, not {kind}")
    figure = timeline_figure(t)
    with mpl.rc_context({"svg.hashsalt": SALT, "svg.fonttype": "path"}):
        buffer = io.BytesIO()
        metadata: dict[str, Any] = {"Date": None} if kind == "svg" else {"Software": None}
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

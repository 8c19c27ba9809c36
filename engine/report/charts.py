"""Charts for the HTML reports: matplotlib figures as SVG text inside a page, the same bytes for the same input."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.report.plot import COLOURS, DRAWING, SALT, glyphs_quiet
from engine.ruleset.model import VERDICTS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MOST_BARS = 30  # bars a chart of parties or combinations draws; the page's tables list every one

# Text stays text (`svg.fonttype` none): a tenth of the size of glyphs drawn as paths, and selectable.
_SVG: Any = {"svg.fonttype": "none"}
_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # the XML declaration and DOCTYPE, invalid inside HTML
_ID = re.compile(r'\bid="([^"]+)"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def inline_svg(figure: Figure, name: str) -> str:
    """`figure` as an `<svg id="NAME">` element for an HTML page: no XML prologue and no metadata, every id
    within it prefixed with `name` (matplotlib numbers its groups `figure_1`, `axes_1`, … in every chart) so
    that the charts of one page never share one. The same figure gives the same text on every run."""
    import matplotlib as mpl

    with mpl.rc_context({**_SVG, "svg.hashsalt": SALT}):
        buffer = io.StringIO()
        with glyphs_quiet():
            figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = _METADATA.sub("", _PROLOGUE.sub("", buffer.getvalue()))
    ids = "|".join(re.escape(i) for i in sorted(set(_ID.findall(text)), key=len, reverse=True))
    if ids:
        text = re.sub(rf'(\bid="|#)({ids})(?=[")])', rf"\g<1>{name}-\g<2>", text)
    return text.replace("<svg ", f'<svg id="{name}" role="img" ', 1).strip()


def counts_figure(rows: Mapping[str, Mapping[str, int]], title: str) -> Figure:
    """A horizontal bar per row (a party, a ruleset), stacked by verdict in `VERDICTS` order, the first row at
    the top; at most `MOST_BARS` rows, which the caller chooses. Raises ImportError without matplotlib."""
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    names = list(rows)
    with mpl.rc_context(DRAWING):
        figure = Figure(figsize=(7.0, 1.5 + 0.32 * max(len(names), 1)), dpi=100, layout="constrained")
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(names)))
        base = [0] * len(names)
        for verdict in VERDICTS:
            widths = [rows[n].get(verdict, 0) for n in names]
            if any(widths):
                axes.barh(positions, widths, 0.7, left=base, color=COLOURS[verdict], label=verdict, zorder=2)
                base = [b + w for b, w in zip(base, widths)]
        axes.set_yticks(positions, [_short(n) for n in names], fontsize=8)
        axes.invert_yaxis()
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.grid(axis="x", color="#dddddd", zorder=0)
        axes.set_xlabel("incidents", fontsize=8)
        axes.set_title(title, fontsize=9, loc="left")
        if any(base):
            figure.legend(fontsize=7, loc="outside lower center", ncols=5, frameon=False)
    return figure


def _short(name: str, most: int = 40) -> str:
    """A label cut to `most` characters: the page's table gives it whole."""
    return name if len(name) <= most else name[: most - 1] + "…"

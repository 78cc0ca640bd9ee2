"""Interactive charts for the portal: a chart is data, drawn in the browser by plotly.js.

The script comes from the installed `plotly` package (served under /static/vendor/plotly, never a CDN) and is
fetched only by pages that hold a chart (static/charts.js loads it on demand), so the page keeps
`script-src 'self'`. Each chart also carries its numbers as a table, for a screen reader, a printout and a browser
without scripts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Literal

from starlette.staticfiles import StaticFiles

PLOTLY_STATIC = Path(str(files("plotly"))) / "package_data"
PLOTLY_URL = "/static/vendor/plotly"
PLOTLY_SCRIPT = "plotly.min.js"

ChartKind = Literal["bar", "stacked", "line", "pie"]

# The portal's palette (app.css), then colours that stay apart for the colour-blind.
PALETTE = ("#b3261e", "#1f77b4", "#1e7b4c", "#b26b00", "#6c4ab6", "#616e7c", "#17becf", "#e377c2")


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category; `colour` where the series means one (a severity's red)."""

    name: str
    values: Sequence[int | float | Decimal | None]
    colour: str | None = None


@dataclass(frozen=True)
class Chart:
    """A titled chart over categories (months, towns, severities …); `unit` labels the value axis."""

    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    kind: ChartKind = "bar"
    unit: str = ""
    # Target lines drawn across the chart (a monthly target, a threshold), each with its label.
    targets: Sequence[tuple[str, float]] = field(default_factory=tuple)

    @property
    def rows(self) -> list[tuple[str, list[int | float | Decimal | None]]]:
        """The table under the chart: one row per category, one column per series."""
        return [(category, [s.values[i] if i < len(s.values) else None for s in self.series])
                for i, category in enumerate(self.categories)]


def _number(value: int | float | Decimal | None) -> float | int | None:
    if value is None or isinstance(value, int):
        return value
    return float(value)


def figure(chart: Chart) -> dict[str, object]:
    """The chart as plotly.js's figure JSON (data and layout)."""
    categories = list(chart.categories)
    data: list[dict[str, object]]
    if chart.kind == "pie":
        first = chart.series[0] if chart.series else Series("", [])
        data = [{"type": "pie", "labels": categories, "values": [_number(v) for v in first.values],
                 "marker": {"colors": list(PALETTE)}, "hole": 0.4, "sort": False}]
    else:
        data = [{
            "type": "scatter" if chart.kind == "line" else "bar",
            "mode": "lines+markers" if chart.kind == "line" else None,
            "name": series.name, "x": categories, "y": [_number(v) for v in series.values],
            "marker": {"color": series.colour or PALETTE[index % len(PALETTE)]},
        } for index, series in enumerate(chart.series)]
        for trace in data:
            if trace["mode"] is None:
                del trace["mode"]
    layout: dict[str, object] = {
        "title": {"text": chart.title, "font": {"size": 15}},
        "margin": {"l": 56, "r": 16, "t": 48, "b": 56},
        "height": 320,
        "font": {"family": "PingFang SC, Microsoft YaHei, Noto Sans CJK SC, sans-serif", "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
        "separators": ".,",
    }
    if chart.kind != "pie":
        layout["yaxis"] = {"title": {"text": chart.unit}, "gridcolor": "#d9e2ec", "rangemode": "tozero"}
        layout["xaxis"] = {"type": "category"}
        if chart.kind == "stacked":
            layout["barmode"] = "stack"
        if chart.targets:
            layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": value, "y1": value,
                                 "line": {"color": "#b26b00", "dash": "dash", "width": 2}}
                                for _, value in chart.targets]
            layout["annotations"] = [{"xref": "paper", "x": 1, "y": value, "xanchor": "right", "yanchor": "bottom",
                                      "text": label, "showarrow": False, "font": {"color": "#b26b00"}}
                                     for label, value in chart.targets]
    return {"data": data, "layout": layout}


def figure_json(chart: Chart) -> str:
    """The figure as the JSON a `data-figure` attribute carries."""
    return json.dumps(figure(chart), ensure_ascii=False, separators=(",", ":"))


class _PlotlyScript(StaticFiles):
    """The package's directory holds sample datasets and other bundles too: only the script is served."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        return super().lookup_path(path) if path == PLOTLY_SCRIPT else ("", None)


def plotly_static() -> StaticFiles:
    """The ASGI app that serves plotly.js at PLOTLY_URL (with ETag and Last-Modified, so browsers cache it)."""
    return _PlotlyScript(directory=PLOTLY_STATIC)

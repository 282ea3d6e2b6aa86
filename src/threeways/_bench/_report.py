"""The figures for people: a table in the terminal (or Markdown), and the scaling curves as SVG.

The SVG is written by hand, as the timelines are (:mod:`threeways._timeline`): three small
line charts need a few dozen elements, and a plotting library (matplotlib: tens of
megabytes, a font cache on first use) would outweigh the rest of threeways.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from rich import box
from rich.console import Console
from rich.table import Table

from . import BENCHMARKS, Figure

__all__ = ["chart_svg", "header", "markdown", "print_tables"]

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#9c755f")
"""One colour per model, in the order they are shown (the timeline's palette)."""
_FONT = "font-family='ui-monospace, Menlo, Consolas, monospace' font-size='12'"


def header(machine: dict[str, Any]) -> str:
    """One line: what the figures were measured on."""
    gil = "on" if machine["gil"] else "off"
    return (
        f"{machine['cores']} cores, {machine['implementation']} {machine['python']} "
        f"(GIL {gil}), {machine['platform']}, {machine['date']}"
    )


def number(value: float | None) -> str:
    """A figure as people read it: three significant digits, thousands separated."""
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2g}"


def _rows(figures: Iterable[Figure]) -> list[list[str]]:
    """A row per figure but overhead's; a size not attempted once (not for each metric)."""
    rows = []
    said = set()
    for f in figures:
        if f.benchmark == "overhead":
            continue
        if f.skipped:
            if (f.benchmark, f.model, f.n) in said:
                continue
            said.add((f.benchmark, f.model, f.n))
            spread = [f.skipped, "", ""]
        else:
            spread = [number(f.median), number(f.min), number(f.max)]
        n = f"{f.n:,}"
        rows.append([f.benchmark, f.model, f.variant, n, *spread, "" if f.skipped else f.unit])
    return rows


def _overhead_rows(figures: Iterable[Figure]) -> tuple[list[str], list[list[str]]]:
    """The overhead ratios as scenario rows and model columns: the median CPU ratio, and
    the wall one in brackets."""
    chosen = [f for f in figures if f.benchmark == "overhead"]
    models = list(dict.fromkeys(f.model for f in chosen))
    medians = {(f.variant, f.model, f.metric): f.median for f in chosen}
    rows = []
    for name in dict.fromkeys(f.variant for f in chosen if f.variant):  # not a model skipped
        row = [name]
        for model in models:
            cpu, wall = (medians.get((name, model, m)) for m in ("cpu ratio", "wall ratio"))
            row.append("-" if cpu is None or wall is None else f"{cpu:.2f} ({wall:.2f})")
        rows.append(row)
    return models, rows


COLUMNS = ("benchmark", "model", "variant", "n", "median", "min", "max", "unit")


def print_tables(out: Console, machine: dict[str, Any], figures: Sequence[Figure]) -> None:
    """The figures as rich tables: the costs, then the harness's overhead."""
    out.print(f"[bold]threeways bench[/bold]: {header(machine)}")
    rows = _rows(figures)
    if rows:
        table = Table(*COLUMNS, box=box.SIMPLE_HEAD)
        for column in table.columns[3:7]:
            column.justify = "right"
        for row, before in zip(rows, [None, *rows[:-1]], strict=True):
            first = before is None or before[0] != row[0]
            table.add_row(row[0] if first else "", *row[1:])
        out.print(table)
    models, overhead = _overhead_rows(figures)
    if overhead:
        table = Table("overhead at tick=0: CPU (wall)", *models, box=box.SIMPLE_HEAD)
        for column in table.columns[1:]:
            column.justify = "right"
        for row in overhead:
            table.add_row(*row)
        out.print(table)


def markdown(machine: dict[str, Any], figures: Sequence[Figure]) -> str:
    """The same tables in Markdown, for the README."""
    lines = [f"Measured on {header(machine)}.", ""]
    lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(figures)]
    models, overhead = _overhead_rows(figures)
    if overhead:
        lines += ["", "| overhead at tick=0: CPU (wall) | " + " | ".join(models) + " |"]
        lines += ["|---|" + "---:|" * len(models)]
        lines += ["| " + " | ".join(row) + " |" for row in overhead]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- the chart


class Series(NamedTuple):
    label: str
    colour: str
    points: list[tuple[float, float, float, float]]
    """(x, median, min, max) for each size."""


def _series(figures: Sequence[Figure], benchmark: str, metric: str) -> list[Series]:
    models = list(dict.fromkeys(f.model for f in figures))
    found = []
    for i, model in enumerate(models):
        points = [
            (float(f.n), f.median, f.min, f.max)
            for f in figures
            if f.model == model and f.benchmark == benchmark and f.metric == metric
            if f.median is not None and f.min is not None and f.max is not None
        ]
        if points:
            found.append(Series(model, COLOURS[i % len(COLOURS)], points))
    return found


class _Axis(NamedTuple):
    low: float
    high: float
    log: bool

    def at(self, value: float, start: float, length: float) -> float:
        if self.log:
            low, high, value = math.log10(self.low), math.log10(self.high), math.log10(value)
        else:
            low, high = self.low, self.high
        return start + length * (value - low) / ((high - low) or 1.0)

    def ticks(self) -> list[float]:
        if self.log:
            first, last = math.floor(math.log10(self.low)), math.ceil(math.log10(self.high))
            return [10.0**e for e in range(first, last + 1)]
        step = max(1, math.ceil((self.high - self.low) / 6))
        ticks = range(math.ceil(self.low), math.floor(self.high) + 1, step)
        return [float(v) for v in ticks]


def _axis(values: list[float], log: bool, floor: float | None = None) -> _Axis:
    positive = [v for v in values if v > 0] if log else values
    low, high = min(positive, default=1.0), max(positive, default=1.0)
    if floor is not None:
        low = min(low, floor)
    if log:
        return _Axis(10.0 ** math.floor(math.log10(low)), 10.0 ** math.ceil(math.log10(high)), True)
    return _Axis(low, high if high > low else low + 1, False)


def _label(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:g}"


def _panel(
    x0: float, y0: float, title: str, series: list[Series], xlog: bool, ylog: bool, units: str
) -> list[str]:
    """One chart: an axis each way, a line per series with its min-max bars."""
    width, height = 340.0, 230.0
    left, top = x0 + 56, y0 + 30
    plot_w, plot_h = width - 70, height - 70
    xs = [p[0] for s in series for p in s.points]
    ys = [v for s in series for p in s.points for v in p[1:]]
    xa = _axis(xs, xlog)
    ya = _axis(ys, ylog, floor=None if ylog else 0.0)
    if not ylog and series and title.startswith("cpu"):
        ya = _Axis(0.0, max(ya.high, xa.high) + 0.5, False)  # room for the ideal line
    parts = [f"<text x='{x0 + 8}' y='{y0 + 16}' font-weight='bold'>{escape(title)}</text>"]
    if not series:
        parts.append(f"<text x='{left}' y='{top + plot_h / 2}' fill='#666'>not measured</text>")
        return parts
    for t in xa.ticks():
        x = xa.at(t, left, plot_w)
        parts.append(
            f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{top + plot_h}' stroke='#eee'/>"
        )
        parts.append(
            f"<text x='{x:.1f}' y='{top + plot_h + 16}' text-anchor='middle' fill='#666'>"
            f"{_label(t)}</text>"
        )
    for t in ya.ticks():
        y = ya.at(t, top + plot_h, -plot_h)
        parts.append(
            f"<line x1='{left}' y1='{y:.1f}' x2='{left + plot_w}' y2='{y:.1f}' stroke='#eee'/>"
        )
        parts.append(
            f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end' fill='#666'>{_label(t)}</text>"
        )
    parts.append(
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='#999'/>"
    )
    parts.append(
        f"<text x='{left + plot_w / 2}' y='{top + plot_h + 34}' text-anchor='middle'>"
        f"{escape(units)}</text>"
    )
    if title.startswith("cpu"):  # the ideal: n workers, n times as fast
        a, b = xa.low, min(xa.high, ya.high)
        parts.append(
            f"<line x1='{xa.at(a, left, plot_w):.1f}' y1='{ya.at(a, top + plot_h, -plot_h):.1f}' "
            f"x2='{xa.at(b, left, plot_w):.1f}' y2='{ya.at(b, top + plot_h, -plot_h):.1f}' "
            "stroke='#999' stroke-dasharray='4 3'><title>ideal speed-up</title></line>"
        )
    for s in series:
        points = []
        for x, median, low, high in s.points:
            px = xa.at(x, left, plot_w)
            points.append(f"{px:.1f},{ya.at(median, top + plot_h, -plot_h):.1f}")
            y_low, y_high = (ya.at(v, top + plot_h, -plot_h) for v in (low, high))
            tip = f"{s.label} n={x:g}: median {median:.4g} (min {low:.4g}, max {high:.4g})"
            parts.append(
                f"<g><title>{escape(tip)}</title>"
                f"<line x1='{px:.1f}' y1='{y_low:.1f}' x2='{px:.1f}' y2='{y_high:.1f}' "
                f"stroke='{s.colour}' stroke-width='2'/>"
                f"<circle cx='{px:.1f}' cy='{ya.at(median, top + plot_h, -plot_h):.1f}' r='3.5' "
                f"fill='{s.colour}'/></g>"
            )
        parts.append(
            f"<polyline points='{' '.join(points)}' fill='none' stroke='{s.colour}' "
            "stroke-width='2'/>"
        )
    return parts


def chart_svg(machine: dict[str, Any], figures: Sequence[Figure]) -> str:
    """The scaling curves as a standalone SVG: cpu-scaling's speed-up, io-scaling's wall
    time and memory per wait (log scales), one colour per model, bars from min to max."""
    panels = [
        ("cpu-scaling: speed-up", "cpu-scaling", "speed-up", False, False, "workers"),
        ("io-scaling: wall time (s)", "io-scaling", "time", True, True, "concurrent waits"),
        ("io-scaling: KiB per wait", "io-scaling", "memory", True, True, "concurrent waits"),
    ]
    body: list[str] = []
    for i, (title, benchmark, metric, xlog, ylog, units) in enumerate(panels):
        series = _series(figures, benchmark, metric)
        body += _panel(10 + i * 350, 40, title, series, xlog, ylog, units)
    models = list(dict.fromkeys(f.model for f in figures if f.benchmark in BENCHMARKS[3:5]))
    lx = 20
    for i, model in enumerate(models):
        colour = COLOURS[i % len(COLOURS)]
        body.append(
            f"<rect x='{lx}' y='290' width='14' height='14' fill='{colour}'/>"
            f"<text x='{lx + 20}' y='302'>{escape(model)}</text>"
        )
        lx += 40 + 8 * len(model)
    width, height = 1070, 320
    title = f"threeways bench: {header(machine)}"
    return "\n".join(
        [
            "<?xml version='1.0' encoding='UTF-8'?>",
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' {_FONT}>",
            f"<title>{escape(title)}</title>",
            f"<rect width='{width}' height='{height}' fill='white'/>",
            f"<text x='10' y='20' font-size='14' font-weight='bold'>{escape(title)}</text>",
            *body,
            "</svg>",
            "",
        ]
    )

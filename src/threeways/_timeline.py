"""What the workers did, when: one lane per actor on a shared time axis.

The bars come from the scenario's :meth:`~threeways.Scenario.timeline` hook, which turns a
run's events into spans (an actor running, waiting, holding a lock or a slot, or a state
of the scenario's own, like a light's colour). :func:`timeline_text` draws them in the
terminal with Unicode blocks, :func:`timeline_svg` as a standalone SVG picture. Several
runs (``--model=all``) are stacked on one time axis, so their lengths compare.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from rich.text import Text

from ._protocol import WAITS, Mark, Result, Span
from ._registry import get_scenario

__all__ = ["Lanes", "lanes", "timeline_svg", "timeline_text"]

STATES: dict[str, tuple[str, str, str]] = {
    "running": ("█", "blue", "#4e79a7"),
    "waiting": ("░", "yellow", "#e8c547"),
    "holding": ("▓", "magenta", "#b07aa1"),
    "red": ("▀", "red", "#e15759"),
    "green": ("▄", "green", "#59a14f"),
}
"""state: (terminal glyph, terminal colour, SVG colour) for the states most scenarios use.
Each glyph has a shape of its own, so the picture reads without colour too (piped)."""
OTHER_STATES = [
    ("▞", "cyan", "#76b7b2"),
    ("▌", "bright_blue", "#a0cbe8"),
    ("◆", "bright_magenta", "#d4a6c8"),
    ("▪", "bright_green", "#8cd17d"),
    ("▒", "bright_red", "#ff9da7"),
    ("≡", "bright_cyan", "#9c755f"),
    ("▐", "bright_yellow", "#f1ce63"),
    ("•", "white", "#bab0ac"),
]
"""Looks for a scenario's own states, given in the order of their names; after these,
letters (never one look for two states)."""
LABEL_MAX = 14
"""Actor names longer than this are cut in the terminal."""


@dataclass(frozen=True)
class Lanes:
    """The timeline of one run: its actors in order of first appearance, and their spans."""

    model: str
    actors: tuple[str, ...]
    spans: tuple[Span, ...]
    end: float
    """When the run ended (seconds after it started)."""
    marks: tuple[Mark, ...] = ()
    """The run's phases, each from its mark to the next, named on the axis."""


def lanes(result: Result) -> Lanes:
    """The timeline of ``result``, from its scenario's ``timeline`` hook.

    A span may end at ``math.inf``: it lasts until the run ended. In a failed run, each
    actor still running is drawn in what it last did until the end (waiting, when its
    last action was a wait).
    """
    sc = get_scenario(result.scenario)
    spans = sc.timeline(result.events, sc.params(**result.params))
    end = max([result.elapsed_s, *(e.t for e in result.events)])
    end = max([end, *(s.end for s in spans if s.end != math.inf)])
    spans = [s._replace(end=min(s.end, end)) for s in spans]
    if result.failure is not None:
        drawn: dict[str, float] = {}
        for s in spans:
            drawn[s.actor] = max(drawn.get(s.actor, s.end), s.end)
        for e in result.failure.still_running:
            if drawn.get(e.actor, -1.0) <= e.t:  # nothing drawn past its last event
                state = "waiting" if e.action.startswith(WAITS) else "running"
                spans.append(Span(e.actor, e.t, end, state))
    actors = dict.fromkeys(e.actor for e in result.events)
    actors.update(dict.fromkeys(s.actor for s in spans))
    marks = sorted(sc.marks(result.events, sc.params(**result.params)))
    return Lanes(result.model, tuple(actors), tuple(_merged(spans)), end, tuple(marks))


def _merged(spans: Sequence[Span]) -> list[Span]:
    """The spans with each actor's touching spans of one state joined into one bar
    (and empty ones dropped, which would otherwise split a bar)."""
    merged: list[Span] = []
    last: dict[str, int] = {}
    for span in sorted((s for s in spans if s.end > s.start), key=lambda s: (s.actor, s.start)):
        i = last.get(span.actor)
        if i is not None and merged[i].state == span.state and span.start - merged[i].end < 1e-9:
            merged[i] = merged[i]._replace(end=max(merged[i].end, span.end))
            continue
        last[span.actor] = len(merged)
        merged.append(span)
    return merged


def _looks(runs: Sequence[Lanes]) -> dict[str, tuple[str, str, str]]:
    """Glyph and colours of every state in ``runs``, known states first; no two alike."""
    seen = dict.fromkeys(s.state for run in runs for s in run.spans)
    known = {state: look for state, look in STATES.items() if state in seen}
    others = sorted(s for s in seen if s not in STATES)  # by name: the same look every run
    for i, state in enumerate(others):
        if i < len(OTHER_STATES):
            known[state] = OTHER_STATES[i]
        else:
            known[state] = (chr(ord("a") + (i - len(OTHER_STATES)) % 26), "default", "#888888")
    return known


def _same_order(runs: Sequence[Lanes]) -> list[Lanes]:
    """The runs with their actors in one order (the first run's), so lanes line up."""
    order = {a: i for i, a in enumerate(dict.fromkeys(a for r in runs for a in r.actors))}
    return [
        Lanes(r.model, tuple(sorted(r.actors, key=order.__getitem__)), r.spans, r.end, r.marks)
        for r in runs
    ]


def _ticks(end: float, count: int) -> list[float]:
    """Round times from 0 to ``end``, about ``count`` of them."""
    if end <= 0:
        return [0.0]
    raw = end / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(end / step + 1e-9) + 1)]


def _seconds(t: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step))) if step > 0 else 0
    return f"{t:.{decimals}f}s"


# ---------------------------------------------------------------------------- terminal


def timeline_text(runs: Sequence[Lanes], width: int) -> Text:
    """The runs drawn with Unicode blocks, one lane per actor, on one time axis."""
    looks = _looks(runs)
    runs = _same_order(runs)
    label = min(LABEL_MAX, max([len(a) for r in runs for a in r.actors] + [5])) + 3
    cells = max(10, width - label)
    end = max([r.end for r in runs] + [1e-9])
    text = Text()
    text.append_text(_axis(label, cells, end))
    for run in runs:
        took = Text(f"  ended at {run.end:.3f} s", style="dim")
        text.append_text(Text(run.model, style="bold") + took + "\n")
        if run.marks:
            text.append(f"  {'phases'[: label - 3]:<{label - 3}} ", style="dim")
            text.append(_phases(run.marks, cells, end, run.end) + "\n", style="bold cyan")
        for actor in run.actors:
            name = actor if len(actor) <= LABEL_MAX else actor[: LABEL_MAX - 1] + "…"
            text.append(f"  {name:<{label - 3}} ")
            text.append_text(_lane([s for s in run.spans if s.actor == actor], cells, end, looks))
            text.append("\n")
    line = 0
    for state, (glyph, colour, _) in looks.items():
        item = f"{glyph * 2} {state}   "
        if line and line + len(item) > width:  # the legend wraps between its entries
            text.append("\n")
            line = 0
        text.append(glyph * 2, style=colour)
        text.append(f" {state}   ")
        line += len(item)
    return text.append("\n")


def _axis(label: int, cells: int, end: float) -> Text:
    ticks = _ticks(end, max(1, cells // 12))
    step = ticks[1] if len(ticks) > 1 else end
    scale = cells / end
    ruler = ["─"] * cells
    numbers = [" "] * cells
    for t in ticks:
        at = min(cells - 1, int(t * scale))
        ruler[at] = "┬"
        mark = _seconds(t, step)
        start = min(at, cells - len(mark))  # the last one ends at the edge, not beyond
        if all(c == " " for c in numbers[max(0, start - 1) : start + len(mark)]):
            numbers[start : start + len(mark)] = mark
    pad = " " * label
    return Text(pad + "".join(numbers).rstrip() + "\n" + pad + "".join(ruler) + "\n", style="dim")


def _phases(marks: Sequence[Mark], cells: int, end: float, run_end: float) -> str:
    """One row: each phase begins with "│" under its mark, its name cut to the room it has."""
    row = [" "] * cells
    scale = cells / end
    bounds = [*(m.t for m in marks[1:]), run_end]
    for mark, until in zip(marks, bounds, strict=True):
        first = min(cells - 1, int(mark.t * scale))
        room = max(1, int(until * scale) - first)
        row[first : first + room] = ("│" + mark.label)[:room].ljust(room)
    return "".join(row[:cells]).rstrip()


def _lane(
    spans: list[Span], cells: int, end: float, looks: dict[str, tuple[str, str, str]]
) -> Text:
    """One lane: in each cell, the state that filled most of its time."""
    cover: list[dict[str, float]] = [{} for _ in range(cells)]
    size = end / cells
    for span in spans:
        first = max(0, int(span.start / size))
        last = min(cells - 1, int(span.end / size))
        for i in range(first, last + 1):
            overlap = min(span.end, (i + 1) * size) - max(span.start, i * size)
            if overlap > 0 or span.start == span.end:
                cover[i][span.state] = cover[i].get(span.state, 0.0) + max(overlap, 1e-12)
    text = Text()
    for cell in cover:
        if not cell:
            text.append(" ")
            continue
        glyph, colour, _ = looks[max(cell, key=lambda s: cell[s])]
        text.append(glyph, style=colour)
    return text


# ---------------------------------------------------------------------------- SVG

_FONT = "font-family='ui-monospace, Menlo, Consolas, monospace' font-size='12'"


def timeline_svg(runs: Sequence[Lanes], title: str) -> str:
    """The same picture as a standalone SVG (no scripts, no external fonts or files)."""
    looks = _looks(runs)
    runs = _same_order(runs)
    longest = max([len(a) for r in runs for a in r.actors] + [8])
    left, bar, lane, gap = 24 + 7 * min(longest, 24), 900.0, 18, 4
    end = max([r.end for r in runs] + [1e-9])

    def x(t: float) -> float:
        return left + bar * t / end

    ticks = _ticks(end, 10)
    step = ticks[1] if len(ticks) > 1 else end
    body: list[str] = []
    y = 56
    for run in runs:
        body.append(f"<text x='8' y='{y + 14}' font-weight='bold'>{escape(run.model)}</text>")
        body.append(
            f"<text x='{left + bar}' y='{y + 14}' text-anchor='end' fill='#666'>"
            f"ended at {run.end:.3f} s</text>"
        )
        y += 22
        if run.marks:  # a row for the names of the phases
            for mark in run.marks:  # a name near the right edge ends at its mark instead
                near_end = x(mark.t) + 7 * len(mark.label) > left + bar
                where = (x(mark.t) - 3, "end") if near_end else (x(mark.t) + 3, "start")
                body.append(
                    f"<text x='{where[0]:.2f}' y='{y + 11}' text-anchor='{where[1]}' "
                    f"fill='#1f5f8b'>{escape(mark.label)}</text>"
                )
            y += 16
        top = y
        for actor in run.actors:
            body.append(f"<text x='16' y='{y + 13}'>{escape(actor[:24])}</text>")
            body.append(f"<rect x='{left}' y='{y}' width='{bar}' height='{lane}' fill='#f4f4f4'/>")
            for s in (s for s in run.spans if s.actor == actor):
                tip = f"{actor} {s.state} {s.start:.3f}s to {s.end:.3f}s"
                body.append(
                    f"<rect x='{x(s.start):.2f}' y='{y}' "
                    f"width='{max(0.5, x(s.end) - x(s.start)):.2f}' height='{lane}' "
                    f"fill='{looks[s.state][2]}'><title>{escape(tip)}</title></rect>"
                )
            y += lane + gap
        for mark in run.marks:  # a phase begins: a dashed line down its lanes
            body.append(
                f"<line x1='{x(mark.t):.2f}' y1='{top - 16}' x2='{x(mark.t):.2f}' y2='{y}' "
                "stroke='#333' stroke-dasharray='4 3'/>"
            )
        y += 10
    grid = [
        f"<line x1='{x(t):.2f}' y1='40' x2='{x(t):.2f}' y2='{y}' stroke='#ddd'/>"
        f"<text x='{x(t):.2f}' y='36' text-anchor='middle' fill='#666'>"
        f"{_seconds(t, step)}</text>"
        for t in ticks
    ]
    legend, lx = [], left
    for state, (_, _, colour) in looks.items():
        legend.append(
            f"<rect x='{lx}' y='{y + 6}' width='14' height='14' fill='{colour}'/>"
            f"<text x='{lx + 20}' y='{y + 18}'>{escape(state)}</text>"
        )
        lx += 40 + 8 * len(state)
    height = y + 32
    width = int(left + bar + 24)
    return "\n".join(
        [
            "<?xml version='1.0' encoding='UTF-8'?>",
            f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
            f"viewBox='0 0 {width} {height}' {_FONT}>",
            f"<title>{escape(title)}</title>",
            f"<rect width='{width}' height='{height}' fill='white'/>",
            f"<text x='8' y='18' font-size='14' font-weight='bold'>{escape(title)}</text>",
            *grid,
            *body,
            *legend,
            "</svg>",
            "",
        ]
    )

"""Terminal output: a run told as a story, and several runs side by side."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ._protocol import Result, Scenario

__all__ = ["MIN_COLUMN", "compact", "console", "narrative", "print_results", "print_runs"]

MIN_COLUMN = 30
"""The narrowest a column may be before the runs are stacked instead of side by side."""


def console() -> Console:
    """A console that follows the terminal: its width, colour only when it is a terminal
    (and ``NO_COLOR`` is unset), plain text when piped."""
    return Console(highlight=False, soft_wrap=False)


def compact(value: Any) -> str:
    """Plain data as one line of JSON."""
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def narrative(scenario: Scenario[Any], result: Result) -> Text:
    """The events of one run, one line each, then how long it took and whether it is ok."""
    text = Text()
    for event in result.events:
        text.append(f"{event.t:6.2f}s ", style="dim")
        text.append(scenario.narrate(event) + "\n")
    text.append(f"took {result.elapsed_s:.2f} s", style="bold")
    if result.start_method:
        text.append(f" ({result.start_method})", style="dim")
    text.append("\n")
    if result.failure is not None:
        return text.append(f"failed: {result.failure.message}", style="bold red")
    for key, value in result.measurements.items():
        text.append(f"{key}: {compact(value)}\n", style="cyan")
    for line in result.violations:
        text.append(f"VIOLATED: {line}\n", style="bold red")
    if result.observable != result.expected:
        text.append(f"expected {compact(result.expected)}\n", style="red")
    text.append(f"observable {compact(result.observable)}", style="green" if result.ok else "red")
    return text


def print_runs(
    out: Console, scenario: Scenario[Any], runs: Sequence[tuple[str, Result | str]]
) -> None:
    """Print each model's story: in columns when the terminal is wide enough, else stacked.

    A run is a :class:`Result`, or a string saying why the model failed to finish.
    """
    stories = [
        (model, narrative(scenario, r) if isinstance(r, Result) else Text(r, style="bold red"))
        for model, r in runs
    ]
    if len(stories) > 1 and out.width >= MIN_COLUMN * len(stories):
        table = Table(expand=True, show_lines=False, pad_edge=False)
        for model, _ in stories:
            table.add_column(model, ratio=1, overflow="fold")
        table.add_row(*(story for _, story in stories))
        out.print(table)
    else:
        out.print(Group(*(Group(Text(f"── {m} ──", style="bold"), s, Text()) for m, s in stories)))


def print_results(results: Sequence[Result]) -> None:
    """Print the runs of one scenario side by side (stacked on a narrow terminal)."""
    from ._registry import get_scenario

    scenario = get_scenario(results[0].scenario)
    print_runs(console(), scenario, [(r.model, r) for r in results])

"""Terminal output: a run told as a story, and several runs side by side."""

from __future__ import annotations

import io
import json
import re
import sys
import textwrap
import typing
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ._protocol import Result, Scenario

__all__ = [
    "MIN_COLUMN",
    "blocks",
    "compact",
    "console",
    "narrative",
    "print_results",
    "print_runs",
    "prose",
]

MIN_COLUMN = 30
"""The narrowest a column may be before the runs are stacked instead of side by side."""


def console() -> Console:
    """A console that follows where its output goes.

    On a terminal: the terminal's width, colour (unless ``NO_COLOR`` is set). Piped or
    redirected: plain text, a line of text never wrapped and no line padded with spaces
    (``threeways list | grep pool`` finds the whole line); tables keep their layout.
    """
    out = Console(highlight=False, soft_wrap=False)
    if out.is_terminal:
        return out
    piped = typing.cast(TextIO, _Unpadded(sys.stdout))
    return Console(file=piped, highlight=False, soft_wrap=True, width=out.width)


class _Unpadded(io.TextIOBase):
    """A text stream that passes lines on to ``stream`` without their trailing spaces."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._line = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *done, self._line = (self._line + text).split("\n")
        if done:
            self._stream.write("".join(line.rstrip() + "\n" for line in done))
        return len(text)

    def flush(self) -> None:
        if not self._stream.closed:  # collected after its stream (pytest's capture) closed
            self._stream.flush()

    def isatty(self) -> bool:
        return False


CODE = re.compile(r"``(.+?)``|`([^`\n]+)`")
"""Inline code in the lessons (reST's ``double`` and Markdown's `single` backticks)."""


def blocks(text: str) -> list[tuple[str, str]]:
    """The paragraphs (``"para"``) and list items (``"item"``, a line beginning ``- ``,
    continued by indented lines) of a lesson, each joined into one line."""
    found: list[tuple[str, str]] = []
    kind, lines = "para", list[str]()
    for raw in textwrap.dedent(text).strip().splitlines():
        line = raw.strip()
        item = line.startswith(("- ", "* "))
        if not line or item or (kind == "item" and not raw[:1].isspace()):
            if lines:
                found.append((kind, " ".join(lines)))
            kind, lines = ("item" if item else "para"), []
        if line:
            lines.append(line[2:].strip() if item else line)
    if lines:
        found.append((kind, " ".join(lines)))
    return found


def _inline(body: str, terminal: bool) -> Text:
    """``body`` with its code marks dropped (and the code in colour on a terminal)."""
    text = Text()
    at = 0
    for match in CODE.finditer(body):
        text.append(body[at : match.start()])
        text.append(match.group(1) or match.group(2), style="cyan" if terminal else "")
        at = match.end()
    return text.append(body[at:])


def prose(text: str, terminal: bool, indent: int = 2) -> Group:
    """A lesson for the terminal: paragraphs reflowed to its width, lists kept, markup
    dropped. Piped, each paragraph and item is one line, never wrapped."""
    parts: list[Any] = []
    previous = ""
    for kind, body in blocks(text):
        if parts and not (kind == previous == "item"):
            parts.append(Text())
        if terminal and kind == "item":  # a hanging indent under the bullet
            grid = Table.grid(padding=(0, 1, 0, 0))
            grid.add_column(width=indent + 1, justify="right")
            grid.add_column(ratio=1)
            grid.add_row("•", _inline(body, terminal))
            parts.append(grid)
        elif terminal:
            parts.append(Padding(_inline(body, terminal), (0, 0, 0, indent)))
        else:
            bullet = "- " if kind == "item" else ""
            parts.append(Text(" " * indent + bullet) + _inline(body, terminal))
        previous = kind
    return Group(*parts)


def compact(value: Any) -> str:
    """Plain data as one line of JSON."""
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False)


def narrative(scenario: Scenario[Any], result: Result) -> Text:
    """The events of one run, one line each, then how long it took and whether it is ok."""
    text = Text()
    for event in result.events:
        text.append(f"{event.t:7.3f}s ", style="dim")
        text.append(scenario.narrate(event) + "\n")
    text.append(f"took {result.elapsed_s:.3f} s", style="bold")
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

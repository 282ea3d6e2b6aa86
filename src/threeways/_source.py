"""The four implementations of a scenario, cut into steps and lined up: ``threeways show``.

Every model module marks its steps with a comment on a line of its own::

    # step: wait for green        (a step every model has)
    # own step: fresh Event       (a step only some models need)

:func:`read_steps` cuts a module into segments, one per mark, plus the *opening*
(docstring and imports) before the first; a segment runs to the next mark, except that
the ``def`` line of a function starts the segment of the function's first step rather
than ending the previous one. :func:`align` lines the segments of several models up by
label; :func:`problems` says where the labels of a scenario disagree (the test that every
scenario's models stay in step); :func:`print_show` draws the result in columns.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from ._protocol import Scenario

__all__ = [
    "Row",
    "Segment",
    "Steps",
    "align",
    "print_show",
    "problems",
    "read_steps",
    "relative_path",
    "shown_rows",
]

MARK = re.compile(r"^\s*#\s*(?P<own>own\s+)?step\s*:\s*(?P<label>.*?)\s*$", re.IGNORECASE)
"""A step mark on a line of its own: ``# step: label`` or ``# own step: label``."""
TRAILING_MARK = re.compile(r"\S.*#\s*(own\s+)?step\s*:", re.IGNORECASE)
"""A step mark after code on the same line: not a mark (and reported as a problem)."""
OPENING = "opening: docstring and imports"
"""The title of the row before the first step."""
MIN_CODE_COLUMN = 44
"""The narrowest a code column may be before the models are stacked instead."""
THEME = "ansi_dark"
"""Syntax colours from the terminal's own palette, readable on dark and light backgrounds."""


@dataclass(frozen=True)
class Segment:
    """Consecutive lines of one model module: the opening, or one step."""

    label: str | None
    """The step's label; None for the opening."""
    own: bool
    """Marked ``# own step:``: only some models have it."""
    first_line: int
    """The line number (from 1) of the first line in the file."""
    lines: tuple[str, ...]

    @property
    def code(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Steps:
    """One model module, cut at its step marks."""

    model: str
    path: str
    segments: tuple[Segment, ...]
    trailing_marks: tuple[int, ...] = ()
    """Lines with a step mark after code, which does not count as a mark."""

    def step_keys(self) -> list[tuple[str | None, int]]:
        """Each segment's label with its occurrence (a label may mark two places)."""
        seen: dict[str | None, int] = {}
        keys = []
        for segment in self.segments:
            seen[segment.label] = seen.get(segment.label, 0) + 1
            keys.append((segment.label, seen[segment.label]))
        return keys


@dataclass(frozen=True)
class Row:
    """One step across the models shown: each model's segment, or None where it has none."""

    label: str | None
    occurrence: int
    own: bool
    cells: dict[str, Segment | None]
    having: tuple[str, ...] | None = None
    """Every model of the scenario that has this step, shown or not (None: those in cells)."""

    @property
    def title(self) -> str:
        if self.label is None:
            return OPENING
        label = self.label if self.occurrence == 1 else f"{self.label} ({self.occurrence})"
        if not self.own:
            return label
        having = self.having or tuple(m for m, s in self.cells.items() if s is not None)
        return f"{label}  (own step: {', '.join(having) or 'none of these'} only)"


def shown_rows(sc: Scenario[Any], models: Sequence[str]) -> list[Row]:
    """The rows of ``models``, lined up as in all the scenario's models: a step's title
    names every model that has it, not only those shown."""
    rows = align([read_steps(sc, m) for m in sc.models])
    return [
        Row(
            r.label,
            r.occurrence,
            r.own,
            {m: r.cells[m] for m in models},
            tuple(m for m, seg in r.cells.items() if seg is not None),
        )
        for r in rows
        if any(r.cells[m] is not None for m in models) or not r.own
    ]


def read_steps(sc: Scenario[Any], model: str) -> Steps:
    """The module of ``sc`` for ``model``, cut at its step marks (read, not imported)."""
    path = sc.source_path(model)
    return parse_steps(model, path, Path(path).read_text(encoding="utf-8"))


def parse_steps(model: str, path: str, source: str) -> Steps:
    """Cut ``source`` at its step marks (see the module docstring)."""
    lines = source.splitlines()
    tops = _top_level_spans(source)
    starts: list[tuple[int, str | None, bool]] = [(1, None, False)]
    trailing = []
    for number, line in enumerate(lines, 1):
        match = MARK.match(line)
        if match is None:
            if TRAILING_MARK.match(line) and not line.lstrip().startswith("#"):
                trailing.append(number)
            continue
        label = " ".join(match["label"].split())
        start = number
        for top_start, top_end in tops:
            if top_start <= number <= top_end and top_start > starts[-1][0]:
                start = top_start  # the def line opens its first step's segment
        starts.append((start, label, match["own"] is not None))
    segments = []
    for (start, name, own), (end, _, _) in zip(
        starts, [*starts[1:], (len(lines) + 1, None, False)], strict=True
    ):
        chunk = lines[start - 1 : end - 1]
        while chunk and not chunk[-1].strip():
            chunk.pop()
        while chunk and not chunk[0].strip():
            chunk.pop(0)
            start += 1
        segments.append(Segment(name, own, start, tuple(chunk)))
    return Steps(model, path, tuple(segments), tuple(trailing))


def _top_level_spans(source: str) -> list[tuple[int, int]]:
    """(first line, last line) of each top-level definition, decorators included."""
    spans = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            spans.append((first, node.end_lineno or node.lineno))
    return spans


def align(models: Sequence[Steps]) -> list[Row]:
    """The rows of the side-by-side view: every step of every model, in file order.

    Steps are matched by label (and occurrence). The order is the first model's, with
    the steps it lacks merged in where the model that has them puts them.
    """
    order: list[tuple[str | None, int]] = []
    for steps in models:
        keys = steps.step_keys()
        merged: list[tuple[str | None, int]] = []
        matcher = difflib.SequenceMatcher(None, order, keys, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            merged += order[i1:i2]
            if tag in ("insert", "replace"):
                merged += [k for k in keys[j1:j2] if k not in order and k not in merged]
        order = merged
    by_model = {s.model: dict(zip(s.step_keys(), s.segments, strict=True)) for s in models}
    rows = []
    for label, occurrence in order:
        cells = {m: by_model[m].get((label, occurrence)) for m in by_model}
        own = any(s is not None and s.own for s in cells.values())
        rows.append(Row(label, occurrence, own, cells))
    return rows


def problems(models: Sequence[Steps]) -> list[str]:
    """Where the step marks of one scenario's models disagree; empty when they line up.

    Every ``# step:`` label must be in every model; a label only some models have must
    be marked ``# own step:`` (and then not be in all of them); shared steps come in the
    same order everywhere; a mark is a line of its own.
    """
    found = []
    names = [s.model for s in models]
    for steps in models:
        if not any(seg.label for seg in steps.segments):
            found.append(f"{steps.model} has no '# step:' marks")
        found += [
            f"{steps.model} line {n}: a step mark after code does not count; "
            "put it on a line of its own"
            for n in steps.trailing_marks
        ]
    for row in align(models):
        if row.label is None:
            continue
        having = [m for m, s in row.cells.items() if s is not None]
        kinds = {m: s.own for m, s in row.cells.items() if s is not None}
        if len(set(kinds.values())) > 1:
            own_in = [m for m, own in kinds.items() if own]
            found.append(f"{row.label!r} is marked 'own step' in {', '.join(own_in)} only")
        elif row.own and len(having) == len(names):
            found.append(f"own step {row.label!r} is in every model: mark it '# step:'")
        elif not row.own and len(having) < len(names):
            missing = [m for m in names if m not in having]
            found.append(
                f"step {row.label!r} is missing from {', '.join(missing)}: "
                "add it there, or mark it '# own step:' where it is"
            )
    shared = [(r.label, r.occurrence) for r in align(models) if r.label and not r.own]
    for steps in models:
        mine = [k for k in steps.step_keys() if k in shared]
        if mine != [k for k in shared if k in mine]:
            found.append(f"{steps.model} has its steps in another order: {[k[0] for k in mine]}")
    return found


def relative_path(path: str) -> str:
    """``scenarios/traffic_light/_trio.py``: where to find a model module in the package."""
    parts = Path(path).parts
    return "/".join(parts[parts.index("scenarios") :]) if "scenarios" in parts else path


# ---------------------------------------------------------------------------- show


def print_show(
    out: Console, sc: Scenario[Any], models: Sequence[str], step: str | None = None
) -> None:
    """Print ``models``' implementations of ``sc`` aligned by step (stacked when narrow).

    ``step`` keeps only the rows whose title contains it (case-insensitive).
    """
    rows = shown_rows(sc, models)
    if step is not None:
        rows = [r for r in rows if step.lower() in r.title.lower()]
    out.print(Text.assemble((sc.name, "bold"), f": {sc.summary}"))
    if not out.is_terminal:  # piped: every source line whole, stacked, no colour
        lines = []
        for row in rows:
            lines.append(f"\n── {row.title} ──")
            for model in models:
                lines.append(f"{model}:")
                segment = row.cells[model]
                if segment is None:
                    lines.append("      ·" if row.own else f"      (no {row.label!r} step)")
                    continue
                lines += [
                    f"{n:>4}  {line}" for n, line in enumerate(segment.lines, segment.first_line)
                ]
        out.print(Text("\n".join(lines)))  # Text: a [bracket] in the code is not markup
        return
    side_by_side = len(models) == 1 or out.width >= len(models) * (MIN_CODE_COLUMN + 3)
    if side_by_side:
        out.print(_columns([_heading(sc, m) for m in models]))
    for row in rows:
        out.print(Rule(Text(row.title, style="bold yellow" if row.own else "bold cyan")))
        cells = [_cell(row, m) for m in models]
        if side_by_side:
            out.print(_columns(cells))
        else:
            out.print(Group(*_stacked(sc, models, cells)))


def _heading(sc: Scenario[Any], model: str) -> Text:
    return Text.assemble(
        (model, "bold"), ("  " + relative_path(sc.source_path(model)), "dim"), overflow="fold"
    )


def _columns(cells: Iterable[RenderableType]) -> Table:
    cells = list(cells)
    table = Table.grid(expand=True, padding=(0, 1))
    for _ in cells:
        table.add_column(ratio=1)
    table.add_row(*cells)
    return table


def _stacked(
    sc: Scenario[Any], models: Sequence[str], cells: list[RenderableType]
) -> Iterable[RenderableType]:
    for model, cell in zip(models, cells, strict=True):
        yield Text(f"{model}:", style="bold")
        yield cell


def _cell(row: Row, model: str) -> RenderableType:
    segment = row.cells[model]
    if segment is not None:
        return Syntax(
            segment.code,
            "python",
            theme=THEME,
            line_numbers=True,
            start_line=segment.first_line,
            word_wrap=True,
            background_color="default",
        )
    if row.own:
        return Text("·", style="dim")
    return Text(f"(no {row.label!r} step in {model})", style="bold red")

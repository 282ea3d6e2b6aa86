"""The lesson of a scenario, from its own definition: ``threeways explain``.

Everything printed here is read from the scenario (its ``summary``, ``lesson``, ``uses``
and parameters), from each model module's docstring (that model's lesson) and from the
step marks, so it changes when they do and cannot go stale.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ._protocol import Scenario
from ._render import prose
from ._source import align, read_steps, relative_path

__all__ = ["lesson_data", "model_docstring", "print_explain"]


def model_docstring(sc: Scenario[Any], model: str) -> str:
    """The docstring of ``sc``'s module for ``model``: that model's lesson (read, not imported)."""
    source = Path(sc.source_path(model)).read_text(encoding="utf-8")
    return ast.get_docstring(ast.parse(source)) or ""


def lesson_data(sc: Scenario[Any]) -> dict[str, Any]:
    """The lesson as plain data: what ``explain --json`` prints and the docs pages use."""
    rows = align([read_steps(sc, m) for m in sc.models])
    return {
        "name": sc.name,
        "summary": sc.summary,
        "lesson": sc.lesson.strip(),
        "models": {
            m: {
                "uses": sc.uses.get(m, ""),
                "docstring": model_docstring(sc, m),
                "file": relative_path(sc.source_path(m)),
            }
            for m in sc.models
        },
        "steps": [
            {"label": r.label, "own": r.own, "models": [m for m, s in r.cells.items() if s]}
            for r in rows
            if r.label is not None
        ],
        "params": [p.as_dict() for p in sc.parameters.specs()],
    }


def print_explain(out: Console, sc: Scenario[Any]) -> None:
    """Print the lesson: what it teaches, what each model uses, where the models differ."""
    data = lesson_data(sc)
    out.print(Text.assemble((sc.name, "bold"), f": {sc.summary}"))
    _section(out, "The lesson")
    out.print(prose(data["lesson"], out.is_terminal))
    _section(out, "What each model uses, and where they differ")
    _print_uses(out, data)
    _section(out, "Steps, in every model unless marked")
    out.print(_steps_table(sc, data))
    _section(out, "Parameters")
    params = Table(box=None, padding=(0, 1, 0, 2), show_header=False)
    params.add_column(style="bold", no_wrap=True)
    params.add_column()
    for p in data["params"]:
        flag = "--" + p["name"].replace("_", "-") + " " + p["type"].upper()
        params.add_row(flag, f"{p['help']} (default {p['default']})")
    out.print(params)
    _section(out, "Try")
    for line in (
        f"python -m threeways {sc.name} --timeline",
        f"python -m threeways show {sc.name} --models threading,trio",
        f"python -m threeways {sc.name} --model=trio --json",
    ):
        out.print(f"  {line}", highlight=False)


def _section(out: Console, title: str) -> None:
    out.print()
    out.print(Text(title.upper(), style="bold cyan"))


def _print_uses(out: Console, data: dict[str, Any]) -> None:
    for model, info in data["models"].items():
        out.print(Text.assemble(("  " + model, "bold"), ": ", (info["uses"], "green")))
        rest = info["docstring"].partition("\n\n")[2]
        if rest:
            out.print(prose(rest, out.is_terminal, indent=4))
        out.print(Text("    " + info["file"], style="dim"))
        out.print()


def _steps_table(sc: Scenario[Any], data: dict[str, Any]) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column("step", no_wrap=True)
    for model in sc.models:
        table.add_column(model, justify="center")
    for step in data["steps"]:
        label = Text(step["label"], style="yellow" if step["own"] else "")
        if step["own"]:
            label.append("  (own step)", style="dim")
        marks = [("✓" if m in step["models"] else "·") for m in sc.models]
        table.add_row(label, *marks)
    return table

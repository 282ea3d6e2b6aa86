"""``threeways exercise``: a starter file for writing a scenario in a model yourself.

The starter is the skeleton of the project's own implementation: its imports (made
absolute, since the file lives outside the package), its functions and classes with their
signatures and ``# step:`` labels in order, and bodies left to write (``...``). Its
docstring states the task: what must happen, the parameters, what ``threeways check`` will
check, and exactly which events to record, read from a run of the project's own
implementation. Its first line tells ``check`` which scenario and model it is.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Iterator, Sequence
from typing import Any

from ._check import DEFAULT_RUNS, DEFAULT_TIMEOUT, HEADER
from ._failure import natural
from ._protocol import Scenario
from ._trace import Event

__all__ = ["starter"]

STEP = re.compile(r"^\s*# (own )?step: ")
SHOWN_DETAIL = 40


def starter(sc: Scenario[Any], model: str, path: str, *, hint: bool = False) -> str:
    """The text of a starter file for ``sc`` in ``model``, to be saved at ``path``."""
    with open(sc.source_path(model), encoding="utf-8") as f:
        source = f.read()
    package = type(sc).__module__
    body = "\n".join(_skeleton(source, package)).lstrip("\n")
    header = f"{HEADER} scenario={sc.name} model={model}"
    return f"{header}\n{_task(sc, model, path, source, hint)}\n\n{body}"


# ------------------------------------------------------------------------ the task


def _task(sc: Scenario[Any], model: str, path: str, source: str, hint: bool) -> str:
    p = sc.params()
    parts = [
        f"Exercise: {sc.name} with {model}. {sc.summary}",
        "Write main(trace, p) and the helpers below. Each '# step:' comment says what comes "
        "next, in order; a step marked 'own step' is one only some models need. The project's "
        f"own answer is 'python -m threeways show {sc.name} --model {model}': read it after.",
        "Parameters (p), with their defaults:\n"
        + "\n".join(
            f"  p.{s.name} = {s.default!r}: {s.help}" + _bounds(s.min, s.max) for s in p.specs()
        ),
        _checked(sc, p),
        _events(sc, model),
        f"Check it: python -m threeways check {path}",
    ]
    if hint:
        doc = ast.get_docstring(ast.parse(source)) or ""
        parts.append(f"Hint, the lesson of {model}:\n{textwrap.indent(doc, '  ')}")
        parts.append(f"It uses: {sc.uses.get(model, '')}")
    text = "\n\n".join(_wrapped(part) for part in parts)
    return f'"""{text}\n"""\n'


def _bounds(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f" (at least {low:g})"
    return f" (from {low:g} to {high:g})" if low is not None else f" (at most {high:g})"


def _wrapped(part: str) -> str:
    """Long lines wrapped at 92 columns, keeping each line's indent."""
    lines = []
    for line in part.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        more = indent + ("  " if line.lstrip().startswith("- ") else "")
        lines += textwrap.wrap(line, 92, subsequent_indent=more) or [""]
    return "\n".join(lines).replace('"""', "'''").replace("\\", "\\\\")


def _checked(sc: Scenario[Any], p: Any) -> str:
    expected = json.dumps(sc.expected(p), sort_keys=True, default=str)
    lines = [
        f"What 'threeways check' checks, in each of {DEFAULT_RUNS} runs (with the defaults and "
        "other values, under race-amplifying stress, timeout "
        f"{DEFAULT_TIMEOUT:g} s):",
        f"  - the observable, read from your events, is the one expected from the parameters; "
        f"with the defaults: {expected}",
    ]
    lines += [f"  - {line}" for line in sc.checks]
    lines += [
        "  - no worker raises an exception nobody handles, and every wait ends within "
        "p.timeout (a run that hangs is stopped and reported with who was stuck)",
        "  - nothing is left behind: every thread, process, pool, queue and file is "
        "joined or closed before main returns",
    ]
    return "\n".join(lines)


def _events(sc: Scenario[Any], model: str) -> str:
    events = _reference(sc, model)
    if not events:
        return "Events to record: see 'python -m threeways show' for the trace.record calls."
    groups: dict[tuple[str, ...], list[str]] = {}
    examples: dict[str, Any] = {}
    by_actor: dict[str, list[str]] = {}
    for e in events:
        actions = by_actor.setdefault(e.actor, [])
        if e.action not in actions:
            actions.append(e.action)
            examples.setdefault(e.action, e.detail)
    for actor, actions in sorted(by_actor.items(), key=lambda item: natural(item[0])):
        groups.setdefault(tuple(actions), []).append(actor)
    lines = [
        "Events to record, with trace.record(actor, action, detail), as the project's own "
        f"implementation records them with the defaults ({len(events)} events in all); the "
        "observable, invariants and timeline are read from them, so the words must match:",
    ]
    for kinds, actors in groups.items():
        who = ", ".join(repr(a) for a in actors[:6]) + (", ..." if len(actors) > 6 else "")
        lines.append(f"  actor {who}:")
        lines += [f"    {a!r}{_example(examples[a])}" for a in kinds]
    return "\n".join(lines)


def _example(detail: Any) -> str:
    if detail in ("", None):
        return ""
    shown = json.dumps(detail, default=str)
    if len(shown) > SHOWN_DETAIL:
        shown = shown[: SHOWN_DETAIL - 3] + "..."
    return f", detail like {shown}"


def _reference(sc: Scenario[Any], model: str) -> Sequence[Event]:
    """The events of a quick run of the project's own implementation (none if it fails)."""
    from ._run import run

    quick: dict[str, Any] = (
        {"tick": 0.002} if any(s.name == "tick" for s in sc.params().specs()) else {}
    )
    try:
        return run(sc.name, model, **quick).events
    except Exception:
        return ()


# ------------------------------------------------------------------------ the skeleton


def _skeleton(source: str, package: str) -> Iterator[str]:
    """The module without its docstring, imports made absolute, bodies left out."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    previous_end = tree.body[0].end_lineno or 0 if body is not tree.body else 0
    starts = [_first_line(node) for node in body] + [len(lines) + 1]
    for node, until in zip(body, starts[1:], strict=True):
        yield from _blank_or_steps(lines[previous_end : _first_line(node) - 1], "")
        yield from _node(node, lines[: until - 1], package, indent="")
        previous_end = node.end_lineno or 0
    yield ""


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _blank_or_steps(between: list[str], indent: str) -> Iterator[str]:
    """Between two statements: the blank lines, and the step labels at this indent (other
    comments are the answer's; deeper ones belong to the statement before)."""
    for line in between:
        at = line[: len(line) - len(line.lstrip())]
        if not line.strip() or (STEP.match(line) and at == indent):
            yield line


def _node(node: ast.stmt, lines: list[str], package: str, indent: str) -> Iterator[str]:
    if isinstance(node, ast.ImportFrom) and node.level:
        parents = package.split(".")
        base = ".".join(parents[: len(parents) - node.level + 1])
        module = f"{base}.{node.module}" if node.module else base
        names = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in node.names)
        yield f"{indent}from {module} import {names}"
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        yield from _function(node, lines, indent)
    elif isinstance(node, ast.ClassDef):
        yield from _class(node, lines, package, indent)
    else:
        yield from _source(node, lines)


def _source(node: ast.stmt, lines: list[str]) -> list[str]:
    assert node.end_lineno is not None
    return lines[node.lineno - 1 : node.end_lineno]


def _signature(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, lines: list[str]
) -> list[str]:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return lines[first - 1 : node.body[0].lineno - 1]


def _function(
    node: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str], indent: str
) -> Iterator[str]:
    """Its signature, then its step labels, each followed by ``...``. ``lines`` end where
    the next statement begins: a label after its last statement, indented, is its own."""
    head = _signature(node, lines)
    while head and not head[-1].rstrip().endswith(":"):  # comments before the first statement
        head.pop()
    yield from head
    inner = indent + "    "
    steps = [
        line.strip()
        for line in lines[_first_line(node) - 1 + len(head) :]
        if STEP.match(line) and line.startswith(inner)
    ]
    for step in steps:
        yield f"{inner}{step}"
        yield f"{inner}..."
    if not steps:
        yield f"{inner}..."


def _class(node: ast.ClassDef, lines: list[str], package: str, indent: str) -> Iterator[str]:
    yield from _signature(node, lines)
    inner = indent + "    "
    members = [n for n in node.body if not _is_docstring(n)]
    previous_end = (
        node.body[0].lineno - 1
        if members and members[0] is node.body[0]
        else (node.body[0].end_lineno or 0)
    )
    starts = [_first_line(m) for m in members] + [len(lines) + 1]
    for member, until in zip(members, starts[1:], strict=True):
        yield from _blank_or_steps(lines[previous_end : _first_line(member) - 1], inner)
        if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _function(member, lines[: until - 1], inner)
        else:
            yield from _source(member, lines)
        previous_end = member.end_lineno or 0
    if not members:
        yield f"{inner}..."


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )

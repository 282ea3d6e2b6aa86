"""Known-broken implementations: the mistakes learners make, shipped to be run and checked.

Each scenario may have a ``bugs`` folder beside its model modules. A file there,
``MODEL_NAME.py``, is a whole implementation of the scenario in MODEL with one realistic
mistake, written as a learner would write it (absolute imports: it must also work copied
out of the package). Its docstring's first line is the mistake, in a few words; the rest
says what goes wrong and why. ``threeways list --bugs`` lists them,
``threeways SCENARIO --model MODEL --bug NAME`` checks one as ``threeways check`` would,
and the tests prove that ``check`` catches every one, every time.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._protocol import Scenario
from ._registry import UnknownName

__all__ = ["Bug", "bugs", "get_bug"]


@dataclass(frozen=True)
class Bug:
    scenario: str
    model: str
    name: str
    mistake: str
    """The docstring's first line."""
    story: str
    """The rest of the docstring: what goes wrong, and why."""
    path: str


@cache
def bugs(sc: Scenario[Any]) -> tuple[Bug, ...]:
    """The known-broken implementations of ``sc``, by model (in the models' order) and name."""
    folder = os.path.join(os.path.dirname(sc.source_path(sc.models[0])), "bugs")
    if not os.path.isdir(folder):
        return ()
    found = []
    for file in os.listdir(folder):
        stem, ext = os.path.splitext(file)
        model = next((m for m in sc.models if stem.startswith(m + "_")), None)
        if ext != ".py" or model is None:
            continue
        path = os.path.join(folder, file)
        with open(path, encoding="utf-8") as f:
            doc = ast.get_docstring(ast.parse(f.read())) or stem
        mistake, _, story = doc.partition("\n")
        found.append(Bug(sc.name, model, stem[len(model) + 1 :], mistake, story.strip(), path))
    return tuple(sorted(found, key=lambda b: (sc.models.index(b.model), b.name)))


def get_bug(sc: Scenario[Any], model: str, name: str) -> Bug:
    """The bug ``name`` of ``sc`` in ``model``; raises :class:`UnknownName` otherwise."""
    known = [b.name for b in bugs(sc) if b.model == model]
    if name not in known:
        others = sorted({b.model for b in bugs(sc)} - {model})
        elsewhere = f" (it has some in {', '.join(others)})" if others and not known else ""
        raise UnknownName(f"bug of {sc.name} in {model}{elsewhere}", name, known)
    return next(b for b in bugs(sc) if b.model == model and b.name == name)

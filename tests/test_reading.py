"""The model files read like a textbook page: short, with the lesson where it happens.

A learner reads ``_trio.py`` beside ``_threading.py``: every model file of every scenario
is at most about :data:`BUDGET` lines with its docstring, or its docstring says why it is
longer ("longer than the others"). The session's summary lists the longest files, so that
drift is seen before it passes the budget.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import threeways
from threeways import scenarios
from threeways._explain import model_docstring

BUDGET = 90
"""Lines a model file may have, its docstring included."""
REASON = "longer than the others"
"""What a longer file's docstring says, with why."""


def model_files() -> list[tuple[str, str, int]]:
    """(scenario, model, lines) of every model file, the longest first."""
    found = []
    for name, sc in scenarios().items():
        for model in sc.models:
            lines = len(Path(sc.source_path(model)).read_text(encoding="utf-8").splitlines())
            found.append((name, model, lines))
    return sorted(found, key=lambda f: -f[2])


@pytest.mark.parametrize("name", list(scenarios()))
def test_model_files_keep_to_the_line_budget(name: str) -> None:
    # over the budget only with a reason a reader can see in the docstring
    sc = threeways.get_scenario(name)
    for scenario, model, lines in model_files():
        if scenario == name and lines > BUDGET:
            assert REASON in " ".join(model_docstring(sc, model).split()), (
                f"{name}/_{model}.py has {lines} lines (budget {BUDGET}): shorten it, or say in "
                f"its docstring why it is {REASON}"
            )

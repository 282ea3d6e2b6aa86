"""Every scenario behaves the same in every model: the heart of threeways.

The tests check observables and invariants, never interleavings: which dog eats which bone
is the scheduler's business; that every bone is eaten once is the design's.
"""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

import pytest

import threeways
from threeways import ALL_MODELS, MODELS, scenarios

from .conftest import FAST, fast_run

SCENARIOS = list(scenarios())
EXTRA = [(name, m) for name, sc in scenarios().items() for m in sc.models if m not in MODELS]
"""Each scenario's models beyond the four: (scenario, model)."""


def _varied(sc: threeways.Scenario[Any]) -> dict[str, Any]:
    """Every integer parameter moved one step from its default, within its bounds."""
    values = {}
    for spec in sc.parameters.specs():
        if spec.type is int:
            up = spec.default + 1
            values[spec.name] = up if spec.max is None or up <= spec.max else spec.default - 1
    return values


@pytest.mark.parametrize("name", SCENARIOS)
def test_observable_is_expected(name: str, model: str) -> None:
    # each model's observable equals the one the scenario expects, and no invariant breaks
    result = fast_run(name, model)
    assert result.violations == []
    assert result.observable == result.expected
    assert result.ok


@pytest.mark.parametrize(("name", "model"), EXTRA)
def test_extra_model_observable_is_expected(name: str, model: str) -> None:
    # a model beyond the four, where the scenario has it and this Python can run it, is held
    # to the same observable and invariants
    if (why := threeways.unavailable(model)) is not None:
        pytest.skip(why)
    test_observable_is_expected(name, model)


@pytest.mark.parametrize("name", SCENARIOS)
def test_models_agree(name: str) -> None:
    # every model the scenario has (that can run here) produces one and the same observable
    models = threeways.available(threeways.get_scenario(name).models)
    observables = {model: fast_run(name, model).observable for model in models}
    assert len({repr(o) for o in observables.values()}) == 1, observables


@pytest.mark.parametrize("name", SCENARIOS)
def test_parameters_drive_the_observable(name: str, model: str) -> None:
    # nothing is hard-coded: other parameters change the expected observable, and the run follows
    sc = threeways.get_scenario(name)
    varied = _varied(sc)
    assert sc.expected(sc.params(**varied)) != sc.expected(sc.params()), "no parameter matters"
    result = threeways.run(name, model, **FAST, **varied)
    assert result.ok, (result.violations, result.observable, result.expected)


@pytest.mark.parametrize("name", SCENARIOS)
def test_multiprocessing_under_every_start_method(name: str, start_method: str) -> None:
    # the multiprocessing model works under fork, forkserver and spawn alike
    result = threeways.run(name, "multiprocessing", start_method=start_method, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.start_method == start_method


@pytest.mark.parametrize("name", SCENARIOS)
def test_definition_is_complete(name: str) -> None:
    # every scenario has its texts, a use per model, JSON-able expectations and four modules
    sc = threeways.get_scenario(name)
    assert sc.name == name and sc.summary and sc.lesson
    assert set(sc.uses) == set(sc.models)
    assert sc.models[: len(MODELS)] == MODELS and set(sc.models) <= set(ALL_MODELS)
    for spec in sc.parameters.specs():
        assert spec.help, f"parameter {spec.name} has no help"
    p = sc.params()
    assert dataclasses.asdict(p) == p.as_dict()
    assert json.loads(json.dumps(sc.expected(p))) == sc.expected(p)
    for model in sc.models:
        assert os.path.isfile(sc.source_path(model))
    for model in threeways.available(sc.models):
        assert callable(sc.implementation(model))

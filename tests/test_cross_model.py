"""Every scenario behaves the same in every model: the heart of threeways.

The tests check observables and invariants, never interleavings: which dog eats which bone
is the scheduler's business; that every bone is eaten once is the design's.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

import threeways
from threeways import MODELS, scenarios

from .conftest import FAST, fast_run

SCENARIOS = list(scenarios())


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


@pytest.mark.parametrize("name", SCENARIOS)
def test_four_models_agree(name: str) -> None:
    # the four models produce one and the same observable
    observables = {model: fast_run(name, model).observable for model in MODELS}
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
    assert set(sc.uses) == set(sc.models) == set(MODELS)
    for spec in sc.parameters.specs():
        assert spec.help, f"parameter {spec.name} has no help"
    p = sc.params()
    assert dataclasses.asdict(p) == p.as_dict()
    assert json.loads(json.dumps(sc.expected(p))) == sc.expected(p)
    for model in sc.models:
        assert callable(sc.implementation(model))

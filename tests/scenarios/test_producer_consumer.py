"""producer_consumer: invariants catch a bone eaten twice or before it was made; edge sizes work."""

from __future__ import annotations

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("producer_consumer")


def test_invariants_catch_double_and_early_eating() -> None:
    # a bone eaten before it was made, or twice, is reported
    events = [
        Event(0.0, "Rex", "eats bone", 1),
        Event(0.1, "cook", "makes bone", 1),
        Event(0.2, "Fido", "eats bone", 1),
    ]
    assert list(SC.invariants(events, SC.params())) == [
        "Rex ate bone 1 before it was made",
        "bone 1 was eaten 2 times",
    ]


def test_no_bones_at_all(model: str) -> None:
    # with nothing to eat, every dog still goes home: the shutdown works on an empty queue
    result = threeways.run("producer_consumer", model, bones=0, dogs=3, **FAST)
    assert result.ok, result.observable


def test_more_dogs_than_bones_and_a_tiny_buffer(model: str) -> None:
    # a buffer of one and idle dogs: every bone is still eaten exactly once
    result = threeways.run("producer_consumer", model, bones=3, dogs=5, buffer=1, **FAST)
    assert result.ok, (result.observable, result.violations)

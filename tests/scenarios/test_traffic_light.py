"""traffic_light: its invariant catches a car on red; its trio light survives any start order."""

from __future__ import annotations

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("traffic_light")


def test_invariant_catches_a_car_on_red() -> None:
    # a pass recorded while the light is red is reported, with the car's name
    events = [
        Event(0.0, "light", "turns red", 1),
        Event(0.1, "Benz", "passes", 1),
        Event(0.2, "light", "turns green", 1),
        Event(0.3, "Audi", "passes", 1),
    ]
    assert list(SC.invariants(events, SC.params())) == ["Benz passed on red at t=0.100s"]


def test_light_starts_red() -> None:
    # before the light's first event it is red: a pass then is a violation too
    events = [Event(0.0, "Benz", "passes", 1)]
    assert list(SC.invariants(events, SC.params())) != []


def test_cars_waiting_before_the_light_starts(model: str) -> None:
    # cars that arrive before the light's first phase still get through (trio starts tasks
    # in random order, which once left cars waiting on a replaced Event)
    for _ in range(5):
        result = threeways.run("traffic_light", model, cars=6, trips=1, cycles=1, **FAST)
        assert result.ok, result.observable

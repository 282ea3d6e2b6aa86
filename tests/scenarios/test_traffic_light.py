"""traffic_light: its invariants catch a car on red and a car gone home early; every red
catches a car, in every model; a car woken by green that finds red again waits again."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import trio
import trio.testing

import threeways
from threeways import Event
from threeways.scenarios.traffic_light import _asyncio, _threading, _trio

from ..conftest import FAST

SC = threeways.get_scenario("traffic_light")


class _Story:
    """A recorder that keeps (actor, action, detail), for a model's functions run by hand."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, Any]] = []

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        self.lines.append((actor, action, detail))


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


def test_invariant_catches_a_car_gone_home_before_the_end() -> None:
    # a car goes home only after passing a light that stays green
    events = [
        Event(0.0, "light", "turns green", 1),
        Event(0.1, "Benz", "passes", 1),
        Event(0.2, "Benz", "goes home"),
        Event(0.3, "light", "stays green"),
    ]
    violations = list(SC.invariants(events, SC.params()))
    assert violations == ["Benz went home at t=0.200s before the light stayed green"]


def test_a_red_that_catches_no_car_is_missing_from_the_observable() -> None:
    # 'caught at red' lists the cycles whose red made a car wait, waits before the light's
    # first event included (the light is red from the start)
    events = [
        Event(0.0, "Benz", "waits at red", 1),
        Event(0.1, "light", "turns red", 1),
        Event(0.2, "light", "turns green", 1),
        Event(0.3, "light", "turns red", 2),
        Event(0.4, "light", "turns green", 2),
    ]
    assert SC.observe(events, SC.params())["caught at red"] == [1]


def test_every_red_catches_a_car(model: str) -> None:
    # the sensor makes it so: each cycle's red has a car waiting before it turns green,
    # one car or many, however long the drive takes against the light's phases
    for cars in (1, 4):
        result = threeways.run("traffic_light", model, cars=cars, cycles=5, **FAST)
        assert result.ok, (result.observable, result.violations)
        assert result.observable["caught at red"] == [1, 2, 3, 4, 5]


def test_cars_waiting_before_the_light_starts(model: str) -> None:
    # cars that arrive before the light's first phase still get through (trio starts tasks
    # in random order, which once left cars waiting on a replaced Event)
    for _ in range(5):
        result = threeways.run("traffic_light", model, cars=6, cycles=1, **FAST)
        assert result.ok, result.observable


def test_the_defaults_catch_every_car_in_every_cycle() -> None:
    # at the defaults a car is back from the block while the light is red: each red catches
    # all three cars, so the timeline shows every car waiting in every cycle
    result = threeways.run("traffic_light", "asyncio")
    assert result.ok and result.measurements["cars caught at red, each cycle"] == [3, 3]


def _red_again(story: _Story) -> None:
    """What the car did when green woke it and the light was red again before it looked:
    it waited again (once or more), then passed when green stayed, and went home."""
    *waits, passes, home = story.lines
    assert len(waits) >= 2 and set(waits) == {("Benz", "waits at red", 1)}
    assert (passes, home) == (("Benz", "passes", 1), ("Benz", "goes home", ""))


def test_a_thread_woken_by_green_looks_again() -> None:
    # green comes and goes while the light holds the crossing: a car woken by it finds
    # red when it gets to look, and waits again instead of passing on red
    story, light = _Story(), _threading._Light()
    car = threading.Thread(target=_threading._car, args=(story, "Benz", light, SC.params()))
    car.start()
    while len(story.lines) < 2:
        with light.crossing:  # as the light changes colour: the car cannot look meanwhile
            light.green.set()
            time.sleep(0.001)  # give a waiting car the time to wake (and queue for the lock)
            light.green.clear()
    with light.crossing:
        light.stays_green.set()
        light.green.set()
    car.join(5)
    _red_again(story)


def test_a_task_woken_by_green_looks_again() -> None:
    # asyncio and trio: set then clear with no await between wakes the car to a red light
    async def with_asyncio() -> _Story:
        story, light = _Story(), _asyncio._Light()
        car = asyncio.create_task(_asyncio._car(story, "Benz", light, SC.params()))
        await asyncio.sleep(0)  # the car waits at red
        light.green.set()
        light.green.clear()
        await asyncio.sleep(0)  # the car wakes, looks, waits again
        light.stays_green.set()
        light.green.set()
        await car
        return story

    async def with_trio() -> _Story:
        story, light = _Story(), _trio._Light()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_trio._car, story, "Benz", light, SC.params())
            await trio.testing.wait_all_tasks_blocked()
            light.green.set()
            light.green.clear()
            await trio.testing.wait_all_tasks_blocked()
            light.stays_green.set()
            light.green.set()
        return story

    _red_again(asyncio.run(with_asyncio()))
    _red_again(trio.run(with_trio))

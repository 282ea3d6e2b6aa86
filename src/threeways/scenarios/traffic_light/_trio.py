"""traffic_light with trio: flags built from fresh trio.Events for the light and its sensor.

trio's Event cannot be cleared: it means "this has happened", which cannot un-happen
(trio issues #637, #1093). A signal that repeats is a new Event each time: ``_Flag``
offers set, clear and wait, and clearing a set flag puts a fresh Event in its place (so
this file is longer than the others, whose library's Event can be cleared). The
one-time "stays green" is a plain trio.Event. As in asyncio, a task runs undisturbed
between checkpoints, so a car that sees green passes without a lock. Tasks live in a
nursery, and ``trio.fail_after``, a cancel scope, bounds the whole run.
"""

from __future__ import annotations

import itertools

import trio

from threeways import Recorder

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# own step: an Event that can be cleared
class _Flag:
    def __init__(self) -> None:
        self._event = trio.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        if self._event.is_set():  # a set Event stays set: make a new one to wait on
            self._event = trio.Event()

    async def wait(self) -> None:
        await self._event.wait()  # the Event of now: once set, a clear() cannot undo it


# step: what the light and the cars share
class _Light:
    def __init__(self) -> None:
        self.green = _Flag()  # starts cleared: red
        self.sensor = _Flag()  # a sensor in the road: set by a car at red
        self.stays_green = trio.Event()  # set once, after the last cycle: cars go home


async def _light(trace: Recorder, light: _Light, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        light.green.clear()
        trace.record("light", "turns red", cycle)
        await trio.sleep(RED_TICKS * p.tick)
        # step: wait for a car at red
        await light.sensor.wait()
        # step: turn green
        light.sensor.clear()  # these cars go now: the next red waits for a new one
        light.green.set()
        trace.record("light", "turns green", cycle)
        await trio.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    light.stays_green.set()
    trace.record("light", "stays green")


async def _car(trace: Recorder, name: str, light: _Light, p: Params) -> None:
    for trip in itertools.count(1):
        # step: wait for green
        while True:
            # step: pass if green
            if light.green.is_set():
                trace.record(name, "passes", trip)  # no checkpoint since the look: still green
                break
            # step: else wait at red, then look again
            trace.record(name, "waits at red", trip)
            light.sensor.set()  # now the light may turn green
            await light.green.wait()  # woken by green: it may be red again by now
        # step: go home once the light stays green
        if light.stays_green.is_set():
            trace.record(name, "goes home")
            return
        # step: drive around the block
        await trio.sleep(DRIVE_TICKS * p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    light = _Light()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the light and the cars
            nursery.start_soon(_light, trace, light, p)
            for name in car_names(p.cars):
                nursery.start_soon(_car, trace, name, light, p)
            # step: wait for everyone to finish
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

"""The cars are started with create_task and never awaited: main awaits only the light.

The learner starts each car with ``asyncio.create_task`` and then awaits the light,
thinking that a started task runs to its end by itself. It runs only while the event
loop does: when the light stays green, main returns, ``asyncio.run`` cancels every task
still pending, and the cars, still driving around the block, are cancelled before they
can go home. The checker sees no car go home (the observable's "home" is empty).
"""

from __future__ import annotations

import asyncio
import itertools

from threeways import Recorder
from threeways.scenarios.traffic_light import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# step: what the light and the cars share
class _Light:
    def __init__(self) -> None:
        self.green = asyncio.Event()  # starts cleared: red
        self.sensor = asyncio.Event()  # a sensor in the road: set by a car at red
        self.stays_green = asyncio.Event()  # set after the last cycle: cars go home


async def _light(trace: Recorder, light: _Light, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        light.green.clear()
        trace.record("light", "turns red", cycle)
        await asyncio.sleep(RED_TICKS * p.tick)
        # step: wait for a car at red
        await light.sensor.wait()
        # step: turn green
        light.sensor.clear()  # these cars go now: the next red waits for a new one
        light.green.set()
        trace.record("light", "turns green", cycle)
        await asyncio.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    light.stays_green.set()
    trace.record("light", "stays green")


async def _car(trace: Recorder, name: str, light: _Light, p: Params) -> None:
    for trip in itertools.count(1):
        # step: wait for green
        while True:
            # step: pass if green
            if light.green.is_set():
                trace.record(name, "passes", trip)  # no await since the look: still green
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
        await asyncio.sleep(DRIVE_TICKS * p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    light = _Light()
    running: set[asyncio.Task[None]] = set()  # as the docs advise: keep a reference to each
    async with asyncio.timeout(p.timeout):
        # step: start the light and the cars
        for name in car_names(p.cars):
            task = asyncio.create_task(_car(trace, name, light, p))
            running.add(task)
            task.add_done_callback(running.discard)
        # step: wait for everyone to finish
        await _light(trace, light, p)  # the bug: only the light is awaited, never the cars


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

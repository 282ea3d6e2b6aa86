"""traffic_light with asyncio: an asyncio.Event is the light; each car is a task.

``await green.wait()`` suspends a car until the light task calls ``green.set()``. All the
tasks share one thread, and a task runs undisturbed until its next ``await``, so a car
that sees green after waking passes before anything else can run: no lock is needed,
only a fresh look at the light after the wait (it may have turned red before the car was
resumed). The tasks live in a TaskGroup, and ``asyncio.timeout`` bounds the whole run,
because asyncio's primitives take no timeout of their own.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


async def _light(trace: Recorder, green: asyncio.Event, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        green.clear()
        trace.record("light", "turns red", cycle)
        await asyncio.sleep(RED_TICKS * p.tick)
        # step: turn green
        green.set()
        trace.record("light", "turns green", cycle)
        await asyncio.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    trace.record("light", "stays green")


async def _car(trace: Recorder, name: str, green: asyncio.Event, p: Params) -> None:
    for trip in range(1, p.trips + 1):
        # step: wait for green
        if not green.is_set():
            trace.record(name, "waits at red", trip)
        while not green.is_set():  # woken by green, but it may be red again by now
            await green.wait()
        # step: pass if still green
        trace.record(name, "passes", trip)  # no await since the check: still green
        # step: drive around the block
        await asyncio.sleep(DRIVE_TICKS * p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    green = asyncio.Event()  # starts cleared: red
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the light and the cars
        tg.create_task(_light(trace, green, p))
        for name in car_names(p.cars):
            tg.create_task(_car(trace, name, green, p))
        # step: wait for everyone to finish
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

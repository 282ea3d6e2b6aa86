"""traffic_light with trio: a fresh trio.Event for each green phase; cars are tasks.

trio's Event cannot be cleared. An Event means "this has happened", and something that
has happened cannot un-happen (trio issues #637, #1093); a signal that repeats is a new
Event each time. ``_Light`` holds the Event for the next green: turning green sets it,
turning red replaces a set one with a new one. As in asyncio, a task
runs undisturbed between checkpoints, so a car that sees green passes without a lock.
Tasks live in a nursery, and ``trio.fail_after`` bounds the whole run: a cancel scope,
trio's single way to put a timeout on anything.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# own step: an Event that can be cleared
class _Light:
    """A light cars can wait on: an Event that can be cleared, built from trio.Event."""

    def __init__(self) -> None:
        self._green = trio.Event()  # unset: red

    @property
    def is_green(self) -> bool:
        return self._green.is_set()

    def turn_red(self) -> None:
        if self._green.is_set():  # a set Event stays set: make a new one to wait on
            self._green = trio.Event()

    def turn_green(self) -> None:
        self._green.set()

    async def wait_green(self) -> None:
        while not self.is_green:  # woken by green, but it may be red again by now
            await self._green.wait()


async def _light(trace: Recorder, light: _Light, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        light.turn_red()
        trace.record("light", "turns red", cycle)
        await trio.sleep(RED_TICKS * p.tick)
        # step: turn green
        light.turn_green()
        trace.record("light", "turns green", cycle)
        await trio.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    trace.record("light", "stays green")


async def _car(trace: Recorder, name: str, light: _Light, p: Params) -> None:
    for trip in range(1, p.trips + 1):
        # step: wait for green
        if not light.is_green:
            trace.record(name, "waits at red", trip)
        await light.wait_green()
        # step: pass if still green
        trace.record(name, "passes", trip)  # no checkpoint since the check: still green
        # step: drive around the block
        await trio.sleep(DRIVE_TICKS * p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    light = _Light()  # starts red
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

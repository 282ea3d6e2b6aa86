"""traffic_light with processes: the light and the cars are separate processes.

The same program as with threads, with ``multiprocessing`` versions of Event and Lock
taken from the run's context, which fixes the start method (fork, forkserver or spawn)
instead of relying on the platform's default. Every object a child needs is passed as an
argument and every target is a top-level function, because spawn and forkserver start
a fresh interpreter that imports this module and unpickles the arguments. Events from the
children reach the parent through ``trace.child_sink()``.

One difference hides in ``Event.wait(timeout)``: threading's returns True once the flag
was set while it waited; multiprocessing's returns the flag as it is when the waiter gets
to look, which may be False again already. So a car here keeps its own deadline.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways._support import join_all

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event, Lock


def _light(trace: Recorder, green: Event, crossing: Lock, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        with crossing:
            green.clear()
            trace.record("light", "turns red", cycle)
        time.sleep(RED_TICKS * p.tick)
        # step: turn green
        with crossing:
            green.set()
            trace.record("light", "turns green", cycle)
        time.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    trace.record("light", "stays green")


def _car(trace: Recorder, name: str, green: Event, crossing: Lock, p: Params) -> None:
    for trip in range(1, p.trips + 1):
        # step: wait for green
        if not green.is_set():
            trace.record(name, "waits at red", trip)
        deadline = time.monotonic() + p.timeout
        while True:
            # Unlike threading's, this wait returns the flag as it is when the car gets
            # to look: False if the light has turned red again since. Only the clock can
            # tell a timeout.
            green.wait(max(0.0, deadline - time.monotonic()))
            with crossing:  # the light cannot change colour while we look and drive
                # step: pass if still green
                if green.is_set():
                    trace.record(name, "passes", trip)
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} waited {p.timeout:g}s for green")
        # step: drive around the block
        time.sleep(DRIVE_TICKS * p.tick)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the light
    green = ctx.Event()  # starts cleared: red
    crossing = ctx.Lock()
    with trace.child_sink() as sink:
        # step: start the light and the cars
        light = ctx.Process(target=_light, args=(sink, green, crossing, p), name="light")
        cars = [
            ctx.Process(target=_car, args=(sink, name, green, crossing, p), name=name)
            for name in car_names(p.cars)
        ]
        for process in [light, *cars]:
            process.start()
        # step: wait for everyone to finish
        join_all([light, *cars], p.timeout)

"""Terminates the cars once the light is done, instead of joining them: none gets home.

The learner joins the light and then ends the cars with ``terminate()``, as one ends
workers that loop for ever. But these cars go home by themselves, the next time they
pass the light once it stays green, and terminate() does not ask: it kills the process
on the spot (SIGTERM: no ``finally``, no cleanup). When the light stays green every car
is still driving around the block, a tick from home, and it is killed there. The checker
sees no car go home (the observable's "home" is empty). Only with spawn may the light's
process take longer to end than the cars take to get home: such a run can pass.
"""

from __future__ import annotations

import itertools
import time
from multiprocessing.context import BaseContext

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.traffic_light import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# step: what the light and the cars share
class _Light:
    def __init__(self, ctx: BaseContext) -> None:
        self.green = ctx.Event()  # starts cleared: red
        self.sensor = ctx.Event()  # a sensor in the road: set by a car at red
        self.stays_green = ctx.Event()  # set after the last cycle: cars go home
        self.crossing = ctx.Lock()  # held to change colour, and to look and pass


def _light(trace: Recorder, light: _Light, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        with light.crossing:
            light.green.clear()
            trace.record("light", "turns red", cycle)
        time.sleep(RED_TICKS * p.tick)
        # step: wait for a car at red
        if not light.sensor.wait(p.timeout):  # only the light clears it: False is a timeout
            raise TimeoutError(f"no car came to the light in {p.timeout:g}s")
        # step: turn green
        with light.crossing:
            light.sensor.clear()  # these cars go now: the next red waits for a new one
            light.green.set()
            trace.record("light", "turns green", cycle)
        time.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    light.stays_green.set()
    trace.record("light", "stays green")


def _car(trace: Recorder, name: str, light: _Light, p: Params) -> None:
    for trip in itertools.count(1):
        # step: wait for green
        deadline = time.monotonic() + p.timeout
        while True:
            with light.crossing:  # the light cannot change colour while we look and pass
                # step: pass if green
                if light.green.is_set():
                    trace.record(name, "passes", trip)
                    break
                # step: else wait at red, then look again
                trace.record(name, "waits at red", trip)
                light.sensor.set()  # now the light may turn green
            light.green.wait(max(0.0, deadline - time.monotonic()))  # False also if red again
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} waited {p.timeout:g}s for green")
        # step: go home once the light stays green
        if light.stays_green.is_set():
            trace.record(name, "goes home")
            return
        # step: drive around the block
        time.sleep(DRIVE_TICKS * p.tick)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the light
    light = _Light(ctx)
    with trace.child_sink() as sink:
        # step: start the light and the cars
        light_process = ctx.Process(target=_light, args=(sink, light, p), name="light")
        cars = [
            ctx.Process(target=_car, args=(sink, name, light, p), name=name)
            for name in car_names(p.cars)
        ]
        light_process.start()
        for car in cars:
            car.start()
        # step: wait for everyone to finish
        join_all([light_process], p.timeout)
        for car in cars:
            car.terminate()  # the bug: killed while driving, before it can go home
            car.join()

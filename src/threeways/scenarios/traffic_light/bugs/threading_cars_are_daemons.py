"""The cars are daemon threads, and main joins only the light: the cars never get home.

A daemon thread "dies with the program", so the learner makes the cars daemons and
waits only for the light, thinking the cars end when the light is done. But main
returning does not wait for daemons: when the light stays green the cars are still
driving around the block, and main returns without them. Whatever they do after that is
not part of the run: the checker sees no car go home (the observable's "home" is empty).
"""

from __future__ import annotations

import itertools
import threading
import time

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.traffic_light import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# step: what the light and the cars share
class _Light:
    def __init__(self) -> None:
        self.green = threading.Event()  # starts cleared: red
        self.sensor = threading.Event()  # a sensor in the road: set by a car at red
        self.stays_green = threading.Event()  # set after the last cycle: cars go home
        self.crossing = threading.Lock()  # held to change colour, and to look and pass


def _light(trace: Recorder, light: _Light, p: Params) -> None:
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        with light.crossing:
            light.green.clear()
            trace.record("light", "turns red", cycle)
        time.sleep(RED_TICKS * p.tick)
        # step: wait for a car at red
        if not light.sensor.wait(p.timeout):
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
        while True:
            with light.crossing:  # the light cannot change colour while we look and pass
                # step: pass if green
                if light.green.is_set():
                    trace.record(name, "passes", trip)
                    break
                # step: else wait at red, then look again
                trace.record(name, "waits at red", trip)
                light.sensor.set()  # now the light may turn green
            if not light.green.wait(p.timeout):  # woken by green: it may be red again by now
                raise TimeoutError(f"{name} waited {p.timeout:g}s for green")
        # step: go home once the light stays green
        if light.stays_green.is_set():
            trace.record(name, "goes home")
            return
        # step: drive around the block
        time.sleep(DRIVE_TICKS * p.tick)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    light = _Light()
    # step: start the light and the cars
    light_thread = threading.Thread(target=_light, args=(trace, light, p), name="light")
    cars = [
        threading.Thread(target=_car, args=(trace, name, light, p), name=name, daemon=True)
        for name in car_names(p.cars)
    ]
    light_thread.start()
    for car in cars:
        car.start()
    # step: wait for everyone to finish
    join_all([light_thread], p.timeout)  # the bug: the daemon cars are not waited for

"""traffic_light with threads: a threading.Event is the light, a Lock guards the crossing.

Each car is a thread. ``green.wait(timeout)`` blocks until the light thread calls
``green.set()``; ``green.clear()`` turns it red again. A car woken by green may be
scheduled only after the light has turned red once more, so a car checks the light and
passes while holding ``crossing``, the lock the light holds whenever it changes colour.
Every wait has a timeout: a thread cannot be cancelled, so a wait that never ends would
hang the program.
"""

from __future__ import annotations

import threading
import time

from threeways import Recorder
from threeways._support import join_all

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


def _light(trace: Recorder, green: threading.Event, crossing: threading.Lock, p: Params) -> None:
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


def _car(
    trace: Recorder, name: str, green: threading.Event, crossing: threading.Lock, p: Params
) -> None:
    for trip in range(1, p.trips + 1):
        # step: wait for green
        if not green.is_set():
            trace.record(name, "waits at red", trip)
        while True:
            if not green.wait(p.timeout):
                raise TimeoutError(f"{name} waited {p.timeout:g}s for green")
            with crossing:  # the light cannot change colour while we look and drive
                # step: pass if still green
                if green.is_set():
                    trace.record(name, "passes", trip)
                    break
        # step: drive around the block
        time.sleep(DRIVE_TICKS * p.tick)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the light
    green = threading.Event()  # starts cleared: red
    crossing = threading.Lock()
    # step: start the light and the cars
    light = threading.Thread(target=_light, args=(trace, green, crossing, p), name="light")
    cars = [
        threading.Thread(target=_car, args=(trace, name, green, crossing, p), name=name)
        for name in car_names(p.cars)
    ]
    for thread in [light, *cars]:
        thread.start()
    # step: wait for everyone to finish
    join_all([light, *cars], p.timeout)

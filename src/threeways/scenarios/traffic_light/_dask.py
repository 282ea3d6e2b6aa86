"""traffic_light on a cluster: the light and the cars are tasks; the Events are the scheduler's.

A ``distributed.Event`` is a flag the scheduler keeps, by name: ``set()``, ``clear()`` (it
can be cleared, unlike trio's), ``is_set()`` and ``wait(timeout)``, each a message to the
scheduler, from a task on any worker or from the client. Like threading's, ``wait``
returns True once the flag was set while it waited, even if it is clear again by the time
the answer arrives: a car looks again while holding ``crossing``, a ``distributed.Lock``.

A task that waits for other tasks holds one of its worker's threads all the while: on a
cluster with fewer threads than cars, the light would wait at red for cars that never
start. ``secede()`` gives the thread's slot back to the worker, which can start another
task, as a long-running task should. The tasks are pickled to the workers with the names
of the light's Events and Lock; each unpickled copy talks to the scheduler by that name.
It is longer than the others: each task secedes, and ``with light.crossing:`` would wait
without a timeout, so the crossing is ``held(lock, timeout)``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

from distributed import Client, Event, Lock, secede

from threeways import Recorder
from threeways._cluster import held, local_cluster, wait_all

from . import DRIVE_TICKS, GREEN_TICKS, RED_TICKS, Params, car_names


# step: what the light and the cars share
@dataclass
class _Light:  # pickled to every task: each copy names the same Events and Lock
    green: Event = field(default_factory=Event)  # starts cleared: red
    sensor: Event = field(default_factory=Event)  # a sensor in the road: set by a car at red
    stays_green: Event = field(default_factory=Event)  # set after the last cycle: cars go home
    crossing: Lock = field(default_factory=Lock)  # held to change colour, and to look and pass


def _light(trace: Recorder, light: _Light, p: Params) -> None:
    # own step: leave the worker's thread pool (this task waits for others)
    secede()
    for cycle in range(1, p.cycles + 1):
        # step: turn red
        with held(light.crossing, p.timeout):
            light.green.clear()
            trace.record("light", "turns red", cycle)
        time.sleep(RED_TICKS * p.tick)
        # step: wait for a car at red
        if not light.sensor.wait(p.timeout):
            raise TimeoutError(f"no car came to the light in {p.timeout:g}s")
        # step: turn green
        with held(light.crossing, p.timeout):
            light.sensor.clear()  # these cars go now: the next red waits for a new one
            light.green.set()
            trace.record("light", "turns green", cycle)
        time.sleep(GREEN_TICKS * p.tick)
    # step: stay green
    # recorded first: a car may see the flag set before set() has answered the light
    trace.record("light", "stays green")
    light.stays_green.set()


def _car(trace: Recorder, name: str, light: _Light, p: Params) -> None:
    # own step: leave the worker's thread pool (this task waits for others)
    secede()
    for trip in itertools.count(1):
        # step: wait for green
        while True:
            with held(
                light.crossing, p.timeout
            ):  # the light cannot change colour while we look and pass
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
    with (
        Client(**local_cluster(n_workers=1, threads_per_worker=1)) as client,
        trace.cluster_sink(client) as sink,
    ):
        # step: set up the light
        light = _Light()
        # step: start the light and the cars
        futures = [client.submit(_light, sink, light, p, pure=False)]
        futures += [
            client.submit(_car, sink, name, light, p, pure=False) for name in car_names(p.cars)
        ]
        # step: wait for everyone to finish
        wait_all(futures, p.timeout)

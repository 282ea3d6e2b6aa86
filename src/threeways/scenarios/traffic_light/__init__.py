"""traffic_light: cars wait for a green light that a light cycles on a shared Event."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import MODELS, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

RED_TICKS = 3
"""How long each red phase lasts at least, in ticks (until a car waits at it, if longer)."""
GREEN_TICKS = 3
"""How long each green phase lasts, in ticks."""
DRIVE_TICKS = 4
"""How long a car drives around the block: longer than a green phase, shorter than a
whole cycle, so a car that passes at the start of green is back while the light is red."""

_CARS = ("Benz", "Audi", "Volvo", "Fiat", "Skoda", "Tesla", "Honda", "Mini")


def car_names(n: int) -> list[str]:
    return names(_CARS, n, "car")


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    cars: int = param(3, "how many cars drive around the block", min=1, max=100)
    cycles: int = param(2, "how many red-then-green cycles the light runs", min=1, max=100)
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class TrafficLight(Scenario[Params]):
    name = "traffic_light"
    order = 10
    summary = "A light cycles red and green on an Event; cars wait for green and pass."
    lesson = """\
An Event is a flag that threads (or tasks, or processes) can wait on: the light sets it
for green and clears it for red, and every car waiting at red wakes when it is set. The
cars drive around the block, past the light again and again. The light runs a fixed
number of red-then-green cycles and then stays green, and each car goes home the next
time it passes (the seed article's light loops forever).

Waking up is not the same as passing: between the moment a car's wait returns and the
moment it drives, the light may have turned red again. So a car looks at the light and
passes in one indivisible step, and looks again after every wait. Threads and processes
need a lock for that (the light changes colour only while holding it); in asyncio and
trio the look and the pass happen with no await between them, and a task cannot be
interrupted there.

The light has a sensor in the road (an induction loop), a second Event, the other way
round: a car that stops at red sets it, and the light turns green only once it is set,
then clears it. So every red phase catches at least one car, whatever the scheduler
does, and the tests can count on it. At the defaults a car drives around the block for
longer than a green phase and less than a whole cycle, so every car is back while the
light is red, in every cycle. A car that wakes to find red again says that it waits at
red once more: the race above, lost. A third Event, set once, tells the cars that the
light stays green.

multiprocessing's Event looks like threading's but differs in one place: its
wait(timeout) returns the flag as it is when the waiter wakes, which can be False again if
the light turned red in between, so False does not mean "timed out" there (threading's
returns True once the flag was set while it waited). A car keeps its own deadline.

trio's Event has no clear(): once set it stays set, because "wait until this happened"
is the only thing an Event should mean (trio issues #637, #1093). A repeating signal
(green, the sensor) uses a fresh Event each time it is cleared; the one-time "stays
green" is a plain trio.Event.

dask runs the light and the cars as tasks on a cluster, with Events and a Lock that the
scheduler keeps by name: every call (set, clear, is_set, wait) is a message to it, from
whichever worker the task is on. dask's Event can be cleared, and its wait(timeout)
returns True once the flag was set while it waited, as threading's does. A task that waits
for other tasks would hold a worker thread all the while, and a cluster with fewer threads
than cars would never start the car the light waits for: each task secede()s from its
worker's thread pool first, as long-running tasks should.
"""
    uses = {
        "threading": "threading.Event (set/clear) for light and sensor; a Lock for look-and-pass",
        "multiprocessing": "multiprocessing Events and Lock from the run's context",
        "asyncio": "asyncio.Event (set/clear); no lock: no await between look and pass",
        "trio": "a flag that replaces its trio.Event when cleared, since trio.Event has no clear()",
        "dask": "distributed.Event (set/clear, on the scheduler), a distributed.Lock; secede()",
    }
    parameters = Params
    models = (*MODELS, "dask")

    checks = (
        "no car passes unless the light is green",
        "no car goes home before the light stays green",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "light": ["red", "green"] * p.cycles,
            "caught at red": list(range(1, p.cycles + 1)),
            "home": sorted(car_names(p.cars)),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        light = [e.action.removeprefix("turns ") for e in events if e.action.startswith("turns ")]
        home = [e.actor for e in events if e.action == "goes home"]
        return {"light": light, "caught at red": _caught(events), "home": sorted(home)}

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        waiting: list[set[str]] = [set()]
        for e in events:
            if e.action == "waits at red":
                waiting[-1].add(e.actor)
            elif e.action == "turns green":
                waiting.append(set())
        passes = sum(e.action == "passes" for e in events)
        return {"cars caught at red, each cycle": [len(w) for w in waiting[:-1]], "passes": passes}

    def narrate(self, event: Event) -> str:
        unit = "cycle" if event.actor == "light" else "trip"
        detail = f" ({unit} {event.detail})" if event.detail != "" else ""
        return f"{event.actor} {event.action}{detail}"

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # The light's lane shows its colour, the last one until the run ends; a car
        # waits from "waits at red" until it passes, then drives for DRIVE_TICKS.
        light = [e for e in events if e.actor == "light"]
        ends = [*(e.t for e in light[1:]), math.inf]
        colours = [e.action.split()[-1] for e in light]  # turns red, turns/stays green
        spans = [
            Span("light", e.t, end, colour)
            for e, end, colour in zip(light, ends, colours, strict=False)
        ]
        for car in car_names(p.cars):
            own = [e for e in events if e.actor == car]
            ends = [*(e.t for e in own[1:]), math.inf] if own else []  # none: it failed first
            for e, after in zip(own, ends, strict=True):
                if e.action == "waits at red":
                    spans.append(Span(car, e.t, after, "waiting"))
                elif e.action == "passes":
                    spans.append(Span(car, e.t, min(after, e.t + DRIVE_TICKS * p.tick), "running"))
        return spans

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        return events[-1].action in ("stays green", "goes home")

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        colour = "red"  # the light starts red
        for e in events:
            if e.actor == "light" and e.action.startswith(("turns ", "stays ")):
                colour = e.action.split()[-1]
            elif e.action == "passes" and colour != "green":
                yield f"{e.actor} passed on {colour} at t={e.t:.3f}s"
            elif e.action == "goes home" and not any(
                x.action == "stays green" and x.t <= e.t for x in events
            ):
                yield f"{e.actor} went home at t={e.t:.3f}s before the light stayed green"


def _caught(events: Sequence[Event]) -> list[int]:
    """The cycles whose red made a car wait: some car waited at red before that green
    (and after the green before it)."""
    caught, waited = [], False
    for e in events:
        if e.action == "waits at red":
            waited = True
        elif e.action == "turns green":
            if waited:
                caught.append(e.detail)
            waited = False
    return caught


SCENARIO = TrafficLight()

"""traffic_light: cars wait for a green light that a light cycles on a shared Event."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._support import names
from threeways._trace import Event

RED_TICKS = 3
"""How long each red phase lasts, in ticks."""
GREEN_TICKS = 3
"""How long each green phase lasts, in ticks."""
DRIVE_TICKS = 2
"""How long a car drives around the block before it comes back to the light."""

_CARS = ("Benz", "Audi", "Volvo", "Fiat", "Skoda", "Tesla", "Honda", "Mini")


def car_names(n: int) -> list[str]:
    return names(_CARS, n, "car")


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    cars: int = param(3, "how many cars drive to the light", min=1, max=100)
    trips: int = param(2, "how many times each car passes the light", min=1, max=100)
    cycles: int = param(2, "how many red-then-green cycles the light runs", min=1, max=100)
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class TrafficLight(Scenario[Params]):
    name = "traffic_light"
    order = 10
    summary = "A light cycles red and green on an Event; cars wait for green and pass."
    lesson = """\
An Event is a flag that threads (or tasks, or processes) can wait on: the light sets it
for green and clears it for red, and every waiting car wakes when it is set. The light
runs a fixed number of red-then-green cycles and is then left green, so every car gets
through and the run ends by itself (the seed article's light loops forever).

Waking up is not the same as passing: between the moment a car's wait returns and the
moment it drives, the light may have turned red again. So a car checks the light and
passes in one indivisible step. Threads and processes need a lock for that (the light
changes colour only while holding it); in asyncio and trio the check and the pass
happen with no await between them, and a task cannot be interrupted there.

multiprocessing's Event looks like threading's but differs in one place: its
wait(timeout) returns the flag as it is when the waiter wakes, which can be False again if
the light turned red in between, so False does not mean "timed out" there (threading's
returns True once the flag was set while it waited). A car keeps its own deadline.

trio's Event has no clear(): once set it stays set, because "wait until this happened"
is the only thing an Event should mean (trio issues #637, #1093). A repeating signal
uses a fresh Event for each green phase; the light replaces it when it turns red.
"""
    uses = {
        "threading": "threading.Event (set/clear) and a Lock around check-and-pass",
        "multiprocessing": "multiprocessing Event and Lock from the run's context",
        "asyncio": "asyncio.Event (set/clear); no lock: no await between check and pass",
        "trio": "a fresh trio.Event per green phase, since trio.Event has no clear()",
    }
    parameters = Params

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "light": ["red", "green"] * p.cycles,
            "passes": dict.fromkeys(sorted(car_names(p.cars)), p.trips),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        light = [e.action.removeprefix("turns ") for e in events if e.action.startswith("turns ")]
        passes = Counter(e.actor for e in events if e.action == "passes")
        return {"light": light, "passes": dict(sorted(passes.items()))}

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
            for e, after in zip(own, [*(e.t for e in own[1:]), math.inf], strict=True):
                if e.action == "waits at red":
                    spans.append(Span(car, e.t, after, "waiting"))
                elif e.action == "passes":
                    spans.append(Span(car, e.t, min(after, e.t + DRIVE_TICKS * p.tick), "running"))
        return spans

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]  # the light stays green at the end; a car passes on its last trip
        return last.action == "stays green" or (last.action == "passes" and last.detail == p.trips)

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        colour = "red"  # the light starts red
        for e in events:
            if e.actor == "light" and e.action.startswith("turns "):
                colour = e.action.removeprefix("turns ")
            elif e.action == "passes" and colour != "green":
                yield f"{e.actor} passed on {colour} at t={e.t:.3f}s"


SCENARIO = TrafficLight()

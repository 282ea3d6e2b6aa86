"""producer_consumer: a cook makes bones, dogs take them from a queue and eat."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import MODELS, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

EAT_TICKS = 5
"""How long a dog takes to eat one bone, in ticks. Making one takes one tick, so the cook
is more than twice as fast as two dogs: the queue fills, and the cook waits for room."""

_DOGS = ("Wangwang", "Wangcai", "Rex", "Fido", "Laika", "Bello")


def dog_names(n: int) -> list[str]:
    return names(_DOGS, n, "dog")


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    bones: int = param(8, "how many bones the cook makes", min=0, max=10_000)
    dogs: int = param(2, "how many dogs eat from the queue", min=1, max=100)
    buffer: int = param(
        2,
        "how many bones fit in the queue before the cook waits (0: no limit in threading, "
        "multiprocessing and asyncio; no room at all in trio)",
        min=0,
    )
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


class ProducerConsumer(Scenario[Params]):
    name = "producer_consumer"
    order = 20
    summary = "A cook puts bones on a bounded queue; dogs take them off and eat; all go home."
    lesson = """\
A queue decouples the one who makes work from those who do it: the cook puts bones on,
any free dog takes the next one off, and neither knows about the other. The queue is
bounded, so a cook faster than the dogs waits for room (back-pressure) instead of piling
up bones without end. Here the cook is: it makes a bone a tick, and two dogs eat one
every five ticks each, so after a few bones the queue is full and the cook "waits for
room" until a dog takes one off.

Which dog eats which bone is up to the scheduler; that every bone is eaten exactly once,
and only after it was made, is not. Those are what the tests check.

The hard part is the end: a dog blocked on an empty queue cannot tell "no bone yet" from
"no bones ever again". threading, multiprocessing and asyncio queues have no "closed"
state before Python 3.13, so the cook puts one sentinel (None) per dog after the last
bone, and each dog goes home when it takes one. (Python 3.13 adds Queue.shutdown() to
queue.Queue and asyncio.Queue; multiprocessing.Queue has none.) trio's memory channel
has separate send and receive ends: the cook closes its send end, and every dog's
`async for` ends by itself once the buffered bones are gone. Each dog holds a clone of
the receive end, so that it can close its own when it goes home without closing the
channel under the dogs still eating.

A buffer of 0 means opposite things: queue.Queue(0), asyncio.Queue(0) and
multiprocessing's Queue(0) have no limit at all, so the cook never waits; trio's
open_memory_channel(0) has no room at all, so each send waits until a dog takes that
very bone (a rendezvous). Try --buffer 0 and count the cook's waits in each model.

interpreters (Python 3.13+, PEP 734): the cook and each dog run in an interpreter of their
own, in one process. Interpreters share no object, so neither a queue.Queue nor a Lock can
pass between them: interpreters.create_queue() makes a queue that lives outside them all,
and the queue itself crosses when passed to call. A bone (an int) or None crosses as it is,
being shareable; anything else would be pickled. Its put and get wait by polling every
10 ms, with timeouts in whole seconds.
"""
    models = (*MODELS, "interpreters")
    uses = {
        "threading": "queue.Queue(maxsize) and a None sentinel per dog",
        "multiprocessing": "multiprocessing Queue(maxsize) and a None sentinel per dog",
        "asyncio": "asyncio.Queue(maxsize) and a None sentinel per dog",
        "trio": "trio.open_memory_channel(buffer), a receive clone per dog; closing the send "
        "end ends the dogs' loops",
        "interpreters": "interpreters.create_queue(maxsize), an interpreter each, a None per dog",
    }
    parameters = Params

    checks = (
        "no dog eats a bone before it is made",
        "no bone is eaten twice",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "made": p.bones,
            "eaten": list(range(1, p.bones + 1)),
            "home": sorted(dog_names(p.dogs)),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        made = [e for e in events if e.action == "makes bone"]
        eaten = [e.detail for e in events if e.action == "eats bone"]
        home = [e.actor for e in events if e.action == "goes home"]
        return {"made": len(made), "eaten": sorted(eaten), "home": sorted(home)}

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        return {"cook waited for room": sum(e.action == "waits for room" for e in events)}

    def narrate(self, event: Event) -> str:
        if event.action == "waits for room":
            what = "a sentinel" if event.detail is None else f"bone {event.detail}"
            return f"{event.actor} waits for room for {what}"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # The cook makes each bone in the tick before "makes bone"; it waits from "waits
        # for room" until the queue takes the bone, which is when it starts making the
        # next one (or tries the next put). A dog eats for EAT_TICKS after "eats bone",
        # then waits for the next bone.
        spans = []
        cook = [e for e in events if e.actor == "cook"]
        for e, after in itertools.pairwise(cook):
            if e.action == "makes bone":
                spans.append(Span("cook", e.t - p.tick, e.t, "running"))
            elif e.action == "waits for room":
                end = after.t - p.tick if after.action == "makes bone" else after.t
                spans.append(Span("cook", e.t, max(e.t, end), "waiting"))
        for dog in dog_names(p.dogs):
            own = [e for e in events if e.actor == dog]
            for e, after in itertools.pairwise(own):
                if e.action == "eats bone":
                    full = min(e.t + EAT_TICKS * p.tick, after.t)
                    spans += [Span(dog, e.t, full, "running"), Span(dog, full, after.t, "waiting")]
        return spans

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        made: set[int] = set()
        for e in events:
            if e.action == "makes bone":
                made.add(e.detail)
            elif e.action == "eats bone" and e.detail not in made:
                yield f"{e.actor} ate bone {e.detail} before it was made"
        counts = Counter(e.detail for e in events if e.action == "eats bone")
        for bone, n in counts.items():
            if n > 1:
                yield f"bone {bone} was eaten {n} times"


SCENARIO = ProducerConsumer()

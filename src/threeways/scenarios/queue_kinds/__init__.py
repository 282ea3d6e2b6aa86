"""queue_kinds: the same items go into a FIFO, a LIFO and a priority queue, and come out
in each queue's order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Mark, Scenario, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

KINDS = ("fifo", "lifo", "priority")
"""The three queues, in the order the consumer empties them."""
ORDERS = {"fifo": "oldest first", "lifo": "newest first", "priority": "smallest first"}
"""What each queue gives back first: first in first out, last in first out, the smallest."""

Entry = tuple[int, int, str]
"""What goes on a queue: (priority, arrival number, item). A priority queue compares whole
entries, so the arrival number breaks ties between equal priorities in arrival order, and
the items themselves are never compared (the recipe in the ``heapq`` documentation)."""

_FRUIT = ("plum", "apple", "kiwi", "fig", "cherry", "mango", "banana", "grape", "lemon", "date")


def entries(p: Params) -> list[Entry]:
    """The items in the order they are put: item n (from 1) has priority (n - 1) % levels,
    and a lower number comes out of the priority queue first."""
    items = names(_FRUIT, p.items, "fruit")
    return [((n - 1) % p.levels, n, item) for n, item in enumerate(items, start=1)]


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    items: int = param(6, "how many items go into each queue", min=1, max=1000)
    levels: int = param(3, "how many priorities: item n has priority (n - 1) % levels", min=1)
    tick: float = param(0.05, "seconds per tick: scales every sleep in the scenario", min=0)


class QueueKinds(Scenario[Params]):
    name = "queue_kinds"
    order = 60
    summary = "The same items go into a FIFO, a LIFO and a priority queue; each gives its order."
    lesson = """\
A queue's kind is the order in which it gives items back: a FIFO queue (queue.Queue)
first in, first out, like a checkout line; a LIFO queue (queue.LifoQueue) last in, first
out, like a stack of plates; a priority queue (queue.PriorityQueue) the smallest entry
first, whenever it came. The producer puts the same items, with their priorities, on all
three, one item a tick; the consumer empties them one after the other, using each item
for a tick, so the timeline shows the three orders one after the other.

A priority queue compares whole entries, so each is (priority, arrival number, item): the
arrival number keeps equal priorities in arrival order and the items themselves are never
compared (plain (priority, item) would order ties alphabetically, and fail on items that
cannot be compared).

The consumer starts with the producer but waits for its "all in" Event before taking
anything, so each queue holds every item when the first one comes out, and the three
orders are fixed. Take the Event away and they depend on timing: a consumer that keeps
up with the producer gets each item as it arrives, so LIFO and priority queues then
give FIFO order, or anything in between. (A FIFO queue with one producer and one
consumer keeps its order either way.)

Not every model has all three. queue and asyncio do. multiprocessing.Queue is FIFO only,
and its manager registers only FIFO queues, so the multiprocessing model registers
queue.LifoQueue and queue.PriorityQueue with a manager of its own: they live in the
manager's process and every put and get is a round trip to it. trio's memory channels
are FIFO only, so the trio model builds the other two from a list and a trio.Condition,
which is how queue.Queue is built on threading.Condition.
"""
    uses = {
        "threading": "queue.Queue, queue.LifoQueue, queue.PriorityQueue; an Event for 'all in'",
        "multiprocessing": "multiprocessing Queue; LifoQueue and PriorityQueue served by a manager",
        "asyncio": "asyncio.Queue, asyncio.LifoQueue, asyncio.PriorityQueue",
        "trio": "a memory channel (FIFO); LIFO and priority built on a list and trio.Condition",
    }
    parameters = Params

    checks = (
        "nothing comes off a queue before every item is in",
        "each queue gives back exactly the items put on it",
    )

    def expected(self, p: Params) -> dict[str, list[str]]:
        put = entries(p)
        return {
            "fifo": [item for _, _, item in put],
            "lifo": [item for _, _, item in reversed(put)],
            "priority": [item for _, _, item in sorted(put)],
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, list[str]]:
        gets = [e.detail for e in events if e.action == "gets"]
        return {kind: [d["item"] for d in gets if d["queue"] == kind] for kind in KINDS}

    def narrate(self, event: Event) -> str:
        d = event.detail
        if event.action == "puts":
            return f"{event.actor} puts {d['item']} (priority {d['priority']}) on {d['queue']}"
        if event.action == "gets":
            return f"{event.actor} gets {d['item']} from {d['queue']}"
        return super().narrate(event)

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        if events[-1].actor == "producer":
            return events[-1].action == "has put every item"
        return sum(e.action == "gets" for e in events) == p.items * len(KINDS)

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # the producer fills the three queues, then the consumer empties each in its order
        found = [Mark(events[0].t, "filling all three")] if events else []
        for e in events:
            if e.action == "gets" and not any(m.label.startswith(e.detail["queue"]) for m in found):
                found.append(Mark(e.t, f"{e.detail['queue']}: {ORDERS[e.detail['queue']]}"))
        return found

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        all_in = False
        for e in events:
            if e.action == "has put every item":
                all_in = True
            elif e.action == "gets" and not all_in:
                yield f"{e.detail['item']} came off {e.detail['queue']} before all items were in"
        for kind in KINDS:
            put = Counter(e.detail["item"] for e in events if _on(e, "puts", kind))
            got = Counter(e.detail["item"] for e in events if _on(e, "gets", kind))
            if put != got:
                yield f"{kind} gave back {sorted(got.elements())}, not {sorted(put.elements())}"


def _on(e: Event, action: str, kind: str) -> bool:
    return e.action == action and e.detail["queue"] == kind


SCENARIO = QueueKinds()

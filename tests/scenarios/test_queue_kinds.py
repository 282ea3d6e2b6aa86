"""queue_kinds: invariants catch early or lost items; ties keep arrival order; trio's
hand-built LIFO and priority channels wait, like a queue, while they are empty."""

from __future__ import annotations

import heapq
import itertools

import trio
import trio.testing

import threeways
from threeways import Event
from threeways.scenarios.queue_kinds._trio import _Channel

from ..conftest import FAST, fast_run

SC = threeways.get_scenario("queue_kinds")


def _put(t: float, queue: str, item: str) -> Event:
    return Event(t, "producer", "puts", {"queue": queue, "item": item, "priority": 0})


def _get(t: float, queue: str, item: str) -> Event:
    return Event(t, "consumer", "gets", {"queue": queue, "item": item})


def test_invariants_catch_an_early_get_and_lost_items() -> None:
    # taking an item before "all in", and a queue giving back other items than it was
    # given, are reported
    events = [
        _put(0.0, "fifo", "plum"),
        _get(0.1, "fifo", "plum"),
        _put(0.2, "lifo", "plum"),
        _put(0.3, "priority", "plum"),
        Event(0.4, "producer", "has put every item"),
        _get(0.5, "priority", "plum"),
        _get(0.6, "priority", "plum"),
    ]
    assert list(SC.invariants(events, SC.params(items=1))) == [
        "plum came off fifo before all items were in",
        "lifo gave back [], not ['plum']",
        "priority gave back ['plum', 'plum'], not ['plum']",
    ]


def test_expected_orders_break_ties_by_arrival() -> None:
    # equal priorities come out in arrival order, not in the items' alphabetical order
    expected = SC.expected(SC.params(items=6, levels=3))
    assert expected["fifo"] == ["plum", "apple", "kiwi", "fig", "cherry", "mango"]
    assert expected["lifo"] == ["mango", "cherry", "fig", "kiwi", "apple", "plum"]
    assert expected["priority"] == ["plum", "fig", "apple", "cherry", "kiwi", "mango"]


def test_one_priority_level_is_a_fifo_queue(model: str) -> None:
    # with every priority equal, the priority queue gives arrival order in every model
    result = threeways.run("queue_kinds", model, items=5, levels=1, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["priority"] == result.observable["fifo"]


def test_a_single_item(model: str) -> None:
    # one item comes out of each queue unchanged
    result = threeways.run("queue_kinds", model, items=1, **FAST)
    assert result.ok, (result.violations, result.observable)


def test_trio_channels_wait_while_empty() -> None:
    # a receive on an empty hand-built channel waits for the next send, then the
    # channel keeps its order across sends and receives that interleave
    async def check() -> list[str]:
        got = []
        stack, heap = _Channel(list.append, list.pop), _Channel(heapq.heappush, heapq.heappop)

        async def take(channel: _Channel) -> None:
            got.append((await channel.receive())[2])

        async with trio.open_nursery() as nursery:
            nursery.start_soon(take, stack)
            nursery.start_soon(take, heap)
            await trio.testing.wait_all_tasks_blocked()
            await stack.send((0, 1, "first"))
            await heap.send((0, 1, "first"))
        for entry in [(2, 2, "low"), (1, 3, "high"), (1, 4, "high too")]:
            await stack.send(entry)
            await heap.send(entry)
        got += [(await stack.receive())[2] for _ in range(3)]
        got += [(await heap.receive())[2] for _ in range(3)]
        return got

    assert trio.run(check) == [
        "first",
        "first",
        "high too",
        "high",
        "low",
        "high",
        "high too",
        "low",
    ]


def test_the_phases_show_each_queue_emptied_in_turn(model: str) -> None:
    # the timeline marks the filling, then each queue as the consumer empties it (it uses
    # each item for a tick, so every phase has a width)
    result = fast_run("queue_kinds", model)
    marks = SC.marks(result.events, SC.params(**result.params))
    assert [m.label for m in marks] == [
        "filling all three",
        "fifo: oldest first",
        "lifo: newest first",
        "priority: smallest first",
    ]
    assert all(a.t < b.t for a, b in itertools.pairwise(marks))

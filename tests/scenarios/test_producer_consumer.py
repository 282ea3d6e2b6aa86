"""producer_consumer: invariants catch a bone eaten twice or before it was made; edge sizes
work; the cook waits for room at the defaults; a buffer of 0 means what each library says;
trio's dogs need a clone of the receive end each."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import queue
from typing import TYPE_CHECKING

import pytest
import trio
import trio.testing

import threeways
from threeways import Event

from ..conftest import FAST, NEEDS_INTERPRETERS

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

SC = threeways.get_scenario("producer_consumer")


def test_invariants_catch_double_and_early_eating() -> None:
    # a bone eaten before it was made, or twice, is reported
    events = [
        Event(0.0, "Rex", "eats bone", 1),
        Event(0.1, "cook", "makes bone", 1),
        Event(0.2, "Fido", "eats bone", 1),
    ]
    assert list(SC.invariants(events, SC.params())) == [
        "Rex ate bone 1 before it was made",
        "bone 1 was eaten 2 times",
    ]


def test_no_bones_at_all(model: str) -> None:
    # with nothing to eat, every dog still goes home: the shutdown works on an empty queue
    result = threeways.run("producer_consumer", model, bones=0, dogs=3, **FAST)
    assert result.ok, result.observable


def test_more_dogs_than_bones_and_a_tiny_buffer(model: str) -> None:
    # a buffer of one and idle dogs: every bone is still eaten exactly once
    result = threeways.run("producer_consumer", model, bones=3, dogs=5, buffer=1, **FAST)
    assert result.ok, (result.observable, result.violations)


def test_the_cook_waits_for_room_at_the_defaults(model: str) -> None:
    # back-pressure shows: the cook is faster than the dogs, the queue fills, and the cook
    # says it waits for room; the timeline draws that wait in the cook's lane
    result = threeways.run("producer_consumer", model)
    assert result.ok, (result.observable, result.violations)
    waits = [e for e in result.events if e.actor == "cook" and e.action == "waits for room"]
    assert waits and result.measurements["cook waited for room"] == len(waits)
    spans = SC.timeline(result.events, SC.params())
    cook = [s for s in spans if s.actor == "cook" and s.state == "waiting"]
    assert len(cook) == len(waits) and all(s.end > s.start for s in cook)


def test_a_buffer_of_zero(model: str) -> None:
    # 0 is allowed and means what each library says: no limit for queue.Queue,
    # multiprocessing's Queue and asyncio.Queue (the cook never waits), no room at all for
    # a trio channel (the cook waits whenever no dog is already waiting to take the bone)
    fast = threeways.run("producer_consumer", model, buffer=0, **FAST)
    assert fast.ok, (fast.observable, fast.violations)
    if model != "trio":
        assert fast.measurements["cook waited for room"] == 0
    else:
        at_defaults = threeways.run("producer_consumer", model, buffer=0)
        assert at_defaults.ok and at_defaults.measurements["cook waited for room"] > 0


def test_size_zero_is_no_limit_for_queues_and_no_room_for_trio() -> None:
    # the fact the lesson teaches, on the installed versions: many bones fit in a queue of
    # size 0 without waiting, and not one in a trio channel of size 0
    many = 1000
    plain: queue.Queue[int] = queue.Queue(0)
    loop_queue: asyncio.Queue[int] = asyncio.Queue(0)
    processes: Queue[int] = multiprocessing.get_context("spawn").Queue(0)
    for i in range(many):
        plain.put_nowait(i)
        loop_queue.put_nowait(i)
        processes.put_nowait(i)
    assert plain.qsize() == loop_queue.qsize() == many
    assert [processes.get(timeout=10) for _ in range(many)] == list(range(many))
    processes.close()
    processes.join_thread()

    async def rendezvous() -> None:
        send, _ = trio.open_memory_channel[int](0)
        with pytest.raises(trio.WouldBlock):
            send.send_nowait(1)  # nobody is receiving: there is no room to put it in
        unbounded, _ = trio.open_memory_channel[int](math.inf)
        for i in range(many):
            unbounded.send_nowait(i)

    trio.run(rendezvous)


def test_two_dogs_on_one_receive_end_break_without_clones() -> None:
    # why each dog gets receive.clone(): sharing one end, the first dog home closes it
    # under a dog still eating (ClosedResourceError); with a clone each, both finish
    async def meal(clone: bool) -> None:
        send, receive = trio.open_memory_channel[int](2)

        async def dog(bones: trio.MemoryReceiveChannel[int], eat: float) -> None:
            async with bones:
                async for _ in bones:
                    await trio.sleep(eat)

        async with trio.open_nursery() as nursery, send:
            for eat in (0.0, 0.05):  # the first dog is home while the second still eats
                nursery.start_soon(dog, receive.clone() if clone else receive, eat)
            if clone:
                receive.close()  # main's own end: each dog has its clone
            await send.send(1)
            await send.send(2)
            await trio.testing.wait_all_tasks_blocked()

    trio.run(meal, True)
    with pytest.RaisesGroup(trio.ClosedResourceError):
        trio.run(meal, False)


@NEEDS_INTERPRETERS
def test_a_cross_interpreter_queue_has_room_as_queue_queue_has() -> None:
    # interpreters.create_queue(maxsize) pushes back as queue.Queue does, and 0 is no limit
    bounded = threeways.run("producer_consumer", "interpreters", buffer=1, **FAST)
    assert bounded.ok, (bounded.observable, bounded.violations)
    unbounded = threeways.run("producer_consumer", "interpreters", buffer=0, **FAST)
    assert unbounded.ok and unbounded.measurements["cook waited for room"] == 0

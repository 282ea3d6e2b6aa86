"""queue_kinds with trio: a memory channel for FIFO; LIFO and priority built by hand.

trio's memory channels are FIFO only, and trio has no LIFO or priority queue. When you
need another order, the recipe is the one ``queue.Queue`` uses on top of
``threading.Condition``: a list that keeps the order (a stack, or a ``heapq`` heap), and
a ``trio.Condition`` to wait on while it is empty. ``_Channel`` is that recipe, with the
``send``/``receive`` of a memory channel, so the producer and the consumer treat the three
queues alike; building it makes this file longer than the others. The hand-built ones are
unbounded; the memory channel gets room for every item, since nobody takes one before all
are in. A ``trio.Event`` tells the consumer that every item is in; ``trio.fail_after``
bounds the whole run.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable

import trio

from threeways import Recorder

from . import Entry, Params, entries


class _Channel:
    """A channel in the order that ``push`` and ``pop`` keep in a list: a stack with
    ``list.append`` and ``list.pop``, a heap with ``heapq.heappush`` and ``heappop``."""

    def __init__(
        self, push: Callable[[list[Entry], Entry], None], pop: Callable[[list[Entry]], Entry]
    ) -> None:
        self._entries: list[Entry] = []
        self._push, self._pop = push, pop
        self._not_empty = trio.Condition()

    async def send(self, entry: Entry) -> None:
        async with self._not_empty:
            self._push(self._entries, entry)
            self._not_empty.notify()

    async def receive(self) -> Entry:
        async with self._not_empty:
            while not self._entries:  # empty: wait for a send
                await self._not_empty.wait()
            return self._pop(self._entries)


_Sender = trio.MemorySendChannel[Entry] | _Channel
_Receiver = trio.MemoryReceiveChannel[Entry] | _Channel


async def _producer(
    trace: Recorder, queues: dict[str, _Sender], all_in: trio.Event, p: Params
) -> None:
    for priority, n, item in entries(p):  # n, the arrival number, breaks ties
        # step: bring the next item
        await trio.sleep(p.tick)
        # step: put it on every queue
        for kind, q in queues.items():
            await q.send((priority, n, item))
            trace.record("producer", "puts", {"queue": kind, "item": item, "priority": priority})
    # step: say every item is in
    trace.record("producer", "has put every item")
    all_in.set()


async def _consumer(
    trace: Recorder, queues: dict[str, _Receiver], all_in: trio.Event, p: Params
) -> None:
    # step: wait until every item is in
    trace.record("consumer", "waits until every item is in")
    await all_in.wait()
    for kind, q in queues.items():
        # step: take every item off, in the queue's order
        for _ in range(p.items):
            _, _, item = await q.receive()
            trace.record("consumer", "gets", {"queue": kind, "item": item})
            # step: use it
            await trio.sleep(p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the three queues
    send_fifo, receive_fifo = trio.open_memory_channel[Entry](p.items)  # room for every item
    lifo, priority = _Channel(list.append, list.pop), _Channel(heapq.heappush, heapq.heappop)
    senders: dict[str, _Sender] = {"fifo": send_fifo, "lifo": lifo, "priority": priority}
    receivers: dict[str, _Receiver] = {"fifo": receive_fifo, "lifo": lifo, "priority": priority}
    all_in = trio.Event()
    with trio.fail_after(p.timeout):
        async with send_fifo, receive_fifo, trio.open_nursery() as nursery:
            # step: start the producer and the consumer
            nursery.start_soon(_producer, trace, senders, all_in, p)
            nursery.start_soon(_consumer, trace, receivers, all_in, p)
            # step: wait for both to finish
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

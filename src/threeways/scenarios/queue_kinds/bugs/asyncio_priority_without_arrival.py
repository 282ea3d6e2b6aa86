"""Puts (priority, item) on the queues: equal priorities then come out in the items' order.

The learner leaves out the arrival number: an entry is just (priority, item). A priority
queue compares whole entries, so two entries of equal priority are ordered by their
items, alphabetically: "fig" comes off before "plum", although "plum" came first. (With
items that cannot be compared, the put itself would raise TypeError.) The FIFO and LIFO
queues keep their orders. The checker sees the priority queue's order differ from
"smallest first, ties in arrival order".
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.queue_kinds import Params, entries

Entry = tuple[int, str]  # (priority, item)


async def _producer(
    trace: Recorder, queues: dict[str, asyncio.Queue[Entry]], all_in: asyncio.Event, p: Params
) -> None:
    for priority, _, item in entries(p):
        # step: bring the next item
        await asyncio.sleep(p.tick)
        # step: put it on every queue
        for kind, q in queues.items():
            await q.put((priority, item))  # the bug: equal priorities compare the items
            trace.record("producer", "puts", {"queue": kind, "item": item, "priority": priority})
    # step: say every item is in
    trace.record("producer", "has put every item")
    all_in.set()


async def _consumer(
    trace: Recorder, queues: dict[str, asyncio.Queue[Entry]], all_in: asyncio.Event, p: Params
) -> None:
    # step: wait until every item is in
    trace.record("consumer", "waits until every item is in")
    await all_in.wait()
    for kind, q in queues.items():
        # step: take every item off, in the queue's order
        for _ in range(p.items):
            _, item = await q.get()
            trace.record("consumer", "gets", {"queue": kind, "item": item})
            # step: use it
            await asyncio.sleep(p.tick)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the three queues
    queues: dict[str, asyncio.Queue[Entry]] = {
        "fifo": asyncio.Queue(),
        "lifo": asyncio.LifoQueue(),
        "priority": asyncio.PriorityQueue(),
    }
    all_in = asyncio.Event()
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the producer and the consumer
        tg.create_task(_producer(trace, queues, all_in, p))
        tg.create_task(_consumer(trace, queues, all_in, p))
        # step: wait for both to finish
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

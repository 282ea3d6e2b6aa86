"""queue_kinds with asyncio: asyncio.Queue, asyncio.LifoQueue and asyncio.PriorityQueue.

asyncio copies the ``queue`` module's three kinds, with ``await`` on ``put`` and ``get``
and no timeout arguments: ``asyncio.timeout`` bounds the whole run. They are not
thread-safe, and need not be: every task runs in the event loop's one thread. The
producer and the consumer are tasks; an ``asyncio.Event`` tells the consumer that every
item is in.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import Entry, Params, entries


async def _producer(
    trace: Recorder, queues: dict[str, asyncio.Queue[Entry]], all_in: asyncio.Event, p: Params
) -> None:
    for priority, n, item in entries(p):  # n, the arrival number, breaks ties
        # step: bring the next item
        await asyncio.sleep(p.tick)
        # step: put it on every queue
        for kind, q in queues.items():
            await q.put((priority, n, item))  # a priority queue compares whole entries
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
            _, _, item = await q.get()
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

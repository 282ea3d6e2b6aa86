"""queue.LifoQueue and queue.PriorityQueue handed to processes: each process gets its own.

The learner finds that multiprocessing has only a FIFO queue and takes the ``queue``
module's LIFO and priority queues instead: they are thread-safe, after all. But they
live in one process's memory. Forked, the producer and the consumer each get a copy:
the producer fills its own, the consumer waits on its empty one until its ``get`` times
out; spawn and forkserver cannot even send them to a child (``TypeError: cannot pickle
'_thread.lock' object``). The checker reports the consumer stuck on the LIFO queue, or
main failing to start the processes. A manager's proxies would share one queue.
"""

from __future__ import annotations

import queue
import time
from multiprocessing.synchronize import Event
from typing import Protocol

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.queue_kinds import Entry, Params, entries


class _Queue(Protocol):
    """What the producer and the consumer use: a multiprocessing Queue or a manager's proxy."""

    def put(self, entry: Entry, /) -> None: ...
    def get(self, block: bool = True, timeout: float | None = None) -> Entry: ...


def _producer(trace: Recorder, queues: dict[str, _Queue], all_in: Event, p: Params) -> None:
    for priority, n, item in entries(p):  # n, the arrival number, breaks ties
        # step: bring the next item
        time.sleep(p.tick)
        # step: put it on every queue
        for kind, q in queues.items():
            q.put((priority, n, item))  # a priority queue compares whole entries
            trace.record("producer", "puts", {"queue": kind, "item": item, "priority": priority})
    # step: say every item is in
    trace.record("producer", "has put every item")
    all_in.set()


def _consumer(trace: Recorder, queues: dict[str, _Queue], all_in: Event, p: Params) -> None:
    # step: wait until every item is in
    trace.record("consumer", "waits until every item is in")
    if not all_in.wait(p.timeout):
        raise TimeoutError(f"the consumer waited {p.timeout:g}s for the items")
    for kind, q in queues.items():
        # step: take every item off, in the queue's order
        for _ in range(p.items):
            _, _, item = q.get(timeout=p.timeout)
            trace.record("consumer", "gets", {"queue": kind, "item": item})
            # step: use it
            time.sleep(p.tick)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the three queues
    fifo = ctx.Queue()  # a real multiprocessing queue: a pipe
    queues: dict[str, _Queue] = {
        "fifo": fifo,
        "lifo": queue.LifoQueue(),  # the bug: a queue of this process only
        "priority": queue.PriorityQueue(),
    }
    all_in = ctx.Event()
    with trace.child_sink() as sink:
        # step: start the producer and the consumer
        workers = [
            ctx.Process(target=_producer, args=(sink, queues, all_in, p), name="producer"),
            ctx.Process(target=_consumer, args=(sink, queues, all_in, p), name="consumer"),
        ]
        for worker in workers:
            worker.start()
        # step: wait for both to finish
        join_all(workers, p.timeout)
    fifo.close()  # main's end of its pipe: now, not whenever it is garbage-collected

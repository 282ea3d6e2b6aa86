"""queue_kinds with threads: queue.Queue, queue.LifoQueue and queue.PriorityQueue.

The ``queue`` module has all three kinds, thread-safe, with the same ``put``/``get``: only
the order differs (LifoQueue and PriorityQueue subclass Queue and store items in a list
used as a stack or as a heap, not a deque). The producer and the consumer are threads; a
``threading.Event`` tells the consumer that every item is in, so each queue's order is
fixed before anything comes out.
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all

from . import Entry, Params, entries


def _producer(
    trace: Recorder, queues: dict[str, queue.Queue[Entry]], all_in: threading.Event, p: Params
) -> None:
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


def _consumer(
    trace: Recorder, queues: dict[str, queue.Queue[Entry]], all_in: threading.Event, p: Params
) -> None:
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
    # step: set up the three queues
    queues: dict[str, queue.Queue[Entry]] = {
        "fifo": queue.Queue(),
        "lifo": queue.LifoQueue(),
        "priority": queue.PriorityQueue(),
    }
    all_in = threading.Event()
    # step: start the producer and the consumer
    workers = [
        threading.Thread(target=_producer, args=(trace, queues, all_in, p), name="producer"),
        threading.Thread(target=_consumer, args=(trace, queues, all_in, p), name="consumer"),
    ]
    for worker in workers:
        worker.start()
    # step: wait for both to finish
    join_all(workers, p.timeout)

"""The consumer does not wait for "all in": it takes each item as soon as it arrives.

The learner drops the Event: ``get()`` waits by itself while a queue is empty, so why
wait for more? Because a queue's order applies only to the items it holds at once. This
consumer keeps up with the producer: it takes each item off the FIFO queue as it
arrives, and by the time it turns to the others, those hold every item, but it took the
FIFO ones while the rest were still to come. The checker sees items come off before all
items were in (and, with a faster consumer, LIFO and priority orders that are FIFO).
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.queue_kinds import Entry, Params, entries


def _producer(trace: Recorder, queues: dict[str, queue.Queue[Entry]], p: Params) -> None:
    for priority, n, item in entries(p):  # n, the arrival number, breaks ties
        # step: bring the next item
        time.sleep(p.tick)
        # step: put it on every queue
        for kind, q in queues.items():
            q.put((priority, n, item))  # a priority queue compares whole entries
            trace.record("producer", "puts", {"queue": kind, "item": item, "priority": priority})
    # step: say every item is in
    trace.record("producer", "has put every item")


def _consumer(trace: Recorder, queues: dict[str, queue.Queue[Entry]], p: Params) -> None:
    # step: wait until every item is in
    # the bug: no wait here, "get() waits anyway": but only for the next item
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
    # step: start the producer and the consumer
    workers = [
        threading.Thread(target=_producer, args=(trace, queues, p), name="producer"),
        threading.Thread(target=_consumer, args=(trace, queues, p), name="consumer"),
    ]
    for worker in workers:
        worker.start()
    # step: wait for both to finish
    join_all(workers, p.timeout)

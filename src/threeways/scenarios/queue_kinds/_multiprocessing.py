"""queue_kinds with processes: a multiprocessing Queue, and a manager for LIFO and priority.

``multiprocessing`` has only a FIFO queue: ``ctx.Queue`` pickles each entry and sends it
through a pipe, written by a feeder thread in the putting process. Its managers serve
FIFO queues only too, so ``_QueueManager`` registers ``queue.LifoQueue`` and
``queue.PriorityQueue``: the manager runs them in a process of its own and hands out
proxies, and every ``put`` and ``get`` on a proxy is a round trip to that process.
``with`` starts the manager and shuts it down; its class is top-level and registered at
import, so that spawn and forkserver find it by name in the manager's process.
"""

from __future__ import annotations

import queue
import time
from multiprocessing.managers import BaseManager
from multiprocessing.synchronize import Event
from typing import Protocol

from threeways import Recorder
from threeways._support import join_all

from . import Entry, Params, entries


class _QueueManager(BaseManager):
    """A manager serving the two queue kinds that multiprocessing lacks."""


_QueueManager.register("LifoQueue", queue.LifoQueue)
_QueueManager.register("PriorityQueue", queue.PriorityQueue)


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
    # own step: start a manager for the LIFO and priority queues
    with _QueueManager(ctx=ctx) as manager:
        # step: set up the three queues
        fifo = ctx.Queue()  # a real multiprocessing queue: a pipe
        queues: dict[str, _Queue] = {
            "fifo": fifo,
            "lifo": manager.LifoQueue(),  # type: ignore[attr-defined]  # a proxy
            "priority": manager.PriorityQueue(),  # type: ignore[attr-defined]
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

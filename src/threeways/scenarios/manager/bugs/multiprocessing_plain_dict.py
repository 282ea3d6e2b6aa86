"""Passes a plain dict and list to the processes: each child changes its own copy.

Threads share memory; processes do not. A plain ``dict`` and ``list`` given to
``Process(args=...)`` are copied into each child (pickled under spawn and forkserver,
copied on write under fork), so every worker writes into its own copy and the parent's
stay as they were: ``{"total": 0}`` and ``[]``. The lock guards nothing shared either.
The checker sees none of the items written in the dict or the list, and a total of 0.
Sharing across processes takes a ``Manager()``'s dict and list (or shared memory).
"""

from __future__ import annotations

import time
from typing import Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.manager import TOTAL, Params, entry, worker_names


def _worker(
    trace: Recorder,
    name: str,
    shared: dict[str, Any],
    log: list[str],
    lock: Any,
    p: Params,
) -> None:
    # step: start our own list in the dict
    shared[name] = []
    trace.record(name, "starts its list")
    for item in range(1, p.items + 1):
        # step: work a tick
        time.sleep(p.tick)
        # step: append to the shared list
        log.append(entry(name, item))
        # step: add to our own list in the dict
        shared[name].append(item)
        # step: add one to the total
        with lock:
            shared[TOTAL] += 1
        trace.record(name, "writes", item)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the shared dict and list
    shared: dict[str, Any] = {TOTAL: 0}  # the bug: a plain dict and list, copied into each child
    log: list[str] = []
    lock = ctx.Lock()
    with trace.child_sink() as sink:
        # step: start the workers
        workers = [
            ctx.Process(target=_worker, args=(sink, name, shared, log, lock, p), name=name)
            for name in worker_names(p.workers)
        ]
        for worker in workers:
            worker.start()
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
        join_all(workers, p.timeout)
        # step: read the results
        trace.record("main", "reads the dict", dict(shared))
        trace.record("main", "reads the list", list(log))

"""manager with threads: a plain dict and list, shared by worker threads; a Lock for +=.

Threads share memory, so no manager is needed: every thread gets the same dict and list.
Does each write need a lock? ``log.append(x)`` and ``shared[name] = []`` are single
operations on built-in objects: atomic in CPython under the GIL, and still thread-safe on
free-threaded builds, which give lists and dicts per-object locks. A worker appending to
its own list under its own key touches nothing another thread writes. But
``shared["total"] += 1`` is a read, an addition and a write: if another thread runs in
between, both write the same total and one increment is lost. Only that line takes the
lock. (With the GIL, CPython 3.10+ rarely switches threads there, so leaving the lock out
would seldom show; on a free-threaded build the threads really run at once.)
"""

from __future__ import annotations

import threading
import time
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import TOTAL, Params, entry, worker_names


def _worker(
    trace: Recorder,
    name: str,
    shared: dict[str, Any],
    log: list[str],
    lock: threading.Lock,
    p: Params,
) -> None:
    # step: start our own list in the dict
    shared[name] = []
    trace.record(name, "starts its list")
    for item in range(1, p.items + 1):
        # step: work a tick
        time.sleep(p.tick)
        # step: append to the shared list
        log.append(entry(name, item))  # one operation on a list: no lock needed
        # step: add to our own list in the dict
        shared[name].append(item)  # nobody else writes this key: no lock needed
        # step: add one to the total
        with lock:  # read, add, write: without the lock an increment can be lost
            shared[TOTAL] += 1
        trace.record(name, "writes", item)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the shared dict and list
    shared: dict[str, Any] = {TOTAL: 0}
    log: list[str] = []
    lock = threading.Lock()
    # step: start the workers
    workers = [
        threading.Thread(target=_worker, args=(trace, name, shared, log, lock, p), name=name)
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

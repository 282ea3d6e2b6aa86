"""Appends to a list inside a managed dict in place: the append changes a copy and is lost.

``shared[name]`` on a ``DictProxy`` asks the manager for the value and returns a copy of
the list it holds, in the worker's process; ``.append(item)`` changes that copy, which is
then thrown away. The manager's list stays ``[]``: nothing is sent back unless the key is
assigned again (``mine = shared[name]; mine.append(item); shared[name] = mine``). The
checker sees each worker's list in the dict empty although it wrote its items, while the
shared list and the total, written through the proxies' own methods, are right.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.manager import TOTAL, Params, entry, worker_names

if TYPE_CHECKING:
    from multiprocessing.managers import DictProxy, ListProxy
    from threading import Lock


def _worker(
    trace: Recorder,
    name: str,
    shared: DictProxy[str, Any],
    log: ListProxy[str],
    lock: Lock,
    p: Params,
) -> None:
    # step: start our own list in the dict
    shared[name] = []
    trace.record(name, "starts its list")
    for item in range(1, p.items + 1):
        # step: work a tick
        time.sleep(p.tick)
        # step: append to the shared list
        log.append(entry(name, item))  # one message; the manager applies it
        # step: add to our own list in the dict
        shared[name].append(item)  # the bug: appends to a copy; the manager's list is unchanged
        # step: add one to the total
        with lock:  # a get and a set: two messages another worker could come between
            shared[TOTAL] += 1
        trace.record(name, "writes", item)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the shared dict and list
    with ctx.Manager() as manager, trace.child_sink() as sink:
        shared = manager.dict({TOTAL: 0})
        log = manager.list()
        lock = manager.Lock()
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
        trace.record("main", "reads the dict", shared.copy())  # plain copies, before shutdown
        trace.record("main", "reads the list", log[:])

"""manager with processes: ``Manager().dict()`` and ``.list()``, the seed's Manager.

A process has its own memory: a plain dict passed to a child is a copy. A manager is a
server process that owns the real dict and list and hands out proxies: each operation on
a proxy is a message to the server, applied there, so all workers see one dict and one
list, at a round trip per operation. ``with ctx.Manager() as manager`` starts the server
and shuts it down at the end of the block: the workers are joined inside, while it answers.

The pitfall: ``shared[name]`` returns a copy of the list the server holds, so
``shared[name].append(item)`` changes only the copy: ``_show_pitfall`` runs it, and the
workers reassign the key instead. ``+=`` on a proxy is a get and a set, two messages
another worker can come between: the total is updated under ``manager.Lock()``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all

from . import TOTAL, Params, entry, worker_names

if TYPE_CHECKING:
    from multiprocessing.managers import DictProxy, ListProxy, SyncManager
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
        mine = shared[name]  # a copy of the list the manager holds
        mine.append(item)
        shared[name] = mine  # reassign the key, or the append stays in this process
        # step: add one to the total
        with lock:  # a get and a set: two messages another worker could come between
            shared[TOTAL] += 1
        trace.record(name, "writes", item)


def _show_pitfall(trace: Recorder, manager: SyncManager) -> None:
    """Change a list nested in a managed dict in place, then the right way."""
    d: DictProxy[str, list[int]] = manager.dict(nested=[])
    d["nested"].append(1)  # appends to a copy, which is then thrown away
    trace.record("main", "runs", {"code": "d['nested'].append(1)", "sees": d["nested"]})
    nested = d["nested"]
    nested.append(1)
    d["nested"] = nested  # storing the list sends it to the manager
    fix = "nested = d['nested']; nested.append(1); d['nested'] = nested"
    trace.record("main", "runs", {"code": fix, "sees": d["nested"]})


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the shared dict and list
    with ctx.Manager() as manager, trace.child_sink() as sink:
        shared = manager.dict({TOTAL: 0})
        log = manager.list()
        lock = manager.Lock()  # a proxy too: unlike a ctx.Lock(), it can go with a Pool's task
        # own step: show the proxy pitfall
        _show_pitfall(trace, manager)
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
    # leaving the block shut the manager's server process down

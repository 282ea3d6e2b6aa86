"""Trusts the synchronized Value's own lock: it guards each read and each write, not both.

The learner makes the counter ``ctx.Value("q", 0)``, which comes with a lock of its own,
and takes no other: "the Value is synchronized". But that lock is taken for the read and
let go, then taken again for the write: in between, during the pause, the other
processes read the same value, and their writes overwrite each other. The checker sees
the count fall short of workers x increments, two workers inside at once, and lost
updates. Holding ``counter.get_lock()`` around read and write would do.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.lock import Params, worker_names

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event


def _add_one(trace: Recorder, name: str, counter: Any, p: Params) -> None:
    # step: read the counter
    value = counter.value
    trace.record(name, "reads", value)
    # step: pause between read and write
    if p.pause:
        time.sleep(p.tick)  # another process may run now: it must not touch the counter
    # step: write it back plus one
    counter.value = value + 1
    trace.record(name, "writes", value + 1)


def _worker(
    trace: Recorder,
    name: str,
    counter: Any,
    go: Event,
    p: Params,
) -> None:
    # step: wait for the start signal
    if not go.wait(p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for the start")
    trace.record(name, "starts")
    for _ in range(p.increments):
        # step: take the lock
        _add_one(trace, name, counter, p)  # the bug: the Value locks each access, not both


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the counter and the lock
    counter = ctx.Value("q", 0, lock=p.lock)  # synchronized: it has a lock of its own
    go = ctx.Event()
    with trace.child_sink() as sink:
        # step: start the workers
        workers = [
            ctx.Process(target=_worker, args=(sink, name, counter, go, p), name=name)
            for name in worker_names(p.workers)
        ]
        for worker in workers:
            worker.start()
        go.set()  # all at once, so that they really compete
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
        join_all(workers, p.timeout)
    # step: read the final count
    trace.record("main", "counts", counter.value)

"""lock with processes: a multiprocessing Lock around a counter in shared memory.

Processes share no objects: the counter lives in shared memory, ``ctx.Value("q", 0,
lock=False)``, a raw C long long every child maps, and the lock is ``ctx.Lock()``, a
semaphore of the operating system; both come from the run's context and reach the
children as arguments. Processes run truly at once on several cores, so without the
lock updates are lost even with no pause, once the workers overlap (``--no-lock
--no-pause --increments 1000``). Why not a synchronized ``ctx.Value("q", 0)``?
It locks each read and each write separately, so ``counter.value += 1`` still loses
updates; its ``get_lock()`` would do, held around both, as the lock here is.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all

from . import Params, worker_names

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
    lock: AbstractContextManager[Any],
    go: Event,
    p: Params,
) -> None:
    # step: wait for the start signal
    if not go.wait(p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for the start")
    trace.record(name, "starts")
    for _ in range(p.increments):
        # step: take the lock
        with lock:  # released on leaving the block, even on an exception
            _add_one(trace, name, counter, p)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the counter and the lock
    counter = ctx.Value("q", 0, lock=False)  # shared memory, no lock of its own
    lock = ctx.Lock() if p.lock else nullcontext()  # --no-lock: the race, on show
    go = ctx.Event()
    with trace.child_sink() as sink:
        # step: start the workers
        workers = [
            ctx.Process(target=_worker, args=(sink, name, counter, lock, go, p), name=name)
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

"""lock with threads: a threading.Lock around each read-modify-write of a shared counter.

Threads share memory: every worker sees the same ``Counter`` object. ``with lock:``
holds the lock from the read to the write, so no other thread is ever between them,
whatever the interpreter does. Without it, updates are lost: the pause (a sleep) lets
another thread run right between read and write. Even with no pause a thread can be
switched there: CPython hands the GIL over when a thread blocks, and otherwise, once the
switch interval (5 ms) is up, at the thread's next call of a function (Python or
built-in) or jump back in a loop, such as the call to ``trace.record``.
``sys.setswitchinterval(1e-6)`` makes that frequent. ``counter.value += 1`` is several
bytecodes: the GIL does not make it one step. A threading.Lock has no owner: any thread
may release it (a trio.Lock only its task). Nor does it promise an order: a thread that
releases it and asks again at once usually gets it back (see the timeline).
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import Counter, Params, worker_names


def _add_one(trace: Recorder, name: str, counter: Counter, p: Params) -> None:
    # step: read the counter
    value = counter.value
    trace.record(name, "reads", value)
    # step: pause between read and write
    if p.pause:
        time.sleep(p.tick)  # another thread may run now: it must not touch the counter
    # step: write it back plus one
    counter.value = value + 1
    trace.record(name, "writes", value + 1)


def _worker(
    trace: Recorder,
    name: str,
    counter: Counter,
    lock: AbstractContextManager[Any],
    go: threading.Event,
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
    # step: set up the counter and the lock
    counter = Counter()
    lock = threading.Lock() if p.lock else nullcontext()  # --no-lock: the race, on show
    go = threading.Event()
    # step: start the workers
    workers = [
        threading.Thread(target=_worker, args=(trace, name, counter, lock, go, p), name=name)
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

"""Holds the lock for the read only: the write comes after the lock is released.

The lock is taken, the counter read, and the lock let go before the pause and the write:
it protects nothing. Another worker reads the same value in between, and both write it
back plus one: an update is lost. The checker sees fewer increments in the count than
were made, and "writes" that overwrite a value someone else wrote.
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.lock import Counter, Params, worker_names


def _read(trace: Recorder, name: str, counter: Counter) -> int:
    # step: read the counter
    value = counter.value
    trace.record(name, "reads", value)
    return value


def _write(trace: Recorder, name: str, counter: Counter, value: int, p: Params) -> None:
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
        with lock:
            value = _read(trace, name, counter)
        _write(trace, name, counter, value, p)  # the bug: the lock is no longer held


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

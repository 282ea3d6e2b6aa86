"""Stops the threads with Future.cancel(): a running job cannot be cancelled, and runs on.

``Future.cancel()`` removes a job from the pool's queue only if it has not started; for a
running one it returns False and does nothing, and Python has no way to stop a thread
from outside. The workers, told nothing, work on for ever; main's ``result(timeout)``
raises ``TimeoutError``, and leaving the ``with ThreadPoolExecutor`` block waits for the
threads without a timeout: the program hangs. The checker kills the run and reports the
workers still doing steps. A thread stops only by itself: set an ``Event`` it looks at.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from threading import BoundedSemaphore, Event, Semaphore

from threeways import Recorder
from threeways.scenarios.cancellation import CLOSE_TICKS, Params, pool_size, worker_names


def _work(trace: Recorder, name: str, steps: Iterable[int], stop: Event, p: Params) -> bool:
    for step in steps:
        # own step: look at the stop Event
        if stop.is_set():  # a thread cannot be cancelled: it looks, between steps
            return False
        # step: do a step of work
        time.sleep(p.tick)  # nothing can cut a thread's step short
        trace.record(name, "does step", step)
    return True


def _clean_up(trace: Recorder, name: str, pool: BoundedSemaphore, held: int, p: Params) -> None:
    trace.record(name, "cleans up", held)
    # step: say goodbye
    time.sleep(CLOSE_TICKS * p.tick)  # blocks, and nothing can interrupt it
    # step: give the connections back
    for k in range(1, held + 1):
        pool.release()
        trace.record(name, "gives back connection", k)


def _worker(
    trace: Recorder, name: str, pool: BoundedSemaphore, midway: Semaphore, stop: Event, p: Params
) -> None:
    held = 0
    try:
        # step: open the connections
        for k in range(1, p.connections + 1):
            if not pool.acquire(timeout=p.timeout):
                raise TimeoutError(f"{name} found no free connection")
            held = k
            trace.record(name, "acquires connection", k)
        # step: work up to midway
        if _work(trace, name, range(1, p.steps + 1), stop, p):
            # step: reach midway
            trace.record(name, "is midway", p.steps)
            midway.release()  # tell main, and go on: main waits, the workers do not
            # step: work on until stopped
            _work(trace, name, itertools.count(p.steps + 1), stop, p)
        # step: see the stop
        trace.record(name, "is stopped")
    finally:
        # step: clean up, exactly once
        _clean_up(trace, name, pool, held, p)


def main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    pool = BoundedSemaphore(pool_size(p))  # a release too many raises ValueError
    trace.record("main", "opens the pool", pool_size(p))
    midway, stop = Semaphore(0), Event()  # each worker releases midway once
    with ThreadPoolExecutor(p.workers) as group:  # Future.cancel() drops only a job not started
        # step: start the workers
        args = [(trace, name, pool, midway, stop, p) for name in worker_names(p.workers)]
        futures = [group.submit(_worker, *a) for a in args]
        try:
            # step: wait until every worker is midway
            trace.record("main", "waits until every worker is midway")
            if not all(midway.acquire(timeout=p.timeout) for _ in futures):
                raise TimeoutError(f"a worker was not midway within {p.timeout:g}s")
        finally:
            # step: stop the group
            trace.record("main", "stops the group", "main cancels each future")
            for future in futures:
                future.cancel()  # the bug: False for a job that runs; nothing stops a thread
        # step: wait for the group to end
        trace.record("main", "waits for the group to end")
        for future in futures:
            future.result(timeout=p.timeout)  # raises the worker's error, if it had one
    # step: count the free connections
    trace.record("main", "counts the pool", sum(pool.acquire(False) for _ in range(pool_size(p))))

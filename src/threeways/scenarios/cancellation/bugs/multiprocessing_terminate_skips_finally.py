"""Stops the workers with terminate(): no finally block runs, the connections stay taken.

``terminate()`` sends SIGTERM, and the default handler ends the process at once, in the
middle of a step: no exception is raised in it, so no ``finally`` block runs, no
goodbye is said and no connection is given back. Each worker held its connections in
the shared semaphore, which stays taken for good: a process that dies holding a lock or
a semaphore leaves it held. The checker sees no cleanup, nothing given back, and a pool
with no free connection at the end. Ask first (a stop ``Event`` the workers look at);
terminate only what does not stop when asked.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Sequence
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import BoundedSemaphore, Event, Semaphore

from threeways import Recorder
from threeways.scenarios.cancellation import CLOSE_TICKS, Params, pool_size, worker_names


def _work(trace: Recorder, name: str, steps: Iterable[int], stop: Event, p: Params) -> bool:
    for step in steps:
        # own step: look at the stop Event
        if stop.is_set():  # asked, not forced: the worker looks between steps
            return False
        # step: do a step of work
        time.sleep(p.tick)  # terminate() would end the process here, mid-step
        trace.record(name, "does step", step)
    return True


def _clean_up(trace: Recorder, name: str, pool: BoundedSemaphore, held: int, p: Params) -> None:
    trace.record(name, "cleans up", held)
    # step: say goodbye
    time.sleep(CLOSE_TICKS * p.tick)
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
            midway.release()  # one atomic step: nothing half done for terminate() to break
            # step: work on until stopped
            _work(trace, name, itertools.count(p.steps + 1), stop, p)
        # step: see the stop
        trace.record(name, "is stopped")
    finally:
        # step: clean up, exactly once
        _clean_up(trace, name, pool, held, p)  # never runs in a terminated process


def _terminate(group: Sequence[BaseProcess]) -> None:
    running = [process for process in group if process.is_alive()]
    for process in running:  # all first, then wait: they die at the same time
        process.terminate()  # SIGTERM: it ends where it is, its finally unrun
    for process in running:
        process.join(1.0)
        if process.is_alive():  # it caught or ignored SIGTERM; SIGKILL it cannot
            process.kill()
            process.join()


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: open the pool
    pool = ctx.BoundedSemaphore(pool_size(p))  # a release too many raises ValueError
    trace.record("main", "opens the pool", pool_size(p))
    midway, stop = ctx.Semaphore(0), ctx.Event()  # each worker releases midway once
    with trace.child_sink() as sink:
        # step: start the workers
        args = [(sink, name, pool, midway, stop, p) for name in worker_names(p.workers)]
        group = [ctx.Process(target=_worker, args=a, name=a[1]) for a in args]
        try:
            for process in group:
                process.start()
            # step: wait until every worker is midway
            trace.record("main", "waits until every worker is midway")
            if not all(midway.acquire(timeout=p.timeout) for _ in group):
                raise TimeoutError(f"a worker was not midway within {p.timeout:g}s")
            # step: stop the group
            trace.record("main", "stops the group", "main terminates each process")
            _terminate(group)  # the bug: SIGTERM ends each worker mid-step, its finally unrun
            # step: wait for the group to end
            trace.record("main", "waits for the group to end")
            for process in group:
                process.join(p.timeout)
        finally:
            # own step: terminate what still runs, the last resort
            _terminate(group)  # a worker stuck, or Ctrl-C
    # step: count the free connections
    trace.record("main", "counts the pool", sum(pool.acquire(False) for _ in range(pool_size(p))))

"""barrier with threads: a threading.Barrier with an action, and abort() when one fails.

``Barrier(parties, action=...)`` lets nobody through until ``parties`` threads wait at it;
then one of them (CPython: the last to arrive) runs the action, before any is released,
and the barrier is ready for the next phase. ``wait(timeout)`` that times out breaks the
barrier for everyone. A worker that fails calls ``abort()``: every wait, now and later,
raises ``BrokenBarrierError``, and nobody waits for it for ever. The workers run in a
``ThreadPoolExecutor``, whose ``Future`` keeps the failing worker's error for main.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from functools import partial

from threeways import Recorder

from . import Params, describe, fails, failure, work_ticks, worker_names


def _action(trace: Recorder) -> None:
    # step: run the action, once all have arrived
    trace.record("action", "runs", threading.current_thread().name)  # the last to arrive


def _fail(trace: Recorder, name: str, barrier: threading.Barrier, phase: int, p: Params) -> None:
    # step: fail, once the others wait at the barrier
    deadline = time.monotonic() + p.timeout
    while barrier.n_waiting < barrier.parties - 1 and time.monotonic() < deadline:
        time.sleep(p.tick / 10)  # none can leave meanwhile: the barrier needs us
    error = failure(trace, name, phase)
    # step: break the barrier
    barrier.abort()  # else the others wait for us until their timeout
    raise error


def _compute(trace: Recorder, name: str, i: int, phase: int, p: Params) -> None:
    # step: compute the phase
    trace.record(name, "starts phase", phase)
    time.sleep(work_ticks(i, phase) * p.tick)


def _worker(trace: Recorder, name: str, i: int, barrier: threading.Barrier, p: Params) -> None:
    for phase in range(1, p.phases + 1):
        _compute(trace, name, i, phase, p)
        if fails(i, phase, p):
            _fail(trace, name, barrier, phase, p)
        trace.record(name, "finishes phase", phase)
        # step: wait at the barrier
        trace.record(name, "waits at the barrier", phase)
        try:
            barrier.wait(p.timeout)
        except threading.BrokenBarrierError:
            # step: stop at a broken barrier
            trace.record(name, "sees the barrier broken", phase)
            return
        trace.record(name, "passes the barrier", phase)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the barrier
    barrier = threading.Barrier(p.workers, action=partial(_action, trace))
    with ThreadPoolExecutor(p.workers, thread_name_prefix="worker") as pool:
        try:
            # step: start the workers
            names = enumerate(worker_names(p.workers))
            futures = [pool.submit(_worker, trace, name, i, barrier, p) for i, name in names]
            # step: wait for the workers
            trace.record("main", "waits for the workers")
            wait(futures, p.timeout, return_when=FIRST_EXCEPTION)
        finally:
            barrier.abort()  # a timeout, Ctrl-C: wake whoever still waits (a no-op when done)
    # step: main sees the error
    for future in futures:  # all done: leaving the with block joined the threads
        try:
            future.result()
        except ValueError as error:  # the failing worker's (BrokenBarrierError is handled)
            trace.record("main", "sees error", describe(error))
    trace.record("main", "ends")

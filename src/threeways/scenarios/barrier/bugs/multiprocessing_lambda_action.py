"""A lambda for the barrier's action: it cannot be pickled for a spawned process.

Each worker process gets its own copy of the Barrier as it starts, action and all. Under
fork the copy is the parent's memory and nothing is pickled, so the program works; under
spawn and forkserver the Barrier is pickled for the new process, and a lambda cannot be
pickled (only functions defined at a module's top level, or partials of them). The
checker runs every start method: the spawned runs fail as the pool starts its processes.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from threading import Barrier, BrokenBarrierError  # what multiprocessing's Barrier is

from threeways import Recorder
from threeways.scenarios.barrier import Params, describe, fails, failure, work_ticks, worker_names

_barrier: Barrier  # in each worker process, from _share


def _share(barrier: Barrier) -> None:
    # own step: give each process the barrier as it starts
    global _barrier
    _barrier = barrier


def _action(trace: Recorder) -> None:
    # step: run the action, once all have arrived
    trace.record("action", "runs", multiprocessing.current_process().name)  # the last to arrive


def _fail(trace: Recorder, name: str, phase: int, p: Params) -> None:
    # step: fail, once the others wait at the barrier
    deadline = time.monotonic() + p.timeout
    while _barrier.n_waiting < _barrier.parties - 1 and time.monotonic() < deadline:
        time.sleep(p.tick / 10)  # none can leave meanwhile: the barrier needs us
    error = failure(trace, name, phase)
    # step: break the barrier
    _barrier.abort()  # else the others wait for us until their timeout
    raise error


def _compute(trace: Recorder, name: str, i: int, phase: int, p: Params) -> None:
    # step: compute the phase
    trace.record(name, "starts phase", phase)
    time.sleep(work_ticks(i, phase) * p.tick)


def _worker(trace: Recorder, name: str, i: int, p: Params) -> None:
    for phase in range(1, p.phases + 1):
        _compute(trace, name, i, phase, p)
        if fails(i, phase, p):
            _fail(trace, name, phase, p)
        trace.record(name, "finishes phase", phase)
        # step: wait at the barrier
        trace.record(name, "waits at the barrier", phase)
        try:
            _barrier.wait(p.timeout)
        except BrokenBarrierError:
            # step: stop at a broken barrier
            trace.record(name, "sees the barrier broken", phase)
            return
        trace.record(name, "passes the barrier", phase)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink:
        # step: set up the barrier
        barrier = ctx.Barrier(p.workers, action=lambda: _action(sink))  # the bug: no pickle
        with ProcessPoolExecutor(
            p.workers, mp_context=ctx, initializer=_share, initargs=(barrier,)
        ) as pool:
            try:
                # step: start the workers
                names = enumerate(worker_names(p.workers))
                futures = [pool.submit(_worker, sink, n, i, p) for i, n in names]
                # step: wait for the workers
                trace.record("main", "waits for the workers")
                wait(futures, p.timeout, return_when=FIRST_EXCEPTION)
            finally:
                barrier.abort()  # a timeout, Ctrl-C: wake whoever still waits (a no-op when done)
    # step: main sees the error
    for future in futures:  # all done: leaving the pool joined its processes
        try:
            future.result()
        except ValueError as error:  # the failing worker's, raised again in the parent
            trace.record("main", "sees error", describe(error))
    trace.record("main", "ends")

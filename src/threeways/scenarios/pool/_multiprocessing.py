"""pool with processes: the seed article's ``Pool(3)``, ``apply_async(callback=...)``, made safe.

``apply_async`` pickles each job to a worker process and returns an ``AsyncResult``.
The callbacks run in the parent, on the pool's result-handler thread (not the main one),
before the result's ``get()`` returns; an error callback receives the job's exception.
A worker process gets the trace sink once, through the pool's ``initializer``.

``Pool.join()`` has no timeout, and a pool whose worker dies hangs for ever: so every
result is waited for with a timeout, ``join()`` comes only once all are in, and ``with``
terminates the pool if anything goes wrong (its ``__exit__`` calls ``terminate()``).
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from functools import partial
from time import monotonic
from typing import TYPE_CHECKING

from threeways import Recorder

from . import JOB_TICKS, Params, describe, job_name

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

_trace: Recorder | None = None
"""This worker process's trace sink, set by the pool's initializer."""


def _init_worker(trace: Recorder) -> None:
    global _trace
    _trace = trace


def _job(i: int, p: Params) -> int:
    assert _trace is not None, "the pool's initializer sets the trace"
    # step: run the job
    where = multiprocessing.current_process().name  # e.g. SpawnPoolWorker-2
    _trace.record(job_name(i), "starts", {"job": i, "on": where})
    time.sleep(JOB_TICKS * p.tick)
    # step: fail or return
    if i == p.fail:
        error = ValueError(f"job {i} failed")
        _trace.record(job_name(i), "raises", {"job": i, "error": describe(error)})
        raise error
    _trace.record(job_name(i), "returns", {"job": i, "result": i + 100})
    return i + 100


def _on_result(trace: Recorder, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # the pool's result handler, in the parent
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    thread = threading.current_thread().name
    trace.record(
        "error callback", "gets error", {"job": i, "error": describe(error), "thread": thread}
    )


def _wait_all(pending: list[AsyncResult[int]], timeout: float) -> None:
    deadline = monotonic() + timeout
    for result in pending:
        result.wait(max(0.0, deadline - monotonic()))
        if not result.ready():
            raise TimeoutError(f"a job still running after {timeout:g}s")


def _error_of(result: AsyncResult[int]) -> BaseException | None:
    """The job's error, as ``get()`` raises it in the parent; None if the job returned."""
    try:
        result.get(timeout=0)  # ready: returns the value or raises the job's error
    except Exception as error:
        # get() raises the error it keeps, which then keeps get()'s frames and so itself:
        # drop them, or that cycle holds the pool's pipes open until the next gc run.
        error.__traceback__ = None
        return error
    return None


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink, ctx.Pool(p.size, _init_worker, (sink,)) as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.size)
        # step: submit the jobs
        pending = [
            pool.apply_async(
                _job,
                (i, p),
                callback=partial(_on_result, trace, i),
                error_callback=partial(_on_error, trace, i),
            )
            for i in range(p.jobs)
        ]
        # own step: no more jobs
        pool.close()  # the workers exit once the queue is empty
        # step: wait for every result
        trace.record("main", "waits for every result")
        _wait_all(pending, p.timeout)
        # step: check each result
        for i, result in enumerate(pending):
            error = _error_of(result)
            if error is not None:
                trace.record("main", "sees error", {"job": i, "error": describe(error)})
        # step: close the pool
        pool.join()  # cannot hang now: every job is done
        trace.record("main", "closes pool")

"""pool with processes: the seed article's ``Pool(3)``, ``apply_async(callback=...)``, made safe.

``apply_async`` pickles the job and its arguments to a worker process and returns an
``AsyncResult``. The callbacks run in the parent, on the pool's result-handler thread (not
the main one), before the result's ``get()`` returns; the error callback receives the
job's exception, and ``get()`` raises it again in the parent.

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

from threeways import Recorder

from . import JOB_TICKS, Params, describe, job_name


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    where = multiprocessing.current_process().name  # e.g. SpawnPoolWorker-2
    trace.record(job_name(i), "starts", {"job": i, "on": where})
    time.sleep(JOB_TICKS * p.tick)
    # step: fail or return
    if i == p.fail:
        error = ValueError(f"job {i} failed")
        trace.record(job_name(i), "raises", {"job": i, "error": describe(error)})
        raise error
    trace.record(job_name(i), "returns", {"job": i, "result": i + 100})
    return i + 100


def _on_result(trace: Recorder, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # the pool's result handler, in the parent
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    detail = {"job": i, "error": describe(error), "thread": threading.current_thread().name}
    trace.record("error callback", "gets error", detail)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink, ctx.Pool(p.size) as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.size)
        # step: submit the jobs
        pending = [
            pool.apply_async(
                _job,
                (sink, i, p),  # pickled with the job: the sink, the child's recorder
                callback=partial(_on_result, trace, i),
                error_callback=partial(_on_error, trace, i),
            )
            for i in range(p.jobs)
        ]
        # own step: no more jobs
        pool.close()  # the workers exit once the queue is empty
        # step: wait for every result
        trace.record("main", "waits for every result")
        deadline = monotonic() + p.timeout
        for result in pending:  # AsyncResult.wait(timeout) returns, ready or not
            result.wait(max(0.0, deadline - monotonic()))
        if not all(result.ready() for result in pending):
            raise TimeoutError(f"jobs still running after {p.timeout:g}s")
        # step: check each result
        for i, result in enumerate(pending):
            try:
                result.get(timeout=0)  # ready: returns the job's value or raises its error
            except Exception as error:
                error.__traceback__ = None  # else a cycle via get()'s frame holds the pool till gc
                trace.record("main", "sees error", {"job": i, "error": describe(error)})
        # step: close the pool
        pool.join()  # cannot hang now: every job is done
        trace.record("main", "closes pool")

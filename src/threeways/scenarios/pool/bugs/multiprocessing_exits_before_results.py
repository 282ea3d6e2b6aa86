"""Leaves the with block without waiting: Pool's __exit__ terminates the jobs, it does not join.

The learner submits the jobs, closes the pool, and trusts ``with Pool(...)`` to wait for
them, as ``with ThreadPoolExecutor(...)`` does. But ``Pool.__exit__`` calls
``terminate()``: the workers are killed mid-job, and the callbacks of the jobs not yet
done never run; nothing is lost loudly, the results are simply missing. The checker sees
results and errors missing, and jobs whose callbacks never ran.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from functools import partial

from threeways import Recorder
from threeways.scenarios.pool import JOB_TICKS, Params, describe, job_name


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
        # the bug: nothing waits here: leaving `with` calls terminate(), not join()
        # step: check each result
        for i, result in enumerate(pending):
            if result.ready() and not result.successful():
                trace.record("main", "sees error", {"job": i, "error": "see the error callback"})
        # step: close the pool
        trace.record("main", "closes pool")

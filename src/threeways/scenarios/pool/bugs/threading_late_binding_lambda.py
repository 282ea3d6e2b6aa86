"""A lambda in a loop for the callback: it sees the loop's last i, not its own job's.

A lambda (or a nested function) looks up ``i`` when it runs, not when it is made: by the
time a job is done and its callback runs, the loop is over and ``i`` is the last job's
index. Every callback reports its result as the last job's, and the error callback
names the wrong job (``functools.partial``, or ``lambda f, i=i: ...``, binds the value
now). The checker sees callbacks ran many times for one job and never for the others.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

from threeways import Recorder
from threeways.scenarios.pool import JOB_TICKS, Params, describe, job_name


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    where = threading.current_thread().name  # e.g. pool_1
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
    thread = threading.current_thread().name  # the pool thread that ran the job
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    detail = {"job": i, "error": describe(error), "thread": threading.current_thread().name}
    trace.record("error callback", "gets error", detail)


def _on_done(trace: Recorder, i: int, future: Future[int]) -> None:
    # own step: one callback for both outcomes
    if future.cancelled():  # dropped from the queue on a timeout: it never ran
        return
    if (error := future.exception()) is not None:
        _on_error(trace, i, error)
    else:
        _on_result(trace, i, future.result())


def main(trace: Recorder, p: Params) -> None:
    with ThreadPoolExecutor(max_workers=p.size, thread_name_prefix="pool") as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.size)
        # step: submit the jobs
        futures = [pool.submit(_job, trace, i, p) for i in range(p.jobs)]
        for i, future in enumerate(futures):
            # the bug: the lambda reads i when the job is done, after the loop has moved on
            future.add_done_callback(lambda future: _on_done(trace, i, future))  # noqa: B023
        # step: wait for every result
        trace.record("main", "waits for every result")
        _, not_done = wait(futures, timeout=p.timeout)
        if not_done:
            pool.shutdown(wait=False, cancel_futures=True)
            raise TimeoutError(f"{len(not_done)} jobs still running after {p.timeout:g}s")
        # step: check each result
        for i, future in enumerate(futures):
            error = future.exception()  # result() would raise it
            if error is not None:
                trace.record("main", "sees error", {"job": i, "error": describe(error)})
        # step: close the pool
    # leaving the with block joins the pool's threads
    trace.record("main", "closes pool")

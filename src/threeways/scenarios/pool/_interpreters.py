"""pool with interpreters: an InterpreterPoolExecutor of three interpreters, one GIL each.

``InterpreterPoolExecutor`` (Python 3.14; the backport's on 3.13) is a thread pool whose
every thread runs its jobs in an interpreter of its own (PEP 734): one process, yet CPU
jobs run at once, each under its own GIL. ``submit`` pickles the job and its arguments
(the trace's sink too) into the interpreter, and the result or exception back: the job's
own ``ValueError``, caused by an ``ExecutionFailed``. Callbacks run as in a thread pool.
An interpreter cannot be killed: on a timeout or Ctrl-C the jobs not started are dropped.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import Future, wait
from functools import partial

from threeways import Recorder

from . import JOB_TICKS, Params, describe, job_name

if sys.version_info >= (3, 14):
    from concurrent import interpreters
    from concurrent.futures import InterpreterPoolExecutor
else:  # Python 3.13: the interpreters-pep-734 backport, the same API for what is used here
    from interpreters_backport import interpreters
    from interpreters_backport.concurrent.futures import InterpreterPoolExecutor


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    where = f"interpreter {interpreters.get_current().id}"  # one of the pool's: 1, 2, 3...
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
    thread = threading.current_thread().name  # the pool thread, in the main interpreter
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
    with trace.child_sink() as sink, InterpreterPoolExecutor(p.size, "pool") as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.size)
        # step: submit the jobs
        futures = [pool.submit(_job, sink, i, p) for i in range(p.jobs)]
        for i, future in enumerate(futures):
            future.add_done_callback(partial(_on_done, trace, i))
        # step: wait for every result
        trace.record("main", "waits for every result")
        try:
            _, not_done = wait(futures, timeout=p.timeout)
        finally:  # all done, out of time, or Ctrl-C: drop the jobs not started
            pool.shutdown(wait=False, cancel_futures=True)
        if not_done:
            raise TimeoutError(f"{len(not_done)} jobs still running after {p.timeout:g}s")
        # step: check each result
        for i, future in enumerate(futures):
            error = future.exception()  # result() would raise it
            if error is not None:
                trace.record("main", "sees error", {"job": i, "error": describe(error)})
        # step: close the pool
    # leaving the with block joins the pool's threads and closes their interpreters
    trace.record("main", "closes pool")

"""pool with interpreters: an InterpreterPoolExecutor of three interpreters, one GIL each.

``InterpreterPoolExecutor`` (``concurrent.futures``, Python 3.14; the backport's on 3.13)
is a ``ThreadPoolExecutor`` whose every thread runs its jobs in an interpreter of its own
(PEP 734): in one process, yet CPU-bound jobs run at the same moment, each under its own
GIL. ``submit`` pickles the job and its arguments into that interpreter (the recorder
too: the trace's sink, as for a process pool), and the result back. A job's exception is
pickled back as well: ``future.exception()`` is the job's own ``ValueError``, its cause an
``ExecutionFailed`` that summarises it (an object that cannot be pickled stays behind, and
only the ``ExecutionFailed`` comes back).

The rest is the thread pool's: the callback runs in the pool thread that finished the
job, in the main interpreter; leaving the ``with`` block shuts the pool down, joins its
threads and closes their interpreters. An interpreter cannot be killed: on a timeout or
Ctrl-C, the jobs not yet started are dropped, and the running ones stop at their next
``record``; but an interpreter still starting (importing the job's modules) cannot be
stopped before it has.
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
else:  # Python 3.13: the interpreters-pep-734 backport
    from interpreters_backport.concurrent.futures import InterpreterPoolExecutor

    from threeways._pep734 import interpreters


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

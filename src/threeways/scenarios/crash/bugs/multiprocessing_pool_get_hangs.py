"""Runs the jobs on a multiprocessing.Pool and waits with get(): the lost job never comes.

When a ``Pool`` worker dies in the middle of a job (``os._exit``, the kernel's OOM
killer), the Pool starts a new worker in its place and runs the other jobs, but it never
fails the lost job: its ``AsyncResult`` simply never becomes ready (gh-66587, gh-96062).
Main collects the results in order, and ``get()`` without a timeout waits for job 1 for
ever: the program hangs. The checker kills the run and reports main still waiting for
it. A Pool gives no way to learn which job was lost: give each job a process of its own
and a pipe (EOFError names it), or use ``concurrent.futures``, which notices.
"""

from __future__ import annotations

import os
import time
from multiprocessing.pool import AsyncResult

from threeways import Recorder
from threeways.scenarios.crash import CRASH_CODE, Params, describe, job_name, result_of


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    trace.record(job_name(i), "starts", {"job": i, "on": f"pid {os.getpid()}"})
    time.sleep(p.tick)
    # step: die in the middle of it
    if i == p.crash:
        trace.record(job_name(i), "dies", {"job": i, "how": f"os._exit({CRASH_CODE})"})
        os._exit(CRASH_CODE)  # no exception, no cleanup, no result: the process is gone
    time.sleep(p.tick)
    # step: return the result
    trace.record(job_name(i), "returns", {"job": i, "result": result_of(i)})
    return result_of(i)


def _collect(trace: Recorder, i: int, result: AsyncResult[int]) -> None:
    # step: learn what became of the job
    trace.record("main", "waits for", job_name(i))
    try:
        value = result.get()  # the bug: a job whose worker died never ends: this waits for ever
    except Exception as error:  # what the job raised; a dead worker raises nothing
        trace.record("main", "loses job", {"job": i, "why": describe(error)})
    else:
        trace.record("main", "gets result", {"job": i, "result": value})


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink, ctx.Pool(p.workers) as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.workers)
        # step: submit the jobs
        results = [pool.apply_async(_job, (sink, i, p)) for i in range(p.jobs)]
        # step: wait for every job
        trace.record("main", "waits for every job")
        for i, result in enumerate(results):
            _collect(trace, i, result)
        # step: close the pool
        pool.close()
        pool.join()
    trace.record("main", "closes pool")

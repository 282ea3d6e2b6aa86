"""Lets the job's error escape its task: the nursery cancels every other job.

The learner writes the happy path only: the task runs the job and calls the callback
with its result. Job 4's ``ValueError`` escapes the task, and a trio nursery that sees
a child fail cancels all its other children and raises the error (in an
``ExceptionGroup``) once they have stopped: the jobs still waiting or running are lost.
The checker sees the run fail with job 4's error, results missing, and the error never
reaching the error callback.
"""

from __future__ import annotations

import threading

import trio

from threeways import Recorder
from threeways.scenarios.pool import JOB_TICKS, Params, describe, job_name


async def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    where = f"task {trio.lowlevel.current_task().name!r} in {threading.current_thread().name}"
    trace.record(job_name(i), "starts", {"job": i, "on": where})
    await trio.sleep(JOB_TICKS * p.tick)
    # step: fail or return
    if i == p.fail:
        error = ValueError(f"job {i} failed")
        trace.record(job_name(i), "raises", {"job": i, "error": describe(error)})
        raise error
    trace.record(job_name(i), "returns", {"job": i, "result": i + 100})
    return i + 100


async def _pooled(
    slots: trio.CapacityLimiter, trace: Recorder, i: int, p: Params, errors: dict[int, Exception]
) -> None:
    # own step: take one of the pool's slots
    trace.record(job_name(i), "waits for a slot")  # every job is a task from the start
    async with slots:
        result = await _job(trace, i, p)  # the bug: job 4's error escapes the task
        # own step: the callback is the next line
        _on_result(trace, i, result)


def _on_result(trace: Recorder, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # trio's thread: the main one
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    detail = {"job": i, "error": describe(error), "thread": threading.current_thread().name}
    trace.record("error callback", "gets error", detail)


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    slots = trio.CapacityLimiter(p.size)
    trace.record("main", "opens pool", p.size)
    errors: dict[int, Exception] = {}
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: submit the jobs
            for i in range(p.jobs):
                nursery.start_soon(_pooled, slots, trace, i, p, errors, name=job_name(i))
            # step: wait for every result
            trace.record("main", "waits for every result")
        # leaving the nursery waits for every job
    # step: check each result
    for i in sorted(errors):
        trace.record("main", "sees error", {"job": i, "error": describe(errors[i])})
    # step: close the pool
    trace.record("main", "closes pool")  # nothing to close: the tasks are done


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

"""gather() without return_exceptions: job 4's error ends the wait, and main never checks the rest.

By default ``asyncio.gather`` raises the first exception of any awaitable as soon as it
happens: job 4's ``ValueError`` comes out of the ``await`` while the other jobs are still
running, main never gets to the check of each result, and the error escapes ``main``
(``asyncio.run`` then cancels the jobs still pending). ``return_exceptions=True`` hands
back each error as a value instead. The checker sees the run fail with job 4's error,
and results missing.
"""

from __future__ import annotations

import asyncio
import threading
from functools import partial

from threeways import Recorder
from threeways.scenarios.pool import JOB_TICKS, Params, describe, job_name


async def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    task = asyncio.current_task()
    where = f"task {task.get_name() if task else '?'!r} in {threading.current_thread().name}"
    trace.record(job_name(i), "starts", {"job": i, "on": where})
    await asyncio.sleep(JOB_TICKS * p.tick)
    # step: fail or return
    if i == p.fail:
        error = ValueError(f"job {i} failed")
        trace.record(job_name(i), "raises", {"job": i, "error": describe(error)})
        raise error
    trace.record(job_name(i), "returns", {"job": i, "result": i + 100})
    return i + 100


async def _pooled(slots: asyncio.Semaphore, trace: Recorder, i: int, p: Params) -> int:
    # own step: take one of the pool's slots
    trace.record(job_name(i), "waits for a slot")  # every job is a task from the start
    async with slots:
        return await _job(trace, i, p)


def _on_result(trace: Recorder, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # the event loop's thread
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    detail = {"job": i, "error": describe(error), "thread": threading.current_thread().name}
    trace.record("error callback", "gets error", detail)


def _on_done(trace: Recorder, i: int, task: asyncio.Task[int]) -> None:
    # own step: one callback for both outcomes
    if task.cancelled():  # the run timed out: no result and no error to report
        return
    if (error := task.exception()) is not None:
        _on_error(trace, i, error)
    else:
        _on_result(trace, i, task.result())


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    slots = asyncio.Semaphore(p.size)
    trace.record("main", "opens pool", p.size)
    async with asyncio.timeout(p.timeout):
        # step: submit the jobs
        tasks = [
            asyncio.create_task(_pooled(slots, trace, i, p), name=job_name(i))
            for i in range(p.jobs)
        ]
        for i, task in enumerate(tasks):
            task.add_done_callback(partial(_on_done, trace, i))
        # step: wait for every result
        trace.record("main", "waits for every result")
        outcomes = await asyncio.gather(*tasks)  # the bug: raises job 4's error, at once
    # step: check each result
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, Exception):  # not CancelledError: a BaseException
            trace.record("main", "sees error", {"job": i, "error": describe(outcome)})
    # step: close the pool
    trace.record("main", "closes pool")  # nothing to close: the tasks are done


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""pool with trio: a task per job in a nursery, a CapacityLimiter(3) as the pool.

trio has no pool of workers, no futures and no callbacks. Every job gets its own task in
a nursery, and a ``CapacityLimiter(size)`` lets only ``size`` of them run the job at a
time. The "callback" is simply the code that follows the job in the same task, in the
main thread. A job's error must not escape its task, or the nursery would cancel every
other job: the task catches it and keeps it as a value, which the main program looks at
afterwards, as it would call ``get()`` on an ``AsyncResult``. It catches ``Exception``,
never ``BaseException``: that would also catch trio's ``Cancelled`` (a timeout, the
nursery stopping) and ``KeyboardInterrupt``, and report them as the job's error.
``trio.fail_after`` bounds the wait.
"""

from __future__ import annotations

import threading

import trio

from threeways import Recorder

from . import JOB_TICKS, Params, describe, job_name


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
        try:
            result = await _job(trace, i, p)
        except Exception as error:  # the job's own error; Cancelled and Ctrl-C go on up
            errors[i] = error
            # own step: the callback is the next line
            _on_error(trace, i, error)
        else:
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

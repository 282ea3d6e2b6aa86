"""pool with trio: a task per job in a nursery, a CapacityLimiter(3) as the pool.

trio has no pool of workers, no futures and no callbacks. Every job gets its own task in
a nursery, and a ``CapacityLimiter(size)`` lets only ``size`` of them run the job at a
time. The "callback" is simply the code that follows the job in the same task, in the
main thread. A job's error must not escape its task, or the nursery would cancel every
other job: ``outcome.acapture`` (from ``outcome``, a dependency of trio) keeps the result
or the error as a value, which the main program unwraps afterwards, as it would call
``get()`` on an ``AsyncResult``. ``trio.fail_after`` bounds the wait.
"""

from __future__ import annotations

import threading

import outcome
import trio

from threeways._trace import Trace

from . import JOB_TICKS, Params, describe, job_name


async def _job(trace: Trace, i: int, p: Params) -> int:
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
    slots: trio.CapacityLimiter,
    trace: Trace,
    i: int,
    p: Params,
    outcomes: list[outcome.Outcome[int] | None],
) -> None:
    # own step: take one of the pool's slots
    async with slots:
        result = await outcome.acapture(_job, trace, i, p)
    outcomes[i] = result
    # own step: the callback is the next line
    if isinstance(result, outcome.Value):
        _on_result(trace, i, result.value)
    else:
        _on_error(trace, i, result.error)


def _on_result(trace: Trace, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # trio's thread: the main one
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Trace, i: int, error: BaseException) -> None:
    # step: call back with the error
    thread = threading.current_thread().name
    trace.record(
        "error callback", "gets error", {"job": i, "error": describe(error), "thread": thread}
    )


async def _main(trace: Trace, p: Params) -> None:
    # step: open the pool
    slots = trio.CapacityLimiter(p.size)
    trace.record("main", "opens pool", p.size)
    outcomes: list[outcome.Outcome[int] | None] = [None] * p.jobs
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: submit the jobs
            for i in range(p.jobs):
                nursery.start_soon(_pooled, slots, trace, i, p, outcomes, name=job_name(i))
            # step: wait for every result
            trace.record("main", "waits for every result")
        # leaving the nursery waits for every job
    # step: check each result
    for i, result in enumerate(outcomes):
        try:
            assert result is not None, "every job has ended"
            result.unwrap()  # returns the value or raises the job's error
        except ValueError as error:
            trace.record("main", "sees error", {"job": i, "error": describe(error)})
    # step: close the pool
    trace.record("main", "closes pool")  # nothing to close: the tasks are done


def main(trace: Trace, p: Params) -> None:
    trio.run(_main, trace, p)

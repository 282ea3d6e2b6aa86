"""errors with trio: a nursery cancels its other tasks and raises an ExceptionGroup.

As with asyncio's TaskGroups: when a job fails, the inner nursery of jobs raises, and the
outer one cancels the helpers, whose ``finally`` blocks run as ``trio.Cancelled`` goes
through (it must go on: caught for good, it would leave the nursery waiting). Nurseries
raise nested ``ExceptionGroup``s (strict groups, the default since trio 0.25);
``except* ValueError`` finds the error inside. ``--naive``: a nursery cannot lose an
error, so the usual way to lose one is a broad ``except Exception`` around each job, "so
that one failure does not stop the others". (It does not catch ``trio.Cancelled``.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio

from threeways import Recorder

from . import JOB_TICKS, Params, describe, failure, helper_names, main_sees, worker_names

_Job = Callable[[Recorder, str, int, trio.Semaphore, Params], Awaitable[None]]


async def _job(trace: Recorder, name: str, i: int, finished: trio.Semaphore, p: Params) -> None:
    trace.record(name, "starts")
    try:
        # step: do the job
        await trio.sleep((JOB_TICKS + i) * p.tick)
        if i == p.fail:
            # step: fail once the others have finished
            trace.record(name, "waits for the others")
            for _ in range(p.workers - 1):
                await finished.acquire()
            raise failure(trace, name)
        trace.record(name, "finishes")
    finally:
        # step: clean up
        finished.release()  # one more job over: the failing one counts them
        trace.record(name, "cleans up")


async def _helper(trace: Recorder, name: str, done: trio.Event, p: Params) -> None:
    trace.record(name, "starts")
    try:
        # step: work until the jobs are done
        while not done.is_set():
            trace.record(name, "beats")
            await trio.sleep(p.tick)  # where the nursery's cancellation lands
        trace.record(name, "finishes")
    except trio.Cancelled:
        # step: be stopped
        trace.record(name, "is stopped")
        raise
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _supervised(trace: Recorder, p: Params, job: _Job = _job) -> None:
    done, finished = trio.Event(), trio.Semaphore(0)
    async with trio.open_nursery() as nursery:
        # step: start the helpers and the jobs
        for h in helper_names(p.helpers):
            nursery.start_soon(_helper, trace, h, done, p, name=h)
        async with trio.open_nursery() as jobs:
            for i, name in enumerate(worker_names(p.workers)):
                jobs.start_soon(job, trace, name, i, finished, p, name=name)
            # step: wait for the jobs, or the first error
            trace.record("main", "waits for the jobs")
        # step: stop the others
        # (nothing to write: an error out of the inner nursery makes this one cancel the helpers)
        # step: tell the helpers the jobs are done
        done.set()


async def _careless(
    trace: Recorder, name: str, i: int, finished: trio.Semaphore, p: Params
) -> None:
    # own step: a broad except around the job
    try:
        await _job(trace, name, i, finished, p)
    except Exception as error:  # "so that one failure does not stop the others"
        trace.record("log", "notes", describe(error))  # and nobody reads the log


async def _naive(trace: Recorder, p: Params) -> None:
    await _supervised(trace, p, job=_careless)  # the same nurseries, with careless jobs


async def _main(trace: Recorder, p: Params) -> None:
    try:
        with trio.fail_after(p.timeout):
            await (_naive if p.naive else _supervised)(trace, p)
    except* ValueError as group:
        # step: main sees the error
        main_sees(trace, group)
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

"""errors with asyncio: a TaskGroup cancels the other tasks and raises an ExceptionGroup.

Nested groups raise nested ``ExceptionGroup``s: ``except* ValueError`` finds the error
inside. ``--naive`` creates bare tasks and waits with ``asyncio.wait``, which raises
nothing: asyncio logs "Task exception was never retrieved" when the task is collected.
Each errors file is longer than the others: it holds two programs, the supervised one
and ``--naive``'s.
"""

from __future__ import annotations

import asyncio
from asyncio import Event, Semaphore

from threeways import Recorder

from . import JOB_TICKS, Params, failure, helper_names, main_sees, worker_names


async def _job(trace: Recorder, name: str, i: int, finished: Semaphore, p: Params) -> None:
    trace.record(name, "starts")
    try:
        # step: do the job
        await asyncio.sleep((JOB_TICKS + i) * p.tick)
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


async def _helper(trace: Recorder, name: str, done: Event, p: Params) -> None:
    try:
        # step: work until the jobs are done
        while not done.is_set():
            trace.record(name, "beats")
            await asyncio.sleep(p.tick)  # where the TaskGroup's cancellation lands
        trace.record(name, "finishes")
    except asyncio.CancelledError:
        # step: be stopped
        trace.record(name, "is stopped")
        raise  # swallowed, it would leave the TaskGroup waiting for a helper that works on
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _supervised(trace: Recorder, p: Params, done: Event, finished: Semaphore) -> None:
    async with asyncio.TaskGroup() as tg:
        # step: start the helpers and the jobs
        for h in helper_names(p.helpers):
            tg.create_task(_helper(trace, h, done, p))
        async with asyncio.TaskGroup() as jobs:
            for i, name in enumerate(worker_names(p.workers)):
                jobs.create_task(_job(trace, name, i, finished, p))
            # step: wait for the jobs, or the first error
            trace.record("main", "waits for the jobs")
        # step: stop the others
        # (nothing to write: an error out of the inner group makes tg cancel the helpers)
        # step: tell the helpers the jobs are done
        done.set()


async def _naive(trace: Recorder, p: Params, done: Event, finished: Semaphore) -> None:
    # own step: start them, unsupervised
    hs, names = helper_names(p.helpers), enumerate(worker_names(p.workers))
    # kept in lists: the loop holds tasks by weak references, and one nothing holds may vanish
    helpers = [asyncio.create_task(_helper(trace, h, done, p)) for h in hs]
    jobs = [asyncio.create_task(_job(trace, n, i, finished, p)) for i, n in names]
    # own step: wait for the jobs, blind to errors
    trace.record("main", "waits for the jobs")
    await asyncio.wait(jobs)  # returns the done tasks, raises nothing; nobody asks them
    done.set()
    await asyncio.wait(helpers)


async def _main(trace: Recorder, p: Params) -> None:
    try:
        async with asyncio.timeout(p.timeout):
            done, finished = Event(), Semaphore(0)
            await (_naive if p.naive else _supervised)(trace, p, done, finished)
    except* ValueError as group:
        # step: main sees the error
        main_sees(trace, group)
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Catches the worker's error with except ValueError: a TaskGroup raises an ExceptionGroup.

A ``TaskGroup`` does its part: Bob's error cancels the helpers, whose ``finally`` blocks
run. But it never raises the ``ValueError`` itself: it raises an ``ExceptionGroup`` that
holds it (here, nested groups: one inside another), and ``except ValueError`` does not
match a group. The error goes past main's handler and out of ``asyncio.run``: main never
records that it saw it, and the program ends with a traceback. ``except* ValueError``
(3.11+) is the handler that looks inside groups. The checker reports the run failed:
Bob's error escaped main.
"""

from __future__ import annotations

import asyncio
from asyncio import Event, Semaphore

from threeways import Recorder
from threeways.scenarios.errors import (
    JOB_TICKS,
    Params,
    failure,
    helper_names,
    main_sees,
    worker_names,
)


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
        raise
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


async def _main(trace: Recorder, p: Params) -> None:
    try:
        async with asyncio.timeout(p.timeout):
            done, finished = Event(), Semaphore(0)
            await _supervised(trace, p, done, finished)
    except ValueError as error:  # the bug: the TaskGroup raises an ExceptionGroup, not this
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Gives reschedule() a delay where it takes a time of the loop: the deadline is long past.

``asyncio.timeout(None).reschedule(when)`` takes an absolute deadline, a moment of
``loop.time()`` (a monotonic clock whose zero is long ago), like ``timeout_at``; only
``asyncio.timeout(delay)`` takes a delay. ``reschedule(4 * tick)`` sets the deadline to
one second after that zero: it passed long ago, so the timeout fires at once and the
stuck jobs are cancelled the moment the clock starts, not at the deadline. The checker
sees the stuck jobs stopped before the deadline.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.timeouts import (
    DEADLINE_TICKS,
    WORK_TICKS,
    Params,
    answer,
    job_name,
    quick_jobs,
    stuck_jobs,
)


async def _quick_job(trace: Recorder, i: int, p: Params, ready: asyncio.Semaphore) -> None:
    name = job_name(i)
    try:
        # step: work, then answer
        trace.record(name, "works", WORK_TICKS)
        await asyncio.sleep(WORK_TICKS * p.tick)
        trace.record(name, "finishes", answer(i))
        # step: report under way
        ready.release()
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _stuck_job(trace: Recorder, i: int, p: Params, ready: asyncio.Semaphore) -> None:
    name = job_name(i)
    try:
        # step: report under way
        trace.record(name, "waits for an answer")
        ready.release()
        # step: wait for an answer that never comes
        async with asyncio.timeout(p.timeout):  # its own limit: the batch's comes first
            await asyncio.Event().wait()
    except asyncio.CancelledError:
        # own step: be stopped at the deadline
        trace.record(name, "is stopped", "cancelled")
        raise  # a task that swallows its cancellation would run on
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _main(trace: Recorder, p: Params) -> None:
    # step: start the jobs
    jobs = {i: _quick_job for i in quick_jobs(p)} | {i: _stuck_job for i in stuck_jobs(p)}
    ready = asyncio.Semaphore(0)  # each job releases it once
    try:
        async with asyncio.timeout(None) as batch, asyncio.TaskGroup() as tg:
            for i, job in jobs.items():
                tg.create_task(job(trace, i, p, ready), name=job_name(i))
            # step: wait until every job is under way
            trace.record("main", "waits until every job is under way")
            async with asyncio.timeout(p.timeout):
                for _ in jobs:
                    await ready.acquire()
            # step: start the clock
            trace.record("main", "starts the clock", DEADLINE_TICKS)
            batch.reschedule(DEADLINE_TICKS * p.tick)  # the bug: a delay, not a loop time
            # step: wait for each answer until the deadline
            trace.record("main", "waits for the answers")
        # leaving the TaskGroup waited for every job, or until the deadline cancelled main
    # step: stop the late jobs
    except TimeoutError:  # the batch's (a job's own would come in an ExceptionGroup)
        trace.record("main", "has stopped the late jobs")  # the TaskGroup cancelled them


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Starts the deadline as the jobs start, not once every job is under way: it passes early.

``trio.move_on_after(s)`` counts from the moment its block is entered, here before the
first job has started. The batch has its four ticks from the start line, the moment
every job is under way (the quick ones have answered, after a tick of work); counted
from the start instead, the deadline comes a tick or more too early, and the stuck jobs
are cancelled before the batch's time is up (a slower start, under load, would eat
into it further). The checker sees the stuck jobs stopped before the deadline. Enter a
``CancelScope`` with no deadline, and set ``deadline`` once every job is under way.
"""

from __future__ import annotations

import trio

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


async def _quick_job(
    trace: Recorder, i: int, p: Params, task_status: trio.TaskStatus[None]
) -> None:
    name = job_name(i)
    try:
        # step: work, then answer
        trace.record(name, "works", WORK_TICKS)
        await trio.sleep(WORK_TICKS * p.tick)
        trace.record(name, "finishes", answer(i))
        # step: report under way
        task_status.started()
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _stuck_job(
    trace: Recorder, i: int, p: Params, task_status: trio.TaskStatus[None]
) -> None:
    name = job_name(i)
    try:
        # step: report under way
        trace.record(name, "waits for an answer")
        task_status.started()
        # step: wait for an answer that never comes
        with trio.fail_after(p.timeout):  # its own limit: cannot outlive the batch's scope
            await trio.sleep_forever()
    except trio.Cancelled:
        # own step: be stopped at the deadline
        trace.record(name, "is stopped", "cancelled")
        raise  # Cancelled must go on to the scope that caused it
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _main(trace: Recorder, p: Params) -> None:
    # step: start the jobs
    jobs = {i: _quick_job for i in quick_jobs(p)} | {i: _stuck_job for i in stuck_jobs(p)}
    with trio.move_on_after(DEADLINE_TICKS * p.tick) as batch:  # the bug: counts from here
        async with trio.open_nursery() as nursery:
            # step: wait until every job is under way
            trace.record("main", "waits until every job is under way")
            with trio.fail_after(p.timeout):
                async with trio.open_nursery() as starting:  # ends once each has started
                    for i, job in jobs.items():
                        starting.start_soon(nursery.start, job, trace, i, p)
            # step: start the clock
            trace.record("main", "starts the clock", DEADLINE_TICKS)  # (it already runs)
            # step: wait for each answer until the deadline
            trace.record("main", "waits for the answers")
        # leaving the nursery waited for every job, or until the deadline cancelled them
    # step: stop the late jobs
    if batch.cancelled_caught:  # the deadline passed: the scope cancelled the late jobs
        trace.record("main", "has stopped the late jobs")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

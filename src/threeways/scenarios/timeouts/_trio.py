"""timeouts with trio: a cancel scope around the nursery; the late jobs get trio.Cancelled.

In trio a cancel scope is the one way to time out anything: its functions take no
timeout argument. The batch's deadline is a ``trio.CancelScope`` around the nursery,
entered with no deadline and given one once every job is under way: ``nursery.start``
hands a job its ``task_status`` and returns when the job calls ``started()``; starting
every job from a nursery of its own runs the starts at once and waits for them all.
When the deadline passes, every checkpoint inside the scope raises ``Cancelled``, in the
jobs too, and their ``finally`` blocks run; ``cancelled_caught`` then says that the
scope stopped something. ``move_on_after(s)`` makes such a scope, ``fail_after(s)``
raises ``TooSlowError`` instead.

A stuck job bounds its own wait with ``fail_after(p.timeout)``, nested inside the batch's
scope: an inner scope cannot outlive the outer one. The ``Cancelled`` is caught only by
the scope whose deadline caused it, the batch's, so the job's own never raises.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import DEADLINE_TICKS, WORK_TICKS, Params, answer, job_name, quick_jobs, stuck_jobs


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
    with trio.CancelScope() as batch:  # no deadline until every job is under way
        async with trio.open_nursery() as nursery:
            # step: wait until every job is under way
            trace.record("main", "waits until every job is under way")
            with trio.fail_after(p.timeout):
                async with trio.open_nursery() as starting:  # ends once each has started
                    for i, job in jobs.items():
                        starting.start_soon(nursery.start, job, trace, i, p)
            # step: start the clock
            trace.record("main", "starts the clock", DEADLINE_TICKS)
            batch.deadline = trio.current_time() + DEADLINE_TICKS * p.tick
            # step: wait for each answer until the deadline
            trace.record("main", "waits for the answers")
        # leaving the nursery waited for every job, or until the deadline cancelled them
    # step: stop the late jobs
    if batch.cancelled_caught:  # the deadline passed: the scope cancelled the late jobs
        trace.record("main", "has stopped the late jobs")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

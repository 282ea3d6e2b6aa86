"""Catches the jobs' error inside the outer nursery: it never sees it, nor stops the helpers.

A nursery cancels its other tasks only when an error comes out of its block. Here main
catches the jobs' ``ExceptionGroup`` around the inner nursery, inside the outer one,
where the helpers run: the error stops there, the outer nursery's block goes on as if
all were well, tells the helpers the jobs are done, and they finish normally. Main did
see the error, but the others were never stopped. The checker sees the helpers finish
after Bob raised, where they should have been stopped. Catch it outside the nursery
whose tasks it must stop.
"""

from __future__ import annotations

import trio
from trio import Event, Semaphore

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


async def _helper(trace: Recorder, name: str, done: Event, p: Params) -> None:
    try:
        # step: work until the jobs are done
        while not done.is_set():
            trace.record(name, "beats")
            await trio.sleep(p.tick)  # where the nursery's cancellation lands
        trace.record(name, "finishes")
    except trio.Cancelled:
        # step: be stopped
        trace.record(name, "is stopped")
        raise  # caught for good, it would leave the nursery waiting for a helper that works on
    finally:
        # step: clean up
        trace.record(name, "cleans up")


async def _supervised(trace: Recorder, p: Params, done: Event, finished: Semaphore) -> None:
    async with trio.open_nursery() as nursery:
        # step: start the helpers and the jobs
        for h in helper_names(p.helpers):
            nursery.start_soon(_helper, trace, h, done, p, name=h)
        try:
            async with trio.open_nursery() as jobs:
                for i, name in enumerate(worker_names(p.workers)):
                    jobs.start_soon(_job, trace, name, i, finished, p, name=name)
                # step: wait for the jobs, or the first error
                trace.record("main", "waits for the jobs")
        except* ValueError as group:  # the bug: caught here, the outer nursery never sees it
            # step: main sees the error
            main_sees(trace, group)
        # step: stop the others
        # (the outer nursery cancels the helpers on an error out of its block: none comes)
        # step: tell the helpers the jobs are done
        done.set()


async def _main(trace: Recorder, p: Params) -> None:
    with trio.fail_after(p.timeout):
        done, finished = Event(), Semaphore(0)
        await _supervised(trace, p, done, finished)
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

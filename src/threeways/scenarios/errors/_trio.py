"""errors with trio: a nursery cancels its other tasks and raises an ExceptionGroup.

The asyncio program with nurseries for TaskGroups: nested nurseries raise nested
``ExceptionGroup``s (strict groups, the default since trio 0.25), and ``except*
ValueError`` finds the error inside. A nursery cannot lose an error: ``--naive`` loses
it the usual trio way, in a broad ``except Exception`` around each job. Each errors file
is longer than the others: it holds two programs, the supervised one and ``--naive``'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import trio
from trio import Event, Semaphore

from threeways import Recorder

from . import JOB_TICKS, Params, describe, failure, helper_names, main_sees, worker_names

_Job = Callable[[Recorder, str, int, Semaphore, Params], Awaitable[None]]


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


async def _supervised(
    trace: Recorder, p: Params, done: Event, finished: Semaphore, job: _Job = _job
) -> None:
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


async def _careless(trace: Recorder, name: str, i: int, finished: Semaphore, p: Params) -> None:
    # own step: a broad except around the job
    try:
        await _job(trace, name, i, finished, p)
    except Exception as error:  # "so that one failure does not stop the others"
        trace.record("log", "notes", describe(error))  # and nobody reads the log


async def _naive(trace: Recorder, p: Params, done: Event, finished: Semaphore) -> None:
    await _supervised(trace, p, done, finished, _careless)  # the same nurseries, careless jobs


async def _main(trace: Recorder, p: Params) -> None:
    try:
        with trio.fail_after(p.timeout):
            done, finished = Event(), Semaphore(0)
            await (_naive if p.naive else _supervised)(trace, p, done, finished)
    except* ValueError as group:
        # step: main sees the error
        main_sees(trace, group)
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

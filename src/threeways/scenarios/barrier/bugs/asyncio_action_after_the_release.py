"""Runs the action in the task that got index 0, with no second wait after it.

asyncio.Barrier has no action, and the task whose wait() returns 0 runs it instead. But
that task runs only after the barrier has let everyone go: the last to arrive returns
from wait() at once and starts the next phase before the action of this one has run.
threading runs its action before it releases anyone; here a second wait() is needed. The
checker sees a worker start phase 2 before the action ran after phase 1.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.barrier import Params, describe, fails, failure, work_ticks, worker_names


def _action(trace: Recorder) -> None:
    # step: run the action, once all have arrived
    task = asyncio.current_task()
    trace.record("action", "runs", task.get_name() if task else "?")  # the wait() that got 0


async def _fail(
    trace: Recorder, name: str, barrier: asyncio.Barrier, phase: int, p: Params
) -> None:
    # step: fail, once the others wait at the barrier
    while barrier.n_waiting < barrier.parties - 1:
        await asyncio.sleep(p.tick / 10)  # none can leave meanwhile: the barrier needs us
    error = failure(trace, name, phase)
    # step: break the barrier
    await barrier.abort()  # else the others wait for us until the run's timeout
    raise error


async def _compute(trace: Recorder, name: str, i: int, phase: int, p: Params) -> None:
    # step: compute the phase
    trace.record(name, "starts phase", phase)
    await asyncio.sleep(work_ticks(i, phase) * p.tick)


async def _worker(trace: Recorder, name: str, i: int, barrier: asyncio.Barrier, p: Params) -> None:
    for phase in range(1, p.phases + 1):
        await _compute(trace, name, i, phase, p)
        if fails(i, phase, p):
            await _fail(trace, name, barrier, phase, p)
        trace.record(name, "finishes phase", phase)
        # step: wait at the barrier
        trace.record(name, "waits at the barrier", phase)
        try:
            if await barrier.wait() == 0:  # one task, after all have arrived
                _action(trace)  # the bug: the others are already on their way
        except asyncio.BrokenBarrierError:
            # step: stop at a broken barrier
            trace.record(name, "sees the barrier broken", phase)
            return
        trace.record(name, "passes the barrier", phase)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the barrier
    barrier = asyncio.Barrier(p.workers)
    try:
        async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
            # step: start the workers
            for i, name in enumerate(worker_names(p.workers)):
                tg.create_task(_worker(trace, name, i, barrier, p), name=name)
            # step: wait for the workers
            trace.record("main", "waits for the workers")
        # leaving the TaskGroup waits for every task
    except* ValueError as group:
        # step: main sees the error
        for error in group.exceptions:
            trace.record("main", "sees error", describe(error))
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

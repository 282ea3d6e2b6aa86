"""barrier with asyncio: asyncio.Barrier (3.11+), which has no action: index 0 runs it.

``asyncio.Barrier`` copies threading's, without its ``action`` and its timeout
(``asyncio.timeout`` bounds the run). The task whose ``wait()`` returns 0 runs the action
instead; but it runs only after the barrier let everyone go, so a second ``wait()`` keeps
the others from starting the next phase before the action ran. A worker that fails calls
``abort()``: the others' waits raise ``asyncio.BrokenBarrierError`` (not threading's).
The tasks live in a ``TaskGroup``, and ``except*`` finds the failing worker's error.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import Params, describe, fails, failure, work_ticks, worker_names


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
                _action(trace)
            # own step: wait again, so nobody goes on before the action ran
            await barrier.wait()
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

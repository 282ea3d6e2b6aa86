"""cancellation with asyncio: cancel() raises CancelledError in the task once; let it go on.

``task.cancel()`` raises ``CancelledError`` at the ``await`` where the task waits, here
mid-step. Delivered once, it leaves the cleanup's own ``await`` alone (``--no-shield``
still gives all back); a second one, which the TaskGroup sends to whatever still runs
when main is cancelled, would cut it short: ``asyncio.shield`` keeps the cleanup going.
"""

from __future__ import annotations

import asyncio
import itertools
from asyncio import BoundedSemaphore, Semaphore
from collections.abc import Iterable

from threeways import Recorder

from . import CLOSE_TICKS, Params, pool_size, worker_names


async def _work(trace: Recorder, name: str, steps: Iterable[int], p: Params) -> None:
    for step in steps:
        # step: do a step of work
        await asyncio.sleep(p.tick)  # where the CancelledError is raised
        trace.record(name, "does step", step)


async def _clean_up(trace: Recorder, name: str, pool: Semaphore, held: int, p: Params) -> None:
    trace.record(name, "cleans up", held)
    # step: say goodbye
    await asyncio.sleep(CLOSE_TICKS * p.tick)  # an await: a second cancel() would stop it
    # step: give the connections back
    for k in range(1, held + 1):
        pool.release()
        trace.record(name, "gives back connection", k)


async def _worker(
    trace: Recorder, name: str, pool: Semaphore, midway: Semaphore, p: Params
) -> None:
    held = 0
    try:
        # step: open the connections
        for k in range(1, p.connections + 1):
            await pool.acquire()
            held = k
            trace.record(name, "acquires connection", k)
        # step: work up to midway
        await _work(trace, name, range(1, p.steps + 1), p)
        # step: reach midway
        trace.record(name, "is midway", p.steps)
        midway.release()  # tell main, and go on
        # step: work on until stopped
        await _work(trace, name, itertools.count(p.steps + 1), p)
    except asyncio.CancelledError:
        # step: see the stop
        trace.record(name, "is stopped")
        raise  # never swallow it: the TaskGroup and asyncio.timeout rely on it
    finally:
        # step: clean up, exactly once
        cleanup = asyncio.create_task(_clean_up(trace, name, pool, held, p))
        await (asyncio.shield(cleanup) if p.shield else cleanup)


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    pool = BoundedSemaphore(pool_size(p))  # a release too many raises ValueError
    trace.record("main", "opens the pool", pool_size(p))
    midway = Semaphore(0)  # each worker releases it once
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as group:
        # step: start the workers
        args = [(trace, name, pool, midway, p) for name in worker_names(p.workers)]
        workers = [group.create_task(_worker(*a), name=a[1]) for a in args]
        # step: wait until every worker is midway
        trace.record("main", "waits until every worker is midway")
        for _ in workers:
            await midway.acquire()
        # step: stop the group
        trace.record("main", "stops the group", "main cancels each task")
        for worker in workers:  # no TaskGroup.cancel() before 3.15: each task, one by one
            worker.cancel()
        # step: wait for the group to end
        trace.record("main", "waits for the group to end")
    # step: count the free connections
    free = [await pool.acquire() for _ in range(pool_size(p)) if not pool.locked()]  # no count
    trace.record("main", "counts the pool", len(free))  # an asyncio semaphore tells none: take


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

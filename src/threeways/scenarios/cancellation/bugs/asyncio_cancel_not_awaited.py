"""Cancels the worker tasks and counts the pool at once: cancel() only asks.

``task.cancel()`` does not stop a task: it schedules a ``CancelledError`` to be raised
inside it at its next turn, and returns. The task's ``except`` and ``finally`` blocks
(its goodbye and the connections given back) run only once main lets the loop run them,
by awaiting the tasks (``gather``, a ``TaskGroup``'s exit). Main awaits nothing between
the cancels and the count: it finds every connection still taken. The workers see the
stop only as ``asyncio.run`` ends, which cancels them once more and closes the loop
before their cleanups are done. The checker sees no cleanup, nothing given back, and a
pool counted while the workers were still busy, with no free connection.
"""

from __future__ import annotations

import asyncio
import itertools
from asyncio import BoundedSemaphore, Semaphore
from collections.abc import Iterable

from threeways import Recorder
from threeways.scenarios.cancellation import CLOSE_TICKS, Params, pool_size, worker_names


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
    # step: start the workers
    args = [(trace, name, pool, midway, p) for name in worker_names(p.workers)]
    workers = [asyncio.create_task(_worker(*a), name=a[1]) for a in args]
    # step: wait until every worker is midway
    trace.record("main", "waits until every worker is midway")
    async with asyncio.timeout(p.timeout):
        for _ in workers:
            await midway.acquire()
    # step: stop the group
    trace.record("main", "stops the group", "main cancels each task")
    for worker in workers:
        worker.cancel()  # the bug: only asks; nothing awaits the tasks before the count
    # step: count the free connections
    free = [await pool.acquire() for _ in range(pool_size(p)) if not pool.locked()]  # no count
    trace.record("main", "counts the pool", len(free))  # an asyncio semaphore tells none: take


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

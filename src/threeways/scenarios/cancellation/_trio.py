"""cancellation with trio: cancel the nursery's scope; it stays cancelled: shield the cleanup.

``group.cancel_scope.cancel()``: from then on every checkpoint in the scope raises
``trio.Cancelled``, not just the first ("level triggered"). A worker that swallowed it
gets it again at its next ``await``; so does its cleanup, whose goodbye raises at once,
and the connections are never given back (``--no-shield``; asyncio gives them back).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import trio
from trio import Semaphore

from threeways import Recorder

from . import CLOSE_TICKS, Params, pool_size, worker_names


async def _work(trace: Recorder, name: str, steps: Iterable[int], p: Params) -> None:
    for step in steps:
        # step: do a step of work
        await trio.sleep(p.tick)  # a checkpoint: where trio.Cancelled is raised
        trace.record(name, "does step", step)


async def _clean_up(trace: Recorder, name: str, pool: Semaphore, held: int, p: Params) -> None:
    trace.record(name, "cleans up", held)
    # step: say goodbye
    await trio.sleep(CLOSE_TICKS * p.tick)  # a checkpoint: in a cancelled scope, it raises
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
    except trio.Cancelled:
        # step: see the stop
        trace.record(name, "is stopped")
        raise  # swallowed, it would come back at the next checkpoint anyway
    finally:
        # step: clean up, exactly once
        with trio.CancelScope(shield=p.shield):  # no outside cancellation gets in: keep it short
            await _clean_up(trace, name, pool, held, p)


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    pool = Semaphore(pool_size(p), max_value=pool_size(p))  # a release too many raises
    trace.record("main", "opens the pool", pool_size(p))
    midway = Semaphore(0)  # each worker releases it once
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as group:
            # step: start the workers
            for name in worker_names(p.workers):
                group.start_soon(_worker, trace, name, pool, midway, p, name=name)
            # step: wait until every worker is midway
            trace.record("main", "waits until every worker is midway")
            for _ in range(p.workers):
                await midway.acquire()
            # step: stop the group
            trace.record("main", "stops the group", "main cancels the nursery's scope")
            group.cancel_scope.cancel()
            # step: wait for the group to end
            trace.record("main", "waits for the group to end")  # the nursery's exit: every cleanup
    # step: count the free connections
    trace.record("main", "counts the pool", pool.value)


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

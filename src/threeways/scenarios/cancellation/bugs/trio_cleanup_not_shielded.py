"""Awaits in the cleanup without a shield: the cancelled scope cancels the goodbye too.

A trio cancellation is level-triggered: once main cancels the nursery's scope, every
checkpoint inside it raises ``trio.Cancelled``, not only the first. The worker's
``finally`` block runs, but its first ``await`` (the goodbye's ``trio.sleep``) is a
checkpoint in the same cancelled scope: it raises at once, and the connections after
it are never given back. The checker sees each worker cleaning up but giving nothing
back, and a pool with no free connection at the end. A ``trio.CancelScope(shield=True)``
around the cleanup keeps the outer cancellation out (give it a deadline of its own).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import trio
from trio import Semaphore

from threeways import Recorder
from threeways.scenarios.cancellation import CLOSE_TICKS, Params, pool_size, worker_names


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
        await _clean_up(trace, name, pool, held, p)  # the bug: in the cancelled scope, unshielded


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

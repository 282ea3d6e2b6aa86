"""Each worker makes its own asyncio.Lock: nobody else ever waits for it.

The learner creates the lock where it is used, inside the worker. A lock excludes only
those who take the same lock: every worker takes its own, always free, so all of them
are inside at once. During the pause between read and write every worker reads the
same value, and all but one of the updates are lost. The checker sees the count fall
short of workers x increments, two workers inside at once, and lost updates.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext

from threeways import Recorder
from threeways.scenarios.lock import Counter, Params, worker_names


async def _add_one(trace: Recorder, name: str, counter: Counter, p: Params) -> None:
    # step: read the counter
    value = counter.value
    trace.record(name, "reads", value)
    # step: pause between read and write
    if p.pause:
        await asyncio.sleep(p.tick)  # other tasks run now: they must not touch the counter
    # step: write it back plus one
    counter.value = value + 1
    trace.record(name, "writes", value + 1)


async def _worker(
    trace: Recorder,
    name: str,
    counter: Counter,
    go: asyncio.Event,
    p: Params,
) -> None:
    lock = asyncio.Lock() if p.lock else nullcontext()  # the bug: a lock of its own
    # step: wait for the start signal
    await go.wait()
    trace.record(name, "starts")
    for _ in range(p.increments):
        # step: take the lock
        async with lock:  # waits while another task holds it
            await _add_one(trace, name, counter, p)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the counter and the lock
    counter = Counter()
    go = asyncio.Event()
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the workers
        for name in worker_names(p.workers):
            tg.create_task(_worker(trace, name, counter, go, p))
        go.set()  # all at once, so that they really compete
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
    # leaving the TaskGroup waits for every task
    # step: read the final count
    trace.record("main", "counts", counter.value)


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

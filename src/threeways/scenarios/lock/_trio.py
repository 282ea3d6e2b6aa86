"""lock with trio: a trio.Lock around a read-modify-write that awaits in the middle.

As in asyncio, a task is only ever interrupted at a checkpoint (an ``await`` of a trio
function), so without an await between read and write nothing is lost even with no lock
(``--no-lock --no-pause``); the lock is needed because the pause is a checkpoint. trio's
Lock has an owner: only the task that acquired it may release it, and that task
acquiring it again raises RuntimeError instead of deadlocking (threading.Lock and
asyncio.Lock may be released by anyone). So acquire and release belong in one task,
which ``async with lock`` says best. A released trio.Lock goes to the task that has
waited longest (``trio.StrictFIFOLock`` makes that a promise); threading.Lock promises
no order.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import trio

from threeways import Recorder

from . import Counter, Params, worker_names


async def _add_one(trace: Recorder, name: str, counter: Counter, p: Params) -> None:
    # step: read the counter
    value = counter.value
    trace.record(name, "reads", value)
    # step: pause between read and write
    if p.pause:
        await trio.sleep(p.tick)  # other tasks run now: they must not touch the counter
    # step: write it back plus one
    counter.value = value + 1
    trace.record(name, "writes", value + 1)


async def _worker(
    trace: Recorder,
    name: str,
    counter: Counter,
    lock: AbstractAsyncContextManager[Any],
    go: trio.Event,
    p: Params,
) -> None:
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
    lock = trio.Lock() if p.lock else nullcontext()  # --no-lock: the race, on show
    go = trio.Event()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, counter, lock, go, p)
            go.set()  # all at once, so that they really compete
            # step: wait for everyone to finish
            trace.record("main", "waits for the workers")
        # leaving the nursery waits for every task
    # step: read the final count
    trace.record("main", "counts", counter.value)


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

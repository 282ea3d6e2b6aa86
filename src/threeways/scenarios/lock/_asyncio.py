"""lock with asyncio: an asyncio.Lock around a read-modify-write that awaits in the middle.

All tasks run in one thread and a task is only ever suspended at an ``await``, so a
read-modify-write with no await inside is already atomic: asyncio needs no lock for
``counter.value += 1`` (try ``--no-lock --no-pause``: nothing is lost). The lock earns
its place when the critical section awaits, here the pause between read and write
(in real code a database or network call): without it every task reads the same value
during the pause, and all but one update are lost. ``async with lock`` holds it across
the await. Like threading.Lock, an asyncio.Lock may be released by any task.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

from threeways import Recorder

from . import Counter, Params, worker_names


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
    lock: AbstractAsyncContextManager[Any],
    go: asyncio.Event,
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
    lock = asyncio.Lock() if p.lock else nullcontext()  # --no-lock: the race, on show
    go = asyncio.Event()
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the workers
        for name in worker_names(p.workers):
            tg.create_task(_worker(trace, name, counter, lock, go, p))
        go.set()  # all at once, so that they really compete
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
    # leaving the TaskGroup waits for every task
    # step: read the final count
    trace.record("main", "counts", counter.value)


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

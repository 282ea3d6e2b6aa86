"""manager with asyncio: a plain dict and list shared by worker tasks in one thread; no lock.

Tasks run in one thread and switch only where they ``await``, so plain objects are shared
without a manager and without copies. Even ``shared["total"] += 1``, a read, an addition
and a write, needs no lock: there is no ``await`` between the read and the write, so no
other task can run there. (Put an ``await`` in the middle and the increment can be lost,
as with threads: then an ``asyncio.Lock`` is needed.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from threeways import Recorder

from . import TOTAL, Params, entry, worker_names


async def _worker(
    trace: Recorder, name: str, shared: dict[str, Any], log: list[str], p: Params
) -> None:
    # step: start our own list in the dict
    shared[name] = []
    trace.record(name, "starts its list")
    for item in range(1, p.items + 1):
        # step: work a tick
        await asyncio.sleep(p.tick)
        # step: append to the shared list
        log.append(entry(name, item))
        # step: add to our own list in the dict
        shared[name].append(item)
        # step: add one to the total
        shared[TOTAL] += 1  # no await between read and write: no other task runs here
        trace.record(name, "writes", item)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the shared dict and list
    shared: dict[str, Any] = {TOTAL: 0}
    log: list[str] = []
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the workers
        for name in worker_names(p.workers):
            tg.create_task(_worker(trace, name, shared, log, p))
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
    # leaving the TaskGroup waited for every task
    # step: read the results
    trace.record("main", "reads the dict", dict(shared))
    trace.record("main", "reads the list", list(log))


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

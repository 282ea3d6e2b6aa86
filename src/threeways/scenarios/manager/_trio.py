"""manager with trio: a plain dict and list shared by worker tasks in one thread; no lock.

As in asyncio, tasks share plain objects in one thread and switch only at a checkpoint
(an ``await`` of trio's). ``shared["total"] += 1`` has none between its read and its
write, so no other task can run there and no lock is needed; a ``trio.Lock`` would be,
if the update awaited in the middle. The nursery is the task group: it waits for every
worker before ``_main`` reads the results.
"""

from __future__ import annotations

from typing import Any

import trio

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
        await trio.sleep(p.tick)
        # step: append to the shared list
        log.append(entry(name, item))
        # step: add to our own list in the dict
        shared[name].append(item)
        # step: add one to the total
        shared[TOTAL] += 1  # no checkpoint between read and write: no other task runs here
        trace.record(name, "writes", item)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the shared dict and list
    shared: dict[str, Any] = {TOTAL: 0}
    log: list[str] = []
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, shared, log, p)
            # step: wait for everyone to finish
            trace.record("main", "waits for the workers")
        # leaving the nursery waited for every task
    # step: read the results
    trace.record("main", "reads the dict", dict(shared))
    trace.record("main", "reads the list", list(log))


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

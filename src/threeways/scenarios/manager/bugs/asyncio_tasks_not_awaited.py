"""Creates the worker tasks but never awaits them: main reads the results before any write.

``asyncio.create_task`` only schedules a coroutine: it starts at main's next ``await``,
and nothing here waits for it to end (no ``TaskGroup``, no ``await`` of the tasks). Main
reads the dict and the list at once, while the workers have not even started; then
``asyncio.run`` returns and cancels the tasks still pending. Keeping the tasks in a list
holds them (the loop holds them only weakly) but waits for nothing. The checker sees a
dict with a total of 0 and no worker's list, and an empty shared list.
"""

from __future__ import annotations

import asyncio
from typing import Any

from threeways import Recorder
from threeways.scenarios.manager import TOTAL, Params, entry, worker_names


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
    # step: start the workers
    workers = [
        asyncio.create_task(_worker(trace, n, shared, log, p)) for n in worker_names(p.workers)
    ]
    # step: wait for everyone to finish
    trace.record("main", "waits for the workers", len(workers))  # the bug: nothing awaits them
    # step: read the results
    trace.record("main", "reads the dict", dict(shared))
    trace.record("main", "reads the list", list(log))


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

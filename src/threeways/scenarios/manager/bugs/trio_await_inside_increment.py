"""Works its tick between reading the total and writing it back: increments are lost.

``shared["total"] += 1`` is safe in trio only because no checkpoint comes between its
read and its write. Here the worker reads the total, then awaits its tick of work, then
writes back what it read plus one: while it sleeps, every other worker reads the same
total, and all of them write the same value. Each round of writes counts one item
instead of one per worker. The checker sees a total smaller than the items written (a
lost update). Keep the read and the write together, or hold a ``trio.Lock`` across the
``await``.
"""

from __future__ import annotations

from typing import Any

import trio

from threeways import Recorder
from threeways.scenarios.manager import TOTAL, Params, entry, worker_names


async def _worker(
    trace: Recorder, name: str, shared: dict[str, Any], log: list[str], p: Params
) -> None:
    # step: start our own list in the dict
    shared[name] = []
    trace.record(name, "starts its list")
    for item in range(1, p.items + 1):
        total = shared[TOTAL]  # read the total first, to add one once the work is done
        # step: work a tick
        await trio.sleep(p.tick)  # the bug: a checkpoint between the read and the write
        # step: append to the shared list
        log.append(entry(name, item))
        # step: add to our own list in the dict
        shared[name].append(item)
        # step: add one to the total
        shared[TOTAL] = total + 1  # what this worker read a tick ago, plus one
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

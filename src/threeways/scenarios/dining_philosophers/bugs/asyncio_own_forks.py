"""Every philosopher lays its own forks: a lock that nobody else sees excludes nobody.

The forks are made inside ``_philosopher``, so each task has a list of asyncio.Locks of
its own: taking "fork 2" takes a lock that the neighbour, with its own "fork 2", never
waits for. A lock protects something only when everyone who shares the thing shares the
lock. All philosophers think for the same tick, wake together and eat at once: the
checker sees a fork taken while a neighbour holds it, and neighbours eating together.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from threeways import Recorder
from threeways.scenarios.dining_philosophers import (
    EAT_TICKS,
    THINK_TICKS,
    Params,
    fork_name,
    own_forks,
    philosopher_names,
)


@asynccontextmanager
async def _holding(
    trace: Recorder, name: str, forks: list[asyncio.Lock], i: int
) -> AsyncIterator[None]:
    # step: wait for the fork, then hold it
    trace.record(name, "waits for", fork_name(i))
    async with forks[i]:
        trace.record(name, "takes", fork_name(i))
        yield
        trace.record(name, "releases", fork_name(i))  # before it is free: no two holders seen


async def _philosopher(
    trace: Recorder, name: str, seat: int, table: asyncio.Barrier, p: Params
) -> None:
    forks = [asyncio.Lock() for _ in range(p.philosophers)]  # the bug: a table of its own
    left, right = own_forks(seat, p.philosophers)
    # step: choose the order: the lower-numbered fork first (--naive: the left one)
    first, second = (left, right) if p.naive else sorted((left, right))
    for meal in range(1, p.meals + 1):
        # step: think
        trace.record(name, "thinks")
        await asyncio.sleep(THINK_TICKS * p.tick)
        # step: take the first fork
        async with _holding(trace, name, forks, first):
            # step: --naive: wait until everyone holds a fork
            if p.naive:
                trace.record(name, "pauses", "until everyone holds a fork")
                await table.wait()
            # step: take the second fork, and eat
            async with _holding(trace, name, forks, second):
                trace.record(name, "eats", meal)
                await asyncio.sleep(EAT_TICKS * p.tick)
    # step: leave the table
    trace.record(name, "is full")


async def _main(trace: Recorder, p: Params) -> None:
    # step: lay the table
    table = asyncio.Barrier(p.philosophers)
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: seat the philosophers
        for seat, name in enumerate(philosopher_names(p.philosophers)):
            tg.create_task(_philosopher(trace, name, seat, table, p))
        # step: wait until everyone is full
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

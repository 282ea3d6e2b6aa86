"""dining_philosophers with trio: a trio.Lock per fork, every wait under one cancel scope.

Each philosopher is a task in a nursery; each fork a ``trio.Lock``, taken with ``async
with`` (``_holding`` adds the records around it), and ``trio.fail_after`` bounds the
whole run: when it fires, every task is cancelled and puts its forks down on the way out.
trio has no Barrier (trio issue #1434), so the naive table is a count and a
``trio.Event``, set by the last to sit down. A released trio.Lock goes to the task that
has waited longest, so forks are handed over in turn (``trio.StrictFIFOLock`` makes that
a promise). And it has an owner: a task that takes a fork it already holds gets
RuntimeError at once, where threading's and asyncio's lock wait for ever.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from threeways import Recorder

from . import EAT_TICKS, THINK_TICKS, Params, fork_name, own_forks, philosopher_names


# own step: a barrier, which trio does not have
class _Table:
    def __init__(self, seats: int) -> None:
        self.empty_hands = seats
        self.everyone_holds_one = trio.Event()

    async def wait(self) -> None:
        self.empty_hands -= 1  # no checkpoint between the count and the set
        if self.empty_hands == 0:
            self.everyone_holds_one.set()
        await self.everyone_holds_one.wait()


@asynccontextmanager
async def _holding(
    trace: Recorder, name: str, forks: list[trio.Lock], i: int
) -> AsyncIterator[None]:
    # step: wait for the fork, then hold it
    trace.record(name, "waits for", fork_name(i))
    async with forks[i]:
        trace.record(name, "takes", fork_name(i))
        yield
        trace.record(name, "releases", fork_name(i))  # before it is free: no two holders seen


async def _philosopher(
    trace: Recorder, name: str, seat: int, forks: list[trio.Lock], table: _Table, p: Params
) -> None:
    left, right = own_forks(seat, p.philosophers)
    # step: choose the order: the lower-numbered fork first (--naive: the left one)
    first, second = (left, right) if p.naive else sorted((left, right))
    for meal in range(1, p.meals + 1):
        # step: think
        trace.record(name, "thinks")
        await trio.sleep(THINK_TICKS * p.tick)
        # step: take the first fork
        async with _holding(trace, name, forks, first):
            # step: --naive: wait until everyone holds a fork
            if p.naive:
                trace.record(name, "pauses", "until everyone holds a fork")
                await table.wait()
            # step: take the second fork, and eat
            async with _holding(trace, name, forks, second):
                trace.record(name, "eats", meal)
                await trio.sleep(EAT_TICKS * p.tick)
    # step: leave the table
    trace.record(name, "is full")


async def _main(trace: Recorder, p: Params) -> None:
    # step: lay the table
    forks = [trio.Lock() for _ in range(p.philosophers)]
    table = _Table(p.philosophers)
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: seat the philosophers
            for seat, name in enumerate(philosopher_names(p.philosophers)):
                nursery.start_soon(_philosopher, trace, name, seat, forks, table, p)
            # step: wait until everyone is full
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

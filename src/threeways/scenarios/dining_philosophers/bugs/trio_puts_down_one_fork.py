"""Puts down only the first fork after a meal: the second stays in hand.

The forks are taken and put down by hand, with ``acquire`` and ``release``, instead of
``async with``, and after eating only the first fork goes back on the table. Either the
philosopher reaches for that fork again at its next meal, and trio.Lock, which has an
owner, raises RuntimeError ("attempt to re-acquire an already held Lock") at once, where
a threading.Lock would wait for itself; or the forks kept in hand close a circle first:
each philosopher holds the fork the next one waits for. The checker sees the run fail
with that RuntimeError, or reports the deadlock: who holds which fork and waits for which.
"""

from __future__ import annotations

import trio

from threeways import Recorder
from threeways.scenarios.dining_philosophers import (
    EAT_TICKS,
    THINK_TICKS,
    Params,
    fork_name,
    own_forks,
    philosopher_names,
)


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


async def _take(trace: Recorder, name: str, forks: list[trio.Lock], i: int) -> None:
    # step: wait for the fork, then hold it
    trace.record(name, "waits for", fork_name(i))
    await forks[i].acquire()
    trace.record(name, "takes", fork_name(i))


def _put_down(trace: Recorder, name: str, forks: list[trio.Lock], i: int) -> None:
    trace.record(name, "releases", fork_name(i))
    forks[i].release()


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
        await _take(trace, name, forks, first)
        # step: --naive: wait until everyone holds a fork
        if p.naive:
            trace.record(name, "pauses", "until everyone holds a fork")
            await table.wait()
        # step: take the second fork, and eat
        await _take(trace, name, forks, second)
        trace.record(name, "eats", meal)
        await trio.sleep(EAT_TICKS * p.tick)
        _put_down(trace, name, forks, first)  # the bug: the second fork is never put down
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

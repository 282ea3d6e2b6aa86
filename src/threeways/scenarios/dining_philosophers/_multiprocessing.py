"""dining_philosophers with processes: a multiprocessing Lock per fork, shared by its two users.

The threads' program, with every philosopher a process: the forks are ``ctx.Lock()``s
(semaphores of the operating system) and the naive table a ``ctx.Barrier``, all from the
run's context (its start method, never the platform's default), reaching each child as
arguments; ``_philosopher`` is top-level, as spawn needs. Like threading's, the Lock's
``acquire(timeout=)`` returns False when the time is up, and it promises no order among
the processes that wait for it. A process blocked on a fork can be terminated: after a
failure, the parent stops what is left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, THINK_TICKS, Params, fork_name, own_forks, philosopher_names

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier, Lock


@contextmanager
def _holding(trace: Recorder, name: str, forks: list[Lock], i: int, p: Params) -> Iterator[None]:
    # step: wait for the fork, then hold it
    trace.record(name, "waits for", fork_name(i))
    if not forks[i].acquire(timeout=p.timeout):  # False, not an exception, when time is up
        raise TimeoutError(f"{name} waited {p.timeout:g}s for {fork_name(i)}")
    try:
        trace.record(name, "takes", fork_name(i))
        yield
        trace.record(name, "releases", fork_name(i))  # before it is free: no two holders seen
    finally:
        forks[i].release()


def _philosopher(
    trace: Recorder, name: str, seat: int, forks: list[Lock], table: Barrier, p: Params
) -> None:
    left, right = own_forks(seat, p.philosophers)
    # step: choose the order: the lower-numbered fork first (--naive: the left one)
    first, second = (left, right) if p.naive else sorted((left, right))
    for meal in range(1, p.meals + 1):
        # step: think
        trace.record(name, "thinks")
        time.sleep(THINK_TICKS * p.tick)
        # step: take the first fork
        with _holding(trace, name, forks, first, p):
            # step: --naive: wait until everyone holds a fork
            if p.naive:
                trace.record(name, "pauses", "until everyone holds a fork")
                table.wait(p.timeout)  # BrokenBarrierError if time is up
            # step: take the second fork, and eat
            with _holding(trace, name, forks, second, p):
                trace.record(name, "eats", meal)
                time.sleep(EAT_TICKS * p.tick)
    # step: leave the table
    trace.record(name, "is full")


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: lay the table
    forks = [ctx.Lock() for _ in range(p.philosophers)]
    table = ctx.Barrier(p.philosophers)
    with trace.child_sink() as sink:
        # step: seat the philosophers
        philosophers = [
            ctx.Process(target=_philosopher, args=(sink, name, seat, forks, table, p), name=name)
            for seat, name in enumerate(philosopher_names(p.philosophers))
        ]
        for philosopher in philosophers:
            philosopher.start()
        # step: wait until everyone is full
        join_all(philosophers, p.timeout)

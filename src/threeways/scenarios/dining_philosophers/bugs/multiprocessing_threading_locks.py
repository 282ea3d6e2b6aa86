"""Makes the forks threading.Locks: each process gets copies, or none at all.

A threading.Lock lives in one process's memory. Under the fork start method every child
gets a copy of each fork, and taking its copy keeps no other process from taking theirs:
neighbours eat at once. Under spawn and forkserver the locks must be pickled to reach the
children, and a threading.Lock cannot be: starting the first philosopher raises
TypeError. Only ``ctx.Lock()`` (a semaphore of the operating system) is shared between
processes. The checker sees forks taken while a neighbour holds them, or the TypeError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.dining_philosophers import (
    EAT_TICKS,
    THINK_TICKS,
    Params,
    fork_name,
    own_forks,
    philosopher_names,
)

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier


@contextmanager
def _holding(
    trace: Recorder, name: str, forks: list[threading.Lock], i: int, p: Params
) -> Iterator[None]:
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
    trace: Recorder, name: str, seat: int, forks: list[threading.Lock], table: Barrier, p: Params
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
    forks = [threading.Lock() for _ in range(p.philosophers)]  # the bug: not ctx.Lock()
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

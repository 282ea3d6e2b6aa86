"""dining_philosophers with threads: a threading.Lock per fork, taken with a timeout.

Each philosopher is a thread; each fork a ``threading.Lock``. ``with lock:`` cannot give
up waiting, so a fork is taken with ``acquire(timeout=)``, which returns False when the
time is up instead of raising: the code must look, and raise itself. ``_holding`` pairs
that acquire with a release in ``finally``, as ``with`` would. Taking the lower-numbered
fork first rules out the circle of waits; ``--naive`` takes the left one first and waits
at a ``threading.Barrier`` until every philosopher holds one, so the circle closes every
time. A threading.Lock promises no order among its waiters: a philosopher who puts a fork
down may take it again before a neighbour who waited (trio and asyncio hand it over in
turn). A thread blocked in ``acquire`` cannot be cancelled: it ends at its timeout.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, THINK_TICKS, Params, fork_name, own_forks, philosopher_names


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
    trace: Recorder,
    name: str,
    seat: int,
    forks: list[threading.Lock],
    table: threading.Barrier,
    p: Params,
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
    # step: lay the table
    forks = [threading.Lock() for _ in range(p.philosophers)]
    table = threading.Barrier(p.philosophers)
    # step: seat the philosophers
    philosophers = [
        threading.Thread(target=_philosopher, args=(trace, name, seat, forks, table, p), name=name)
        for seat, name in enumerate(philosopher_names(p.philosophers))
    ]
    for philosopher in philosophers:
        philosopher.start()
    # step: wait until everyone is full
    join_all(philosophers, p.timeout)

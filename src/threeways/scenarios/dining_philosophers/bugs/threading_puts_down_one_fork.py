"""Puts down only the first fork after a meal: the second stays in hand.

The forks are taken and put down by hand, with ``acquire`` and ``release``, and after
eating only the first fork goes back on the table. At the next meal the philosopher
reaches for the fork it still holds: a threading.Lock has no owner and is not
re-entrant, so it waits for itself (trio would raise at once). Or the forks kept in hand
close a circle before that: each philosopher holds the fork the next one waits for.
Either way nobody eats again: the checker reports the deadlock, who holds which fork and
waits for which, or the run stuck until its timeout, everyone waiting for a fork.
"""

from __future__ import annotations

import threading
import time

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


def _take(trace: Recorder, name: str, forks: list[threading.Lock], i: int, p: Params) -> None:
    # step: wait for the fork, then hold it
    trace.record(name, "waits for", fork_name(i))
    if not forks[i].acquire(timeout=p.timeout):  # False, not an exception, when time is up
        raise TimeoutError(f"{name} waited {p.timeout:g}s for {fork_name(i)}")
    trace.record(name, "takes", fork_name(i))


def _put_down(trace: Recorder, name: str, forks: list[threading.Lock], i: int) -> None:
    trace.record(name, "releases", fork_name(i))
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
        _take(trace, name, forks, first, p)
        # step: --naive: wait until everyone holds a fork
        if p.naive:
            trace.record(name, "pauses", "until everyone holds a fork")
            table.wait(p.timeout)
        # step: take the second fork, and eat
        _take(trace, name, forks, second, p)
        trace.record(name, "eats", meal)
        time.sleep(EAT_TICKS * p.tick)
        _put_down(trace, name, forks, first)  # the bug: the second fork is never put down
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

"""rlock: the invariants catch a second clerk inside and a depth that does not return to
zero; the facts the lesson rests on hold: a plain Lock cannot be re-entered, an RLock can."""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("rlock")


def test_invariants_catch_intruder_and_unbalanced_depth() -> None:
    # another clerk entering while one is inside, a wrong depth and a depth left over are reported
    events = [
        Event(0.0, "Mia", "enters transfer", 1),
        Event(0.1, "Leo", "enters audit", 2),
        Event(0.2, "Leo", "leaves audit", 2),
        Event(0.3, "Mia", "enters withdraw", 3),
    ]
    assert list(SC.invariants(events, SC.params())) == [
        "Leo entered audit at t=0.1000s while Mia was inside",
        "Mia enters withdraw at depth 3, counted 2",
        "the depth ended at 2, not zero",
    ]


def test_balanced_run_has_no_violation() -> None:
    # a transfer that goes two levels deep and comes back is fine
    events = [
        Event(0.0, "Mia", "enters transfer", 1),
        Event(0.1, "Mia", "enters withdraw", 2),
        Event(0.2, "Mia", "leaves withdraw", 2),
        Event(0.3, "Mia", "leaves transfer", 1),
    ]
    assert list(SC.invariants(events, SC.params())) == []


def test_no_transfers_at_all(model: str) -> None:
    # clerks with nothing to do leave the books as they opened, and nothing was locked
    result = threeways.run("rlock", model, transfers=0, **FAST)
    assert result.ok, (result.observable, result.violations)
    assert result.observable["deepest"] == 0


def test_many_clerks(model: str) -> None:
    # more clerks than names, all paid, and every audit sees the whole vault
    result = threeways.run("rlock", model, clerks=9, transfers=2, **FAST)
    assert result.ok, (result.observable, result.violations)


def test_timeline_holds_through_the_nested_levels(model: str) -> None:
    # a clerk holds the lock for a whole transfer, after leaving withdraw too, and two
    # clerks never hold it at once
    result = threeways.run("rlock", model, **FAST)
    spans = SC.timeline(result.events, SC.params(**result.params))
    held = sorted((s for s in spans if s.state == "holding"), key=lambda s: s.start)
    assert all(a.end <= b.start for a, b in itertools.pairwise(held)), held
    for name in ("Mia", "Leo"):
        own = [e for e in result.events if e.actor == name]
        enters = [e.t for e in own if e.action == "enters transfer"]
        leaves = [e.t for e in own if e.action == "leaves transfer"]
        assert len(enters) == len(leaves) == 3
        gaps = [s for s in spans if s.actor == name and s.state != "holding"]
        assert not [
            s for s in gaps for a, b in zip(enters, leaves, strict=True) if a <= s.start < b
        ]


def test_threading_lock_is_not_reentrant_but_rlock_is() -> None:
    # the thread that holds a Lock cannot take it again; an RLock it can, and counts
    lock, rlock = threading.Lock(), threading.RLock()
    with lock:
        assert not lock.acquire(timeout=0.01)
    with rlock:
        assert rlock.acquire(timeout=0.01)
        rlock.release()


def test_asyncio_lock_taken_twice_waits_for_ever() -> None:
    # asyncio has no RLock: a task re-acquiring its own Lock would hang (here: times out)
    async def main() -> None:
        lock = asyncio.Lock()
        async with lock:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.01):
                    await lock.acquire()

    asyncio.run(main())


def test_trio_lock_taken_twice_raises() -> None:
    # trio has no RLock: a task re-acquiring its own Lock gets RuntimeError at once
    async def main() -> None:
        lock = trio.Lock()
        async with lock:
            with pytest.raises(RuntimeError, match="re-acquire"):
                await lock.acquire()

    trio.run(main)

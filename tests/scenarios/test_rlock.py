"""rlock: the invariants catch a second clerk inside and a depth that does not return to
zero; the facts the lesson rests on hold: a plain Lock cannot be re-entered, an RLock can."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
import itertools
import threading

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("rlock")


def test_invariants_catch_intruder_and_unbalanced_depth() -> None:
    # another clerk entering while one is inside, a leave with no enter, and a clerk left
    # inside at the end are reported
    events = [
        Event(0.0, "Mia", "enters transfer"),
        Event(0.1, "Leo", "enters audit"),
        Event(0.2, "Leo", "leaves audit"),
        Event(0.3, "Leo", "leaves audit"),
        Event(0.4, "Mia", "enters withdraw"),
    ]
    assert list(SC.invariants(events, SC.params())) == [
        "Leo entered audit at t=0.1000s while Mia was inside",
        "Leo left audit at t=0.3000s without having entered it",
        "Mia was still inside at the end, at depth 2",
    ]


def test_balanced_run_has_no_violation() -> None:
    # a transfer that goes two levels deep and comes back is fine, and its depth is read
    # from the nesting of the events
    events = [
        Event(0.0, "Mia", "enters transfer"),
        Event(0.1, "Mia", "enters withdraw"),
        Event(0.2, "Mia", "leaves withdraw"),
        Event(0.3, "Mia", "leaves transfer"),
    ]
    assert list(SC.invariants(events, SC.params())) == []
    assert SC.observe(events, SC.params())["deepest"] == 2


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


def test_the_second_acquire_is_in_withdraw_and_deposit_themselves(model: str) -> None:
    # reading the code: with an RLock, withdraw and deposit take the lock on their own
    # line; without one, only transfer and audit do, and the helpers never lock
    source = inspect.getsource(importlib.import_module(f"threeways.scenarios.rlock._{model}"))
    tree = ast.parse(source)
    bank = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "_Bank")
    locking = {
        f.name
        for f in bank.body
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(
            isinstance(w, ast.With | ast.AsyncWith)
            and any(ast.unparse(i.context_expr) == "self._lock" for i in w.items)
            for w in ast.walk(f)
        )
    }
    if model in ("threading", "multiprocessing"):
        assert locking == {"transfer", "withdraw", "deposit", "audit", "balances"}
    else:
        assert locking == {"transfer", "audit"}


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

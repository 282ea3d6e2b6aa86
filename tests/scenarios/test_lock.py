"""lock: invariants catch overlap and lost updates; without the lock updates are lost
exactly where each model allows it; trio's Lock has an owner, threading's has none."""

from __future__ import annotations

import itertools
import multiprocessing
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("lock")


@pytest.fixture
def amplified() -> Iterator[None]:
    """Threads switch as often as the interpreter allows, whatever pytest was told."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def test_invariants_catch_overlap_and_lost_update() -> None:
    # two workers between read and write, and a write that does not build on the last, are reported
    events = [
        Event(0.0, "Ann", "reads", 0),
        Event(0.1, "Bob", "reads", 0),
        Event(0.2, "Ann", "writes", 1),
        Event(0.3, "Bob", "writes", 1),
        Event(0.4, "main", "counts", 1),
    ]
    p = SC.params(workers=2, increments=1)
    assert list(SC.invariants(events, p)) == [
        "two workers inside at once: Bob read at t=0.1000s while Ann was inside",
        "lost update: Bob wrote 1 at t=0.3000s over 1",
    ]
    assert SC.measure(events, p) == {"lost updates": 1, "most inside at once": 2}


def test_many_violations_are_counted_not_listed() -> None:
    # a long race reports a few lines per kind and how many more there were
    events = [Event(float(i), "Ann", "writes", 1) for i in range(10)]
    lines = list(SC.invariants(events, SC.params()))
    assert len(lines) == 4 and lines[-1] == "lost update: 6 more"


def test_no_increments_at_all(model: str) -> None:
    # workers with nothing to do leave the counter at zero
    result = threeways.run("lock", model, increments=0, **FAST)
    assert result.ok, (result.observable, result.violations)


def test_timeline_shows_one_holder_at_a_time(model: str) -> None:
    # the timeline's "holding" bars (read to write, under the lock) never overlap, one per
    # increment, and every lane opens waiting: each worker records "starts" before its reads
    result = threeways.run("lock", model, **FAST)
    spans = SC.timeline(result.events, SC.params(**result.params))
    held = sorted((s for s in spans if s.state == "holding"), key=lambda s: s.start)
    assert len(held) == 3 * 5
    assert all(a.end <= b.start for a, b in itertools.pairwise(held)), held
    first = {s.actor: s.state for s in sorted(spans, key=lambda s: -s.start)}
    assert first == dict.fromkeys(["main", "Ann", "Bob", "Cat"], "waiting")
    [main] = [s for s in spans if s.actor == "main"]  # from "waits for the workers" to the count
    assert main.end >= max(s.end for s in held)


@pytest.mark.usefixtures("amplified")
def test_threads_without_the_lock_lose_updates() -> None:
    # the race is real: with a yield point between read and write, unlocked threads lose updates
    for _ in range(3):
        result = threeways.run("lock", "threading", workers=4, increments=20, lock=False, tick=0.0)
        assert result.measurements["lost updates"] > 0
        assert not result.ok and result.violations


@pytest.mark.parametrize("model", ["asyncio", "trio"])
def test_tasks_without_the_lock_lose_updates_only_when_they_await(model: str) -> None:
    # no await between read and write: atomic without a lock; an await there: updates lost
    tight = threeways.run("lock", model, lock=False, pause=False, **FAST)
    assert tight.ok, (tight.observable, tight.violations)
    awaiting = threeways.run("lock", model, lock=False, pause=True, **FAST)
    assert awaiting.measurements["lost updates"] > 0 and not awaiting.ok


def test_processes_without_the_lock_still_finish(start_method: str) -> None:
    # the unlocked demonstration runs to its end under every start method (losses vary)
    result = threeways.run("lock", "multiprocessing", start_method=start_method, lock=False, **FAST)
    assert result.observable["writes"] == SC.expected(SC.params())["writes"]


def test_trio_lock_is_owned_by_its_task() -> None:
    # only the task that acquired a trio.Lock may release it, and it cannot take it twice
    async def main() -> list[str]:
        lock, errors = trio.Lock(), []
        await lock.acquire()
        with pytest.raises(RuntimeError) as again:
            await lock.acquire()
        errors.append(str(again.value))

        async def other() -> None:
            with pytest.raises(RuntimeError) as foreign:
                lock.release()
            errors.append(str(foreign.value))

        async with trio.open_nursery() as nursery:
            nursery.start_soon(other)
        lock.release()
        return errors

    assert len(trio.run(main)) == 2


def test_threading_lock_has_no_owner() -> None:
    # any thread may release a threading.Lock that another thread acquired
    lock = threading.Lock()
    lock.acquire()
    releaser = threading.Thread(target=lock.release)
    releaser.start()
    releaser.join(5)
    assert not lock.locked()


def _add_to_synchronized(value: Any, ready: Any, times: int) -> None:
    ready.wait(30)
    for _ in range(times):
        value.value += 1  # a lock around the read, another around the write


def test_a_synchronized_value_still_loses_updates() -> None:
    # why the lesson holds a lock around read and write: ctx.Value's own lock covers each
    # separately, so += from several processes at once loses updates
    ctx = multiprocessing.get_context("spawn")
    value, ready = ctx.Value("q", 0), ctx.Barrier(3)
    workers = [ctx.Process(target=_add_to_synchronized, args=(value, ready, 50_000)) for _ in "abc"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert value.value < 150_000

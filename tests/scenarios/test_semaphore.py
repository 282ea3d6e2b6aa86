"""semaphore: invariants catch a crowd above the limit; the peak is the limit by design;
one release too many is refused in every model, with each model's own error."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST, fast_run

SC = threeways.get_scenario("semaphore")


def test_invariants_catch_too_many_inside() -> None:
    # a third worker inside with a limit of two is reported, with the time
    events = [
        Event(0.0, "worker 1", "goes in", 1),
        Event(0.1, "worker 2", "goes in", 2),
        Event(0.2, "worker 3", "goes in", 3),
    ]
    assert list(SC.invariants(events, SC.params(limit=2))) == [
        "3 inside at t=0.200s, above the limit of 2"
    ]


def test_invariants_catch_bad_bookkeeping() -> None:
    # coming out without going in, a count that disagrees with the events, and an extra
    # release while someone is still inside are all reported
    events = [
        Event(0.0, "worker 1", "goes in", 2),
        Event(0.1, "main", "extra release refused", "ValueError: ..."),
        Event(0.2, "worker 2", "comes out", 0),
    ]
    assert list(SC.invariants(events, SC.params())) == [
        "worker 1 saw 2 inside at t=0.000s, events say 1",
        "the extra release came while 1 were still inside",
        "worker 2 came out without going in",
        "worker 2 saw 0 inside at t=0.200s, events say 1",
    ]


def test_an_accepted_extra_release_is_not_the_expected_observable() -> None:
    # a run whose extra release went through (a plain Semaphore) does not pass as bounded
    events = [
        Event(0.0, "worker 1", "goes in", 1),
        Event(0.1, "worker 1", "comes out", 0),
        Event(0.2, "main", "extra release accepted", "Semaphore"),
    ]
    observable = SC.observe(events, SC.params(workers=1))
    assert observable["extra release"] == "accepted"
    assert observable != SC.expected(SC.params(workers=1))
    assert observable == SC.expected(SC.params(workers=1, bounded=False))


def test_a_plain_semaphore_takes_the_extra_release(model: str) -> None:
    # --no-bounded: every model's plain semaphore takes one release too many silently
    result = threeways.run("semaphore", model, workers=3, limit=2, bounded=False, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["extra release"] == "accepted"
    assert not [e for e in result.events if e.action == "extra release refused"]


def test_the_rest_wait_outside_until_someone_comes_out(model: str) -> None:
    # with more workers than slots, exactly `limit` go in before the first one comes out:
    # the semaphore keeps the others out, the full room lets nobody out sooner
    result = threeways.run("semaphore", model, workers=7, limit=3, **FAST)
    assert result.ok, (result.violations, result.observable)
    actions = [e.action for e in result.events]
    assert actions[: actions.index("comes out")].count("goes in") == 3


def test_the_phases_are_marked_and_main_waits(model: str) -> None:
    # the timeline names the full room and the slots freeing up; main waits for the workers
    result = fast_run("semaphore", model)
    p = SC.params(**result.params)
    labels = [m.label for m in SC.marks(result.events, p)]
    assert labels == [
        "the workers ask for a slot",
        "full: 5 inside, the rest wait",
        "slots free up: the rest go in",
        "one release too many",
    ]
    main = [s.state for s in SC.timeline(result.events, p) if s.actor == "main"]
    assert main == ["waiting"]


def test_plain_semaphores_grow_by_one_release_too_many() -> None:
    # the fact --no-bounded shows: after one release too many a plain semaphore lets
    # limit + 1 in (threading, multiprocessing, asyncio, trio), a bounded one refuses it
    import asyncio
    import multiprocessing
    import threading

    def free(acquire: Callable[[bool], bool]) -> int:
        n = 0
        while acquire(False):  # without waiting: False once no slot is free
            n += 1
        return n

    plain = threading.Semaphore(2)
    plain.release()
    assert free(plain.acquire) == 3
    ctx = multiprocessing.get_context("spawn")
    mp_plain = ctx.Semaphore(2)
    mp_plain.release()
    assert free(mp_plain.acquire) == 3
    with pytest.raises(ValueError):
        ctx.BoundedSemaphore(2).release()

    async def asyncio_free() -> int:
        sem = asyncio.Semaphore(2)
        sem.release()
        n = 0
        while not sem.locked():
            await sem.acquire()
            n += 1
        return n

    assert asyncio.run(asyncio_free()) == 3
    with pytest.raises(ValueError):
        asyncio.BoundedSemaphore(2).release()
    trio_plain = trio.Semaphore(2)
    trio_plain.release()
    assert trio_plain.value == 3


@pytest.mark.parametrize(("workers", "limit"), [(12, 3), (3, 5), (4, 1)])
def test_peak_is_the_limit_even_with_no_work_at_all(model: str, workers: int, limit: int) -> None:
    # with tick=0 a worker would finish before the next starts, yet the room fills to the
    # limit (or to everyone, when the workers are fewer): the design guarantees the peak
    result = threeways.run("semaphore", model, workers=workers, limit=limit, tick=0.0)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["peak"] == min(workers, limit)


def test_extra_release_raises_the_models_own_error(model: str) -> None:
    # BoundedSemaphore raises ValueError; trio's CapacityLimiter raises RuntimeError for
    # a release by a task that borrowed nothing
    result = threeways.run("semaphore", model, workers=2, limit=1, **FAST)
    [refused] = [e for e in result.events if e.action == "extra release refused"]
    error = "RuntimeError" if model == "trio" else "ValueError"
    assert refused.detail.startswith(f"{error}: "), refused.detail


def test_trio_facts_the_lesson_states() -> None:
    # trio's bounded Semaphore raises ValueError like the others; a CapacityLimiter refuses
    # a second borrow by the same task with RuntimeError, where a semaphore gives a second slot
    async def check() -> None:
        bounded = trio.Semaphore(1, max_value=1)
        with pytest.raises(ValueError):
            bounded.release()
        limiter, semaphore = trio.CapacityLimiter(2), trio.Semaphore(2)
        async with limiter:
            with pytest.raises(RuntimeError):
                await limiter.acquire()
        async with semaphore:
            await semaphore.acquire()
            assert semaphore.value == 0
            semaphore.release()

    trio.run(check)

"""semaphore: invariants catch a crowd above the limit; the peak is the limit by design;
one release too many is refused in every model, with each model's own error."""

from __future__ import annotations

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST

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
    # a run whose extra release went through (a plain Semaphore) does not pass
    events = [Event(0.0, "worker 1", "goes in", 1), Event(0.1, "worker 1", "comes out", 0)]
    observable = SC.observe(events, SC.params(workers=1))
    assert observable["extra release"] == "accepted"
    assert observable != SC.expected(SC.params(workers=1))


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

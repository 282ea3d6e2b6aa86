"""cancellation: its invariants catch an early stop, a worker that stops by itself and a lost or
doubled give-back; every model stops its workers midway and gives everything back; what
--no-shield and --terminate break, and the facts the lesson teaches about each model."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import trio

import threeways
from threeways import Event
from threeways._trace import Trace
from threeways.scenarios.cancellation import _asyncio

from ..conftest import FAST, times_out

SC = threeways.get_scenario("cancellation")


def _good_run(workers: int = 2, connections: int = 2, steps: int = 1) -> list[Event]:
    names = ["Ada", "Ben", "Cleo"][:workers]
    events = [Event(0.0, "main", "opens the pool", workers * connections)]
    for name in names:
        events += [Event(0.1, name, "acquires connection", k) for k in range(1, connections + 1)]
        events += [Event(0.2, name, "does step", s) for s in range(1, steps + 1)]
        events += [Event(0.3, name, "is midway", steps)]
    events += [Event(0.4, "main", "stops the group", "how")]
    for name in names:
        events += [Event(0.5, name, "is stopped"), Event(0.5, name, "cleans up", connections)]
        events += [Event(0.6, name, "gives back connection", k) for k in range(1, connections + 1)]
    return [*events, Event(0.7, "main", "counts the pool", workers * connections)]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(events, SC.params(**{"workers": 2, "steps": 1, **params})))


def _without(events: list[Event], actor: str, action: str, detail: Any = None) -> list[Event]:
    """``events`` without the first one ``actor`` did ``action`` (with ``detail``, if given)."""
    i = next(
        i
        for i, e in enumerate(events)
        if (e.actor, e.action) == (actor, action) and detail in (None, e.detail)
    )
    return events[:i] + events[i + 1 :]


def test_a_good_run_violates_nothing_and_is_the_expected_observable() -> None:
    # the synthetic run below is a correct one: the violations in the next tests are real
    p = SC.params(workers=2, steps=1)
    assert _violations(_good_run()) == []
    assert SC.observe(_good_run(), p) == SC.expected(p)


def test_invariant_catches_a_stop_before_every_worker_is_midway() -> None:
    # a stop that does not wait for every worker to be midway is a stop by luck
    events = _good_run()
    midway = next(e for e in events if (e.actor, e.action) == ("Ben", "is midway"))
    events.remove(midway)
    events.insert(
        events.index(next(e for e in events if e.action == "stops the group")) + 1, midway
    )
    assert _violations(events) == ["main stopped the group before Ben was midway"]
    assert _violations([e for e in events if e.action != "stops the group"]) == [
        "main never stopped the group",
        "Ada stopped before main stopped the group",
        "Ben stopped before main stopped the group",
    ]


def test_invariant_catches_a_worker_that_stops_by_itself_or_works_on() -> None:
    # a worker has no end of its own, and once it has seen the stop it does no more steps
    events = _good_run()
    stopped = next(e for e in events if (e.actor, e.action) == ("Ada", "is stopped"))
    events.remove(stopped)
    events.insert(1, stopped)
    assert "Ada stopped before main stopped the group" in _violations(events)
    assert "Ada did a step after it was stopped" in _violations(events)


def test_invariant_catches_lost_doubled_and_stray_give_backs() -> None:
    # each connection taken comes back exactly once, from its worker's cleanup
    events = _without(_good_run(), "Ada", "gives back connection", 2)
    events.insert(-1, Event(0.65, "Ben", "gives back connection", 1))  # a second time
    events.insert(3, Event(0.15, "Ada", "gives back connection", 1))  # before its cleanup
    assert _violations(events) == [
        "Ada gave back connection 1 outside its cleanup",
        "Ada gave back connection 1, which it did not hold",
        "Ada never gave back connection(s) [2]",
        "Ben gave back connection 1, which it did not hold",
    ]


def test_invariant_catches_a_count_before_the_workers_are_done() -> None:
    # main's count of the pool is the final one only once every worker is done
    events = _good_run()
    events.insert(len(events) - 3, events.pop())
    assert _violations(events) == ["main counted the pool while a worker was still busy"]


def test_observable_counts_cleanups_and_give_backs() -> None:
    # a cleanup run twice, or connections never given back, show in the observable
    events = _good_run()
    events.insert(-1, Event(0.65, "Ada", "cleans up", 2))
    events = _without(_without(events, "Ben", "gives back connection"), "Ben", "is stopped")
    workers = SC.observe(events, SC.params(workers=2, steps=1))["workers"]
    assert workers["Ada"]["cleanups"] == 2
    assert workers["Ben"] == {
        "steps before midway": 1,
        "stopped": False,
        "cleanups": 1,
        "gave back": 1,
    }


def test_a_worker_is_finished_once_it_gave_back_its_last_connection() -> None:
    # a failed run reports as still running a worker whose cleanup has not given back all
    p = SC.params(connections=2)
    assert SC.finished([Event(0.0, "Ada", "gives back connection", 2)], p)
    assert not SC.finished([Event(0.0, "Ada", "gives back connection", 1)], p)
    assert not SC.finished([Event(0.0, "Ada", "cleans up", 2)], p)
    assert not SC.finished([Event(0.0, "main", "waits for the group to end")], p)
    assert SC.finished([Event(0.0, "main", "counts the pool", 4)], p)


@pytest.mark.parametrize(("workers", "connections", "steps"), [(1, 1, 0), (5, 3, 2)])
def test_every_worker_is_stopped_midway_and_gives_everything_back(
    model: str, workers: int, connections: int, steps: int
) -> None:
    # whatever the sizes, each worker reaches midway, is stopped, cleans up once, gives all back
    result = threeways.run(
        "cancellation", model, workers=workers, connections=connections, steps=steps, **FAST
    )
    assert result.ok, (result.violations, result.observable)


@pytest.mark.parametrize("model", ["asyncio", "trio"])
def test_a_cancelled_task_is_stopped_mid_step(model: str) -> None:
    # a task is cancelled at the await of its step: no step ends after main's stop (a thread
    # or a process finishes the step in progress before it looks at the flag)
    result = threeways.run("cancellation", model, **FAST)
    stop = next(i for i, e in enumerate(result.events) if e.action == "stops the group")
    assert [e for e in result.events[stop:] if e.action == "does step"] == []


def test_without_a_shield_only_trios_cleanup_is_cut_short(model: str) -> None:
    # trio's cancellation stays in force, so the unshielded goodbye raises and nothing comes
    # back; asyncio's was delivered once, and threads and processes have nothing to shield
    result = threeways.run("cancellation", model, shield=False, **FAST)
    if model == "trio":
        assert result.observable["pool"]["free at the end"] == 0
        assert {w["cleanups"] for w in result.observable["workers"].values()} == {1}
        assert "Ada never gave back connection(s) [1, 2]" in result.violations
    else:
        assert result.ok, (result.violations, result.observable)


def test_terminate_skips_every_finally(model: str) -> None:
    # terminate() ends a process at once: no cleanup runs, the connections stay taken; the
    # other models have no such stop and ignore the flag
    result = threeways.run("cancellation", model, terminate=True, **FAST)
    if model == "multiprocessing":
        workers = result.observable["workers"].values()
        assert {(w["stopped"], w["cleanups"], w["gave back"]) for w in workers} == {(False, 0, 0)}
        assert result.observable["pool"]["free at the end"] == 0
    else:
        assert result.ok, (result.violations, result.observable)


def test_a_stuck_group_times_out_and_cleans_up(model: str) -> None:
    # workers that cannot reach midway in time make the run fail; nothing is left behind
    times_out("cancellation", model, steps=50, tick=0.1, timeout=0.2)


async def _cancel_twice(shield: bool) -> list[Event]:
    """The asyncio worker, cancelled once midway and once more while it cleans up."""
    trace = Trace()
    p = SC.params(workers=1, connections=2, steps=0, shield=shield, tick=0.05)
    midway = asyncio.Semaphore(0)
    worker = asyncio.create_task(
        _asyncio._worker(trace, "Ada", asyncio.BoundedSemaphore(2), midway, p)
    )
    await midway.acquire()
    worker.cancel()
    while not any(e.action == "cleans up" for e in trace.events):
        await asyncio.sleep(0)
    worker.cancel()  # the second cancellation, in the middle of the cleanup's goodbye
    with contextlib.suppress(asyncio.CancelledError):
        await worker
    others = asyncio.all_tasks() - {asyncio.current_task()}
    await asyncio.gather(*others, return_exceptions=True)  # a shielded cleanup goes on
    return trace.events


@pytest.mark.parametrize("shield", [True, False])
def test_asyncio_shield_keeps_the_cleanup_through_a_second_cancellation(shield: bool) -> None:
    # cancelled once, asyncio's cleanup runs; cancelled again while it awaits, only the
    # shielded one still gives the connections back
    events = asyncio.run(_cancel_twice(shield))
    given = [e.detail for e in events if e.action == "gives back connection"]
    assert given == ([1, 2] if shield else [])


def test_asyncio_timeout_does_not_fire_when_its_cancellation_is_swallowed() -> None:
    # the lesson's warning: swallow the CancelledError and asyncio.timeout raises nothing
    async def swallow() -> str:
        async with asyncio.timeout(0):
            with contextlib.suppress(asyncio.CancelledError):  # the bug
                await asyncio.sleep(1)
            return "ran past its deadline"

    assert asyncio.run(swallow()) == "ran past its deadline"


def test_trio_cancels_again_a_task_that_swallowed_it() -> None:
    # level triggered: in a cancelled scope, the next checkpoint raises Cancelled again
    log = []

    async def main() -> None:
        with trio.CancelScope() as scope:
            scope.cancel()
            try:
                await trio.sleep(1)
            except trio.Cancelled:
                log.append("swallowed")  # the bug, which trio forgives
            await trio.sleep(1)
            log.append("went on")

    trio.run(main)
    assert log == ["swallowed"]


def test_a_running_thread_cannot_be_cancelled_through_its_future() -> None:
    # Future.cancel() drops a job not yet started; a running one it cannot stop
    started, release = threading.Event(), threading.Event()

    def job() -> None:
        started.set()
        release.wait(5)

    with ThreadPoolExecutor(1) as pool:
        running, queued = pool.submit(job), pool.submit(job)
        assert started.wait(5)
        assert (running.cancel(), queued.cancel()) == (False, True)
        release.set()


def test_timeline_shows_each_worker_cleaning_up() -> None:
    # from the stop to its last give-back, a worker's lane is in its own state
    spans = SC.timeline(_good_run(), SC.params(workers=2, steps=1))
    states = {s.state for s in spans if s.actor == "Ada" and s.start >= 0.5}
    assert states == {"cleaning up"}


def test_the_timeline_marks_the_stop() -> None:
    # the phases on the axis: the workers work, and from main's stop they clean up
    marks = SC.marks(_good_run(), SC.params(workers=2, steps=1))
    assert [(m.t, m.label) for m in marks] == [(0.0, "working"), (0.4, "stopped: cleaning up")]

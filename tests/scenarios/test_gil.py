"""gil: the jobs compute the same results in every model and phase; timings are only shown."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
import trio

import threeways
from threeways import Event, Trace
from threeways.scenarios.gil import CHECK_EVERY, CPU, Stopped, crunch, work_size
from threeways.scenarios.gil import _asyncio as gil_asyncio
from threeways.scenarios.gil import _threading as gil_threading
from threeways.scenarios.gil import _trio as gil_trio

from ..conftest import FAST

SC = threeways.get_scenario("gil")
SMALL = {"jobs": 2, "work": 2_000, **FAST}
"""An explicit small size: the tests check results, not speed."""
FOREVER = 10**12
"""A job size that would run for hours: a test that uses it ends only if the job stops."""


def _job(t: float, phase: str, job: int, result: object) -> Event:
    return Event(t, f"job {job}", "computes", {"phase": phase, "job": job, "result": result})


def _t(event: Event) -> float:
    return event.t


def _phases(kind: str, results: list[object], how: str = "in threads") -> list[Event]:
    events = []
    for t, name in ((0.0, f"{kind}, one after another"), (1.0, f"{kind} {how}")):
        events.append(Event(t, "main", "starts", name))
        events += [_job(t + 0.1, name, job, r) for job, r in enumerate(results, 1)]
        events.append(Event(t + 0.5, "main", "ends", name))
    return events


def _one_after_another(results: list[object]) -> list[Event]:
    """CPU jobs one after another, as on a loop: job j runs from t=j to t=j+0.5."""
    name = "cpu, one after another"
    events = [Event(0.0, "main", "starts", name)]
    for job, r in enumerate(results, 1):
        events += [Event(job, f"job {job}", "starts", name), _job(job + 0.5, name, job, r)]
    return [*events, Event(9.0, "main", "ends", name)]


def test_results_agree_and_timings_are_only_measured(model: str) -> None:
    # every phase of every model computes the expected checksum for each job; each phase's
    # time and speed-up is measured (never asserted: it depends on the machine), and so is
    # the start-up of the processes (and threading's threads) before the clock starts;
    # asyncio and trio also measure their heartbeat, which never beats while CPU work
    # blocks the loop
    result = threeways.run("gil", model, **SMALL)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["cpu"] == [crunch(1, 2_000), crunch(2, 2_000)]
    seconds = result.measurements["seconds"]
    sequential = {"cpu, one after another", "io, one after another"}
    assert sequential <= set(seconds)
    assert set(result.measurements["speed-up"]) == set(seconds) - sequential
    started = "cpu in threads" if model == "threading" else "cpu in processes"
    assert started in result.measurements["start-up (s)"]
    assert result.measurements["GIL"] in ("enabled", "disabled (free-threaded build)")
    gaps = result.measurements.get("longest heartbeat gap (ticks)")
    assert (gaps is not None) is (model in ("asyncio", "trio"))


def test_invariant_catches_a_beat_on_a_blocked_loop() -> None:
    # a heartbeat recorded while a CPU job runs on the loop is reported; between two jobs
    # (the checkpoint after each) it may beat
    beats = [Event(t, "heartbeat", "beats", i) for i, t in enumerate((0.5, 1.2, 1.7, 2.2), 1)]
    cpu = _one_after_another([7, 8]) + _phases("cpu", [7, 8])[-4:]  # and "cpu in threads"
    events = sorted([*cpu, *_phases("io", ["page 1", "page 2"]), *beats], key=_t)
    p = SC.params(jobs=2, work=10)
    assert list(SC.invariants(events, p)) == [
        "the heartbeat beat at t=1.200s while CPU work blocked the loop",
        "the heartbeat beat at t=2.200s while CPU work blocked the loop",
    ]


def test_invariant_catches_a_missing_result() -> None:
    # a phase where a job gave no result is reported
    events = [*_phases("cpu", [7, 8]), *_phases("io", ["page 1", "page 2"])]
    events = [
        e for e in events if e.detail != {"phase": "io in threads", "job": 2, "result": "page 2"}
    ]
    p = SC.params(jobs=2, work=10)
    assert list(SC.invariants(events, p)) == ["io in threads: jobs [2] gave no result"]


def test_phases_that_disagree_show_in_the_observable() -> None:
    # if the concurrent phase computes another result, the observable is not the expected one
    n = 10
    good = [crunch(1, n), crunch(2, n)]
    events = [Event(0.0, "main", "sizes the work", {"work": n})]
    events += _phases("cpu", good) + _phases("io", ["page 1", "page 2"])
    p = SC.params(jobs=2, work=n)
    assert SC.observe(events, p) == SC.expected(p)
    events[-8] = _job(1.1, "cpu in threads", 2, 0)  # a wrong checksum in the threaded phase
    assert SC.observe(events, p) != SC.expected(p)


def test_calibration_scales_with_the_tick() -> None:
    # work=0 sizes a job from the tick (at least MIN_WORK iterations); an explicit size wins
    small = work_size(SC.params(tick=0.0))
    assert small == work_size(SC.params(tick=0.0))  # cached: the run and expected() agree
    assert work_size(SC.params(tick=0.01)) > small
    assert work_size(SC.params(work=123)) == 123


def test_the_clock_starts_when_the_workers_are_ready() -> None:
    # a phase is timed from its clock (else its start) to its last result; the time
    # before the clock is its start-up, measured apart
    name = "cpu in processes"
    events = [
        *_phases("cpu", [7, 8])[:4],  # one after another: 0.0 to 0.1, ends at 0.5
        Event(1.0, "main", "starts", name),
        Event(1.3, "main", "starts the clock", name),
        _job(1.5, name, 1, 7),
        _job(1.6, name, 2, 8),
        Event(1.7, "main", "ends", name),
    ]
    measured = SC.measure(events, SC.params(jobs=2, work=10))
    assert measured["seconds"] == {"cpu, one after another": 0.1, name: 0.3}
    assert measured["start-up (s)"] == {name: 0.3}


def test_invariant_catches_a_job_started_before_the_clock() -> None:
    # the start line lets no worker start its job before the clock starts
    events = [*_phases("cpu", [7, 8]), *_phases("io", ["page 1", "page 2"])]
    events += [
        Event(1.05, "job 1", "starts", "cpu in threads"),
        Event(1.06, "main", "starts the clock", "cpu in threads"),
        Event(1.07, "job 2", "starts", "cpu in threads"),
    ]
    p = SC.params(jobs=2, work=10)
    assert list(SC.invariants(sorted(events, key=_t), p)) == [
        "job 1 started cpu in threads before the clock"
    ]


class _Started:
    """A recorder that tells, from any thread, when a job has started."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.started = threading.Event()

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        self.actions.append(action)
        if action == "starts":
            self.started.set()


def test_a_cpu_job_stops_at_its_next_look_at_the_flag() -> None:
    # the job asks `stopped` every CHECK_EVERY steps and stops at the first true answer,
    # however much work is left; unasked, or told to go on, it computes the same result
    answers = iter([False, False, True])
    with pytest.raises(Stopped, match=f"after {2 * CHECK_EVERY} of"):
        crunch(1, FOREVER, lambda: next(answers))
    n = 3 * CHECK_EVERY + 5
    assert crunch(1, n, lambda: False) == crunch(1, n)


def test_threading_stops_its_cpu_threads_when_main_is_interrupted() -> None:
    # when main stops waiting for the threads (here: its timeout, like Ctrl-C), it sets
    # their flag and the CPU jobs end early (else this job would run for hours)
    p = SC.params(jobs=1, timeout=0.0)
    with pytest.raises(TimeoutError):
        gil_threading._at_the_same_time(Trace(), CPU, gil_threading._cpu_job, FOREVER, p)
    for thread in threading.enumerate():
        if thread.name == "job 1":
            thread.join(30)
            assert not thread.is_alive()


async def _cancel_asyncio_job(trace: _Started) -> None:
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(gil_asyncio._cpu_in_a_thread(trace, "x", 1, FOREVER, SC.params()))
        await asyncio.to_thread(trace.started.wait, 30)
        task.cancel()


def test_asyncio_cancelling_the_task_stops_its_thread() -> None:
    # cancelling the task that awaits to_thread sets the job's flag, and the thread ends
    # early: asyncio.run waits for its threads, so it returns only once the job stopped
    trace = _Started()
    asyncio.run(_cancel_asyncio_job(trace))
    assert trace.actions == ["starts"]  # and no result


async def _cancel_trio_job(trace: _Started) -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(gil_trio._cpu_in_a_thread, trace, "x", 1, FOREVER, SC.params())
        await trio.to_thread.run_sync(trace.started.wait, 30)
        nursery.cancel_scope.cancel()


def test_trio_cancelling_the_scope_stops_its_thread() -> None:
    # a cancelled scope makes trio.from_thread.check_cancelled raise Cancelled in the
    # job's thread; trio waits for that thread, so the run ends only once the job stopped
    trace = _Started()
    trio.run(_cancel_trio_job, trace)
    assert trace.actions == ["starts"]  # and no result


def test_asyncio_pool_workers_get_the_stop_flag_from_the_initializer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a pool's worker keeps the run's stop flag from its initializer (the only way to
    # share one); once set, a job there stops at its first look (run here in-process)
    monkeypatch.setattr(gil_asyncio, "_stop", None)
    ctx = Trace().mp_context
    stop = ctx.Event()
    gil_asyncio._ready(ctx.Barrier(1), stop)
    assert crunch(1, 3 * CHECK_EVERY, gil_asyncio._stop_is_set) == crunch(1, 3 * CHECK_EVERY)
    stop.set()
    with pytest.raises(Stopped, match="after 0 of"):
        gil_asyncio._cpu_job(Trace(), "x", 1, FOREVER, SC.params(), gil_asyncio._stop_is_set)

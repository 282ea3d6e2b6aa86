"""gil: every job does the same in every model and phase; timings are only measured."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
import trio

import threeways
from threeways import Event, InjectedFault, Recorder, RunFailed, Trace
from threeways._support import join_all
from threeways.scenarios.gil import CHECK_EVERY, calibrated, count_down, work_size
from threeways.scenarios.gil import _asyncio as gil_asyncio
from threeways.scenarios.gil import _threading as gil_threading
from threeways.scenarios.gil import _trio as gil_trio

from ..conftest import FAST, NEEDS_INTERPRETERS, fast_run

SC = threeways.get_scenario("gil")
SMALL = {"jobs": 2, "parts": 3, "work": 2_000, **FAST}
"""An explicit small size: the tests check what the jobs did, not speed."""
FOREVER = 10**12
"""A job size that would run for hours: a test that uses it ends only if the job stops."""


def _phase(t: float, name: str, jobs: int, parts: int, took: float = 1.0) -> list[Event]:
    """One phase whose CPU jobs run one after another, each part taking ``took`` seconds."""
    events = [Event(t, "main", "starts", name)]
    for job in range(1, jobs + 1):
        events.append(Event(t, f"cpu job {job}", "starts"))
        for part in range(1, parts + 1):
            t += took
            events.append(Event(t, f"cpu job {job}", "has done part", part))
    return [*events, Event(t, "main", "ends", name)]


def _at_once(t: float, name: str, jobs: int, parts: int, took: float) -> list[Event]:
    """One phase whose CPU jobs all start at ``t``, each part taking ``took`` seconds."""
    events = [Event(t, "main", "starts", name)]
    events += [Event(t, f"cpu job {job}", "starts") for job in range(1, jobs + 1)]
    for part in range(1, parts + 1):
        for job in range(1, jobs + 1):
            events.append(Event(t + part * took, f"cpu job {job}", "has done part", part))
    return [*events, Event(t + parts * took, "main", "ends", name)]


def _io(t: float, name: str, jobs: int) -> list[Event]:
    """One phase of I/O jobs, each waiting a second: one by one, or all at once."""
    events = [Event(t, "main", "starts", name)]
    for job in range(1, jobs + 1):
        start = t + (job - 1 if "one by one" in name else 0)
        events.append(Event(start, f"io job {job}", "starts"))
        events.append(Event(start + 1, f"io job {job}", "fetches", f"page {job}"))
    return [*sorted(events, key=lambda e: e.t), Event(events[-1].t, "main", "ends", name)]


def _run(jobs: int = 2, parts: int = 2) -> list[Event]:
    """A whole run: CPU jobs one by one (a part takes 1 s), then in threads (4 s a part)."""
    events = [Event(0.0, "main", "sizes the work", 10)]
    events += _phase(0.0, "cpu, one by one", jobs, parts)
    events += _at_once(10.0, "cpu in threads", jobs, parts, 4.0)
    return events + _io(30.0, "io, one by one", jobs) + _io(40.0, "io in threads", jobs)


def test_what_the_jobs_did_is_the_observable(model: str) -> None:
    # every CPU job did all its parts and every I/O job fetched its page, in every phase;
    # each phase's time, speed-up and start-up are measured (never asserted)
    result = threeways.run("gil", model, **SMALL)
    assert result.ok, (result.violations, result.observable)
    assert result.observable == {
        "cpu jobs: parts done": [3, 3],
        "io jobs: pages fetched": ["page 1", "page 2"],
    }
    measured = result.measurements
    assert measured["work per part (steps)"] == 2_000
    alone = {"cpu, one by one", "io, one by one"}
    assert alone < set(measured["seconds"])
    assert set(measured["speed-up"]) == set(measured["seconds"]) - alone
    assert set(measured["start-up (s)"]) == set(measured["seconds"]) - alone
    assert measured["GIL"] in ("enabled", "disabled (free-threaded build)")


def test_the_observable_does_not_depend_on_the_work_size() -> None:
    # the expected observable is a function of the jobs and parts only: the calibrated
    # size (which differs from one process and machine to the next) is only measured
    p = SC.params(tick=0.0)
    assert SC.expected(p) == SC.expected(SC.params(tick=0.01, work=123))
    assert SC.observe(_run(), SC.params(jobs=2, parts=2, work=999)) == SC.expected(
        SC.params(jobs=2, parts=2)
    )
    assert SC.measure(_run(), SC.params(jobs=2, parts=2))["work per part (steps)"] == 10


def test_calibration_scales_with_the_tick() -> None:
    # work=0 sizes a part from the tick (at least MIN_WORK steps); an explicit size wins
    small = work_size(SC.params(tick=0.0))
    assert small == calibrated(0.0)  # cached: one size a process
    assert work_size(SC.params(tick=0.01)) > small
    assert work_size(SC.params(work=123)) == 123


def test_a_missing_part_shows_in_the_observable() -> None:
    # a CPU job that stopped early in one phase makes the phases disagree
    events = [e for e in _run() if not (e.t == 18.0 and e.actor == "cpu job 2")]
    observed = SC.observe(events, SC.params(jobs=2, parts=2))
    assert observed["cpu jobs: parts done"] == {
        "cpu, one by one": [2, 2],
        "cpu in threads": [2, 1],
    }


def test_invariant_catches_jobs_overlapping_one_by_one() -> None:
    # one by one means what it says: a job starts once the one before is done
    events = _run()
    events.insert(2, Event(0.5, "cpu job 2", "starts"))  # while job 1 is still at work
    events.remove(Event(2.0, "cpu job 2", "starts"))
    assert list(SC.invariants(sorted(events, key=lambda e: e.t), SC.params(jobs=2, parts=2))) == [
        "cpu, one by one: job 2 started before job 1 was done"
    ]


def test_invariant_wants_both_ways_of_running() -> None:
    # each kind of job runs one by one and at once
    events = [e for e in _run() if e.t < 30.0]  # no I/O phase at all
    assert list(SC.invariants(events, SC.params(jobs=2, parts=2))) == [
        "io jobs did not run both one by one and at once: []"
    ]


def test_threads_under_the_gil_are_drawn_slow_not_side_by_side() -> None:
    # a part that took four times as long as alone is drawn "1/4 speed": the picture
    # shows two threads taking turns, not two running side by side at full speed
    spans = SC.timeline(_run(), SC.params(jobs=2, parts=2))
    states = {(s.actor, s.state) for s in spans if 10.0 <= s.start < 30.0 and s.actor != "main"}
    assert states == {("cpu job 1", "1/4 speed"), ("cpu job 2", "1/4 speed")}
    alone = {s.state for s in spans if s.end <= 4.0 and s.actor != "main"}
    assert alone == {"running"}


def test_phases_are_marked_on_the_axis() -> None:
    # one mark per phase, where main starts it
    marks = SC.marks(_run(), SC.params(jobs=2, parts=2))
    assert [(m.t, m.label) for m in marks] == [
        (0.0, "cpu, one by one"),
        (10.0, "cpu in threads"),
        (30.0, "io, one by one"),
        (40.0, "io in threads"),
    ]


def test_speed_ups_and_slowdowns_are_measured() -> None:
    # threads at 1/4 speed: a job took 4x as long as alone; the phase as long (1x)
    measured = SC.measure(_run(), SC.params(jobs=2, parts=2))
    assert measured["a job took (x alone)"]["cpu in threads"] == 4.0
    assert measured["speed-up"]["cpu in threads"] == 0.5
    assert measured["start-up (s)"]["cpu in threads"] == 0.0


class _Started:
    """A recorder that tells, from any thread, when a job has started."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.started = threading.Event()

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        self.actions.append(action)
        if action == "starts":
            self.started.set()


def test_a_count_down_stops_at_its_next_look_at_the_flag() -> None:
    # it asks `stop` every CHECK_EVERY steps and gives up at the first true answer,
    # however much is left; unasked, or told to go on, it counts to the end
    answers = iter([False, False, True])
    assert count_down(FOREVER, lambda: next(answers)) is False
    assert count_down(3 * CHECK_EVERY + 5, lambda: False) is True


def test_threading_stops_its_cpu_threads_when_main_stops_waiting() -> None:
    # when main stops waiting for the threads (here: its timeout, like Ctrl-C), it sets
    # their flag and the CPU jobs end early (else this job would run for hours)
    p = SC.params(jobs=1, timeout=0.0)
    with pytest.raises(TimeoutError):
        gil_threading._at_once(Trace(), "cpu in threads", gil_threading._cpu_job, FOREVER, p)
    for thread in threading.enumerate():
        if thread.name == "job 1":
            thread.join(30)
            assert not thread.is_alive()


async def _cancel_asyncio_job(trace: _Started) -> None:
    async with asyncio.TaskGroup() as tg:
        task = tg.create_task(gil_asyncio._cpu_in_a_thread(trace, 1, FOREVER, SC.params()))
        await asyncio.to_thread(trace.started.wait, 30)
        task.cancel()


def test_asyncio_cancelling_the_task_stops_its_thread() -> None:
    # cancelling the task that awaits to_thread sets the job's flag, and the thread ends
    # early: asyncio.run waits for its threads, so it returns only once the job stopped
    trace = _Started()
    asyncio.run(_cancel_asyncio_job(trace))
    assert trace.actions == ["starts"]  # and no part done


async def _cancel_trio_job(trace: _Started) -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(gil_trio._cpu_in_a_thread, trace, 1, FOREVER, SC.params())
        await trio.to_thread.run_sync(trace.started.wait, 30)
        nursery.cancel_scope.cancel()


def test_trio_cancelling_the_scope_stops_its_thread() -> None:
    # a cancelled scope makes trio.from_thread.check_cancelled raise Cancelled in the
    # job's thread; trio waits for that thread, so the run ends only once the job stopped
    trace = _Started()
    trio.run(_cancel_trio_job, trace)
    assert trace.actions == ["starts"]  # and no part done


@NEEDS_INTERPRETERS
def test_interpreters_measure_their_speed_up_and_start_up() -> None:
    # the at-once phases run in interpreters, and their numbers are measured (not compared)
    numbers = fast_run("gil", "interpreters").measurements
    for phase in ("cpu in interpreters", "io in interpreters"):
        assert phase in numbers["speed-up"] and numbers["start-up (s)"][phase] >= 0


@NEEDS_INTERPRETERS
def test_interpreters_stop_their_cpu_jobs_when_main_stops_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # when main stops waiting (its timeout, like Ctrl-C), it fills the stop queue, and the
    # job in its interpreter ends at its next look (else it would run for hours); or at
    # its next record, which raises RunCancelled once the run's sink is gone
    from threeways._failure import from_interpreter
    from threeways.scenarios.gil import _interpreters as gil_interpreters

    raised: list[BaseException] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    before = set(threading.enumerate())
    p = SC.params(jobs=1, timeout=0.0)
    with pytest.raises(TimeoutError):
        gil_interpreters._at_once(Trace(), "cpu", gil_interpreters._cpu_job, FOREVER, p)
    for thread in set(threading.enumerate()) - before:
        thread.join(30)
        assert not thread.is_alive()
    assert all(isinstance(from_interpreter(e), threeways.RunCancelled) for e in raised), raised


def _one_fails_one_computes(trace: Recorder, p: Any) -> None:
    """Two CPU jobs in interpreters, with no stop flag: only the recorder can stop them."""
    from threeways.scenarios.gil import _interpreters as gil_interpreters

    interpreters = gil_interpreters.interpreters
    with trace.child_sink() as sink:
        workers = [interpreters.create() for _ in range(2)]
        try:
            job = gil_interpreters._cpu_job
            threads = [w.call_in_thread(job, sink, i, 10**7, p) for i, w in enumerate(workers, 1)]
            join_all(threads, p.timeout)
        finally:
            for worker in workers:
                if not worker.is_running():
                    worker.close()


@NEEDS_INTERPRETERS
def test_an_interpreters_error_is_its_workers_and_stops_the_others() -> None:
    # job 2 fails in its interpreter: the run names it with its own exception type, and
    # job 1, which cannot be killed, stops at its next record instead of doing 20 parts
    with pytest.raises(RunFailed) as failed:
        threeways.run(
            "gil",
            "interpreters",
            implementation=_one_fails_one_computes,
            fail_at="cpu job 2 starts",
            parts=20,
            timeout=60.0,
        )
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "error"
    assert (
        failure.errors[0].line()
        == "cpu job 2 raised InjectedFault: injected at 'cpu job 2' 'starts'"
    )
    assert [type(e) for e in failed.value.exceptions] == [InjectedFault]
    assert "ExecutionFailed" in failure.errors[0].traceback  # what the thread got: its cause
    parts = [e for e in failed.value.result.events if e.action == "has done part"]
    assert len(parts) < 20

"""timeouts: the invariants catch a clock started too soon, a job stopped early and a
misplaced cleanup; each model stops its late jobs its own way; the sooner deadline wins,
and a job's own limit would fail the run rather than stop the job."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading
from typing import Any

import pytest
import trio

import threeways
from threeways import Event
from threeways._trace import Trace
from threeways.scenarios.timeouts import DEADLINE_TICKS
from threeways.scenarios.timeouts import _asyncio as timeouts_asyncio
from threeways.scenarios.timeouts import _multiprocessing as timeouts_multiprocessing
from threeways.scenarios.timeouts import _threading as timeouts_threading
from threeways.scenarios.timeouts import _trio as timeouts_trio

from ..conftest import FAST

SC = threeways.get_scenario("timeouts")
P = SC.params(quick=1, stuck=1, tick=0.1)
DEADLINE = 0.11 + DEADLINE_TICKS * 0.1
"""When the deadline passes in the synthetic run: the clock starts at 0.11 s."""


def _good_run() -> list[Event]:
    return [
        Event(0.00, "job 1", "works", 1),
        Event(0.00, "job 2", "waits for an answer"),
        Event(0.10, "job 1", "finishes", "answer 1"),
        Event(0.11, "main", "starts the clock", DEADLINE_TICKS),
        Event(0.12, "job 1", "cleans up"),
        Event(DEADLINE + 0.001, "job 2", "is stopped", "cancelled"),
        Event(DEADLINE + 0.002, "job 2", "cleans up"),
    ]


def _violations(events: list[Event]) -> list[str]:
    return list(SC.invariants(sorted(events), P))


def test_a_good_run_violates_nothing() -> None:
    # the synthetic run is a correct one, with the expected observable: the violations
    # in the next tests are real
    assert _violations(_good_run()) == []
    assert SC.observe(_good_run(), P) == SC.expected(P)


def test_invariant_catches_a_clock_started_too_soon() -> None:
    # the clock starts only once every job has answered or is waiting for its answer
    events = [e for e in _good_run() if e.action != "waits for an answer"]
    events[1:1] = [Event(0.2, "job 2", "waits for an answer")]  # after the clock, at 0.11
    assert _violations(events) == ["the clock started at t=0.110s before job 2 was under way"]
    no_clock = [e for e in _good_run() if e.action != "starts the clock"]
    assert _violations(no_clock)[0] == "main never started the clock"


def test_invariant_catches_a_job_stopped_before_the_deadline() -> None:
    # a deadline never passes early: a job stopped before it was stopped by something else
    events = [e for e in _good_run() if e.actor != "job 2" or e.action != "is stopped"]
    events.append(Event(0.3, "job 2", "is stopped", "cancelled"))
    assert _violations(events) == [
        f"job 2 was stopped at t=0.300s, before the deadline at {DEADLINE:.3f}s"
    ]


def test_invariant_catches_a_misplaced_cleanup() -> None:
    # a job cleans up once, as its last act, after it finished or was stopped
    events = [*_good_run(), Event(0.05, "job 1", "cleans up")]  # before it finished
    assert _violations(events) == [
        "job 1 cleaned up before it finished or was stopped",
        "job 1 finishes after it cleaned up",
        "job 1 cleans up after it cleaned up",
    ]


def test_a_lost_or_doubled_cleanup_shows_in_the_observable() -> None:
    # the observable counts each job's cleanups and says which jobs finished or stopped
    events = [e for e in _good_run() if e.actor != "job 2" or e.action != "cleans up"]
    events.append(Event(1.0, "job 1", "cleans up"))
    seen = SC.observe(sorted(events), P)
    assert seen["cleanups"] == {"job 1": 2, "job 2": 0}
    assert seen["finished"] == [1] and seen["stopped at the deadline"] == [2]


def _stops(result: threeways.Result) -> dict[str, Any]:
    return {e.actor: e.detail for e in result.events if e.action == "is stopped"}


def _cleaners(result: threeways.Result) -> dict[str, Any]:
    return {e.actor: e.detail for e in result.events if e.action == "cleans up"}


def test_each_model_stops_the_late_jobs_its_own_way(model: str) -> None:
    # threads see a flag main sets after its waits returned; a process is terminated
    # (SIGTERM) and main cleans up after it; asyncio and trio cancel the tasks
    result = threeways.run("timeouts", model, quick=2, stuck=3, **FAST)
    assert result.ok, (result.violations, result.observable)
    how = {
        "threading": "saw the stop flag",
        "multiprocessing": f"terminated, exit code {-signal.SIGTERM}",
        "asyncio": "cancelled",
        "trio": "cancelled",
    }[model]
    assert _stops(result) == dict.fromkeys(["job 3", "job 4", "job 5"], how)
    by_main = {name for name, by in _cleaners(result).items() if by == "main"}
    assert by_main == ({"job 3", "job 4", "job 5"} if model == "multiprocessing" else set())
    if model == "threading":  # main's waits returned; the jobs ran on until the flag
        flag = next(e.t for e in result.events if e.action == "sets the stop flag")
        assert all(e.t > flag for e in result.events if e.action == "is stopped")


@pytest.mark.parametrize(("quick", "stuck"), [(3, 0), (0, 3), (0, 0)])
def test_all_quick_all_stuck_or_no_jobs(model: str, quick: int, stuck: int) -> None:
    # nothing is stopped when every job answers; a batch of stuck jobs is all stopped
    result = threeways.run("timeouts", model, quick=quick, stuck=stuck, **FAST)
    assert result.ok, (result.violations, result.observable)
    stopped = [e for e in result.events if e.actor == "main" and "stop" in e.action]
    if model in ("asyncio", "trio"):  # main learns it from its scope
        assert bool(stopped) == bool(stuck)


def test_a_start_line_that_never_fills_times_out(model: str) -> None:
    # every wait is bounded: a timeout shorter than the quick jobs' work fails the run,
    # and the jobs end (no stuck job here: the harness's cancelled trace would make one
    # woken by main's way out raise RunCancelled before its quiet hook is in place)
    with pytest.raises((TimeoutError, trio.TooSlowError)) as err:
        try:
            threeways.run("timeouts", model, quick=2, stuck=0, tick=0.1, timeout=0.02)
        except BaseExceptionGroup as group:  # a task group's or nursery's: look inside
            raise group.exceptions[0] from None
    assert not isinstance(err.value, BaseExceptionGroup)


# ---- the nesting, one job at a time, outside the harness ----


async def _asyncio_stuck_job(trace: Trace, own_limit: float, batch: float | None) -> None:
    async with asyncio.timeout(batch):
        await timeouts_asyncio._stuck_job(
            trace, 1, SC.params(timeout=own_limit), asyncio.Semaphore(0)
        )


def test_asyncio_the_sooner_deadline_wins() -> None:
    # inside a shorter timeout the job is cancelled, stopped, and the outer timeout
    # raises; alone, its own limit raises TimeoutError inside the job: a failure, no stop
    for own_limit, batch, actions in [
        (30.0, 0.01, ["waits for an answer", "is stopped", "cleans up"]),
        (0.01, None, ["waits for an answer", "cleans up"]),
    ]:
        trace = Trace()
        with pytest.raises(TimeoutError):
            asyncio.run(_asyncio_stuck_job(trace, own_limit, batch))
        assert [e.action for e in trace.events] == actions


async def _trio_stuck_job(trace: Trace, own_limit: float, batch: float) -> bool:
    with trio.move_on_after(batch) as scope:
        p = SC.params(timeout=own_limit)
        await timeouts_trio._stuck_job(trace, 1, p, task_status=trio.TASK_STATUS_IGNORED)
    return scope.cancelled_caught


def test_trio_an_inner_scope_cannot_outlive_the_outer_one() -> None:
    # the job's own fail_after(30) inside a 10 ms scope: the outer one catches the
    # Cancelled; alone, the job's own limit raises TooSlowError
    trace = Trace()
    assert trio.run(_trio_stuck_job, trace, 30.0, 0.01)
    assert [e.action for e in trace.events] == ["waits for an answer", "is stopped", "cleans up"]
    with pytest.raises(trio.TooSlowError):
        trio.run(_trio_stuck_job, Trace(), 0.01, 30.0)


def test_threads_and_processes_fail_when_their_own_limit_passes() -> None:
    # no flag, no terminate: a stuck job's own limit ends its wait with TimeoutError
    p = SC.params(timeout=0.01)
    never = threading.Event()
    with pytest.raises(TimeoutError):
        timeouts_threading._stuck_job(Trace(), 1, p, threading.Semaphore(0), never)
    ctx = multiprocessing.get_context("spawn")
    ready, event = ctx.Semaphore(0), ctx.Event()
    with pytest.raises(TimeoutError), Trace().child_sink() as sink:
        timeouts_multiprocessing._stuck_job(sink, 1, p, ready, event)


def test_a_job_is_finished_once_it_cleaned_up() -> None:
    # a failed run reports as still running the jobs that had not cleaned up yet,
    # including a terminated one that main had not yet cleaned up after
    assert not SC.finished([Event(0.1, "job 3", "waits for an answer")], P)
    assert not SC.finished([Event(0.1, "job 3", "is stopped", "terminated")], P)
    assert SC.finished([Event(0.1, "job 3", "cleans up", "main")], P)
    assert SC.finished([Event(0.1, "job 1", "cleans up")], P)


def test_narration_and_measurements() -> None:
    # the story names who stopped a job and who cleaned up; timings are only measured
    assert SC.narrate(Event(0.1, "main", "starts the clock", 4)) == (
        "main starts the clock: the deadline is 4 ticks away"
    )
    assert SC.narrate(Event(0.1, "job 3", "cleans up", "main")) == (
        "job 3 is cleaned up by main: terminate() skipped its finally"
    )
    assert (
        SC.narrate(Event(0.1, "job 3", "is stopped", "cancelled")) == "job 3 is stopped: cancelled"
    )
    found = SC.measure(_good_run(), P)
    assert found["start line at (s)"] == 0.11
    assert found["last stopped after the deadline (s)"] == pytest.approx(0.001, abs=1e-4)


def test_the_timeline_marks_the_start_line_and_the_deadline() -> None:
    # the phases on the axis: the jobs start, the clock runs from the start line, and the
    # deadline is marked once the run has reached it (a run with no stuck job ends before)
    marks = SC.marks(_good_run(), P)
    assert [(round(m.t, 3), m.label.split(":")[0]) for m in marks] == [
        (0.0, "jobs start"),
        (0.11, "the clock runs"),
        (round(DEADLINE, 3), "deadline"),
    ]
    quick_only = [e for e in _good_run() if e.actor != "job 2"]
    assert len(SC.marks(quick_only, P)) == 2

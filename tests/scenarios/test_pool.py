"""pool: its invariants catch overload, lost or doubled callbacks and lost errors; a failing
job reaches the error callback and main in every model; callbacks run where each model
runs them; a stuck pool times out instead of hanging."""

from __future__ import annotations

import gc
from typing import Any

import pytest

import threeways
from threeways import Event

from ..conftest import FAST, NEEDS_INTERPRETERS

SC = threeways.get_scenario("pool")


def _job(t: float, i: int, action: str, **detail: Any) -> Event:
    return Event(t, f"job {i}", action, {"job": i, **detail})


def _call(t: float, i: int, ok: bool = True) -> Event:
    if ok:
        return Event(t, "callback", "gets result", {"job": i, "result": i + 100, "thread": "x"})
    return Event(t, "error callback", "gets error", {"job": i, "error": "E", "thread": "x"})


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_invariant_catches_more_jobs_than_the_pool_size() -> None:
    # a fourth job starting while three run breaks the pool's bound
    events = [_job(0.1 * i, i, "starts", on="w") for i in range(4)]
    events += [_job(1 + 0.1 * i, i, "returns", result=i + 100) for i in range(4)]
    events += [_call(2 + 0.1 * i, i) for i in range(4)]
    assert _violations(events, jobs=4, size=3) == ["4 jobs ran at once at t=0.300s: [0, 1, 2, 3]"]


def test_invariant_catches_missing_doubled_and_early_callbacks() -> None:
    # every job's callback runs exactly once, and only after the job has ended
    events = [_job(0.0, i, "starts", on="w") for i in range(3)]
    events += [_call(0.5, 0), _call(0.6, 0)]  # job 0: early and twice; job 2: never
    events += [_job(1.0, i, "returns", result=i + 100) for i in range(3)]
    events += [_call(2.0, 1)]
    assert _violations(events, jobs=3, size=3) == [
        "job 0's callback ran before the job ended",
        "job 0's callback ran before the job ended",
        "job 0's callbacks ran 2 times",
        "job 2's callbacks ran 0 times",
    ]


def test_invariant_catches_a_lost_error() -> None:
    # an error reaches both the error callback and main; neither may invent one
    events = [
        _job(0.0, 0, "starts", on="w"),
        _job(0.1, 0, "raises", error="E"),
        _call(0.2, 0, False),
    ]
    events += [_job(0.0, 1, "starts", on="w"), _job(0.1, 1, "returns", result=101), _call(0.2, 1)]
    events += [Event(0.3, "main", "sees error", {"job": 1, "error": "E"})]
    assert _violations(events, jobs=2, size=2, fail=0) == [
        "job 0's error never reached the main program",
        "the main program got an error from job 1, which did not raise",
    ]


@pytest.mark.parametrize("fail", [0, 4])
def test_a_failing_job_reaches_the_error_callback_and_main(model: str, fail: int) -> None:
    # the error is called back and seen by main, once; the other jobs still complete
    result = threeways.run("pool", model, jobs=5, size=2, fail=fail, **FAST)
    assert result.ok, result.violations
    assert result.observable["failed"] == [fail]
    seen = [e.detail for e in result.events if e.action == "sees error"]
    assert seen == [{"job": fail, "error": f"ValueError: job {fail} failed"}]


def test_callbacks_run_where_the_model_runs_them(model: str) -> None:
    # multiprocessing: the parent's result-handler thread; threads: the pool thread (or the
    # caller, when the job was already done); asyncio and trio: the one main thread
    result = threeways.run("pool", model, jobs=6, size=3, fail=2, **FAST)
    assert result.ok, result.violations
    threads = {e.detail["thread"] for e in result.events if e.action.startswith("gets ")}
    if model == "multiprocessing":
        assert "MainThread" not in threads and all("_handle_results" in t for t in threads)
    elif model == "threading":
        assert all(t.startswith("pool_") or t == "MainThread" for t in threads), threads
    else:
        assert threads == {"MainThread"}


def test_the_default_run_shows_a_failing_job() -> None:
    # the lesson's error path is on by default: job 4 of 10 raises
    assert SC.expected(SC.params())["failed"] == [4]


def test_async_jobs_are_tasks_that_wait_for_a_slot(model: str) -> None:
    # asyncio and trio: every job is a task from the start, waiting for one of the slots
    # (all wait before any job ends); a pool of threads or processes queues the job as
    # data instead, and it first appears when a worker starts it
    result = threeways.run("pool", model, jobs=5, size=2, **FAST)
    assert result.ok, result.violations
    first: dict[str, Event] = {}
    for e in result.events:
        if e.actor.startswith("job "):
            first.setdefault(e.actor, e)
    if model in ("asyncio", "trio"):
        assert {e.action for e in first.values()} == {"waits for a slot"}
        first_end = min(e.t for e in result.events if e.action in ("returns", "raises"))
        assert all(e.t <= first_end for e in first.values())
    else:
        assert {e.action for e in first.values()} == {"starts"}


@pytest.mark.parametrize("fail", [-1, 7])
def test_no_failure_when_fail_is_out_of_range(fail: int) -> None:
    # -1, or an index past the last job, means every job returns
    result = threeways.run("pool", "threading", jobs=5, fail=fail, **FAST)
    assert result.ok and result.observable["failed"] == []


def test_no_jobs(model: str) -> None:
    # an empty pool opens, runs nothing and closes
    result = threeways.run("pool", model, jobs=0, **FAST)
    assert result.ok and result.observable == {"pool": 3, "results": [], "failed": []}


def test_a_stuck_pool_times_out_instead_of_hanging(model: str) -> None:
    # every wait has a timeout: jobs longer than it make the run fail, and clean up
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("pool", model, jobs=4, size=2, tick=1.0, timeout=0.4)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "timeout", failure
    # main waits for the results; which two jobs hold the slots is the scheduler's choice
    # (trio starts tasks in any order), and whether a worker process was up within 0.4 s
    # too; in asyncio and trio the other two are tasks already, waiting for a slot
    assert failure.still_running[-1][1:3] == ("main", "waits for every result"), failure
    jobs = [(e.actor, e.action) for e in failure.still_running[:-1]]
    waiting = [actor for actor, action in jobs if action == "waits for a slot"]
    started = [actor for actor, action in jobs if action == "starts"]
    assert len(waiting) == (2 if model in ("asyncio", "trio") else 0), jobs
    assert len(started) == 2 if model != "multiprocessing" else len(started) <= 2, jobs
    assert len(jobs) == len(waiting) + len(started), jobs
    # A Pool terminated with jobs unfinished is a reference cycle (the pool's cache holds
    # each AsyncResult, which holds the pool): its pipes close when the collector runs.
    gc.collect()


def test_timeline_marks_each_callback_as_a_moment() -> None:
    # a callback lane has one short mark per call, not a bar from one call to the next
    events = [_call(0.1, 0), _call(0.9, 1, ok=False)]
    spans = SC.timeline(events, SC.params(jobs=2))
    assert [(s.actor, s.start) for s in spans] == [("callback", 0.1), ("error callback", 0.9)]
    assert all(s.end - s.start < 0.001 for s in spans)


@NEEDS_INTERPRETERS
def test_an_interpreter_pools_job_error_comes_back_as_the_jobs_own() -> None:
    # each job runs in one of the pool's interpreters (never the main one, 0), its ValueError
    # is pickled back as itself, and the callbacks run in the pool's threads, as threading's
    result = threeways.run("pool", "interpreters", jobs=5, size=2, fail=4, **FAST)
    assert result.ok, result.violations
    seen = [e.detail for e in result.events if e.action == "sees error"]
    assert seen == [{"job": 4, "error": "ValueError: job 4 failed"}]
    on = {e.detail["on"] for e in result.events if e.action == "starts"}
    assert 1 <= len(on) <= 2 and "interpreter 0" not in on, on
    threads = {e.detail["thread"] for e in result.events if e.action.startswith("gets ")}
    assert all(t.startswith("pool_") or t == "MainThread" for t in threads), threads


@NEEDS_INTERPRETERS
def test_a_stuck_interpreter_pool_times_out_instead_of_hanging() -> None:
    # the same bound as for the thread pool: main says it waits, the jobs are cut short
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("pool", "interpreters", jobs=4, size=2, tick=1.0, timeout=0.4)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "timeout", failure
    assert failure.still_running[-1][1:3] == ("main", "waits for every result"), failure

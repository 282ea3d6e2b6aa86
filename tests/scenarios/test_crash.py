"""crash: its invariants catch overload, reruns and lost or invented outcomes; in every model
the dead worker's job is named and every other result arrives; and the facts the lesson
teaches about Pool, ProcessPoolExecutor, anyio and threads hold on this Python."""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
import trio

import threeways
from threeways import Event
from threeways._processes import quiet_context

from ..conftest import FAST, times_out

SC = threeways.get_scenario("crash")
WHY = {
    "threading": "SystemExit: 1",
    "multiprocessing": "EOFError, exit code 1",
    "asyncio": "BrokenProcessPool: A process in the process pool was terminated abruptly",
    "trio": "BrokenWorkerProcess",
}
"""How main learns of the death, in each model (the start of its "why")."""


def _die_or_return(i: int) -> int:
    """A job for the fact tests: job 0's process dies at once, the others return."""
    if i == 0:
        os._exit(1)
    return i + 100


def _job(t: float, i: int, action: str, **detail: Any) -> Event:
    return Event(t, f"job {i}", action, {"job": i, **detail})


def _main(t: float, action: str, **detail: Any) -> Event:
    return Event(t, "main", action, detail)


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def _good_run() -> list[Event]:
    """Two jobs on two workers: job 0 returns, job 1's worker dies; main hears both."""
    return [
        _job(0.0, 0, "starts", on="w"),
        _job(0.0, 1, "starts", on="w"),
        _job(0.1, 1, "dies", how="os._exit(1)"),
        _main(0.15, "loses job", job=1, why="E"),
        _job(0.2, 0, "returns", result=100),
        _main(0.25, "gets result", job=0, result=100),
    ]


def test_a_good_run_breaks_no_invariant() -> None:
    # the hand-made run the next tests break, one way each
    assert _violations(_good_run(), jobs=2, workers=2, crash=1) == []


def test_invariant_catches_more_jobs_than_workers() -> None:
    # a second job starting while one runs breaks a pool of one
    assert _violations(_good_run(), jobs=2, workers=1, crash=1) == [
        "2 jobs ran at once at t=0.000s: [0, 1]"
    ]


def test_invariant_catches_a_job_skipped_or_run_again() -> None:
    # a lost job is reported, not rerun; and no job is left out
    events = [*_good_run(), _job(0.3, 1, "starts", on="w"), _job(0.4, 1, "returns", result=101)]
    assert _violations(events, jobs=3, workers=3, crash=1) == [
        "job 1 started 2 times",
        "job 2 started 0 times",
        "main heard 0 times that job 1 returned",
    ]


def test_invariant_catches_lost_and_invented_outcomes() -> None:
    # main must hear of each death and each result once, after it happened, and of nothing else
    events = [e for e in _good_run() if e.action != "loses job"]  # the death goes unheard
    events += [_main(0.05, "gets result", job=0, result=100)]  # before job 0 returned
    events += [_main(0.3, "loses job", job=0, why="E")]  # job 0 did not die
    assert _violations(events, jobs=2, workers=2, crash=1) == [
        "main got a result from job 0 at t=0.050s, which had not returned",
        "main reported job 0 lost at t=0.300s, which had not died",
        "main heard 2 times that job 0 returned",
        "main heard 0 times that job 1 died",
    ]


@pytest.mark.parametrize("crash", [0, 4])
def test_the_dead_workers_job_is_named_and_the_rest_arrive(model: str, crash: int) -> None:
    # first or last, the job whose worker dies is lost and named; every other job's result
    # arrives; main learns it the model's own way, after the death
    result = threeways.run("crash", model, jobs=5, workers=2, crash=crash, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["lost"] == [crash]
    why = [e.detail["why"] for e in result.events if e.action == "loses job"]
    assert len(why) == 1 and why[0].startswith(WHY[model]), why
    assert f"job {crash}" in result.measurements["death noticed after (s)"]


@pytest.mark.parametrize("crash", [-1, 5])
def test_no_crash_when_crash_is_out_of_range(crash: int) -> None:
    # -1, or an index past the last job, means every worker lives
    result = threeways.run("crash", "threading", jobs=5, crash=crash, **FAST)
    assert result.ok and result.observable["lost"] == []
    assert not any(e.action == "dies" for e in result.events)


def test_no_jobs(model: str) -> None:
    # an empty pool opens, runs nothing and closes
    result = threeways.run("crash", model, jobs=0, **FAST)
    assert result.ok and result.observable == {"workers": 3, "results": [], "lost": []}


def test_the_pool_goes_on_after_the_death(model: str) -> None:
    # with one worker, the jobs that start after the death still run, one by one: on the same
    # thread (threading: it lived on), on a new process (the others); anyio reuses its new one
    result = threeways.run("crash", model, jobs=4, workers=1, crash=1, **FAST)
    assert result.ok, (result.violations, result.observable)
    died = next(e.t for e in result.events if e.action == "dies")
    on = {e.detail["job"]: e.detail["on"] for e in result.events if e.action == "starts"}
    after = {on[e.detail["job"]] for e in result.events if e.action == "starts" and e.t > died}
    if model == "threading":
        assert set(on.values()) == {"worker_0"}
    else:
        assert on[1] not in after
    if model == "trio":
        assert len(after) <= 1  # trio starts the jobs in no set order: none may come after


def test_a_stuck_run_times_out_instead_of_hanging(model: str) -> None:
    # every wait has a timeout: jobs longer than it make the run fail, and clean up. In trio
    # the timeout must come once anyio's workers are up: a worker whose start is cancelled
    # is left running (agronholm/anyio#1337), so there the jobs last a minute
    slow = {"tick": 30.0, "timeout": 3.0} if model == "trio" else {"tick": 0.25, "timeout": 0.05}
    times_out("crash", model, jobs=4, workers=2, **slow)


def test_a_dead_job_has_finished_and_a_running_one_has_not() -> None:
    # when a run fails, a job whose worker died is not reported as still running
    p = SC.params()
    assert SC.finished([_job(0.1, 1, "dies", how="x")], p)
    assert SC.finished([_job(0.1, 0, "returns", result=100)], p)
    assert not SC.finished([_job(0.0, 0, "starts", on="w")], p)
    assert not SC.finished([_main(0.1, "gets result", job=0, result=100)], p)
    assert SC.finished([_main(0.3, "closes pool")], p)


def test_timeline_marks_the_death_and_main_waits_to_the_end() -> None:
    # the dead job's lane ends with a mark; main waits from its first wait to its last event
    events = [_main(0.0, "opens pool"), _main(0.0, "waits for every job"), *_good_run()]
    events.append(_main(0.3, "closes pool"))
    spans = SC.timeline(sorted(events), SC.params(tick=0.1))
    assert ("job 1", 0.1, 0.1 + 0.025, "dies") in spans
    assert [s for s in spans if s.actor == "main"] == [("main", 0.0, 0.3, "waiting")]


# The facts the lesson teaches, on this Python. Anything that may wait for ever waits here
# with a timeout: a result that can never come fails the same after any wait.


def test_fact_a_pool_replaces_its_dead_worker_but_never_delivers_its_job() -> None:
    # multiprocessing.Pool(1): its only worker dies in job 0, yet jobs 1 and 2 complete
    # (a new worker took over), and job 0's get() would wait for ever (gh-66587, gh-96062)
    with quiet_context("spawn").Pool(1) as pool:
        pending = [pool.apply_async(_die_or_return, (i,)) for i in range(3)]
        assert [r.get(timeout=30) for r in pending[1:]] == [101, 102]
        with pytest.raises(multiprocessing.TimeoutError):
            pending[0].get(timeout=0.2)
    gc.collect()  # a terminated Pool is a reference cycle holding its pipes


def test_fact_a_broken_executor_fails_every_job_not_done() -> None:
    # ProcessPoolExecutor(1): its only worker dies in job 0; jobs 1 and 2, which never ran,
    # fail with the same BrokenProcessPool, and the executor takes no new job
    with ProcessPoolExecutor(1, mp_context=quiet_context("spawn")) as pool:
        futures = [pool.submit(_die_or_return, i) for i in range(3)]
        errors = [f.exception(timeout=30) for f in futures]
        assert all(isinstance(e, BrokenProcessPool) for e in errors), errors
        with pytest.raises(BrokenProcessPool):
            pool.submit(_die_or_return, 1)


def test_fact_systemexit_ends_a_plain_thread_silently(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # with threading's own excepthook (pytest installs another), sys.exit() in a thread
    # prints nothing, and join() returns as for a thread that finished
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    thread = threading.Thread(target=sys.exit, args=(1,))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert capsys.readouterr().err == ""


def test_fact_a_thread_pool_keeps_the_systemexit_on_the_future() -> None:
    # ThreadPoolExecutor catches SystemExit: exception() returns it, result() raises it
    # (in main, it would end the program), and the pool's one thread runs the next job
    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(sys.exit, 1)
        assert isinstance(future.exception(timeout=30), SystemExit)
        with pytest.raises(SystemExit):
            future.result()
        assert pool.submit(int, "7").result(timeout=30) == 7


def test_fact_trio_to_thread_raises_the_threads_systemexit_in_the_task() -> None:
    # a thread is no place for a job that may die: its SystemExit ends trio.run
    with pytest.raises(SystemExit):
        trio.run(trio.to_thread.run_sync, sys.exit, 1)

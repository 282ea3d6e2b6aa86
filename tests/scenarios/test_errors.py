"""errors: the invariants catch a doubled cleanup, an early failure, a helper left running
and a lost error; supervised, the error reaches main and the helpers are stopped in every
model; --naive loses the error each model's own way; the facts the lesson teaches hold."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
import trio

import threeways
from threeways import Event
from threeways.scenarios.errors import _asyncio, _multiprocessing, _threading, _trio

from ..conftest import FAST, times_out

SC = threeways.get_scenario("errors")
MODULES = {
    "threading": _threading,
    "multiprocessing": _multiprocessing,
    "asyncio": _asyncio,
    "trio": _trio,
}


def _good_run() -> list[Event]:
    """A correct supervised run with the defaults: Ann and Cat finish, Bob raises, the
    helpers are stopped, main sees Bob's error."""
    events = [Event(0.0, name, "starts") for name in ("Ann", "Bob", "Cat", "helper 1", "helper 2")]
    events += [
        Event(0.1, "Ann", "finishes"),
        Event(0.11, "Ann", "cleans up"),
        Event(0.2, "Bob", "waits for the others"),
        Event(0.3, "Cat", "finishes"),
        Event(0.31, "Cat", "cleans up"),
        Event(0.4, "Bob", "raises", "ValueError: Bob failed"),
        Event(0.41, "Bob", "cleans up"),
    ]
    for helper in ("helper 1", "helper 2"):
        events += [Event(0.5, helper, "is stopped"), Event(0.51, helper, "cleans up")]
    return [*events, Event(0.6, "main", "sees error", "ValueError: Bob failed")]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_a_good_run_is_expected_and_violates_nothing() -> None:
    # the synthetic run is a correct one: the violations in the next tests are real
    p = SC.params()
    assert SC.observe(_good_run(), p) == SC.expected(p)
    assert _violations(_good_run()) == []


def test_invariant_catches_a_doubled_cleanup_and_two_endings() -> None:
    # each actor ends one way, then cleans up exactly once, as its very last action
    events = [e for e in _good_run() if (e.actor, e.action) != ("helper 2", "cleans up")]
    events += [Event(0.12, "Ann", "cleans up"), Event(0.7, "Cat", "raises", "E")]
    events += [Event(0.8, "helper 1", "beats")]
    assert _violations(events) == [
        "Ann cleaned up 2 times",
        "Cat ended 2 times: ['finishes', 'raises']",
        "Cat did 'raises' after cleaning up",
        "helper 1 did 'beats' after cleaning up",
        "helper 2 cleaned up 0 times",
        "Cat raised before Bob finished",
        "'E' never reached main",
    ]


def test_invariant_catches_a_failure_before_the_others_finished() -> None:
    # the failing worker raises only once every other worker has finished
    events = [e if e.action != "raises" else e._replace(t=0.25) for e in _good_run()]
    assert _violations(events) == ["Bob raised before Cat finished"]


def test_invariant_catches_a_helper_left_running_and_a_lost_error() -> None:
    # the naive run's two faults: a helper finishes after the error, which main never sees
    events = [e for e in _good_run() if e.action != "sees error"]
    events = [e._replace(action="finishes") if e.action == "is stopped" else e for e in events]
    assert _violations(events) == [
        "helper 1 finished after Bob raised: nobody stopped it",
        "helper 2 finished after Bob raised: nobody stopped it",
        "'ValueError: Bob failed' never reached main",
    ]


def test_invariant_catches_a_needless_stop_and_an_invented_error() -> None:
    # no helper is stopped while nothing failed; main sees no error that nobody raised
    events = [e for e in _good_run() if e.actor != "Bob" and e.action != "sees error"]
    events += [Event(0.6, "main", "sees error", "E"), Event(0.7, "main", "sees error", "E")]
    assert _violations(events, workers=3, fail=-1) == [
        "Bob ended 0 times: []",
        "Bob cleaned up 0 times",
        "helper 1 was stopped, but nothing had failed",
        "helper 2 was stopped, but nothing had failed",
        "main saw 'E' 2 times, raised 0",
    ]


@pytest.mark.parametrize(("workers", "helpers", "fail"), [(3, 2, 0), (4, 1, 3), (1, 3, 0)])
def test_the_error_reaches_main_and_the_others_stop(
    model: str, workers: int, helpers: int, fail: int
) -> None:
    # whichever worker fails, the others have finished, the helpers are stopped, main sees
    # the error once, and every cleanup runs once
    result = threeways.run("errors", model, workers=workers, helpers=helpers, fail=fail, **FAST)
    assert result.ok, (result.violations, result.observable)
    name = result.observable["failed"][0]
    assert result.observable["main saw"] == [f"ValueError: {name} failed"]


def test_without_a_failure_everyone_finishes(model: str) -> None:
    # nothing fails: the jobs finish, main tells the helpers, and they finish too
    result = threeways.run("errors", model, fail=-1, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["stopped"] == [] == result.observable["main saw"]


def test_without_helpers(model: str) -> None:
    # with nobody left to stop, the error still reaches main
    result = threeways.run("errors", model, helpers=0, **FAST)
    assert result.ok, (result.violations, result.observable)


def _assert_naive(result: threeways.Result) -> None:
    """The naive run's observable: main saw nothing, and the helpers finished."""
    assert not result.ok
    assert result.observable["main saw"] == []
    assert result.observable["stopped"] == []
    assert result.observable["finished"] == ["Ann", "Cat", "helper 1", "helper 2"]
    assert result.observable["cleaned up"] == SC.expected(SC.params())["cleaned up"]


def _caught_by_threeways(model: str, **params: Any) -> threeways.RunFailed:
    """A naive run whose program lost Bob's error: the harness caught it and failed the run."""
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("errors", model, naive=True, **FAST, **params)
    failure = failed.value.result.failure
    assert failure is not None and failure.message == "Bob raised ValueError: Bob failed"
    assert not [e for e in failed.value.result.events if e.action == "sees error"]
    return failed.value


def test_naive_threads_lose_the_error_and_threeways_catches_it(
    capfd: pytest.CaptureFixture[str],
) -> None:
    # a plain Thread's exception goes to threading.excepthook, and main never sees it:
    # threeways's own hook takes it instead of printing it, and fails the run
    _caught_by_threeways("threading")
    assert "Exception in thread" not in capfd.readouterr().err


def test_naive_processes_lose_the_error_and_threeways_catches_it(
    capfd: pytest.CaptureFixture[str], start_method: str
) -> None:
    # a plain Process exits with code 1 and nobody looks: the run's child reports its error
    # to threeways instead of printing it, and it is rebuilt in the parent
    [error] = _caught_by_threeways("multiprocessing", start_method=start_method).exceptions
    assert isinstance(error, ValueError) and "in _job" in str(error.__cause__)
    assert "Process Bob:" not in capfd.readouterr().err


def test_naive_asyncio_loses_the_error_and_threeways_catches_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # a task whose result nobody asks for: asyncio logs its error when it is collected,
    # and that log is threeways's to report, not a line on stderr
    _caught_by_threeways("asyncio")
    assert not [r for r in caplog.records if r.name == "asyncio"]


def test_naive_trio_swallows_the_error_in_a_broad_except() -> None:
    # the nurseries see nothing: the job's own except Exception noted the error and went on
    result = threeways.run("errors", "trio", naive=True, **FAST)
    _assert_naive(result)
    notes = [e.detail for e in result.events if e.actor == "log"]
    assert notes == ["ValueError: Bob failed"]


def test_naive_makes_no_difference_when_nothing_fails() -> None:
    # --naive loses errors; with none to lose, the run is ok
    result = threeways.run("errors", "trio", naive=True, fail=-1, **FAST)
    assert result.ok, result.violations


def test_what_main_catches(model: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # threads and processes: the job's ValueError itself (from a process, with the child's
    # traceback for its cause); asyncio and trio: nested ExceptionGroups, one per group
    caught: list[BaseException] = []
    monkeypatch.setattr(MODULES[model], "main_sees", lambda trace, error: caught.append(error))
    threeways.run("errors", model, **FAST)
    [error] = caught
    if model in ("threading", "multiprocessing"):
        assert type(error) is ValueError and str(error) == "Bob failed"
        if model == "multiprocessing":
            assert "Traceback" in str(error.__cause__) and "in _job" in str(error.__cause__)
    else:
        assert isinstance(error, ExceptionGroup)
        [inner] = error.exceptions
        assert isinstance(inner, ExceptionGroup)
        assert [repr(e) for e in inner.exceptions] == ["ValueError('Bob failed')"]


def test_a_stuck_run_times_out_instead_of_hanging(model: str) -> None:
    # every wait has a timeout: jobs longer than it make the run fail, and clean up
    times_out("errors", model, tick=0.2, timeout=0.05)


def test_an_unasked_future_loses_its_error_silently(capfd: pytest.CaptureFixture[str]) -> None:
    # the threading lesson: nobody calls result(), and nothing is printed or logged
    def fail() -> None:
        raise ValueError("lost")

    with ThreadPoolExecutor(1) as pool:
        future = pool.submit(fail)
    del future
    assert capfd.readouterr().err == ""


def test_gather_raises_the_first_error_but_leaves_the_others_running() -> None:
    # the asyncio lesson: gather without return_exceptions cancels nothing
    async def main() -> list[str]:
        said: list[str] = []

        async def slow() -> None:
            await asyncio.sleep(0.05)
            said.append("slow finished")

        async def fail() -> None:
            raise ValueError("first")

        other = asyncio.create_task(slow())
        with pytest.raises(ValueError):
            await asyncio.gather(other, fail())
        said.append(f"gather raised; the other done: {other.done()}")
        await other
        return said

    assert asyncio.run(main()) == ["gather raised; the other done: False", "slow finished"]


def test_a_broad_except_does_not_catch_trio_cancelled() -> None:
    # the trio lesson: except Exception swallows errors but lets a cancellation through
    async def main() -> None:
        with trio.move_on_after(0.01):
            try:
                await trio.sleep_forever()
            except Exception:
                pytest.fail("except Exception caught trio.Cancelled")

    trio.run(main)


def test_finished_actors_are_the_ones_that_cleaned_up() -> None:
    # a failed run reports as still running only the actors that had not cleaned up
    p = SC.params()
    assert SC.finished([Event(0.1, "Ann", "cleans up")], p)
    assert SC.finished([Event(0.1, "main", "ends")], p)
    assert not SC.finished([Event(0.1, "helper 1", "beats")], p)
    assert not SC.finished([Event(0.1, "Bob", "raises", "ValueError: Bob failed")], p)


def test_narrate_tells_the_error() -> None:
    # the story names the error main saw
    assert SC.narrate(Event(0.1, "main", "sees error", "ValueError: Bob failed")) == (
        "main sees ValueError: Bob failed"
    )


def test_asyncio_logger_is_quiet_when_supervised(caplog: pytest.LogCaptureFixture) -> None:
    # a TaskGroup retrieves every error: nothing is left for asyncio to log
    caplog.set_level(logging.ERROR, logger="asyncio")
    assert threeways.run("errors", "asyncio", **FAST).ok
    assert [r for r in caplog.records if r.name == "asyncio"] == []


def _is_set(event: Any) -> bool:
    return bool(event.is_set())


def test_a_managers_event_travels_with_a_job_a_plain_one_does_not() -> None:
    # the multiprocessing lesson: a job's arguments are pickled; a plain Event refuses to be
    # ("only be shared between processes through inheritance"), a manager's proxy travels
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        with pytest.raises(RuntimeError, match="through inheritance"):
            pool.submit(_is_set, ctx.Event()).result(timeout=30)
        with ctx.Manager() as manager:
            event = manager.Event()
            event.set()
            assert pool.submit(_is_set, event).result(timeout=30) is True

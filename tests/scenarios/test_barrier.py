"""barrier: its invariants catch a worker that races ahead, an action out of place, a barrier
broken for nothing and a lost error; a failing worker stops the others at the barrier in
every model, each its own way; the action runs where each model runs it."""

from __future__ import annotations

import gc
import time
from typing import Any

import pytest

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("barrier")


def _phase(actor: str, phase: int, t: float) -> list[Event]:
    """A worker's whole phase, done properly: start, finish, wait, pass."""
    actions = ("starts phase", "finishes phase", "waits at the barrier", "passes the barrier")
    return [Event(t + 0.01 * n, actor, action, phase) for n, action in enumerate(actions)]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_invariant_catches_a_worker_that_races_ahead() -> None:
    # Bob starts phase 2 and passes barrier 1 while Ann is still computing phase 1, and
    # the action runs for phase 1 before Ann has finished it
    events = [*_phase("Bob", 1, 0.0), *_phase("Bob", 2, 0.1), *_phase("Ann", 1, 0.5)]
    events += [*_phase("Ann", 2, 1.0), Event(0.2, "action", "runs", "x")]
    assert _violations(events, workers=2, phases=2) == [
        "Bob passed barrier 1 at t=0.030s before Ann arrived at it",
        "Bob started phase 2 at t=0.100s before Ann finished phase 1",
        "Bob passed barrier 2 at t=0.130s before Ann arrived at it",
        "Bob started phase 2 at t=0.100s before the action ran after phase 1",
        "the action ran at t=0.200s, for phase 1, before Ann finished it",
    ]


def test_invariant_catches_an_action_out_of_place() -> None:
    # the action runs once a phase, after every worker finished it, before anyone goes on
    events = [*_phase("Ann", 1, 0.0), *_phase("Bob", 1, 0.0), Event(0.05, "action", "runs", "x")]
    events += [*_phase("Ann", 2, 0.1), *_phase("Bob", 2, 0.1), Event(0.2, "action", "runs", "x")]
    assert _violations(events, workers=2, phases=2) == []
    assert _violations([e for e in events if e.t != 0.05], workers=2, phases=2) == [
        "Ann started phase 2 at t=0.100s before the action ran after phase 1",
        "Bob started phase 2 at t=0.100s before the action ran after phase 1",
    ]


def test_invariant_catches_a_barrier_broken_for_nothing() -> None:
    # a worker stops at the barrier only once another has failed, and does nothing after
    events = [
        Event(0.1, "Ann", "sees the barrier broken", 1),
        Event(0.2, "Bob", "raises", 1),
        Event(0.3, "Cat", "is cancelled at the barrier", 1),
        Event(0.4, "Cat", "finishes phase", 1),
        Event(0.5, "main", "sees error", "ValueError: Bob failed in phase 1"),
    ]
    assert _violations(events, workers=3, phases=1) == [
        "Ann sees the barrier broken at t=0.100s, but nobody had failed",
        "Cat finishes phase after it stopped at the barrier",
    ]


def test_invariant_catches_a_lost_error() -> None:
    # the failing worker's error reaches main, once
    events = [Event(0.1, "Bob", "raises", 2)]
    assert _violations(events, workers=2, phases=3) == [
        "main saw 'ValueError: Bob failed in phase 2' 0 times"
    ]


def test_the_defaults_fail_nobody_and_the_variation_does() -> None:
    # the default run is the happy path; check's variation has the last worker fail
    assert SC.expected(SC.params())["failed"] == {}
    (variation,) = SC.variations
    assert SC.expected(SC.params(**variation))["failed"] == {"Dan": 3}


@pytest.mark.parametrize("phase", [1, 2])
def test_a_failing_worker_stops_the_others_at_the_barrier(model: str, phase: int) -> None:
    # threading, multiprocessing, asyncio: abort() breaks the barrier for the others;
    # trio has no abort: the nursery cancels them, waiting at the barrier
    result = threeways.run("barrier", model, workers=3, phases=3, fail_in_phase=phase, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["stopped at the barrier"] == {"Ann": phase, "Bob": phase}
    stops = {e.action for e in result.events if e.actor in ("Ann", "Bob")}
    if model == "trio":
        assert "is cancelled at the barrier" in stops and "sees the barrier broken" not in stops
    else:
        assert "sees the barrier broken" in stops and "is cancelled at the barrier" not in stops


def test_the_action_runs_where_each_model_runs_it(model: str) -> None:
    # threading and multiprocessing: a worker thread or process (CPython: the last to
    # arrive); asyncio: the task whose wait() returned 0, the first to arrive; trio: the
    # last to arrive, in our own barrier
    result = threeways.run("barrier", model, workers=3, phases=3, **FAST)
    assert result.ok, result.violations
    arrivals: dict[int, list[str]] = {}
    ran = []
    for e in result.events:
        if e.action == "waits at the barrier":
            arrivals.setdefault(e.detail, []).append(e.actor)
        elif e.actor == "action":
            ran.append(e.detail)
    if model == "asyncio":
        assert ran == [arrivals[phase][0] for phase in (1, 2, 3)]
    elif model == "trio":
        assert ran == [arrivals[phase][-1] for phase in (1, 2, 3)]
    elif model == "threading":
        assert all(name.startswith("worker_") for name in ran), ran
    else:
        assert all("Process-" in name for name in ran), ran


def test_a_worker_that_breaks_down_does_not_hang_the_others(model: str) -> None:
    # a worker that raises without abort() (an injected fault) fails the run, and quickly:
    # main breaks the barrier (threads, processes) or the group cancels the rest
    start = time.monotonic()
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("barrier", model, fail_at="Ann finishes phase", tick=0.002, timeout=20)
    failure = failed.value.result.failure
    assert failure is not None and failure.kind != "timeout", failure
    assert "raised InjectedFault: injected at 'Ann'" in failure.message, failure.message
    assert time.monotonic() - start < 10
    # The error, raised again in main, holds main's frame, and so the process pool and its
    # pipes, until the collector runs.
    del failed, failure
    gc.collect()


@pytest.mark.parametrize("fail", [0, 4])
def test_nobody_fails_when_the_phase_is_out_of_range(fail: int) -> None:
    # 0, or a phase past the last, means every worker computes every phase
    result = threeways.run("barrier", "threading", phases=3, fail_in_phase=fail, **FAST)
    assert result.ok and result.observable["failed"] == {}
    assert result.observable["action ran after phase"] == [1, 2, 3]


def test_one_worker_is_its_own_barrier(model: str) -> None:
    # a barrier of one lets its worker through at once, and still runs the action
    result = threeways.run("barrier", model, workers=1, phases=2, fail_in_phase=2, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["action ran after phase"] == [1]


def test_timeline_marks_each_phase_and_each_action() -> None:
    # the axis names the phases; the action is a moment, not a lane between its runs
    events = [*_phase("Ann", 1, 0.0), Event(0.05, "action", "runs", "x"), *_phase("Ann", 2, 0.1)]
    p = SC.params(workers=1, phases=2)
    assert [m.label for m in SC.marks(events, p)] == ["phase 1", "phase 2"]
    actions = [s for s in SC.timeline(events, p) if s.actor == "action"]
    assert len(actions) == 1 and actions[0].end - actions[0].start < 0.001
    waits = [s for s in SC.timeline(events, p) if s.state == "waiting"]
    assert len(waits) == 2

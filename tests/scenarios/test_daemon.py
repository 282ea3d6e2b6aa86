"""daemon: the joined worker finishes, the daemon is cut short, and nothing is left behind."""

from __future__ import annotations

import pytest

import threeways
from threeways import Event
from threeways._standalone import standalone

from ..conftest import FAST, fast_run

SC = threeways.get_scenario("daemon")


def _good_run(steps: int = 2) -> list[Event]:
    events = [Event(0.0, "daemon", "starts"), Event(0.1, "main", "starts the worker")]
    events += [Event(0.2 + i / 10, "worker", "does step", i + 1) for i in range(steps)]
    t = 0.2 + steps / 10
    return [
        *events,
        Event(t, "worker", "finishes"),
        Event(t + 0.01, "main", "has joined the worker"),
        Event(t + 0.02, "main", "ends", {"daemon running": True}),
    ]


def test_a_good_run_violates_nothing() -> None:
    # the synthetic run below is a correct one: the violations in the next tests are real
    assert list(SC.invariants(_good_run(), SC.params(steps=2))) == []


def test_invariant_catches_main_ending_before_the_join() -> None:
    # a main flow that ends without having joined the worker is reported
    events = [e for e in _good_run() if e.action != "has joined the worker"]
    assert list(SC.invariants(events, SC.params(steps=2))) == [
        "main has joined the worker: never happened",
        "main ends before main has joined the worker",
    ]


def test_invariant_catches_a_join_that_did_not_wait() -> None:
    # "joined" recorded before the worker finished means the join did not wait
    events = _good_run()
    joined = next(e for e in events if e.action == "has joined the worker")
    events.remove(joined)
    events.insert(2, joined)
    assert "main has joined the worker before worker finishes" in SC.invariants(
        events, SC.params(steps=2)
    )


def test_invariant_catches_the_worker_started_before_the_daemon_ran() -> None:
    # the handshake: the main flow starts the worker only once the daemon runs
    events = _good_run()
    events.append(events.pop(0))
    assert list(SC.invariants(events, SC.params(steps=2))) == [
        "main starts the worker before daemon starts"
    ]


def test_invariant_catches_steps_out_of_order() -> None:
    # the worker's steps come one after another
    events = _good_run()
    events[2], events[3] = events[3], events[2]
    assert list(SC.invariants(events, SC.params(steps=2))) == [
        "the worker's steps are out of order: [2, 1]"
    ]


def test_a_good_run_is_the_expected_observable() -> None:
    # the synthetic good run is what every model must produce
    p = SC.params(steps=2)
    assert SC.observe(_good_run(), p) == SC.expected(p)


def test_daemon_that_stopped_before_main_ended_changes_the_observable() -> None:
    # a daemon that was no longer running when the main flow ended is not a cut-short daemon
    events = _good_run()
    events[-1] = events[-1]._replace(detail={"daemon running": False})
    p = SC.params(steps=2)
    assert SC.observe(events, p)["daemon"] == {"started": True, "running when main ends": False}


@pytest.mark.parametrize("steps", [1, 4])
def test_worker_finishes_and_daemon_does_not(model: str, steps: int) -> None:
    # in every model the joined worker does all its steps; the daemon started and still ran
    # when the main flow ended
    result = threeways.run("daemon", model, steps=steps, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["daemon"] == {"started": True, "running when main ends": True}
    assert result.measurements["daemon beats"] >= 1


def test_only_cancellation_runs_the_daemons_finally(model: str) -> None:
    # asyncio and trio cancel the daemon with an exception (finally runs); a daemon thread
    # or a terminated daemon process just stops (finally never runs)
    result = threeways.run("daemon", model, **FAST)
    assert result.measurements["daemon's finally ran"] is (model in ("asyncio", "trio"))


@pytest.mark.parametrize("model", ["threading", "multiprocessing"])
def test_a_stuck_program_is_stopped_with_all_it_started(model: str) -> None:
    # the child interpreter (or its join) times out; nothing it started is left running
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("daemon", model, steps=100, tick=0.05, timeout=0.3)
    assert failed.value.result.failure is not None
    assert failed.value.result.failure.kind == "timeout"


def test_the_daemon_runs_until_the_program_ends(model: str) -> None:
    # its bar does not stop at its last beat: it lasts past main's end, until the program
    # exits (threading, multiprocessing: a lane of its own) or the daemon is cancelled
    result = fast_run("daemon", model)
    p = SC.params(**result.params)
    spans = SC.timeline(result.events, p)
    ends = next(e.t for e in result.events if (e.actor, e.action) == ("main", "ends"))
    assert max(s.end for s in spans if s.actor == "daemon") >= ends
    labels = [m.label for m in SC.marks(result.events, p)]
    assert labels[-2:] == [
        "the daemon beats, main joins the worker",
        "main ended, daemon cut short",
    ]
    in_a_program = model in ("threading", "multiprocessing")
    assert ("a new interpreter starts" in labels) is in_a_program
    assert any(s.actor == "program" for s in spans) is in_a_program


def test_the_worker_starts_before_its_first_step(model: str) -> None:
    # its lane begins when it starts, not one tick later at its first step
    events = [e for e in fast_run("daemon", model).events if e.actor == "worker"]
    assert [e.action for e in events[:2]] == ["starts", "does step"]


@pytest.mark.parametrize("model", ["threading", "multiprocessing"])
def test_the_standalone_script_is_the_program_itself(model: str) -> None:
    # show --standalone runs _program directly, as a real program whose exit ends the
    # daemon, and keeps the comment that says so
    script = standalone(SC, model)
    assert "    _program(Recorder(*method), _params(given))" in script
    assert "run_program" not in script and "when this returns, the program ends" in script

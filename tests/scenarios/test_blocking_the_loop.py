"""blocking_the_loop: CPU work on the loop stops the heartbeat; elsewhere it does not."""

from __future__ import annotations

import threeways
from threeways import Event
from threeways.scenarios.blocking_the_loop import work_size

from ..conftest import FAST

SC = threeways.get_scenario("blocking_the_loop")
PLACES = {
    "threading": ["in main"],
    "multiprocessing": ["in main"],
    "asyncio": ["on the loop", "in a thread", "in a process"],
    "trio": ["on the loop", "in a thread", "in a process"],
}
"""Where each model runs the jobs: a thread or a process has no loop to block."""


def _beats(*times: float) -> list[Event]:
    return [Event(t, "heartbeat", "beats", i) for i, t in enumerate(times, 1)]


def _phase(t: float, where: str, jobs: int = 2) -> list[Event]:
    """Jobs one after another from ``t``, a second each."""
    events = [Event(t, "main", "starts", where)]
    for job in range(1, jobs + 1):
        events += [Event(t, f"job {job}", "starts"), Event(t + 1, f"job {job}", "is done")]
        t += 1
    return [*events, Event(t, "main", "ends", where)]


def _run(*beats: float) -> list[Event]:
    """Jobs on the loop from t=1 to t=3, then in a thread from t=3 to t=5; a beat at each
    of ``beats``; the heartbeat stops at the end."""
    events = [*_phase(1.0, "on the loop"), *_phase(3.0, "in a thread"), *_beats(*beats)]
    events.append(Event(5.5, "heartbeat", "stops"))
    return sorted(events, key=lambda e: e.t)


def test_every_job_is_done_wherever_it_runs(model: str) -> None:
    # the observable is the jobs done, the same in every phase of every model; the
    # heartbeat's gaps are measured for each place the model runs the jobs
    result = threeways.run("blocking_the_loop", model, jobs=2, work=2_000, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable == {"jobs done": [1, 2]}
    assert list(result.measurements["beats while the jobs ran"]) == PLACES[model]
    if model in ("asyncio", "trio"):  # forced: the loop's one thread was busy with the job
        assert result.measurements["beats while the jobs ran"]["on the loop"] == 0


def test_the_heartbeat_beats_before_the_jobs_on_the_loop(model: str) -> None:
    # asyncio and trio let the heartbeat take its first turn before main blocks the loop
    # (else nothing would show that it was stopped); threads and processes start their own
    result = threeways.run("blocking_the_loop", model, jobs=1, work=2_000, **FAST)
    first_job = next(e.t for e in result.events if e.actor == "job 1")
    if model in ("asyncio", "trio"):
        assert any(e.action == "beats" and e.t < first_job for e in result.events)


def test_invariant_catches_a_beat_while_a_job_runs_on_the_loop() -> None:
    # a beat recorded while a job runs on the loop is reported; between two jobs, before
    # or after them, or while a job runs in a thread, the heartbeat may beat
    events = _run(0.5, 1.5, 3.0, 3.5, 4.5)
    assert list(SC.invariants(events, SC.params(jobs=2))) == [
        "the heartbeat beat at t=1.500s while a job ran on the loop"
    ]


def test_invariant_wants_the_heartbeat_stopped() -> None:
    # the run ends with the heartbeat told to stop
    events = [e for e in _run(0.5) if e.action != "stops"]
    assert list(SC.invariants(events, SC.params(jobs=2))) == ["the heartbeat did not stop"]


def test_a_job_not_done_shows_in_the_observable() -> None:
    # a job that gave up in one phase makes the phases disagree
    events = [e for e in _run(0.5) if not (e.t == 5.0 and e.action == "is done")]
    assert SC.observe(events, SC.params(jobs=2)) == {
        "jobs done": {"on the loop": [1, 2], "in a thread": [1]}
    }


def test_the_gaps_are_measured_within_each_phase() -> None:
    # the longest time without a beat, in ticks, within each phase: the loop's gap does
    # not spill into the next phase; beats while the jobs ran are counted
    measured = SC.measure(_run(0.5, 3.2, 3.7, 4.2, 4.7), SC.params(jobs=2, tick=0.5))
    assert measured["longest heartbeat gap (ticks)"] == {"on the loop": 4.0, "in a thread": 1.0}
    assert measured["beats while the jobs ran"] == {"on the loop": 0, "in a thread": 4}


def test_phases_are_marked_and_beats_drawn() -> None:
    # a mark per phase; a job is drawn running, each beat as a short bar
    events = _run(0.5, 3.5)
    marks = SC.marks(events, SC.params(jobs=2))
    assert [(m.t, m.label) for m in marks] == [(1.0, "jobs on the loop"), (3.0, "jobs in a thread")]
    spans = SC.timeline(events, SC.params(jobs=2, tick=0.5))
    assert {s.state for s in spans if s.actor == "heartbeat"} == {"beats"}
    assert {s.state for s in spans if s.actor.startswith("job")} == {"running"}


def test_calibration_sizes_a_job_from_the_tick() -> None:
    # work=0 sizes a job to JOB_TICKS ticks; an explicit size wins
    assert work_size(SC.params(tick=0.01)) > work_size(SC.params(tick=0.0))
    assert work_size(SC.params(work=123)) == 123

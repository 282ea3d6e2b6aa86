"""gil: the jobs compute the same results in every model and phase; timings are only shown."""

from __future__ import annotations

import threeways
from threeways import Event
from threeways.scenarios.gil import crunch, work_size

from ..conftest import FAST

SC = threeways.get_scenario("gil")
SMALL = {"jobs": 2, "work": 2_000, **FAST}
"""An explicit small size: the tests check results, not speed."""


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


def test_results_agree_and_timings_are_only_measured(model: str) -> None:
    # every phase of every model computes the expected checksum for each job; each phase's
    # time and speed-up is measured (never asserted: it depends on the machine); asyncio and
    # trio also measure their heartbeat, which never beats while CPU work blocks the loop
    result = threeways.run("gil", model, **SMALL)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["cpu"] == [crunch(1, 2_000), crunch(2, 2_000)]
    seconds = result.measurements["seconds"]
    sequential = {"cpu, one after another", "io, one after another"}
    assert sequential <= set(seconds)
    assert set(result.measurements["speed-up"]) == set(seconds) - sequential
    assert result.measurements["GIL"] in ("enabled", "disabled (free-threaded build)")
    gaps = result.measurements.get("longest heartbeat gap (ticks)")
    assert (gaps is not None) is (model in ("asyncio", "trio"))


def test_invariant_catches_a_beat_on_a_blocked_loop() -> None:
    # a heartbeat recorded while the CPU jobs run on the loop is reported
    beat = Event(0.2, "heartbeat", "beats", 1)
    events = sorted([*_phases("cpu", [7, 8]), *_phases("io", ["page 1", "page 2"]), beat], key=_t)
    p = SC.params(jobs=2, work=10)
    assert list(SC.invariants(events, p)) == [
        "the heartbeat beat at t=0.200s while CPU work blocked the loop"
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

"""manager: invariants catch lost and duplicated writes; the proxy pitfall is shown for real."""

from __future__ import annotations

import threeways
from threeways import Event

from ..conftest import FAST

SC = threeways.get_scenario("manager")
P = SC.params(workers=2, items=1)


def _run_of(final_dict: dict[str, object], final_list: list[str]) -> list[Event]:
    return [
        Event(0.0, "worker 1", "starts its list"),
        Event(0.1, "worker 2", "starts its list"),
        Event(0.2, "worker 1", "writes", 1),
        Event(0.3, "worker 2", "writes", 1),
        Event(0.4, "main", "reads the dict", final_dict),
        Event(0.5, "main", "reads the list", final_list),
    ]


GOOD_DICT = {"total": 2, "worker 1": [1], "worker 2": [1]}
GOOD_LIST = ["worker 2 #1", "worker 1 #1"]


def test_a_good_run_breaks_no_invariant() -> None:
    # what the design promises passes every check and is the expected observable
    events = _run_of(GOOD_DICT, GOOD_LIST)
    assert list(SC.invariants(events, P)) == []
    assert SC.observe(events, P) == SC.expected(P)


def test_invariants_catch_a_lost_increment() -> None:
    # two workers read the same total without a lock: one increment is lost
    events = _run_of({**GOOD_DICT, "total": 1}, GOOD_LIST)
    assert list(SC.invariants(events, P)) == [
        "the total is 1 but 2 items were written (lost update)"
    ]


def test_invariants_catch_the_proxy_pitfall() -> None:
    # an append to a nested list that never reached the manager is reported
    events = _run_of({**GOOD_DICT, "worker 2": []}, GOOD_LIST)
    assert list(SC.invariants(events, P)) == ["worker 2 wrote [1] but its list in the dict is []"]


def test_invariants_catch_lost_duplicated_and_unknown_entries() -> None:
    # the list holds each written entry once and nothing else; the dict has no stray keys
    events = _run_of({**GOOD_DICT, "worker 9": []}, ["worker 1 #1", "worker 1 #1", "ghost"])
    assert list(SC.invariants(events, P)) == [
        "'worker 1 #1' is in the list 2 times, not once",
        "'worker 2 #1' is in the list 0 times, not once",
        "'ghost' is in the list but was never written",
        "the dict has 'worker 9', which no worker wrote",
    ]


def test_invariants_need_the_results_read_once() -> None:
    # a run whose main flow never read the results is not ok
    events = _run_of(GOOD_DICT, GOOD_LIST)[:-1]
    assert list(SC.invariants(events, P)) == [
        "the results were read {'reads the dict': 1}, not once each"
    ]


def test_multiprocessing_shows_the_proxy_pitfall(start_method: str) -> None:
    # in place, an append to a list nested in a managed dict is lost; reassigning the key works
    result = threeways.run("manager", "multiprocessing", start_method=start_method, **FAST)
    shown = [e.detail for e in result.events if e.action == "runs"]
    assert [(d["code"], d["sees"]) for d in shown] == [
        ("d['nested'].append(1)", []),
        ("nested = d['nested']; nested.append(1); d['nested'] = nested", [1]),
    ]
    assert result.ok, (result.violations, result.observable)


def test_no_items_at_all(model: str) -> None:
    # workers that write nothing still leave their empty list, and the total stays 0
    result = threeways.run("manager", model, workers=3, items=0, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["dict"] == {"total": 0, "worker 1": [], "worker 2": [], "worker 3": []}


def test_many_writers_lose_nothing(model: str) -> None:
    # many workers and items with no pause: no append and no increment is lost
    result = threeways.run("manager", model, workers=8, items=25, tick=0.0, timeout=30.0)
    assert result.ok, (result.violations, result.observable)

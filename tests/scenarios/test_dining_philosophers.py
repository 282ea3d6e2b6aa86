"""dining_philosophers: its invariants catch a fork held twice, a meal without both forks and
neighbours eating at once; the default order never deadlocks; --naive deadlocks every time,
in every model, with every philosopher holding one fork and waiting for the next; asyncio
and trio hand a fork over in turn; trio refuses a fork its task already holds."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
import trio

import threeways
from threeways import Event
from threeways.scenarios.dining_philosophers import fork_name, own_forks, philosopher_names

from ..conftest import FAST

SC = threeways.get_scenario("dining_philosophers")


def _meal(t: float, who: str, forks: tuple[str, str], meal: int = 1) -> list[Event]:
    """One whole meal of ``who``: both forks taken, eaten, put down, 0.1 s apart."""
    first, second = forks
    return [
        Event(t, who, "takes", first),
        Event(t + 0.1, who, "takes", second),
        Event(t + 0.2, who, "eats", meal),
        Event(t + 0.3, who, "releases", second),
        Event(t + 0.4, who, "releases", first),
    ]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_invariants_pass_a_correct_meal_each() -> None:
    # three philosophers eating one after another, each with its own two forks, are fine
    events = _meal(0.0, "Plato", ("fork 1", "fork 2"))
    events += _meal(1.0, "Kant", ("fork 2", "fork 3"))
    events += _meal(2.0, "Hume", ("fork 1", "fork 3"))
    assert _violations(events, philosophers=3) == []


def test_invariant_catches_a_fork_held_twice() -> None:
    # a fork taken while its neighbour holds it, and one put down by someone who never had it
    events = _meal(0.0, "Plato", ("fork 1", "fork 2"))
    events += [Event(0.15, "Kant", "takes", "fork 2"), Event(0.6, "Kant", "releases", "fork 3")]
    assert _violations(events, philosophers=3) == [
        "Kant took fork 2 at t=0.150s, held by Plato",
        "Kant put down fork 3 at t=0.600s without holding it",
    ]


def test_invariant_catches_a_meal_without_both_forks() -> None:
    # eating with one fork in hand (or none) breaks the rules of the table
    events = [Event(0.0, "Plato", "takes", "fork 1"), Event(0.1, "Plato", "eats", 1)]
    events += [Event(0.2, "Hume", "eats", 1)]
    assert _violations(events, philosophers=4) == [
        "Plato ate at t=0.100s without fork 2",
        "Hume ate at t=0.200s without fork 3 and fork 4",
    ]


def test_invariant_catches_neighbours_eating_at_once() -> None:
    # two neighbours whose meals overlap, as forks that do not exclude (a copy each) allow
    events = [Event(0.0, "Plato", "eats", 1), Event(0.1, "Kant", "eats", 1)]
    events += [Event(0.2, "Hume", "eats", 1), Event(0.3, "Plato", "releases", "fork 1")]
    violations = [v for v in _violations(events, philosophers=4) if "neighbour" in v]
    assert violations == [
        "Kant ate at t=0.100s while Plato, a neighbour, ate",
        "Hume ate at t=0.200s while Kant, a neighbour, ate",
    ]


def test_the_last_philosopher_sits_between_the_last_fork_and_the_first() -> None:
    # the round table: seat i has forks i and i+1, and the last seat closes the circle
    assert [own_forks(seat, 5) for seat in range(5)] == [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]
    assert fork_name(0) == "fork 1"


@pytest.mark.parametrize("params", [{"philosophers": 2, "meals": 6}, {"meals": 0}])
def test_every_philosopher_eats_every_meal(model: str, params: dict[str, Any]) -> None:
    # two at the table (both want fork 1 first), or nothing to eat: the run still ends ok
    result = threeways.run("dining_philosophers", model, **params, **FAST)
    assert result.ok, (result.violations, result.observable)


def _deadlocked(model: str, **params: Any) -> threeways.Failure:
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run("dining_philosophers", model, naive=True, tick=0.002, timeout=3.0, **params)
    failure = failed.value.result.failure
    assert failure is not None
    return failure


def test_naive_philosophers_deadlock_every_time(model: str) -> None:
    # each holds the left fork and waits for the right one, which the next one holds: the
    # circle is forced by the Barrier, not by luck, and the run fails naming all of it
    failure = _deadlocked(model)
    assert failure.kind == "deadlock", failure
    names = philosopher_names(5)
    waits = {(e.actor, e.action, e.detail) for e in failure.still_running}
    assert waits == {(n, "waits for", fork_name((i + 1) % 5)) for i, n in enumerate(names)}
    assert failure.message.startswith("deadlock: "), failure.message
    for i, name in enumerate(names):
        left, right = fork_name(i), fork_name((i + 1) % 5)
        link = f"{name} holds {left} and waits for {right}, held by {names[(i + 1) % 5]}"
        assert link in failure.message, failure.message


def test_naive_deadlocks_under_every_start_method(start_method: str) -> None:
    # the circle closes whether the philosophers were forked or spawned
    with pytest.raises(threeways.RunFailed) as failed:
        threeways.run(
            "dining_philosophers",
            "multiprocessing",
            start_method=start_method,
            naive=True,
            philosophers=3,
            tick=0.002,
            timeout=5.0,
        )
    failure = failed.value.result.failure
    assert failure is not None and failure.kind == "deadlock", failure
    assert len(failure.still_running) == 3, failure


@pytest.mark.parametrize("model", ["asyncio", "trio"])
def test_tasks_get_a_fork_in_the_order_they_asked(model: str) -> None:
    # asyncio.Lock and trio.Lock hand a released lock to the longest waiter: never out of
    # turn (threading and multiprocessing promise no order, so nothing is asserted there)
    for _ in range(3):
        result = threeways.run("dining_philosophers", model, meals=6, **FAST)
        assert result.ok and result.measurements["forks out of turn"] == 0


def test_timeline_never_shows_neighbours_eating_at_once(model: str) -> None:
    # one "eating" bar per meal, and a philosopher's bars never overlap its neighbours'
    result = threeways.run("dining_philosophers", model, **FAST)
    spans = SC.timeline(result.events, SC.params(**result.params))
    names = philosopher_names(5)
    eating = {n: [s for s in spans if s.actor == n and s.state == "eating"] for n in names}
    assert all(len(bars) == 3 for bars in eating.values()), eating
    for a, b in itertools.pairwise([*names, names[0]]):
        for x, y in itertools.product(eating[a], eating[b]):
            assert x.end <= y.start or y.end <= x.start, (x, y)


def test_trio_refuses_a_fork_its_task_already_holds() -> None:
    # trio.Lock has an owner: taking it twice raises at once; asyncio.Lock waits for itself
    async def trio_twice() -> None:
        fork = trio.Lock()
        await fork.acquire()
        with pytest.raises(RuntimeError, match="already held"):
            await fork.acquire()
        fork.release()

    async def asyncio_twice() -> None:
        fork = asyncio.Lock()
        await fork.acquire()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await fork.acquire()
        fork.release()

    trio.run(trio_twice)
    asyncio.run(asyncio_twice())


def test_failure_report_names_what_each_philosopher_last_did() -> None:
    # a full philosopher has done its part; one still waiting is told with its fork
    p = SC.params()
    assert SC.finished([Event(0.1, "Plato", "is full")], p)
    assert not SC.finished([Event(0.1, "Plato", "waits for", "fork 2")], p)
    assert SC.narrate(Event(0.1, "Plato", "eats", 2)) == "Plato eats (meal 2)"

"""readers_writers: invariants catch a writer sharing the book and a reader cutting in
before a waiting writer; readers overlap and read every edition once, by design; each
model's lock keeps new readers out while a writer waits; each Condition refuses a notify
from a caller without its lock, in its own way."""

from __future__ import annotations

import asyncio
import importlib
import multiprocessing
import threading
from typing import Any

import pytest
import trio

import threeways
from threeways import Event

from ..conftest import FAST, fast_run, times_out

SC = threeways.get_scenario("readers_writers")
BOOK = "the book"


def _holds(t: float, actor: str, edition: int) -> list[Event]:
    """``actor`` takes the book at ``t``, reads or writes ``edition``, releases it at ``t + 1``."""
    verb = "writes" if actor.startswith("writer") else "reads"
    return [
        Event(t, actor, "takes", BOOK),
        Event(t + 0.1, actor, verb, edition),
        Event(t + 1, actor, "releases", BOOK),
    ]


def _violations(events: list[Event], **params: Any) -> list[str]:
    return list(SC.invariants(sorted(events), SC.params(**params)))


def test_invariant_catches_a_writer_who_shares_the_book() -> None:
    # a writer taking the book while a reader holds it, or a reader while a writer does
    events = _holds(0.0, "reader 1", 1) + _holds(0.5, "writer 1", 2) + _holds(0.7, "reader 2", 1)
    assert _violations(events) == [
        "writer 1 took the book at t=0.500s while reader 1 held it",
        "reader 2 took the book at t=0.700s while reader 1, writer 1 held it",
    ]


def test_invariant_catches_reading_and_writing_without_the_book() -> None:
    # reads and writes happen only while holding the book; a release follows a take
    events = [
        Event(0.0, "reader 1", "reads", 1),
        Event(0.1, "writer 1", "writes", 2),
        Event(0.2, "reader 2", "releases", BOOK),
    ]
    assert _violations(events) == [
        "reader 1 reads at t=0.000s without holding the book",
        "writer 1 writes at t=0.100s without holding the book",
        "reader 2 released the book at t=0.200s without holding it",
    ]


def test_invariant_catches_a_reader_who_cuts_in_before_a_waiting_writer() -> None:
    # readers-first: a reader comes back and joins the others while the writer waits
    events = _holds(0.0, "reader 1", 1) + _holds(0.0, "reader 2", 1)
    events += [Event(0.5, "writer 1", "waits for", BOOK), *_holds(0.8, "reader 3", 1)]
    events += _holds(2.0, "writer 1", 2)
    assert _violations(events) == [
        "reader 3 took the book at t=0.800s while writer 1 waited for it"
    ]


def test_readers_overlap_and_read_every_edition_once(model: str) -> None:
    # the rendezvous keeps all readers in together; the policy makes each read each edition
    result = threeways.run("readers_writers", model, readers=4, writers=3, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["most readers at once"] == 4
    assert result.observable["read"] == {f"reader {i}": [1, 2, 3, 4] for i in range(1, 5)}


@pytest.mark.parametrize(("readers", "writers"), [(1, 2), (3, 0)])
def test_one_reader_or_no_writer(model: str, readers: int, writers: int) -> None:
    # a lone reader still waits for each writer; with no writer, edition 1 is all there is
    result = threeways.run("readers_writers", model, readers=readers, writers=writers, **FAST)
    assert result.ok, (result.violations, result.observable)
    assert result.observable["written"] == {f"writer {k}": k + 1 for k in range(1, writers + 1)}


def test_a_writer_writes_alone_between_two_editions() -> None:
    # each writer takes the book once every reader of its edition is out, and gives it back
    # before the first reader of the next edition comes in
    events = fast_run("readers_writers", "trio").events
    for k in (1, 2):
        writer = [
            e.t for e in events if e.actor == f"writer {k}" and e.action in ("takes", "releases")
        ]
        before = [e.t for e in events if e.action == "releases" and e.actor.startswith("reader")]
        assert len(writer) == 2
        assert sum(t < writer[0] for t in before) == 3 * k  # every reader read edition k
        reads = [e for e in events if e.action == "reads" and e.detail == k + 1]
        assert all(e.t > writer[1] for e in reads)


def _book(model: str) -> Any:
    module = importlib.import_module(f"threeways.scenarios.readers_writers._{model}")
    if model == "multiprocessing":
        return module._Book(multiprocessing.get_context("spawn"))
    return module._Book()


def _value(x: Any) -> int:
    return int(getattr(x, "value", x))


@pytest.mark.parametrize("model", ["threading", "multiprocessing"])
def test_a_waiting_writer_keeps_new_readers_out_blocking(model: str) -> None:
    # the policy, in the blocking models' lock: while a reader holds the book and a writer
    # waits for it, a new reader cannot get in (its wait times out); the writer goes next
    book = _book(model)
    order: list[str] = []
    with book.reading(1.0):
        writer = threading.Thread(target=lambda: book.writing(5.0).__enter__() or order.append("w"))
        writer.start()
        with book.changed:
            assert book.changed.wait_for(lambda: _value(book.waiting) == 1, 5.0)
        with pytest.raises(TimeoutError), book.reading(0.05):
            order.append("r")
    writer.join(5.0)
    assert order == ["w"] and not writer.is_alive()


def test_a_waiting_writer_keeps_new_readers_out_asyncio() -> None:
    # the same in asyncio's lock: a new reader times out while the writer waits
    async def main() -> list[str]:
        book, order = _book("asyncio"), []

        async def write() -> None:
            async with book.writing():
                order.append("w")

        async with book.reading():
            task = asyncio.create_task(write())
            while book.waiting == 0:
                await asyncio.sleep(0)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05), book.reading():
                    order.append("r")
        await task
        return order

    assert asyncio.run(main()) == ["w"]


def test_a_waiting_writer_keeps_new_readers_out_trio() -> None:
    # the same in trio's lock, with a cancel scope as the reader's deadline
    async def main() -> list[str]:
        book, order = _book("trio"), []

        async def write() -> None:
            async with book.writing():
                order.append("w")

        async with trio.open_nursery() as nursery, book.reading():
            nursery.start_soon(write)
            while book.waiting == 0:
                await trio.sleep(0)
            with trio.move_on_after(0.05) as scope:
                async with book.reading():
                    order.append("r")
            assert scope.cancelled_caught
        return order

    assert trio.run(main) == ["w"]


def test_each_condition_refuses_a_notify_without_its_lock(model: str) -> None:
    # threading, asyncio and trio raise RuntimeError; multiprocessing checks with assert
    # (AssertionError; under python -O it would not check at all)
    if model == "threading":
        with pytest.raises(RuntimeError):
            threading.Condition().notify_all()
    elif model == "multiprocessing":
        with pytest.raises(AssertionError, match="lock is not owned"):
            multiprocessing.get_context("spawn").Condition().notify_all()
    elif model == "asyncio":

        async def notify() -> None:
            asyncio.Condition().notify_all()

        with pytest.raises(RuntimeError):
            asyncio.run(notify())
    else:

        async def notify_trio() -> None:
            trio.Condition().notify_all()

        with pytest.raises(RuntimeError):
            trio.run(notify_trio)
        assert not hasattr(trio.Condition, "wait_for")  # the model loops on wait() itself


def test_a_stuck_run_says_who_was_still_running(model: str) -> None:
    # every wait is bounded: reading that takes longer than the run's timeout fails it;
    # the readers in the book are reported reading edition 1, the writers waiting their
    # turn (a child process may not be up yet within the timeout: then it is not named)
    failure = times_out("readers_writers", model, tick=0.8, timeout=0.3)
    last = {e.actor: e.action for e in failure.still_running}
    readers = {actor for actor, action in last.items() if actor.startswith("reader")}
    writers = {actor for actor, action in last.items() if actor.startswith("writer")}
    assert {last[r] for r in readers} <= {"waits for", "takes", "reads"}
    assert {last[w] for w in writers} <= {"waits its turn"}
    if model != "multiprocessing":
        assert {last[r] for r in readers} == {"reads"} and len(readers) == 3
        assert len(writers) == 2


def test_measure_counts_readers_held_back_by_a_writer() -> None:
    # a reader that asks while a writer waits or writes is counted; one after it is not
    events = [
        Event(0.0, "writer 1", "waits for", BOOK),
        Event(0.1, "reader 1", "waits for", BOOK),
        Event(0.2, "writer 1", "releases", BOOK),
        Event(0.3, "reader 2", "waits for", BOOK),
    ]
    assert SC.measure(events, SC.params()) == {"readers held back by a writer": 1}


def test_timeline_shows_reading_and_writing() -> None:
    # a reader's lane reads from taking the book to giving it back; a writer's writes
    states = {
        (s.actor, s.state)
        for s in SC.timeline(fast_run("readers_writers", "asyncio").events, SC.params())
    }
    assert {("reader 1", "reading"), ("writer 1", "writing"), ("reader 1", "waiting")} <= states

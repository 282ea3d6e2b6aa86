"""A program that deadlocks, in every model: two workers, two forks, each holding one
and waiting for the other (the deadlock detector's tests run it as the lock scenario's
implementation, ``run(..., implementation=MAINS[model])``)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import trio

from threeways import Recorder

SEATS = (("A", "fork 1", "fork 2"), ("B", "fork 2", "fork 1"))


def _thread(
    trace: Recorder, forks: dict[str, Any], both: Any, seat: tuple[str, str, str], timeout: float
) -> None:
    name, first, second = seat
    trace.record(name, "waits for", first)
    if not forks[first].acquire(timeout=timeout):
        raise TimeoutError(first)
    trace.record(name, "takes", first)
    both.wait(timeout)  # both hold their first fork: now each reaches for the other's
    trace.record(name, "waits for", second)
    if not forks[second].acquire(timeout=timeout):
        raise TimeoutError(f"{name} waited {timeout:g}s for {second}")
    trace.record(name, "takes", second)


def threading_main(trace: Recorder, p: Any) -> None:
    forks = {"fork 1": threading.Lock(), "fork 2": threading.Lock()}
    both = threading.Barrier(2)
    workers = [
        threading.Thread(target=_thread, args=(trace, forks, both, seat, p.timeout))
        for seat in SEATS
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(p.timeout + 1)


def multiprocessing_main(trace: Recorder, p: Any) -> None:
    ctx = trace.mp_context
    forks = {"fork 1": ctx.Lock(), "fork 2": ctx.Lock()}
    both = ctx.Barrier(2)
    with trace.child_sink() as sink:
        workers = [
            ctx.Process(target=_thread, args=(sink, forks, both, seat, p.timeout)) for seat in SEATS
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join(p.timeout + 1)


async def _task(
    trace: Recorder, forks: dict[str, Any], both: Any, seat: tuple[str, str, str]
) -> None:
    name, first, second = seat
    trace.record(name, "waits for", first)
    await forks[first].acquire()
    trace.record(name, "takes", first)
    await both.wait()
    trace.record(name, "waits for", second)
    await forks[second].acquire()
    trace.record(name, "takes", second)


async def _asyncio(trace: Recorder, p: Any) -> None:
    forks = {"fork 1": asyncio.Lock(), "fork 2": asyncio.Lock()}
    both = asyncio.Barrier(2)
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        for seat in SEATS:
            tg.create_task(_task(trace, forks, both, seat))


def asyncio_main(trace: Recorder, p: Any) -> None:
    asyncio.run(_asyncio(trace, p))


class _Both:
    """Two tasks meet here (trio has no Barrier)."""

    def __init__(self) -> None:
        self.count = 0
        self.met = trio.Event()

    async def wait(self) -> None:
        self.count += 1
        if self.count == 2:
            self.met.set()
        await self.met.wait()


async def _trio(trace: Recorder, p: Any) -> None:
    forks = {"fork 1": trio.Lock(), "fork 2": trio.Lock()}
    both = _Both()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            for seat in SEATS:
                nursery.start_soon(_task, trace, forks, both, seat)


def trio_main(trace: Recorder, p: Any) -> None:
    trio.run(_trio, trace, p)


MAINS = {
    "threading": threading_main,
    "multiprocessing": multiprocessing_main,
    "asyncio": asyncio_main,
    "trio": trio_main,
}

"""Notifies the Condition without holding its lock: "one thread, so no lock is needed".

The learner drops the ``async with room.changed`` around the count and the
``notify_all()``: all the tasks share one thread, and nothing awaits in between, so the
count cannot race. That much is true, but a Condition's ``notify_all()`` (like its
``wait()``) must be called with its lock held, in asyncio as in threading: it raises
``RuntimeError: cannot notify on un-acquired lock``. Every worker fails with it as soon
as it is in. The checker reports the workers' RuntimeError.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from threeways import Recorder
from threeways.scenarios.semaphore import WORK_TICKS, Params, room_is_full, worker_names


@dataclass
class _Room:
    """How many are inside, and how many have been in; ``changed`` wakes the waiters."""

    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    inside: int = 0
    entered: int = 0


async def _wait_for_full_room(room: _Room, p: Params) -> None:
    async with room.changed:
        await room.changed.wait_for(lambda: room_is_full(room.inside, room.entered, p))


async def _worker(
    trace: Recorder, name: str, slots: asyncio.Semaphore, room: _Room, p: Params
) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    async with slots:
        # step: go in
        room.inside += 1  # no await in between: no other task can run, no lock needed
        room.entered += 1
        trace.record(name, "goes in", room.inside)
        room.changed.notify_all()  # the bug: a Condition notifies only with its lock held
        # step: wait for a full room
        await _wait_for_full_room(room, p)
        # step: work
        await asyncio.sleep(WORK_TICKS * p.tick)
        # step: come out
        room.inside -= 1  # no await in between: no other task can run, no lock needed
        trace.record(name, "comes out", room.inside)


def _release_once_too_often(trace: Recorder, slots: asyncio.Semaphore) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except ValueError as error:
        trace.record("main", "extra release refused", f"ValueError: {error}")
    else:  # a plain Semaphore just counts one more free slot: limit + 1 from now on
        trace.record("main", "extra release accepted", type(slots).__name__)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the slots
    slots = asyncio.BoundedSemaphore(p.limit) if p.bounded else asyncio.Semaphore(p.limit)
    room = _Room()
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the workers
        for name in worker_names(p.workers):
            tg.create_task(_worker(trace, name, slots, room, p))
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
    # leaving the TaskGroup waited for every task
    # step: release once too often
    _release_once_too_often(trace, slots)


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

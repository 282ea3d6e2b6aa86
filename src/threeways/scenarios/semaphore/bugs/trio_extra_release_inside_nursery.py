"""Releases once too often inside the nursery block: before the workers have even started.

The learner puts the extra release at the end of the ``async with`` nursery block, as
if ``start_soon`` ran each worker to its end. It only schedules it: the workers run
once main reaches a checkpoint, and main reaches the nursery's end, where it waits for
them, only after the release. So the release comes first, while no slot is taken yet,
and it tests nothing about the workers' slots (the limiter refuses it because main
borrowed nothing). The checker sees the extra release come before the workers are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from threeways import Recorder
from threeways.scenarios.semaphore import WORK_TICKS, Params, room_is_full, worker_names


@dataclass
class _Room:
    """How many are inside, and how many have been in; ``changed`` wakes the waiters."""

    changed: trio.Condition = field(default_factory=trio.Condition)
    inside: int = 0
    entered: int = 0


async def _wait_for_full_room(room: _Room, p: Params) -> None:
    async with room.changed:
        while not room_is_full(room.inside, room.entered, p):
            await room.changed.wait()


async def _worker(
    trace: Recorder, name: str, slots: trio.CapacityLimiter | trio.Semaphore, room: _Room, p: Params
) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    async with slots:  # a limiter lends this task a token; only this task can give it back
        # step: go in
        async with room.changed:  # notify_all needs the lock, even in one thread
            room.inside += 1
            room.entered += 1
            trace.record(name, "goes in", room.inside)
            room.changed.notify_all()
        # step: wait for a full room
        await _wait_for_full_room(room, p)
        # step: work
        await trio.sleep(WORK_TICKS * p.tick)
        # step: come out
        room.inside -= 1  # no checkpoint in between: no other task can run, no lock needed
        trace.record(name, "comes out", room.inside)


def _release_once_too_often(trace: Recorder, slots: trio.CapacityLimiter | trio.Semaphore) -> None:
    try:
        slots.release()  # this task borrowed no token: there is nothing to give back
    except RuntimeError as error:  # Semaphore(n, max_value=n) would raise ValueError
        trace.record("main", "extra release refused", f"RuntimeError: {error}")
    else:  # a plain Semaphore just counts one more free slot: limit + 1 from now on
        trace.record("main", "extra release accepted", type(slots).__name__)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the slots
    slots = trio.CapacityLimiter(p.limit) if p.bounded else trio.Semaphore(p.limit)
    room = _Room()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, slots, room, p)
            # step: wait for everyone to finish
            trace.record("main", "waits for the workers")
            # step: release once too often
            _release_once_too_often(trace, slots)  # the bug: the workers have not even run


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

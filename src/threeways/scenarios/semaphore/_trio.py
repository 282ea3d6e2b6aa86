"""semaphore with trio: a trio.CapacityLimiter(limit) lets ``limit`` tasks in.

trio has a ``Semaphore(n, max_value=n)``, bounded like the others, but its documentation
sends "at most n tasks at once" to ``CapacityLimiter``: a limiter lends each token to a
task and remembers which one. Only the borrower can give a token back, and a task that
tries to borrow twice gets RuntimeError (a semaphore would quietly hand it a second
slot). So one release too many, from a task that borrowed nothing, raises RuntimeError
here where the other models raise ValueError (``Semaphore(max_value=)`` would raise
ValueError). ``async with slots:`` borrows and gives back; ``trio.fail_after`` bounds the
whole run. ``trio.Condition`` has no ``wait_for``: the worker loops on ``wait()`` itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import trio

from threeways import Recorder

from . import WORK_TICKS, Params, room_is_full, worker_names


@dataclass
class _Room:
    """How many are inside, and how many have been in; ``changed`` wakes the waiters."""

    changed: trio.Condition = field(default_factory=trio.Condition)
    inside: int = 0
    entered: int = 0


async def _go_in(trace: Recorder, name: str, room: _Room) -> None:
    async with room.changed:
        room.inside += 1
        room.entered += 1
        trace.record(name, "goes in", room.inside)
        room.changed.notify_all()


async def _wait_for_full_room(room: _Room, p: Params) -> None:
    async with room.changed:
        while not room_is_full(room.inside, room.entered, p.limit, p.workers):
            await room.changed.wait()


async def _come_out(trace: Recorder, name: str, room: _Room) -> None:
    room.inside -= 1  # no checkpoint in between: no other task can run, no lock needed
    trace.record(name, "comes out", room.inside)


async def _worker(
    trace: Recorder, name: str, slots: trio.CapacityLimiter, room: _Room, p: Params
) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    async with slots:  # this task borrows a token; only this task can give it back
        # step: go in
        await _go_in(trace, name, room)
        # step: wait for a full room
        await _wait_for_full_room(room, p)
        # step: work
        await trio.sleep(WORK_TICKS * p.tick)
        # step: come out
        await _come_out(trace, name, room)


def _release_once_too_often(trace: Recorder, slots: trio.CapacityLimiter) -> None:
    try:
        slots.release()  # this task borrowed no token: there is nothing to give back
    except RuntimeError as error:  # Semaphore(n, max_value=n) would raise ValueError
        trace.record("main", "extra release refused", f"RuntimeError: {error}")


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the slots
    slots = trio.CapacityLimiter(p.limit)
    room = _Room()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, slots, room, p)
            # step: wait for everyone to finish
        # leaving the nursery waits for every task
    # step: release once too often
    _release_once_too_often(trace, slots)


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

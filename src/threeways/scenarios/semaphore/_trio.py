"""semaphore with trio: a trio.CapacityLimiter(limit) lets ``limit`` tasks in.

trio has a ``Semaphore(n, max_value=n)``, bounded like the others, but its documentation
sends "at most n tasks at once" to ``CapacityLimiter``: a limiter lends each token to a
task and remembers which one. Only the borrower can give a token back, and a task that
tries to borrow twice gets RuntimeError (a semaphore would quietly hand it a second
slot). So one release too many, from a task that borrowed nothing, raises RuntimeError
here where the others raise ValueError (with ``--no-bounded``, a plain
``trio.Semaphore(n)`` takes it). ``async with slots:`` borrows and gives back;
``trio.fail_after`` bounds the whole run. ``trio.Condition`` has no ``wait_for``: the
worker loops on ``wait()`` itself.
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
        # leaving the nursery waited for every task
    # step: release once too often
    _release_once_too_often(trace, slots)


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

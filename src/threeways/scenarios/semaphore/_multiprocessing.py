"""semaphore with processes: a multiprocessing BoundedSemaphore(limit) lets ``limit`` in.

The threads' program with processes: the semaphore and the Condition come from the run's
context (fork, forkserver or spawn) and are handed to each child as arguments; the
semaphore is an OS semaphore that every process can wait on. The room's counts
cannot be plain ints, since each process has its own memory: they are ``ctx.Value``
integers in shared memory, created without their own lock (``lock=False``) because the
Condition already guards them. One release too many raises ValueError in any process.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, NamedTuple

from threeways import Recorder
from threeways._support import join_all

from . import WORK_TICKS, Params, room_is_full, worker_names

if TYPE_CHECKING:
    from ctypes import c_int
    from multiprocessing.synchronize import BoundedSemaphore, Condition


class _Room(NamedTuple):
    """How many are inside, and how many have been in, in shared memory; top-level so
    spawn can pickle it."""

    changed: Condition
    inside: c_int
    entered: c_int


def _go_in(trace: Recorder, name: str, room: _Room) -> None:
    with room.changed:
        room.inside.value += 1
        room.entered.value += 1
        trace.record(name, "goes in", room.inside.value)  # under the lock, like the count
        room.changed.notify_all()


def _wait_for_full_room(name: str, room: _Room, p: Params) -> None:
    with room.changed:
        full = room.changed.wait_for(
            lambda: room_is_full(room.inside.value, room.entered.value, p.limit, p.workers),
            p.timeout,
        )
    if not full:
        raise TimeoutError(f"{name} waited {p.timeout:g}s for the room to fill")


def _come_out(trace: Recorder, name: str, room: _Room) -> None:
    with room.changed:
        room.inside.value -= 1
        trace.record(name, "comes out", room.inside.value)


def _worker(trace: Recorder, name: str, slots: BoundedSemaphore, room: _Room, p: Params) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    if not slots.acquire(timeout=p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for a slot")
    try:
        # step: go in
        _go_in(trace, name, room)
        # step: wait for a full room
        _wait_for_full_room(name, room, p)
        # step: work
        time.sleep(WORK_TICKS * p.tick)
        # step: come out
        _come_out(trace, name, room)
    finally:
        slots.release()


def _release_once_too_often(trace: Recorder, slots: BoundedSemaphore) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except ValueError as error:  # a plain Semaphore would silently grow to limit + 1
        trace.record("main", "extra release refused", f"ValueError: {error}")


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the slots
    slots = ctx.BoundedSemaphore(p.limit)
    room = _Room(ctx.Condition(), ctx.Value("i", 0, lock=False), ctx.Value("i", 0, lock=False))
    with trace.child_sink() as sink:
        # step: start the workers
        workers = [
            ctx.Process(target=_worker, args=(sink, name, slots, room, p), name=name)
            for name in worker_names(p.workers)
        ]
        for worker in workers:
            worker.start()
        # step: wait for everyone to finish
        join_all(workers, p.timeout)
    # step: release once too often
    _release_once_too_often(trace, slots)

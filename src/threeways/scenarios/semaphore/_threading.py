"""semaphore with threads: a threading.BoundedSemaphore(limit) lets ``limit`` workers in.

Each worker is a thread. ``slots.acquire(timeout=...)`` takes a slot or waits for one;
``slots.release()`` in a ``finally`` gives it back whatever happens (``with slots:`` does
the same, but its wait has no timeout, and a thread cannot be cancelled). The room's
count is shared by all the threads, so it changes only under ``changed``, a Condition
whose ``wait_for`` lets a worker sleep until the room is full. After everyone is done,
one release too many raises ValueError: that is what "bounded" adds to a Semaphore.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from threeways import Recorder
from threeways._support import join_all

from . import WORK_TICKS, Params, room_is_full, worker_names


@dataclass
class _Room:
    """How many are inside, and how many have been in; changed only under ``changed``."""

    changed: threading.Condition = field(default_factory=threading.Condition)
    inside: int = 0
    entered: int = 0


def _go_in(trace: Recorder, name: str, room: _Room) -> None:
    with room.changed:
        room.inside += 1
        room.entered += 1
        trace.record(name, "goes in", room.inside)  # under the lock: events keep the count's order
        room.changed.notify_all()


def _wait_for_full_room(name: str, room: _Room, p: Params) -> None:
    with room.changed:
        full = room.changed.wait_for(
            lambda: room_is_full(room.inside, room.entered, p.limit, p.workers), p.timeout
        )
    if not full:
        raise TimeoutError(f"{name} waited {p.timeout:g}s for the room to fill")


def _come_out(trace: Recorder, name: str, room: _Room) -> None:
    with room.changed:
        room.inside -= 1
        trace.record(name, "comes out", room.inside)


def _worker(
    trace: Recorder, name: str, slots: threading.BoundedSemaphore, room: _Room, p: Params
) -> None:
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


def _release_once_too_often(trace: Recorder, slots: threading.BoundedSemaphore) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except ValueError as error:  # a plain Semaphore would silently grow to limit + 1
        trace.record("main", "extra release refused", f"ValueError: {error}")


def main(trace: Recorder, p: Params) -> None:
    # step: set up the slots
    slots = threading.BoundedSemaphore(p.limit)
    room = _Room()
    # step: start the workers
    workers = [
        threading.Thread(target=_worker, args=(trace, name, slots, room, p), name=name)
        for name in worker_names(p.workers)
    ]
    for worker in workers:
        worker.start()
    # step: wait for everyone to finish
    join_all(workers, p.timeout)
    # step: release once too often
    _release_once_too_often(trace, slots)

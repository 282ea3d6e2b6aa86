"""Releases the slot when it comes out and again in the finally: two for one acquire.

The learner releases the slot as soon as the worker is out, to let the next one in
early, and keeps the ``finally`` that releases it "whatever happens". So each worker
gives back two slots for the one it took. A BoundedSemaphore refuses a release only
above its starting value, so the first extra releases are taken: while the first
workers are still inside, more are let in than there are slots. Once every slot is
free, the next extra release raises ValueError in a worker. The checker sees the worker
fail, and more workers inside than the limit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.semaphore import WORK_TICKS, Params, room_is_full, worker_names


@dataclass
class _Room:
    """How many are inside, and how many have been in; changed only under ``changed``."""

    changed: threading.Condition = field(default_factory=threading.Condition)
    inside: int = 0
    entered: int = 0


def _wait_for_full_room(name: str, room: _Room, p: Params) -> None:
    with room.changed:
        if not room.changed.wait_for(lambda: room_is_full(room.inside, room.entered, p), p.timeout):
            raise TimeoutError(f"{name} waited {p.timeout:g}s for the room to fill")


def _worker(trace: Recorder, name: str, slots: threading.Semaphore, room: _Room, p: Params) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    if not slots.acquire(timeout=p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for a slot")
    try:
        # step: go in
        with room.changed:  # recorded under the lock too: the events keep the count's order
            room.inside += 1
            room.entered += 1
            trace.record(name, "goes in", room.inside)
            room.changed.notify_all()
        # step: wait for a full room
        _wait_for_full_room(name, room, p)
        # step: work
        time.sleep(WORK_TICKS * p.tick)
        # step: come out
        with room.changed:
            room.inside -= 1
            trace.record(name, "comes out", room.inside)
        slots.release()  # the bug: the finally below releases it again
    finally:
        slots.release()


def _release_once_too_often(trace: Recorder, slots: threading.Semaphore) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except ValueError as error:
        trace.record("main", "extra release refused", f"ValueError: {error}")
    else:  # a plain Semaphore just counts one more free slot: limit + 1 from now on
        trace.record("main", "extra release accepted", type(slots).__name__)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the slots
    slots = threading.BoundedSemaphore(p.limit) if p.bounded else threading.Semaphore(p.limit)
    room = _Room()
    # step: start the workers
    workers = [
        threading.Thread(target=_worker, args=(trace, name, slots, room, p), name=name)
        for name in worker_names(p.workers)
    ]
    for worker in workers:
        worker.start()
    # step: wait for everyone to finish
    trace.record("main", "waits for the workers")
    join_all(workers, p.timeout)
    # step: release once too often
    _release_once_too_often(trace, slots)

"""A threading.BoundedSemaphore in a multiprocessing program: each process counts its own slots.

Copied from the threads' program, the slots stay ``threading.BoundedSemaphore(limit)``,
while everything else comes from the run's context. A threading semaphore lives in one
process's memory: forked, each worker gets its own copy, with all ``limit`` slots free,
so every worker gets in at once, above the limit; spawn and forkserver cannot even send
it to a child (``TypeError: cannot pickle '_thread.lock' object``). The checker sees more
workers inside than the limit, or main failing to start the workers.
"""

from __future__ import annotations

import threading
import time
from ctypes import c_int
from multiprocessing.synchronize import Condition, Semaphore
from typing import NamedTuple

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.semaphore import WORK_TICKS, Params, room_is_full, worker_names


class _Room(NamedTuple):
    """How many are inside, and have been in, in shared memory (top-level: spawn pickles it)."""

    changed: Condition
    inside: c_int
    entered: c_int


def _wait_for_full_room(name: str, room: _Room, p: Params) -> None:
    with room.changed:
        if not room.changed.wait_for(
            lambda: room_is_full(room.inside.value, room.entered.value, p), p.timeout
        ):
            raise TimeoutError(f"{name} waited {p.timeout:g}s for the room to fill")


def _worker(trace: Recorder, name: str, slots: Semaphore, room: _Room, p: Params) -> None:
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    if not slots.acquire(timeout=p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for a slot")
    try:
        # step: go in
        with room.changed:  # recorded under the lock too: the events keep the count's order
            room.inside.value += 1
            room.entered.value += 1
            trace.record(name, "goes in", room.inside.value)
            room.changed.notify_all()
        # step: wait for a full room
        _wait_for_full_room(name, room, p)
        # step: work
        time.sleep(WORK_TICKS * p.tick)
        # step: come out
        with room.changed:
            room.inside.value -= 1
            trace.record(name, "comes out", room.inside.value)
    finally:
        slots.release()


def _release_once_too_often(trace: Recorder, slots: Semaphore) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except ValueError as error:
        trace.record("main", "extra release refused", f"ValueError: {error}")
    else:  # a plain Semaphore just counts one more free slot: limit + 1 from now on
        trace.record("main", "extra release accepted", type(slots).__name__)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the slots
    # the bug: a semaphore of this process only, not one from ctx
    slots = threading.BoundedSemaphore(p.limit) if p.bounded else threading.Semaphore(p.limit)
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
        trace.record("main", "waits for the workers")
        join_all(workers, p.timeout)
    # step: release once too often
    _release_once_too_often(trace, slots)  # type: ignore[arg-type]  # mypy sees the bug too

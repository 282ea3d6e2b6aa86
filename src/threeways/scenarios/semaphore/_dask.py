"""semaphore on a cluster: a ``distributed.Semaphore(max_leases=limit)`` lets ``limit`` tasks in.

The scheduler keeps the semaphore's leases: ``acquire(timeout=)`` waits there for one, for
a task on any worker, and ``release()`` gives it back. A lease has a timeout that the
holder's worker keeps renewing: the lease of a worker that died is freed once it runs out,
and a worker too slow to renew it loses it while it works, so that one more task gets in
than the limit allows ("overbooking"). It is bounded by design, as trio's CapacityLimiter:
each Semaphore object knows the leases it holds, and one release too many raises
RuntimeError. dask has no plain semaphore: with ``--no-bounded`` a ``distributed.Queue`` of
``limit`` tokens stands in for one (take a token to go in, put it back to come out), and
it takes one token too many without a word. The room's counts are a ``Variable`` changed
under a ``Lock``, and a full room is an ``Event`` that dask, unlike trio, can clear again.
Each task secedes from its worker's thread pool: it waits for the others to come. It is
longer than the others: dask has neither a plain semaphore nor a Condition, and the Queue
of tokens and the counted Event stand in for them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from distributed import Client, Event, Lock, Queue, Semaphore, Variable, secede

from threeways import Recorder
from threeways._cluster import held, local_cluster, wait_all

from . import WORK_TICKS, Params, room_is_full, worker_names


class _Tokens:
    """A plain (unbounded) semaphore: a Queue of tokens, one per free slot."""

    def __init__(self, limit: int) -> None:
        self.queue = Queue()
        for token in range(limit):
            self.queue.put(token)

    def acquire(self, timeout: float) -> bool:
        self.queue.get(timeout=timeout)  # raises TimeoutError if no token comes in time
        return True

    def release(self) -> None:
        self.queue.put(-1)


@dataclass
class _Room:
    """How many are inside, and have been in, on the scheduler; changed under ``changed``."""

    changed: Lock = field(default_factory=Lock)
    counts: Variable = field(default_factory=Variable)  # [inside, entered]
    full: Event = field(default_factory=Event)  # set while the room is full


def _count(trace: Recorder, name: str, room: _Room, by: int, p: Params) -> None:
    with held(room.changed, p.timeout):  # recorded under the lock: in the count's order
        inside, entered = room.counts.get(timeout=p.timeout)
        inside, entered = inside + by, entered + max(by, 0)
        room.counts.set([inside, entered], timeout=p.timeout)
        trace.record(name, "goes in" if by > 0 else "comes out", inside)
        if room_is_full(inside, entered, p):
            room.full.set()
        else:  # dask's Event can be cleared (trio's cannot)
            room.full.clear()


def _worker(trace: Recorder, name: str, slots: Semaphore | _Tokens, room: _Room, p: Params) -> None:
    # own step: leave the worker's thread pool (this task waits for others)
    secede()
    # step: wait for a free slot
    trace.record(name, "waits for a slot")
    if not slots.acquire(timeout=p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for a slot")
    try:
        # step: go in
        _count(trace, name, room, +1, p)
        # step: wait for a full room
        if not room.full.wait(p.timeout):
            raise TimeoutError(f"{name} waited {p.timeout:g}s for the room to fill")
        # step: work
        time.sleep(WORK_TICKS * p.tick)
        # step: come out
        _count(trace, name, room, -1, p)
    finally:
        slots.release()


def _release_once_too_often(trace: Recorder, slots: Semaphore | _Tokens) -> None:
    try:
        slots.release()  # every slot is free again: this release has nothing to give back
    except RuntimeError as error:  # "Released too often": this object holds no lease
        trace.record("main", "extra release refused", f"RuntimeError: {error}")
    else:  # the queue just holds one more token: limit + 1 from now on
        trace.record("main", "extra release accepted", "Queue of tokens")


def main(trace: Recorder, p: Params) -> None:
    with (
        Client(**local_cluster(n_workers=1, threads_per_worker=1)) as client,
        trace.cluster_sink(client) as sink,
    ):
        # step: set up the slots
        slots = Semaphore(max_leases=p.limit) if p.bounded else _Tokens(p.limit)
        room = _Room()
        room.counts.set([0, 0])
        # step: start the workers
        futures = [
            client.submit(_worker, sink, name, slots, room, p, pure=False)
            for name in worker_names(p.workers)
        ]
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
        wait_all(futures, p.timeout)
        # step: release once too often
        _release_once_too_often(trace, slots)

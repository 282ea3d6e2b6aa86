"""lock on a cluster: a ``distributed.Lock``, granted by the scheduler, around a ``Variable``.

Tasks share no memory, and on a real cluster not even a machine: the counter is a
``distributed.Variable``, a value the scheduler keeps (each ``get`` and ``set`` is a
message to it and back), and the lock is a ``distributed.Lock``, which the scheduler
grants as a lease (it is a Semaphore with one): ``acquire(timeout=)`` waits there, for
tasks on any worker. Without the lock updates are lost as between processes: two tasks
read 7 and both write 8. A lease has a timeout (``distributed.scheduler.locks.
lease-timeout``, 30 s), which the holder's worker keeps renewing: if the worker dies, the
lock is free again once its lease runs out; a worker only too slow to renew it loses it
too, and then two tasks hold the lock at once. ``with lock:`` would wait without a
timeout: ``held(lock, timeout)`` takes it with ``acquire(timeout=)``, gives it back in ``finally``.
Like multiprocessing's, dask's lock promises no order among the waiters.
"""

from __future__ import annotations

import time

from distributed import Client, Event, Lock, Variable

from threeways import Recorder
from threeways._cluster import held, local_cluster, wait_all

from . import Params, worker_names


def _add_one(trace: Recorder, name: str, counter: Variable, p: Params) -> None:
    # step: read the counter
    value = counter.get(timeout=p.timeout)  # from the scheduler
    trace.record(name, "reads", value)
    # step: pause between read and write
    if p.pause:
        time.sleep(p.tick)  # another task may run now: it must not touch the counter
    # step: write it back plus one
    counter.set(value + 1, timeout=p.timeout)
    trace.record(name, "writes", value + 1)


def _worker(
    trace: Recorder, name: str, counter: Variable, lock: Lock | None, go: Event, p: Params
) -> None:
    # step: wait for the start signal
    if not go.wait(p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for the start")
    trace.record(name, "starts")
    for _ in range(p.increments):
        # step: take the lock
        with held(lock, p.timeout):  # given back even on an exception; --no-lock: none
            _add_one(trace, name, counter, p)


def main(trace: Recorder, p: Params) -> None:
    with (
        Client(**local_cluster(n_workers=1, threads_per_worker=p.workers)) as client,
        trace.cluster_sink(client) as sink,
    ):
        # step: set up the counter and the lock
        counter = Variable()  # a fresh name: its own on a shared scheduler
        counter.set(0)
        lock = Lock() if p.lock else None
        go = Event()
        # step: start the workers
        futures = [
            client.submit(_worker, sink, name, counter, lock, go, p, pure=False)
            for name in worker_names(p.workers)
        ]
        go.set()  # all at once, so that they really compete
        # step: wait for everyone to finish
        trace.record("main", "waits for the workers")
        wait_all(futures, p.timeout)
        # step: read the final count
        trace.record("main", "counts", counter.get(timeout=p.timeout))
        counter.delete()

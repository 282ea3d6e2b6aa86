"""pool on a cluster: ``client.submit`` returns a Future, as ``concurrent.futures`` does.

``client.submit(_job, ...)`` pickles the function and its arguments and sends them to the
scheduler, which hands the task to a worker with a free thread; the client gets a
``distributed.Future``, which follows ``concurrent.futures``: ``result(timeout)``,
``exception()``, ``add_done_callback``. The callback runs in the client, not on the
worker, in a thread that dask keeps for the callbacks of every future of the process
("Dask-Callback-Thread", one at a time), once the scheduler has said the task is done:
``wait()`` can return before the callbacks have run, so main waits for them too.

The cluster runs as many tasks at once as its workers have threads, whatever the pool's
size: a ``distributed.Semaphore`` with ``size`` leases keeps it to ``size`` on any cluster.
The scheduler holds the leases; a worker that dies holding one keeps it until the lease
times out (30 s by default). ``pure=False``: a job with side effects must run each time
it is submitted (dask would give an identical pure task the result it already has). A
lost worker's tasks are run again on another: a job may start twice. Leaving ``with
Client()`` releases every future (the scheduler cancels what has not started) and closes
the embedded cluster. It is longer than the others: the pool's size is a Semaphore of its
own, and main waits for the callbacks as well as for the jobs.
"""

from __future__ import annotations

import threading
import time
from functools import partial

from distributed import Client, Future, Semaphore, get_worker, wait

from threeways import Recorder
from threeways._cluster import local_cluster

from . import JOB_TICKS, Params, describe, job_name


def _job(trace: Recorder, i: int, slots: Semaphore, p: Params) -> int:
    # own step: take one of the pool's slots
    if not slots.acquire(timeout=p.timeout):
        raise TimeoutError(f"job {i} waited {p.timeout:g}s for a slot")
    try:
        # step: run the job
        trace.record(job_name(i), "starts", {"job": i, "on": get_worker().address})
        time.sleep(JOB_TICKS * p.tick)
        # step: fail or return
        if i == p.fail:
            error = ValueError(f"job {i} failed")
            trace.record(job_name(i), "raises", {"job": i, "error": describe(error)})
            raise error
        trace.record(job_name(i), "returns", {"job": i, "result": i + 100})
        return i + 100
    finally:
        slots.release()


def _on_result(trace: Recorder, i: int, result: int) -> None:
    # step: call back with the result
    thread = threading.current_thread().name  # dask's callback thread, in the client
    trace.record("callback", "gets result", {"job": i, "result": result, "thread": thread})


def _on_error(trace: Recorder, i: int, error: BaseException) -> None:
    # step: call back with the error
    detail = {"job": i, "error": describe(error), "thread": threading.current_thread().name}
    trace.record("error callback", "gets error", detail)


def _on_done(
    trace: Recorder, i: int, called: threading.Semaphore, p: Params, future: Future[int]
) -> None:
    # own step: one callback for both outcomes
    if future.cancelled():  # released unfinished (a timeout, Ctrl-C): it never ended
        return
    if (error := future.exception(timeout=p.timeout)) is not None:
        _on_error(trace, i, error)
    else:
        _on_result(trace, i, future.result(timeout=p.timeout))  # fetched from the worker
    called.release()


def main(trace: Recorder, p: Params) -> None:
    with (
        Client(**local_cluster(n_workers=1, threads_per_worker=p.size)) as client,
        trace.cluster_sink(client) as sink,
    ):
        # step: open the pool
        slots = Semaphore(max_leases=p.size)  # held on the scheduler, for every worker
        trace.record("main", "opens pool", p.size)
        # step: submit the jobs
        futures = [client.submit(_job, sink, i, slots, p, pure=False) for i in range(p.jobs)]
        called = threading.Semaphore(0)  # released by each callback once it has run
        for i, future in enumerate(futures):
            future.add_done_callback(partial(_on_done, trace, i, called, p))
        # step: wait for every result
        trace.record("main", "waits for every result")
        _, not_done = wait(futures, timeout=p.timeout)
        if not_done:
            raise TimeoutError(f"{len(not_done)} jobs still running after {p.timeout:g}s")
        # own step: wait for the callbacks (dask runs them after wait() returns)
        for _ in futures:
            if not called.acquire(timeout=p.timeout):
                raise TimeoutError(f"callbacks still running after {p.timeout:g}s")
        # step: check each result
        for i, future in enumerate(futures):
            error = future.exception(timeout=p.timeout)  # result() would raise it
            if error is not None:
                trace.record("main", "sees error", {"job": i, "error": describe(error)})
        # step: close the pool
        slots.close()
    # leaving the with block releases the futures and closes the embedded cluster
    trace.record("main", "closes pool")

"""gil on a cluster: every worker process has its own GIL; a worker's threads share one.

The embedded cluster has a worker process per core, each with threads enough to run all
the jobs at once. The CPU jobs speed up with the worker processes, up to ``min(jobs,
cores)`` times, as processes do; two jobs on the threads of one worker take turns on its
GIL, as threads do. On a real cluster the workers are on other machines and the speed-up
grows with their cores. The I/O jobs overlap on the threads (a waiting thread holds no
GIL). A task is a message each way to the scheduler and the worker, with its function
and arguments pickled: it pays off only for work much longer than that, and the cluster's
start (the worker processes importing dask) costs far more, once. The work's size is found
in the client and sent with every task: a worker on a slower machine takes longer.

A worker process runs its tasks in threads, which cannot be stopped from outside: on Ctrl-C
the client closes the embedded cluster, and its worker processes with it; a real cluster's
workers run a task they have started to its end.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable

from distributed import Client

from threeways import Recorder
from threeways._cluster import local_cluster, wait_all

from . import IO_TICKS, Params, count_down, page, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # step: compute (holds the GIL)
        count_down(n)  # of this worker process: its other threads wait meanwhile
        trace.record(f"cpu job {job}", "has done part", part)


def _io_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"io job {job}", "starts")
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)
    trace.record(f"io job {job}", "fetches", page(job))


Job = Callable[[Recorder, int, int, Params], None]


def _one_after_another(
    client: Client, trace: Recorder, sink: Recorder, phase: str, job_fn: Job, n: int, p: Params
) -> None:
    trace.record("main", "starts", phase)
    for job in range(1, p.jobs + 1):  # each job on the cluster, the next once it is done
        client.submit(job_fn, sink, job, n, p, pure=False).result(timeout=p.timeout)
    trace.record("main", "ends", phase)


def _at_once(
    client: Client, trace: Recorder, sink: Recorder, phase: str, job_fn: Job, n: int, p: Params
) -> None:
    trace.record("main", "starts", phase)
    futures = [client.submit(job_fn, sink, job, n, p, pure=False) for job in range(1, p.jobs + 1)]
    wait_all(futures, p.timeout)
    trace.record("main", "ends", phase)


def main(trace: Recorder, p: Params) -> None:
    processes = min(p.jobs, os.cpu_count() or 1)
    threads = math.ceil(p.jobs / processes)  # every job at once, some sharing a process
    with (
        Client(**local_cluster(n_workers=processes, threads_per_worker=threads)) as client,
        trace.cluster_sink(client) as sink,
    ):
        # step: size the work
        n = work_size(p)
        trace.record("main", "sizes the work", n)
        # step: cpu jobs one after another
        _one_after_another(client, trace, sink, "cpu, one by one", _cpu_job, n, p)
        # step: cpu jobs at once
        _at_once(client, trace, sink, "cpu on the cluster", _cpu_job, n, p)
        # step: io jobs one after another
        _one_after_another(client, trace, sink, "io, one by one", _io_job, n, p)
        # step: io jobs at once
        _at_once(client, trace, sink, "io on the cluster", _io_job, n, p)

"""gil with processes: every process has its own interpreter and its own GIL.

One process per job, from the run's context. The CPU jobs now really run at the same
moment, one per core: they speed up about ``min(jobs, cores)`` times. The I/O jobs
overlap as threads do, at a higher price. Each process records through the trace's sink;
the size of the work is found once, in the parent, and handed to every process.

Starting a process costs far more than starting a thread: a few milliseconds under fork
(a copy of the parent, its modules already imported), a few hundred under spawn (a fresh
interpreter) and forkserver (a child of a small server process), whose children import
the modules they need. The timeline shows it (main starting workers), and so does the
start-up measured: a process pays off only for work much longer than its start.

Unlike a thread, a process can be stopped from outside: on Ctrl-C the run terminates
every child (``terminate()``: SIGTERM), so the jobs need no stop flag.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from threeways import Recorder
from threeways._support import join_all

from . import IO_TICKS, Params, count_down, page, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # step: compute (holds the GIL)
        count_down(n)  # of this process: terminated from outside if need be
        trace.record(f"cpu job {job}", "has done part", part)


def _io_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"io job {job}", "starts")
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)
    trace.record(f"io job {job}", "fetches", page(job))


def _one_after_another(
    trace: Recorder, phase: str, job_fn: Callable[..., None], n: int, p: Params
) -> None:
    trace.record("main", "starts", phase)
    for job in range(1, p.jobs + 1):
        job_fn(trace, job, n, p)  # in main
    trace.record("main", "ends", phase)


def _at_once(trace: Recorder, phase: str, job_fn: Callable[..., None], n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    with trace.child_sink() as sink:  # the processes record through it
        processes = [
            trace.mp_context.Process(target=job_fn, args=(sink, job, n, p), name=f"job {job}")
            for job in range(1, p.jobs + 1)
        ]
        for process in processes:
            process.start()
        join_all(processes, p.timeout)
    trace.record("main", "ends", phase)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    # step: cpu jobs one after another
    _one_after_another(trace, "cpu, one by one", _cpu_job, n, p)
    # step: cpu jobs at once
    _at_once(trace, "cpu in processes", _cpu_job, n, p)
    # step: io jobs one after another
    _one_after_another(trace, "io, one by one", _io_job, n, p)
    # step: io jobs at once
    _at_once(trace, "io in processes", _io_job, n, p)

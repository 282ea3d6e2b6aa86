"""gil with processes: every process has its own interpreter and its own GIL.

One process per job, from the run's context. The CPU jobs now really run at the same
moment, one per core: they speed up about ``min(jobs, cores)`` times. The I/O jobs
overlap as threads do, at a higher price. Each process records its result through the
trace's sink; the size of the work is computed once, in the parent, and passed along.

Starting a process costs far more than starting a thread: a few milliseconds under
fork (a copy of the parent, its modules already imported), a few hundred under spawn
(a fresh interpreter) and forkserver (a child of a small server process), whose
children import the modules they need. So the processes wait at a start line (a
``multiprocessing.Barrier``, shared when they are created) whose action, run by the last
one there before any is let go, starts the clock: the phase is timed from then, and the
start-up is measured apart. A process pays off only for work much longer than its start.


Unlike a thread, a process can be stopped from outside: on Ctrl-C the run terminates
every child (``terminate()``: SIGTERM), so the jobs need no stop flag.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from multiprocessing.synchronize import Barrier
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import (
    CLOCK,
    CPU,
    IO,
    IO_TICKS,
    SEQUENTIAL,
    Params,
    crunch,
    gil_enabled,
    page,
    phase,
    work_size,
)

_Job = Callable[[Recorder, str, int, int, Params], None]


def _cpu_job(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: compute (holds the GIL)
    trace.record(f"job {job}", "computes", {"phase": name, "job": job, "result": crunch(job, n)})


def _io_job(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)
    trace.record(f"job {job}", "fetches", {"phase": name, "job": job, "result": page(job)})


def _one_after_another(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, SEQUENTIAL)
    trace.record("main", "starts", name)
    for job in range(1, p.jobs + 1):
        job_fn(trace, name, job, n, p)
    trace.record("main", "ends", name)


def _start_together(start: Barrier, job_fn: _Job, *args: Any) -> None:
    start.wait()  # at the start line until every process is there (or p.timeout passes)
    job_fn(*args)


def _at_the_same_time(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    ctx = trace.mp_context
    name = phase(kind, "in processes")
    trace.record("main", "starts", name)
    with trace.child_sink() as sink:
        # the last process at the start line starts the clock, before any of them is let go
        clock = functools.partial(sink.record, "main", CLOCK, name)
        start = ctx.Barrier(p.jobs, action=clock, timeout=p.timeout)
        processes = [
            ctx.Process(
                target=_start_together,
                args=(start, job_fn, sink, name, job, n, p),
                name=f"job {job}",
            )
            for job in range(1, p.jobs + 1)
        ]
        for process in processes:
            process.start()
        join_all(processes, p.timeout)
    trace.record("main", "ends", name)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", {"work": n, "GIL": gil_enabled()})
    # step: cpu jobs one after another
    _one_after_another(trace, CPU, _cpu_job, n, p)
    # step: cpu jobs at the same time
    _at_the_same_time(trace, CPU, _cpu_job, n, p)
    # step: io jobs one after another
    _one_after_another(trace, IO, _io_job, n, p)
    # step: io jobs at the same time
    _at_the_same_time(trace, IO, _io_job, n, p)

"""gil with processes: every process has its own interpreter and its own GIL.

One process per job, from the run's context. The CPU jobs now really run at the same
moment, one per core: they speed up about ``min(jobs, cores)`` times, less the cost of
starting a process (a fresh interpreter under spawn and forkserver, which is why a
process pays off only for work much longer than its start). The I/O jobs overlap as
threads do, at a higher price. Each process records its result through the trace's
sink; the size of the work is computed once, in the parent, and passed along.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from threeways._support import join_all
from threeways._trace import Recorder, Trace

from . import CPU, IO, IO_TICKS, SEQUENTIAL, Params, crunch, gil_enabled, page, phase, work_size

_Job = Callable[[Recorder, str, int, int, Params], None]


def _cpu_job(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    # step: compute (holds the GIL)
    trace.record(f"job {job}", "computes", {"phase": name, "job": job, "result": crunch(job, n)})


def _io_job(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)
    trace.record(f"job {job}", "fetches", {"phase": name, "job": job, "result": page(job)})


def _one_after_another(trace: Trace, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, SEQUENTIAL)
    trace.record("main", "starts", name)
    for job in range(1, p.jobs + 1):
        job_fn(trace, name, job, n, p)
    trace.record("main", "ends", name)


def _at_the_same_time(trace: Trace, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    ctx = trace.mp_context
    name = phase(kind, "in processes")
    trace.record("main", "starts", name)
    with trace.child_sink() as sink:
        processes = [
            ctx.Process(target=job_fn, args=(sink, name, job, n, p), name=f"job {job}")
            for job in range(1, p.jobs + 1)
        ]
        for process in processes:
            process.start()
        join_all(processes, p.timeout)
    trace.record("main", "ends", name)


def main(trace: Trace, p: Params) -> None:
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

"""gil with asyncio: CPU work offloaded to threads still meets the GIL; to processes, not.

Tasks share the loop's one thread, so CPU work goes elsewhere (on the loop it would stop
every other task: see ``blocking_the_loop``). ``asyncio.to_thread`` runs a job in the
loop's thread pool: the CPU jobs take turns on the GIL, with no speed-up; cancelled
(Ctrl-C, a timeout), the await ends but not the thread, which ``asyncio.run`` waits for,
so the task sets a flag that the job looks at. A ``ProcessPoolExecutor`` runs them in
processes, each with its own GIL: a speed-up with the cores. It starts a process for each
job submitted while none is idle, up to one per core; it cannot stop a job it runs (before
3.14): leaving its ``with`` waits for it. I/O jobs need no thread: tasks that await overlap.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ProcessPoolExecutor

from threeways import Recorder

from . import IO_TICKS, Flag, Job, Params, count_down, page, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # step: compute (holds the GIL)
        if not count_down(n, stop):
            return  # told to stop: a thread cannot be cancelled, so the job ends itself
        trace.record(f"cpu job {job}", "has done part", part)


async def _io_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"io job {job}", "starts")
    # step: wait for I/O (releases the GIL)
    await asyncio.sleep(IO_TICKS * p.tick)
    trace.record(f"io job {job}", "fetches", page(job))


async def _cpu_in_a_thread(trace: Recorder, job: int, n: int, p: Params) -> None:
    stop = threading.Event()  # a thread cannot be cancelled: the job looks at this flag
    try:
        await asyncio.to_thread(_cpu_job, trace, job, n, p, stop.is_set)
    finally:
        stop.set()  # if cancelled: the await ends now, the thread at the job's next look


async def _cpu_in_a_process(
    pool: ProcessPoolExecutor, trace: Recorder, job: int, n: int, p: Params
) -> None:
    await asyncio.get_running_loop().run_in_executor(pool, _cpu_job, trace, job, n, p)


async def _one_after_another(trace: Recorder, phase: str, job_fn: Job, n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    for job in range(1, p.jobs + 1):
        await job_fn(trace, job, n, p)
    trace.record("main", "ends", phase)


async def _at_once(trace: Recorder, phase: str, job_fn: Job, n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    async with asyncio.TaskGroup() as tg:
        for job in range(1, p.jobs + 1):
            tg.create_task(job_fn(trace, job, n, p))
    trace.record("main", "ends", phase)


async def _main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    async with asyncio.timeout(p.timeout):
        # step: cpu jobs one after another
        await _one_after_another(trace, "cpu, one by one", _cpu_in_a_thread, n, p)
        # step: cpu jobs at once
        await _at_once(trace, "cpu in threads", _cpu_in_a_thread, n, p)
        # own step: cpu jobs in processes
        with trace.child_sink() as sink, ProcessPoolExecutor(mp_context=trace.mp_context) as pool:
            in_a_process = functools.partial(_cpu_in_a_process, pool)
            await _at_once(sink, "cpu in processes", in_a_process, n, p)
        # step: io jobs one after another
        await _one_after_another(trace, "io, one by one", _io_job, n, p)
        # step: io jobs at once
        await _at_once(trace, "io in tasks", _io_job, n, p)


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

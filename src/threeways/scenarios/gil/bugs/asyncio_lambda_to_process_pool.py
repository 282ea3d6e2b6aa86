"""Hands the process pool a lambda: it cannot be pickled, so no job reaches a process.

A ``ProcessPoolExecutor`` sends each call to a worker process by pickling the function
and its arguments, and a function is pickled by its importable name: a lambda (or a
nested function) has none. ``run_in_executor(pool, lambda: ...)`` works with a thread
pool, but here the call fails: "Can't pickle local object ... <lambda>". Pass the
top-level function and its arguments instead (``run_in_executor(pool, _cpu_job, ...)``).
The checker sees the run fail with that pickling error, in the phase "cpu in processes".
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ProcessPoolExecutor

from threeways import Recorder
from threeways.scenarios.gil import IO_TICKS, Flag, Job, Params, count_down, page, work_size


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
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool, lambda: _cpu_job(trace, job, n, p))  # the bug: a lambda


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

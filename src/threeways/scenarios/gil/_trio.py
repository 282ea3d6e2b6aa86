"""gil with trio: CPU work offloaded to threads still meets the GIL; to processes, not.

Tasks share trio's one thread, so CPU work goes elsewhere (on the loop it would stop every
other task: see ``blocking_the_loop``). ``trio.to_thread.run_sync`` runs a job in a
thread: the CPU jobs take turns on the GIL, with no speed-up; a thread cannot be
cancelled, but trio has the stop flag built in: ``trio.from_thread.check_cancelled()``
raises ``trio.Cancelled`` there once the waiting task is cancelled (Ctrl-C, a timeout).
trio has no process pool (trio issue #5): the usual answer is anyio, which runs on trio,
and its ``anyio.to_process.run_sync``, which lends each call (here, each part) a worker
process (at most one per core at a time), kept until ``trio.run`` ends, and kills it if
the task is cancelled. I/O jobs need no thread: tasks that await overlap by design.
"""

from __future__ import annotations

import anyio.to_process
import trio

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
    await trio.sleep(IO_TICKS * p.tick)
    trace.record(f"io job {job}", "fetches", page(job))


async def _cpu_in_a_thread(trace: Recorder, job: int, n: int, p: Params) -> None:
    # the job asks trio now and then, which raises Cancelled there once this task is cancelled
    stop = trio.from_thread.check_cancelled
    await trio.to_thread.run_sync(_cpu_job, trace, job, n, p, stop)


async def _cpu_in_a_process(trace: Recorder, job: int, n: int, p: Params) -> None:
    # the process only counts: anyio points a worker's stdout and stderr at os.devnull (it
    # talks to its parent on the real ones), so the task records; a part includes the
    # wait for a worker (started when none is idle, at most one per core)
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # cancellable: once this task is cancelled, anyio kills the worker (else it waits)
        await anyio.to_process.run_sync(count_down, n, cancellable=True)
        trace.record(f"cpu job {job}", "has done part", part)


async def _one_after_another(trace: Recorder, phase: str, job_fn: Job, n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    for job in range(1, p.jobs + 1):
        await job_fn(trace, job, n, p)
    trace.record("main", "ends", phase)


async def _at_once(trace: Recorder, phase: str, job_fn: Job, n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    async with trio.open_nursery() as nursery:
        for job in range(1, p.jobs + 1):
            nursery.start_soon(job_fn, trace, job, n, p)
    trace.record("main", "ends", phase)


async def _main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    with trio.fail_after(p.timeout):
        # step: cpu jobs one after another
        await _one_after_another(trace, "cpu, one by one", _cpu_in_a_thread, n, p)
        # step: cpu jobs at once
        await _at_once(trace, "cpu in threads", _cpu_in_a_thread, n, p)
        # own step: cpu jobs in processes
        await _at_once(trace, "cpu in processes", _cpu_in_a_process, n, p)
        # step: io jobs one after another
        await _one_after_another(trace, "io, one by one", _io_job, n, p)
        # step: io jobs at once
        await _at_once(trace, "io in tasks", _io_job, n, p)


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

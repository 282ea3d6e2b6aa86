"""gil with asyncio: CPU work on the loop starves it; offloaded, it is like threads or processes.

Every task runs on the loop's one thread, and the loop switches tasks only at an
``await`` that suspends. A CPU job called directly from a coroutine holds the loop until
it returns: the heartbeat task, which beats every tick, does not beat once while a job
runs: it can get in only at the checkpoint after one (``await asyncio.sleep(0)``).
Awaiting a coroutine is no checkpoint by itself: without that line, ``await
_cpu_on_the_loop(...)`` would run every job in a row without letting the loop in. I/O
jobs need no thread: tasks that ``await asyncio.sleep`` overlap by design.

Offloaded, CPU work behaves as in the other models. ``asyncio.to_thread`` runs each job
in the loop's default thread pool: no speed-up, and the heartbeat beats, but late, since
the loop's thread must win the GIL back from the CPU threads each time it wakes up.
``loop.run_in_executor`` with a ``ProcessPoolExecutor`` runs them in processes: a
speed-up with the cores. The pool starts a process for each job submitted while none is
idle, up to its size, from the run's context (spawn here: forking a process that has
threads is unsafe, and warns from 3.12). Each process first runs the pool's
``initializer``: here it waits at a start line (a ``multiprocessing.Barrier``) whose
action, run by the last one there, starts the clock, so the start-up is measured apart.


Ctrl-C: ``asyncio.run`` turns the first one into a cancellation of the main task, which
arrives at its next ``await``. CPU work on the loop cannot be interrupted: Ctrl-C, like
the heartbeat, waits for the job to end, and gets in at the checkpoint after it (``await
asyncio.sleep(0)``). Cancelling ``await asyncio.to_thread(...)`` ends the await at once,
but not the thread, and ``asyncio.run`` waits for its threads at exit: asyncio has no
way to tell a thread, so the task, when cancelled, sets a ``threading.Event`` that the
job looks at every ``CHECK_EVERY`` steps. A job running in a pool process cannot be
cancelled either, and the pool has no way to stop its workers before 3.14
(``terminate_workers()``); killing them behind its back breaks the pool (and on 3.11 can
crash its manager thread, CPython gh-107219). So the jobs look at a
``multiprocessing.Event`` too, which the initializer keeps in each worker (a worker can
only inherit one): set when the task is cancelled, it lets leaving the pool's ``with``,
which waits for the running jobs, take a few milliseconds.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.synchronize import Barrier, Event
from typing import Any

from threeways import Recorder

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

_Job = Callable[[Recorder, str, int, int, Params], Coroutine[Any, Any, None]]
_Flag = Callable[[], object]


def _cpu_job(
    trace: Recorder, name: str, job: int, n: int, p: Params, stopped: _Flag | None = None
) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: compute (holds the GIL)
    result = crunch(job, n, stopped)  # `stopped`: how a job in a thread learns to stop
    trace.record(f"job {job}", "computes", {"phase": name, "job": job, "result": result})


async def _io_job(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: wait for I/O (releases the GIL)
    await asyncio.sleep(IO_TICKS * p.tick)
    trace.record(f"job {job}", "fetches", {"phase": name, "job": job, "result": page(job)})


async def _cpu_on_the_loop(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    _cpu_job(trace, name, job, n, p)  # no await inside: the loop is blocked until it returns
    await asyncio.sleep(0)  # a checkpoint: the heartbeat, or a cancellation, gets in here


async def _cpu_in_a_thread(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    stop = threading.Event()  # a thread cannot be cancelled: the job looks at this flag
    try:
        await asyncio.to_thread(_cpu_job, trace, name, job, n, p, stop.is_set)
    except asyncio.CancelledError:
        stop.set()  # the await ends now; the thread at the job's next look
        raise


async def _cpu_in_a_process(
    pool: ProcessPoolExecutor, trace: Recorder, name: str, job: int, n: int, p: Params
) -> None:
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(pool, _cpu_job, trace, name, job, n, p, _stop_is_set)


async def _heartbeat(trace: Recorder, p: Params) -> None:
    beat = 0
    while True:
        beat += 1
        trace.record("heartbeat", "beats", beat)
        await asyncio.sleep(p.tick)


async def _one_after_another(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, SEQUENTIAL)
    trace.record("main", "starts", name)
    for job in range(1, p.jobs + 1):
        await job_fn(trace, name, job, n, p)
    trace.record("main", "ends", name)


async def _at_the_same_time(trace: Recorder, name: str, job_fn: _Job, n: int, p: Params) -> None:
    trace.record("main", "starts", name)
    async with asyncio.TaskGroup() as tg:
        for job in range(1, p.jobs + 1):
            tg.create_task(job_fn(trace, name, job, n, p))
    trace.record("main", "ends", name)


_stop: Event | None = None
"""In a pool's worker process: the run's stop flag, kept there by the initializer."""


def _ready(start: Barrier, stop: Event) -> None:
    """A worker process's initializer: its pickled name made the process import this
    module; keep the stop flag (a worker can only inherit one, so it comes this way, not
    with each job), then wait at the start line (the last process there starts the clock)."""
    global _stop
    _stop = stop
    start.wait()


def _stop_is_set() -> bool:
    """In a pool's worker process: whether the run told the jobs to stop."""
    return _stop is not None and _stop.is_set()


async def _in_processes(trace: Recorder, n: int, p: Params) -> None:
    ctx = trace.mp_context
    name = phase(CPU, "in processes")
    workers = min(p.jobs, os.cpu_count() or 1)
    with trace.child_sink() as sink:  # the processes record through it
        # the pool starts a process per job submitted while none is idle, up to `workers`;
        # each one runs the initializer first
        clock = functools.partial(sink.record, "main", CLOCK, name)
        start = ctx.Barrier(workers, action=clock, timeout=p.timeout)
        stop = ctx.Event()  # the pool cannot stop a running job: the job looks at this flag
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_ready, initargs=(start, stop)
        ) as pool:
            job_fn = functools.partial(_cpu_in_a_process, pool)
            try:
                await _at_the_same_time(sink, name, job_fn, n, p)
            except asyncio.CancelledError:
                stop.set()  # leaving `with` waits for the running jobs: a look away now
                raise


async def _main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", {"work": n, "GIL": gil_enabled()})
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # own step: start the heartbeat
        heartbeat = tg.create_task(_heartbeat(trace, p))
        # step: cpu jobs one after another
        await _one_after_another(trace, CPU, _cpu_on_the_loop, n, p)
        # step: cpu jobs at the same time
        await _at_the_same_time(trace, phase(CPU, "in threads"), _cpu_in_a_thread, n, p)
        # own step: cpu jobs in processes
        await _in_processes(trace, n, p)
        # step: io jobs one after another
        await _one_after_another(trace, IO, _io_job, n, p)
        # step: io jobs at the same time
        await _at_the_same_time(trace, phase(IO, "in tasks"), _io_job, n, p)
        # own step: stop the heartbeat
        heartbeat.cancel()


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""gil with trio: CPU work on the loop starves it; offloaded, it is like threads or processes.

Every task runs on trio's one thread, and trio switches tasks only at a checkpoint (an
``await`` of a trio function). A CPU job called directly holds the loop until it
returns: the heartbeat task, which beats every tick, does not beat once while a job
runs: it can get in only at the checkpoint after one (``trio.lowlevel.checkpoint()``).
I/O jobs need no thread: tasks that ``await trio.sleep`` overlap by design.

Offloaded, CPU work behaves as in the other models. ``trio.to_thread.run_sync`` runs
each job in a thread: no speed-up, and the heartbeat beats, but late, since trio's
thread must win the GIL back from the CPU threads each time it wakes up; idle threads
stay cached ten seconds for reuse. trio has no process pool (trio issue #5): the usual
answer is anyio, which runs on top of trio, and its ``anyio.to_process.run_sync``, which
lends each call a worker process of its own (at most one per core at a time) and keeps
idle ones until ``trio.run`` ends. anyio has no initializer to wait at a start line, so
the workers are started first by a call each that does nothing, and the clock starts
when those calls are back: the start-up is measured apart.

Ctrl-C: trio raises ``KeyboardInterrupt`` at once wherever the code running is not
trio's own (protected) machinery, so even in the middle of a CPU job on the loop;
otherwise, at the next checkpoint. A thread cannot be cancelled: trio waits for it (or,
with ``abandon_on_cancel=True``, leaves it running), but has the flag built in: inside
``trio.to_thread.run_sync``, ``trio.from_thread.check_cancelled()`` raises
``trio.Cancelled`` once the waiting task is cancelled, and the job calls it every
``CHECK_EVERY`` steps. ``anyio.to_process.run_sync(..., cancellable=True)`` kills the
worker process when the task is cancelled; without it, anyio waits for the job.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Coroutine
from typing import Any

import anyio.to_process
import trio

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
    await trio.sleep(IO_TICKS * p.tick)
    trace.record(f"job {job}", "fetches", {"phase": name, "job": job, "result": page(job)})


async def _cpu_on_the_loop(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    _cpu_job(trace, name, job, n, p)  # no checkpoint inside: the loop is blocked until it returns
    await trio.lowlevel.checkpoint()  # the heartbeat, or a cancellation, gets in here


async def _cpu_in_a_thread(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    # a thread cannot be cancelled: the job asks trio now and then, which raises Cancelled
    # in the thread once this task is cancelled
    stopped = trio.from_thread.check_cancelled
    await trio.to_thread.run_sync(_cpu_job, trace, name, job, n, p, stopped)


async def _cpu_in_a_process(trace: Recorder, name: str, job: int, n: int, p: Params) -> None:
    # cancellable: once this task is cancelled, anyio kills the worker process (else it waits)
    await anyio.to_process.run_sync(_cpu_job, trace, name, job, n, p, cancellable=True)


async def _heartbeat(trace: Recorder, p: Params) -> None:
    beat = 0
    while True:
        beat += 1
        trace.record("heartbeat", "beats", beat)
        await trio.sleep(p.tick)


async def _one_after_another(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, SEQUENTIAL)
    trace.record("main", "starts", name)
    for job in range(1, p.jobs + 1):
        await job_fn(trace, name, job, n, p)
    trace.record("main", "ends", name)


async def _at_the_same_time(trace: Recorder, name: str, job_fn: _Job, n: int, p: Params) -> None:
    trace.record("main", "starts", name)
    async with trio.open_nursery() as nursery:
        for job in range(1, p.jobs + 1):
            nursery.start_soon(job_fn, trace, name, job, n, p)
    trace.record("main", "ends", name)


def _ready() -> None:
    """Nothing: a worker process that ran it has started and imported this module."""


async def _start_workers(workers: int) -> None:
    # anyio lends each call a worker process of its own until the call returns, and starts
    # one when none is idle: `workers` calls at once leave `workers` processes started,
    # this module imported in each, idle and ready
    async with trio.open_nursery() as nursery:
        for _ in range(workers):
            nursery.start_soon(anyio.to_process.run_sync, _ready)


async def _in_processes(trace: Recorder, n: int, p: Params) -> None:
    name = phase(CPU, "in processes")
    trace.record("main", "starts", name)
    await _start_workers(min(p.jobs, os.cpu_count() or 1))  # anyio's limit: one per core
    trace.record("main", CLOCK, name)  # every worker process is started and waiting
    with trace.child_sink() as sink:  # the processes record through it
        async with trio.open_nursery() as nursery:
            for job in range(1, p.jobs + 1):
                nursery.start_soon(_cpu_in_a_process, sink, name, job, n, p)
    trace.record("main", "ends", name)


async def _main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", {"work": n, "GIL": gil_enabled()})
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # own step: start the heartbeat
            nursery.start_soon(_heartbeat, trace, p)
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
            nursery.cancel_scope.cancel()


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

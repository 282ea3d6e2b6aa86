"""crash with trio: anyio's worker processes; a dead worker fails only its own call.

A job that can crash needs a process: ``os._exit()`` in a thread ends the whole program,
and ``trio.to_thread.run_sync`` raises a thread's ``SystemExit`` again in the waiting
task, which ends ``trio.run``. trio has no process pool (trio issue #5); the usual answer
is anyio, which runs on trio: ``anyio.to_process.run_sync`` lends each call an idle
worker process of its own, and starts one when none is idle. If the worker dies in the
middle of the call, the call raises ``BrokenWorkerProcess``, the dead worker is dropped,
and the next call gets a new one: the other calls never notice. So a crash stays with its
own job, which asyncio gets only from an executor per job, and live workers are reused
(anyio kills them when ``trio.run`` ends). A ``CapacityLimiter(workers)`` bounds the jobs at once
(anyio's default: one per core), ``trio.fail_after`` the run. With ``cancellable=True``
anyio kills a worker whose call is cancelled (Ctrl-C, a timeout); without it, it waits
for the job. But a worker still starting when its call is cancelled is neither killed nor
waited for (agronholm/anyio#1337, not in 4.16): it ends once its pipes are dropped, an
unreaped zombie until this process exits. anyio's workers are plain ``python -m
anyio.to_process`` processes, not ``multiprocessing`` ones.
"""

from __future__ import annotations

import os
import time

import anyio
import anyio.to_process
import trio

from threeways import Recorder

from . import CRASH_CODE, Params, describe, job_name, result_of


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    trace.record(job_name(i), "starts", {"job": i, "on": f"pid {os.getpid()}"})
    time.sleep(p.tick)
    # step: die in the middle of it
    if i == p.crash:
        trace.record(job_name(i), "dies", {"job": i, "how": f"os._exit({CRASH_CODE})"})
        os._exit(CRASH_CODE)  # no exception, no cleanup, no result: the process is gone
    time.sleep(p.tick)
    # step: return the result
    trace.record(job_name(i), "returns", {"job": i, "result": result_of(i)})
    return result_of(i)


async def _run_alone(
    trace: Recorder, sink: Recorder, limiter: anyio.CapacityLimiter, i: int, p: Params
) -> None:
    # step: learn what became of the job
    try:
        result = await anyio.to_process.run_sync(
            _job, sink, i, p, cancellable=True, limiter=limiter
        )
    except anyio.BrokenWorkerProcess as error:  # the worker lent to this call died
        trace.record("main", "loses job", {"job": i, "why": describe(error)})
    else:
        trace.record("main", "gets result", {"job": i, "result": result})


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    limiter = anyio.CapacityLimiter(p.workers)
    trace.record("main", "opens pool", p.workers)
    with trace.child_sink() as sink, trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: submit the jobs
            for i in range(p.jobs):
                nursery.start_soon(_run_alone, trace, sink, limiter, i, p, name=job_name(i))
            # step: wait for every job
            trace.record("main", "waits for every job")
        # leaving the nursery waits for every task
    # step: close the pool
    trace.record("main", "closes pool")  # anyio kills its idle workers when trio.run ends


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

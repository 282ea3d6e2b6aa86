"""crash with asyncio: each job in a ProcessPoolExecutor of its own; a death breaks only that one.

A job that can crash must run outside the event loop's process, or its crash ends the
whole program; asyncio hands work to processes with ``loop.run_in_executor`` and a
``ProcessPoolExecutor``. When a worker of such an executor dies, the executor breaks: it
terminates its other workers, fails every future not yet done, running or queued, with
``BrokenProcessPool``, and refuses new jobs. One shared executor could not say
which job was lost, and would lose the jobs running beside it. So each job gets an
executor of one worker: its ``BrokenProcessPool`` can only mean that this job's worker
died, and nothing else breaks. A ``Semaphore(workers)`` lets only ``workers`` jobs run at
once; ``asyncio.timeout`` bounds the run. Leaving an executor's ``with`` block waits for
its worker to exit, a few milliseconds after its job. An executor can neither cancel a
running job nor stop its workers (3.14 adds ``terminate_workers()``, gh-128041): when the
task is cancelled (a timeout, Ctrl-C), it shuts its executor down without waiting, and
the worker, a child process like multiprocessing's, is stopped with the rest of the run
(a program's own exit would wait for the job: concurrent.futures joins its executors at
exit). A job's ``SystemExit`` would be no crash here: the executor catches
``BaseException`` in the worker and sends it back as the job's exception.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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
    trace: Recorder, sink: Recorder, slots: asyncio.Semaphore, i: int, p: Params
) -> None:
    loop = asyncio.get_running_loop()
    async with slots:
        # own step: an executor of one worker for each job
        with ProcessPoolExecutor(1, mp_context=trace.mp_context) as pool:
            # step: learn what became of the job
            try:
                result = await loop.run_in_executor(pool, _job, sink, i, p)
            except BrokenProcessPool as error:  # its only worker died: this job is lost
                trace.record("main", "loses job", {"job": i, "why": describe(error)})
            except asyncio.CancelledError:  # a timeout, Ctrl-C: do not wait for the worker
                pool.shutdown(wait=False, cancel_futures=True)  # so leaving `with` waits for none
                raise
            else:
                trace.record("main", "gets result", {"job": i, "result": result})


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    slots = asyncio.Semaphore(p.workers)
    trace.record("main", "opens pool", p.workers)
    with trace.child_sink() as sink:
        async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
            # step: submit the jobs
            for i in range(p.jobs):
                tg.create_task(_run_alone(trace, sink, slots, i, p))
            # step: wait for every job
            trace.record("main", "waits for every job")
        # leaving the TaskGroup waits for every task
    # step: close the pool
    trace.record("main", "closes pool")  # each job's executor closed with its job


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Runs every job on one shared ProcessPoolExecutor: one worker's death breaks them all.

When a worker of a ``ProcessPoolExecutor`` dies, the executor breaks as a whole: it
terminates its other workers and fails every future not yet done, the running jobs
beside the dead one and the queued ones, with ``BrokenProcessPool``. So main reports as
lost not only job 1, whose worker died, but every job that had not finished by then,
and gets none of their results. The checker sees the lost jobs listed beyond the one
that died, and main reporting jobs lost that never died. An executor of one worker per
job keeps a death to its own job.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from threeways import Recorder
from threeways.scenarios.crash import CRASH_CODE, Params, describe, job_name, result_of


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


async def _run(
    trace: Recorder, sink: Recorder, pool: ProcessPoolExecutor, i: int, p: Params
) -> None:
    loop = asyncio.get_running_loop()
    # step: learn what became of the job
    try:
        result = await loop.run_in_executor(pool, _job, sink, i, p)
    except BrokenProcessPool as error:  # some worker of the pool died: not necessarily this job's
        trace.record("main", "loses job", {"job": i, "why": describe(error)})
    else:
        trace.record("main", "gets result", {"job": i, "result": result})


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the pool
    pool = ProcessPoolExecutor(p.workers, mp_context=trace.mp_context)  # the bug: one for all
    trace.record("main", "opens pool", p.workers)
    with trace.child_sink() as sink, pool:
        async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
            # step: submit the jobs
            for i in range(p.jobs):
                tg.create_task(_run(trace, sink, pool, i, p))
            # step: wait for every job
            trace.record("main", "waits for every job")
        # leaving the TaskGroup waits for every task
    # step: close the pool
    trace.record("main", "closes pool")


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Never cancels the heartbeat: the TaskGroup waits for a task that never ends.

The learner runs the jobs and stops there, as if the heartbeat would stop with them.
But leaving an ``asyncio.TaskGroup`` waits for every task in it, and the heartbeat's
loop has no end: main waits for it for ever, and only ``asyncio.timeout`` ends the run
(cancelling the heartbeat at last). The checker reports the run as failed, timed out,
with the heartbeat still beating.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import threading
from concurrent.futures import ProcessPoolExecutor

from threeways import Recorder
from threeways.scenarios.blocking_the_loop import Params, work_size
from threeways.scenarios.gil import Flag, Job, count_down  # gil's CPU job: a count-down


def _cpu_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"job {job}", "starts")
    # step: compute (holds the GIL)
    if count_down(n, stop):  # False if told to stop: a thread cannot be cancelled
        trace.record(f"job {job}", "is done")


async def _on_the_loop(trace: Recorder, job: int, n: int, p: Params) -> None:
    _cpu_job(trace, job, n, p)  # no await inside: every other task waits until it returns
    await asyncio.sleep(0)  # a checkpoint: the heartbeat, or Ctrl-C, gets in between jobs


async def _in_a_thread(trace: Recorder, job: int, n: int, p: Params) -> None:
    stop = threading.Event()  # a thread cannot be cancelled: the job looks at this flag
    try:
        await asyncio.to_thread(_cpu_job, trace, job, n, p, stop.is_set)
    finally:
        stop.set()  # if cancelled: the await ends now, the thread at the job's next look


async def _in_a_process(
    pool: ProcessPoolExecutor, trace: Recorder, job: int, n: int, p: Params
) -> None:
    await asyncio.get_running_loop().run_in_executor(pool, _cpu_job, trace, job, n, p)


async def _heartbeat(trace: Recorder, p: Params) -> None:
    try:
        for beat in itertools.count(1):
            trace.record("heartbeat", "beats", beat)
            await asyncio.sleep(p.tick)
    except asyncio.CancelledError:  # main cancels it once the jobs are done
        trace.record("heartbeat", "stops")
        raise


async def _one_after_another(trace: Recorder, where: str, job_fn: Job, n: int, p: Params) -> None:
    trace.record("main", "starts", where)
    for job in range(1, p.jobs + 1):
        await job_fn(trace, job, n, p)
    trace.record("main", "ends", where)


async def _main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the heartbeat
        tg.create_task(_heartbeat(trace, p))
        await asyncio.sleep(0)  # create_task only schedules it: let it beat once first
        # step: jobs in main
        await _one_after_another(trace, "on the loop", _on_the_loop, n, p)
        # own step: jobs in a thread
        await _one_after_another(trace, "in a thread", _in_a_thread, n, p)
        # own step: jobs in a process
        ctx = trace.mp_context
        with trace.child_sink() as sink, ProcessPoolExecutor(1, mp_context=ctx) as pool:
            in_a_process = functools.partial(_in_a_process, pool)
            await _one_after_another(sink, "in a process", in_a_process, n, p)
        # step: stop the heartbeat
        # the bug: no heartbeat.cancel(): leaving the TaskGroup waits for it


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

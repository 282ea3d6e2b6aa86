"""Runs the job in a thread, then join()s it from the task: the join blocks the loop.

The learner knows threads: start one for the job, wait for it with ``join``. The job
does run in another thread, but ``join`` is a blocking call, not an ``await``: the
loop's own thread sits in it until the job is done, so the heartbeat stops exactly as
if the job ran on the loop. ``await asyncio.to_thread(...)`` waits without holding the
loop. The checker sees the heartbeat not beat while a job ran "in a thread".
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
    thread = threading.Thread(target=_cpu_job, args=(trace, job, n, p), name=f"job {job}")
    thread.start()
    thread.join(p.timeout)  # the bug: a blocking wait, in the loop's thread


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
        heartbeat = tg.create_task(_heartbeat(trace, p))
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
        heartbeat.cancel()


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

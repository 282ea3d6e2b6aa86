"""The heartbeat sleeps with time.sleep: it blocks the loop itself, and nothing else ever runs.

``time.sleep`` is not a checkpoint: it stops the whole thread, trio's one thread, and
gives nothing back to trio. The heartbeat beats, blocks for a tick, beats again, and
never lets main run its jobs nor trio's own timeout fire: ``await trio.sleep(p.tick)``
is the sleep that lets the other tasks run. The checker sees the run hang, with the
heartbeat still beating and main stuck before its first job; its watchdog ends it.
"""

from __future__ import annotations

import itertools
import time

import anyio.to_process
import trio

from threeways import Recorder
from threeways.scenarios.blocking_the_loop import Params, work_size
from threeways.scenarios.gil import Flag, Job, count_down  # gil's CPU job: a count-down


def _cpu_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"job {job}", "starts")
    # step: compute (holds the GIL)
    if count_down(n, stop):  # False if told to stop: a thread cannot be cancelled
        trace.record(f"job {job}", "is done")


async def _on_the_loop(trace: Recorder, job: int, n: int, p: Params) -> None:
    _cpu_job(trace, job, n, p)  # no checkpoint inside: every other task waits until it returns
    await trio.lowlevel.checkpoint()  # the heartbeat, or a cancellation, gets in here


async def _in_a_thread(trace: Recorder, job: int, n: int, p: Params) -> None:
    # the job asks trio now and then, which raises Cancelled there once this task is cancelled
    stop = trio.from_thread.check_cancelled
    await trio.to_thread.run_sync(_cpu_job, trace, job, n, p, stop)


async def _in_a_process(trace: Recorder, job: int, n: int, p: Params) -> None:
    # the process only counts: anyio points a worker's stdout and stderr at os.devnull (it
    # talks to its parent on the real ones), so the task records (job 1: and the start-up)
    trace.record(f"job {job}", "starts")
    await anyio.to_process.run_sync(count_down, n, cancellable=True)  # killed if cancelled
    trace.record(f"job {job}", "is done")


async def _heartbeat(
    trace: Recorder, p: Params, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    task_status.started()  # nursery.start returns; this task goes on to its first beat
    try:
        for beat in itertools.count(1):
            trace.record("heartbeat", "beats", beat)
            time.sleep(p.tick)  # the bug: blocks trio's thread; no other task runs
    except trio.Cancelled:  # main cancels it once the jobs are done
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
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the heartbeat
            await nursery.start(_heartbeat, trace, p)
            # step: jobs in main
            await _one_after_another(trace, "on the loop", _on_the_loop, n, p)
            # own step: jobs in a thread
            await _one_after_another(trace, "in a thread", _in_a_thread, n, p)
            # own step: jobs in a process
            await _one_after_another(trace, "in a process", _in_a_process, n, p)
            # step: stop the heartbeat
            nursery.cancel_scope.cancel()


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

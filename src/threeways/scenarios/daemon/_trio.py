"""daemon with trio: no task outlives its nursery, so the background task is cancelled.

trio has no daemon tasks: this is structured concurrency. Every task is started in a
nursery, and the ``async with`` block of a nursery does not end until all its tasks
have: a task can never outlive the code that started it, so nothing runs unseen in the
background and no error is lost. A background task is therefore stopped explicitly:
when the main flow is done it cancels the nursery's cancel scope, and the daemon gets
``trio.Cancelled`` at its next checkpoint, so its ``finally`` block runs.

``await nursery.start(...)`` starts a task and waits until it calls
``task_status.started()``: the "wait until it runs" handshake the other models build
from an Event. The worker lives in an inner nursery; leaving that block is the join.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import Params


async def _daemon(
    trace: Recorder, p: Params, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    trace.record("daemon", "starts")
    task_status.started()
    try:
        beat = 0
        while True:  # no end: only the end of the program stops it
            # step: beat in the background
            beat += 1
            trace.record("daemon", "beats", beat)
            await trio.sleep(p.tick)
    finally:
        trace.record("daemon", "cleans up")  # runs: cancellation is an exception


async def _worker(trace: Recorder, p: Params) -> None:
    trace.record("worker", "starts")
    for step in range(1, p.steps + 1):
        # step: do a step of work
        await trio.sleep(p.tick)
        trace.record("worker", "does step", step)
    trace.record("worker", "finishes")


async def _program(trace: Recorder, p: Params) -> None:
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as background:
            # step: start the daemon
            # step: wait until the daemon runs
            await background.start(_daemon, trace, p)  # returns once it called started()
            # step: start the worker
            trace.record("main", "starts the worker")
            async with trio.open_nursery() as workers:
                workers.start_soon(_worker, trace, p)
                # step: wait for the worker
                trace.record("main", "waits for the worker")
            # leaving the inner nursery waited for the worker
            trace.record("main", "has joined the worker")
            # step: end the main flow
            daemon_running = bool(background.child_tasks)  # the daemon is its only task
            trace.record("main", "ends", {"daemon running": daemon_running})
            background.cancel_scope.cancel()  # else the nursery would wait for ever


def main(trace: Recorder, p: Params) -> None:
    trio.run(_program, trace, p)

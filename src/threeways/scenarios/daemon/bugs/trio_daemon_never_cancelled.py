"""Never cancels the background nursery: it waits for a daemon that never ends.

The main flow joins the worker, records its end and simply leaves the nursery block,
expecting the background task to stop with it, as a daemon thread would. But a trio
nursery does not end until all its tasks have, and the daemon's loop has no end: the
nursery waits for it for ever. Only ``trio.fail_after`` stops the run, with
``TooSlowError``: the checker reports the run as failed (timed out), and the daemon's
cleanup comes from that timeout, not from the main flow.
"""

from __future__ import annotations

import trio

from threeways import Recorder
from threeways.scenarios.daemon import Params


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
        # the bug: no background.cancel_scope.cancel(): the nursery waits for the daemon


def main(trace: Recorder, p: Params) -> None:
    trio.run(_program, trace, p)

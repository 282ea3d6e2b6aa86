"""Takes create_task for "it runs now": main goes on without waiting until the daemon runs.

``asyncio.create_task`` only schedules the coroutine: the new task takes its first step
at main's next ``await``, not before. Without ``await running.wait()``, main starts the
worker before the daemon has run at all, so whatever the worker needed the daemon for
(a heartbeat, a connection it opens) is not there yet. The checker sees "main starts
the worker" before "daemon starts", in every run.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.daemon import Params


async def _daemon(trace: Recorder, running: asyncio.Event, p: Params) -> None:
    trace.record("daemon", "starts")
    running.set()
    try:
        beat = 0
        while True:  # no end: only the end of the program stops it
            # step: beat in the background
            beat += 1
            trace.record("daemon", "beats", beat)
            await asyncio.sleep(p.tick)
    finally:
        trace.record("daemon", "cleans up")  # runs: cancellation is an exception


async def _worker(trace: Recorder, p: Params) -> None:
    trace.record("worker", "starts")
    for step in range(1, p.steps + 1):
        # step: do a step of work
        await asyncio.sleep(p.tick)
        trace.record("worker", "does step", step)
    trace.record("worker", "finishes")


async def _program(trace: Recorder, p: Params) -> None:
    async with asyncio.timeout(p.timeout):
        # step: start the daemon
        running = asyncio.Event()
        daemon = asyncio.create_task(_daemon(trace, running, p), name="daemon")
        # step: wait until the daemon runs
        # the bug: no `await running.wait()`: create_task has not run the daemon yet
        # step: start the worker
        trace.record("main", "starts the worker")
        worker = asyncio.create_task(_worker(trace, p), name="worker")
        # step: wait for the worker
        trace.record("main", "waits for the worker")
        await worker
        trace.record("main", "has joined the worker")
    # step: end the main flow
    # when this returns, asyncio.run cancels the daemon, still pending, and waits for it
    trace.record("main", "ends", {"daemon running": not daemon.done()})


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_program(trace, p))

"""daemon with asyncio: a task still pending when the main coroutine returns is cancelled.

asyncio has no daemon flag. ``asyncio.run`` runs the main coroutine; when it returns,
``asyncio.run`` cancels every task that is still pending and runs the loop until they
have all ended: a background task is a daemon by default. Cancelling raises
``CancelledError`` at the task's ``await``, so unlike a daemon thread its ``finally``
block runs and it can clean up (a task that swallowed the cancellation and went on
beating would make ``asyncio.run`` wait for it for ever).

Keep a reference to a background task (here ``daemon``): the event loop keeps only
weak references to tasks, and one that nothing references may be garbage-collected
before it finishes. The worker is awaited directly: awaiting a task is joining it.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import Params


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
        await running.wait()
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

"""process_info with asyncio: every worker and helper is a task in the main thread.

Tasks are not threads: the event loop runs them all in the one thread that called
``asyncio.run``, so each reports the main pid and the main thread, and only its task name
tells it apart (``asyncio.current_task().get_name()``; the operating system cannot see
tasks). A task starts its helpers in a ``TaskGroup`` of its own, and waits for them by
leaving it. An asyncio task keeps no record of who created it, so each is told. Names
are given at ``create_task(..., name=...)``, so they differ by construction: nothing
needs to wait for the others.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from threeways import Recorder

from . import Params, helper_names, worker_names


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    task = asyncio.current_task()
    assert task is not None, "called outside a task"
    return {
        "kind": kind,
        "started_by": started_by,  # a task cannot ask who created it: it is told
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "thread": threading.current_thread().name,
        "tid": threading.get_native_id(),  # the event loop's thread, the same for every task
        "task": task.get_name(),  # a task's own: the operating system cannot see it
    }


async def _helper(trace: Recorder, name: str, starter: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("task", starter))


async def _worker(trace: Recorder, name: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("task", "main"))
    async with asyncio.TaskGroup() as tg:
        # step: start helpers inside me
        for helper in helper_names(name, p.helpers):
            tg.create_task(_helper(trace, helper, name, p), name=helper)
        # step: wait for my helpers
    # leaving the TaskGroup waited for every helper
    # step: end
    trace.record(name, "ends")


async def _main(trace: Recorder, p: Params) -> None:
    # step: report who I am
    trace.record("main", "reports", _who_am_i("main", ""))
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the workers
        for name in worker_names(p.workers):
            tg.create_task(_worker(trace, name, p), name=name)
        # step: wait for the workers
        trace.record("main", "waits for the workers")
    # leaving the TaskGroup waited for every worker


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

"""Awaits the helper's coroutine instead of making it a task: it runs inside the worker's task.

``await _helper(...)`` runs the coroutine to its end right there, in the task that
awaits it, as a function call would: no new task is created. The helper then reports
its starter's task as its own, and the helpers of one worker run one after another.
``tg.create_task(_helper(...), name=...)`` makes it a task of its own. The checker sees
each helper report its starter's task name.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

from threeways import Recorder
from threeways.scenarios.process_info import Params, helper_names, worker_names


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
    # step: start helpers inside me
    for helper in helper_names(name, p.helpers):
        await _helper(trace, helper, name, p)  # the bug: a call, not a task
    # step: wait for my helpers
    # (awaiting each one waited for it)
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

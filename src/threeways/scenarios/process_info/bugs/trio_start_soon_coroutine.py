"""Passes start_soon a coroutine, _helper(...), instead of the function and its arguments.

``nursery.start_soon`` wants an async function and the arguments to call it with: trio
calls it itself, in the new task. ``start_soon(_helper(trace, helper, p))`` calls
``_helper`` first, which in Python makes a coroutine object and runs none of it, and
hands that over: trio refuses it with a ``TypeError`` ("trio was expecting an async
function, but instead it got a coroutine object"), and the coroutine is never awaited.
A type checker sees it too (mypy: incompatible type "Coroutine"). The checker sees
every worker fail with that TypeError, and no helper report.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import trio

from threeways import Recorder
from threeways.scenarios.process_info import Params, helper_names, worker_names


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    return {
        "kind": kind,
        "started_by": started_by,
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "thread": threading.current_thread().name,
        "tid": threading.get_native_id(),  # trio.run's thread, the same for every task
        "task": trio.lowlevel.current_task().name,  # a task's own: the OS cannot see it
    }


def _parent_task_name() -> str:
    nursery = trio.lowlevel.current_task().parent_nursery
    assert nursery is not None, "the main task has no parent"
    return nursery.parent_task.name


async def _helper(trace: Recorder, name: str, p: Params) -> None:
    # own step: ask trio who started me
    starter = _parent_task_name()  # the other models are told; trio knows
    # step: report who I am
    trace.record(name, "reports", _who_am_i("task", starter))


async def _worker(trace: Recorder, name: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("task", "main"))
    async with trio.open_nursery() as nursery:
        # step: start helpers inside me
        for helper in helper_names(name, p.helpers):
            # the bug: _helper(...) is a coroutine, not the function start_soon calls
            nursery.start_soon(_helper(trace, helper, p), name=helper)  # type: ignore[arg-type]
        # step: wait for my helpers
    # leaving the nursery waited for every helper
    # step: end
    trace.record(name, "ends")


async def _main(trace: Recorder, p: Params) -> None:
    # step: report who I am
    trace.record("main", "reports", _who_am_i("main", ""))
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, p, name=name)
            # step: wait for the workers
            trace.record("main", "waits for the workers")
        # leaving the nursery waited for every worker


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

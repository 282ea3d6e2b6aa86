"""process_info with trio: every worker and helper is a task in the main thread.

Like asyncio, trio runs all its tasks in the one thread that called ``trio.run``: each
reports the main pid and the main thread, and only its task name tells it apart
(``trio.lowlevel.current_task().name``, set by ``start_soon(..., name=...)``). Unlike
asyncio, trio knows who started a task: every task belongs to a nursery, and the nursery
to its parent task (``current_task().parent_nursery.parent_task``). The helper reads its
starter from there, where the other models must be told. A worker starts its helpers in
a nursery of its own and waits for them by leaving it. Names differ by construction, so
nothing needs to wait for the others.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import Params, helper_names, identity, worker_names


def _task_name() -> str:
    return trio.lowlevel.current_task().name


def _parent_task_name() -> str:
    nursery = trio.lowlevel.current_task().parent_nursery
    assert nursery is not None, "the main task has no parent"
    return nursery.parent_task.name


async def _helper(trace: Recorder, name: str, p: Params) -> None:
    # own step: ask trio who started me
    starter = _parent_task_name()  # the other models are told; trio knows
    # step: report who I am
    trace.record(name, "reports", identity("task", starter, _task_name()))


async def _worker(trace: Recorder, name: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", identity("task", "main", _task_name()))
    async with trio.open_nursery() as nursery:
        # step: start helpers inside me
        for helper in helper_names(name, p.helpers):
            nursery.start_soon(_helper, trace, helper, p, name=helper)
        # step: wait for my helpers
    # leaving the nursery waits for every helper
    # step: end
    trace.record(name, "ends")


async def _main(trace: Recorder, p: Params) -> None:
    # step: report who I am
    trace.record("main", "reports", identity("main", "", _task_name()))
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the workers
            for name in worker_names(p.workers):
                nursery.start_soon(_worker, trace, name, p, name=name)
            # step: wait for the workers
        # leaving the nursery waits for every worker


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

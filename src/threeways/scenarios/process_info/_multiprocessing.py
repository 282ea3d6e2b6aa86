"""process_info with processes: every worker is a process, with a thread inside it.

Each worker process has a pid of its own and knows who started it:
``multiprocessing.parent_process()`` is the main program. ``os.getppid()`` agrees under
fork and spawn, but under forkserver it names the fork server, which forked the worker.
The helper thread a worker starts lives inside that process and reports the same pid.

A pid may be reused once its process has ended and been reaped, so the workers stay
alive until all have reported: they wait at a ``multiprocessing.Barrier``, as the
threads do at a ``threading.Barrier``. Targets are top-level functions and arguments are
picklable, so that spawn and forkserver can start them.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all

from . import Params, helper_names, worker_names

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    parent = multiprocessing.parent_process()  # who started this process (None in main)
    return {
        "kind": kind,
        "started_by": started_by,
        "pid": os.getpid(),  # this process's own
        "parent": None if parent is None else parent.pid,
        "ppid": os.getppid(),  # the OS's parent: under forkserver, the fork server
        "thread": threading.current_thread().name,
        "tid": threading.get_native_id(),
    }


def _helper(trace: Recorder, name: str, starter: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("thread", starter))


def _worker(trace: Recorder, name: str, everyone: Barrier, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("process", "main"))
    # step: start helpers inside me
    helpers = [  # threads inside this process, as in the seed article
        threading.Thread(target=_helper, args=(trace, helper, name, p), name=helper)
        for helper in helper_names(name, p.helpers)
    ]
    for helper in helpers:
        helper.start()
    # step: wait for my helpers
    join_all(helpers, p.timeout)
    # own step: stay alive until every worker has reported
    trace.record(name, "waits for the others")
    everyone.wait(p.timeout)  # raises BrokenBarrierError on timeout
    # step: end
    trace.record(name, "ends")


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: report who I am
    trace.record("main", "reports", _who_am_i("main", ""))
    # own step: a barrier for the workers and main
    everyone = ctx.Barrier(p.workers + 1)
    with trace.child_sink() as sink:
        # step: start the workers
        workers = [
            ctx.Process(target=_worker, args=(sink, name, everyone, p), name=name)
            for name in worker_names(p.workers)
        ]
        for worker in workers:
            worker.start()
        # own step: stay alive until every worker has reported
        trace.record("main", "waits for the others")
        everyone.wait(p.timeout)
        # step: wait for the workers
        join_all(workers, p.timeout)

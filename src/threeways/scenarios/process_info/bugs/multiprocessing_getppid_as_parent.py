"""Takes os.getppid() for the process that started it: under forkserver, it is the fork server.

``os.getppid()`` is the operating system's parent: the process that forked this one.
Under fork and spawn that is the main program, which started the worker. Under
forkserver the main program asks a fork server to fork the worker, so the OS parent is
the fork server: only ``multiprocessing.parent_process()`` names who started the
worker. The checker sees, in every forkserver run, each worker's parent differ from the
main program's pid; the fork and spawn runs pass.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.process_info import Params, helper_names, worker_names

if TYPE_CHECKING:
    from multiprocessing.synchronize import Barrier


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    return {
        "kind": kind,
        "started_by": started_by,
        "pid": os.getpid(),  # this process's own
        "parent": os.getppid(),  # the bug: the OS's parent, not who started this process
        "ppid": os.getppid(),
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

"""process_info with threads: every worker and helper is a thread of the main process.

A thread is not a process: each reports the main program's pid and parent, and only its
thread id (and the name given to ``Thread(name=...)``) tells it apart. A thread may start
threads of its own, but Python keeps no record of who started whom, so each is told. The
workers wait at a ``threading.Barrier`` until all have reported, because a thread id
(``get_ident()``, or the kernel's ``get_native_id()``) may be reused as soon as its thread
ends: alive together, their ids must differ.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import Params, helper_names, worker_names


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    return {
        "kind": kind,
        "started_by": started_by,  # a thread cannot ask who started it: it is told
        "pid": os.getpid(),  # its process's: every thread of a process has the same
        "ppid": os.getppid(),
        "thread": threading.current_thread().name,
        "tid": threading.get_native_id(),  # the kernel's id for this thread: its own
    }


def _helper(trace: Recorder, name: str, starter: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("thread", starter))


def _worker(trace: Recorder, name: str, everyone: threading.Barrier, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("thread", "main"))
    # step: start helpers inside me
    helpers = [
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
    # step: report who I am
    trace.record("main", "reports", _who_am_i("main", ""))
    # own step: a barrier for the workers and main
    everyone = threading.Barrier(p.workers + 1)
    # step: start the workers
    workers = [
        threading.Thread(target=_worker, args=(trace, name, everyone, p), name=name)
        for name in worker_names(p.workers)
    ]
    for worker in workers:
        worker.start()
    # own step: stay alive until every worker has reported
    trace.record("main", "waits for the others")
    everyone.wait(p.timeout)
    # step: wait for the workers
    join_all(workers, p.timeout)

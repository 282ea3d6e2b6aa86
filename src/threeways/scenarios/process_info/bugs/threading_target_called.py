"""Calls the helper instead of passing it: target=_helper(...) runs it at once, in the worker.

``Thread(target=_helper(trace, ...))`` calls ``_helper`` right there, in the thread that
builds the Thread, and passes its return value, None, as the target: the new thread
starts, does nothing and ends, and the helper has already run in its starter's thread.
``target=_helper, args=(trace, ...)`` hands over the function for the new thread to
call (a type checker says so: mypy reports that ``_helper`` does not return a value).
The checker sees each helper report its starter's thread id as its own.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.process_info import Params, helper_names, worker_names


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
        # the bug: _helper(...) runs here, and its None becomes the target
        threading.Thread(target=_helper(trace, helper, name, p), name=helper)  # type: ignore[func-returns-value]
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

"""process_info with interpreters: every worker is an interpreter of the main process.

An interpreter (PEP 734; ``concurrent.interpreters`` on 3.14, its backport on 3.13) is not
a process: each worker reports the main program's pid and parent. It is told apart by its
interpreter id (``interpreters.get_current().id``; the main one is 0) and by what it has of
its own: its modules (``sys.modules`` is another dict: every interpreter imports afresh)
and its GIL. An interpreter has no thread of its own either: it runs in the thread that
calls it (``call_in_thread`` starts one), which it did not start itself, so
``threading.current_thread()`` is a "Dummy" thread there, and ``main_thread()`` is the
process's, not the interpreter's. ``threading.get_ident()`` names the OS thread, the same
in every interpreter. A worker starts threads inside its interpreter, as a process does.

Interpreter ids, unlike pids and thread ids, are never reused, and main keeps its
interpreters until it closes them: nothing needs to wait at a barrier (a Barrier, like a
Lock, cannot cross between interpreters anyway).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import Params, helper_names, worker_names

if sys.version_info >= (3, 14):
    from concurrent import interpreters
else:  # Python 3.13: the backport, given 3.14's call(fn, *args)
    from threeways._pep734 import interpreters


def _who_am_i(kind: str, started_by: str) -> dict[str, Any]:
    # step: ask who I am
    current = threading.current_thread()
    return {
        "kind": kind,
        "started_by": started_by,  # an interpreter cannot ask who made it: it is told
        "pid": os.getpid(),  # the process's: every interpreter of a process has the same
        "ppid": os.getppid(),
        "interpreter": interpreters.get_current().id,  # its own; the main one is 0
        "modules": id(sys.modules),  # its own modules, in one address space
        "thread": current.name,  # "Dummy-1" in a thread this interpreter did not start
        "main thread": current is threading.main_thread(),  # the process's main thread
        "tid": threading.get_native_id(),
    }


def _helper(trace: Recorder, name: str, starter: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("thread", starter))


def _worker(trace: Recorder, name: str, p: Params) -> None:
    # step: report who I am
    trace.record(name, "reports", _who_am_i("interpreter", "main"))
    # step: start helpers inside me
    helpers = [  # threads of this interpreter, in the same process
        threading.Thread(target=_helper, args=(trace, helper, name, p), name=helper)
        for helper in helper_names(name, p.helpers)
    ]
    for helper in helpers:
        helper.start()
    # step: wait for my helpers
    join_all(helpers, p.timeout)
    # step: end
    trace.record(name, "ends")


def main(trace: Recorder, p: Params) -> None:
    # step: report who I am
    trace.record("main", "reports", _who_am_i("main", ""))
    with trace.child_sink() as sink:  # the interpreters record through it
        # step: start the workers
        workers = [interpreters.create() for _ in range(p.workers)]
        try:
            threads = [  # call pickles the function and its arguments into the interpreter
                worker.call_in_thread(_worker, sink, name, p)
                for name, worker in zip(worker_names(p.workers), workers, strict=True)
            ]
            # step: wait for the workers
            join_all(threads, p.timeout)
        finally:
            for worker in workers:
                if not worker.is_running():  # a running interpreter cannot be closed:
                    worker.close()
            workers.clear()  # dropped, it is destroyed once its thread lets it go

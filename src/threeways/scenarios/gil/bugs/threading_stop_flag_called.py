"""Passes stop.is_set() instead of stop.is_set: the job gets a bool, not a flag it can ask.

The job must be able to ask, now and then, whether it should stop: it needs the
function ``stop.is_set``. With the parentheses, the thread is handed the answer of one
call made at its creation, ``False``, and the first time the count-down looks at its
flag it calls ``False()``: ``TypeError: 'bool' object is not callable``, and the thread
dies. The checker sees the CPU jobs in threads fail with that TypeError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.gil import IO_TICKS, Flag, Params, count_down, page, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # step: compute (holds the GIL)
        if not count_down(n, stop):
            return  # told to stop: a thread cannot be cancelled, so the job ends itself
        trace.record(f"cpu job {job}", "has done part", part)


def _io_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"io job {job}", "starts")
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)
    trace.record(f"io job {job}", "fetches", page(job))


def _one_after_another(
    trace: Recorder, phase: str, job_fn: Callable[..., None], n: int, p: Params
) -> None:
    trace.record("main", "starts", phase)
    for job in range(1, p.jobs + 1):
        job_fn(trace, job, n, p)  # in main: Ctrl-C interrupts it directly
    trace.record("main", "ends", phase)


def _at_once(trace: Recorder, phase: str, job_fn: Callable[..., None], n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    stop = threading.Event()  # a thread cannot be cancelled: a CPU job looks at this flag
    threads = [
        # the bug: is_set() is called now, once: the job gets False, not the flag
        threading.Thread(target=job_fn, args=(trace, job, n, p, stop.is_set()), name=f"job {job}")
        for job in range(1, p.jobs + 1)
    ]
    try:
        for thread in threads:
            thread.start()
        join_all(threads, p.timeout)
    finally:
        stop.set()  # done, or main interrupted (Ctrl-C) or stuck: the jobs end at their next look
    trace.record("main", "ends", phase)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    # step: cpu jobs one after another
    _one_after_another(trace, "cpu, one by one", _cpu_job, n, p)
    # step: cpu jobs at once
    _at_once(trace, "cpu in threads", _cpu_job, n, p)
    # step: io jobs one after another
    _one_after_another(trace, "io, one by one", _io_job, n, p)
    # step: io jobs at once
    _at_once(trace, "io in threads", _io_job, n, p)

"""gil with threads: I/O-bound threads overlap, CPU-bound threads take turns on the GIL.

One thread per job. A thread that sleeps (or waits on a socket or a file) releases the
GIL, so the I/O jobs overlap and finish about ``jobs`` times sooner. A thread running
Python bytecode holds the GIL, and the interpreter hands it to another thread only every
``sys.getswitchinterval()`` seconds: the CPU jobs interleave but never run at the same
moment, so they take as long as one after another (a little longer, from the
hand-overs). On a free-threaded build (3.13t and later, ``sys._is_gil_enabled()``
false) the same code speeds up with the cores. Threads cannot return a value: each job
records its result itself.

The threads wait at a start line (a ``threading.Barrier``) whose action, run by the last
one there before any is let go, starts the clock: the phase is timed from then, and the
start-up (well under a millisecond a thread) is measured apart, as in multiprocessing.


Ctrl-C raises ``KeyboardInterrupt`` in the main thread only, and a thread cannot be
cancelled or killed from outside. A job run one after another runs in main, where the
interrupt stops it at once. The threads must stop themselves: main, interrupted while it
joins them, sets a ``threading.Event``; each CPU job looks at it every ``CHECK_EVERY``
steps (``crunch``'s ``stopped``) and ends early with ``Stopped``, which its thread takes
as the end. An I/O job (a ``time.sleep`` here) cannot be cut short either, but ends by
itself within ``IO_TICKS`` ticks.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import (
    CLOCK,
    CPU,
    IO,
    IO_TICKS,
    SEQUENTIAL,
    Params,
    Stopped,
    crunch,
    gil_enabled,
    page,
    phase,
    work_size,
)

_Flag = Callable[[], object]
_Job = Callable[[Recorder, str, int, int, Params, _Flag | None], None]


def _cpu_job(
    trace: Recorder, name: str, job: int, n: int, p: Params, stopped: _Flag | None = None
) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: compute (holds the GIL)
    result = crunch(job, n, stopped)  # `stopped`: how a job in a thread learns to stop
    trace.record(f"job {job}", "computes", {"phase": name, "job": job, "result": result})


def _io_job(
    trace: Recorder, name: str, job: int, n: int, p: Params, stopped: _Flag | None = None
) -> None:
    trace.record(f"job {job}", "starts", name)
    # step: wait for I/O (releases the GIL)
    time.sleep(IO_TICKS * p.tick)  # cannot be cut short either: ends within IO_TICKS ticks
    trace.record(f"job {job}", "fetches", {"phase": name, "job": job, "result": page(job)})


def _one_after_another(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, SEQUENTIAL)
    trace.record("main", "starts", name)
    for job in range(1, p.jobs + 1):
        job_fn(trace, name, job, n, p, None)  # in main: Ctrl-C interrupts it directly
    trace.record("main", "ends", name)


def _start_together(start: threading.Barrier, job_fn: _Job, *args: Any) -> None:
    # told to stop (the barrier broken, the flag set): the thread just ends
    with contextlib.suppress(Stopped, threading.BrokenBarrierError):
        start.wait()  # at the start line until every thread is there (or p.timeout passes)
        job_fn(*args)


def _at_the_same_time(trace: Recorder, kind: str, job_fn: _Job, n: int, p: Params) -> None:
    name = phase(kind, "in threads")
    trace.record("main", "starts", name)
    # the last thread at the start line starts the clock, before any of them is let go
    clock = functools.partial(trace.record, "main", CLOCK, name)
    start = threading.Barrier(p.jobs, action=clock, timeout=p.timeout)
    stop = threading.Event()  # a thread cannot be cancelled: a CPU job looks at this flag
    threads = [
        threading.Thread(
            target=_start_together,
            args=(start, job_fn, trace, name, job, n, p, stop.is_set),
            name=f"job {job}",
        )
        for job in range(1, p.jobs + 1)
    ]
    try:
        for thread in threads:
            thread.start()
        join_all(threads, p.timeout)
    except BaseException:  # Ctrl-C (KeyboardInterrupt, in main) or a stuck thread
        start.abort()  # threads still at the start line leave it
        stop.set()  # the CPU jobs end at their next look
        raise
    trace.record("main", "ends", name)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", {"work": n, "GIL": gil_enabled()})
    # step: cpu jobs one after another
    _one_after_another(trace, CPU, _cpu_job, n, p)
    # step: cpu jobs at the same time
    _at_the_same_time(trace, CPU, _cpu_job, n, p)
    # step: io jobs one after another
    _one_after_another(trace, IO, _io_job, n, p)
    # step: io jobs at the same time
    _at_the_same_time(trace, IO, _io_job, n, p)

"""gil with interpreters: one process, an interpreter per job, and a GIL per interpreter.

PEP 734 (``concurrent.interpreters``, Python 3.14; its backport on 3.13) runs several
interpreters in one process, each with its own modules, objects and GIL: CPU-bound jobs
run at the same moment, one per core, as processes do. An interpreter runs code in the
thread that calls it: ``call_in_thread`` starts a thread that calls the job in it.

Nothing is shared: ``call`` pickles the job and its arguments (the recorder too: the
trace's sink) into the interpreter. An ``Event`` cannot cross, so the stop flag is a
cross-interpreter queue of one item: full means stop. An interpreter starts in
milliseconds, then imports the modules it needs afresh, as a spawned process does.

Like a thread, an interpreter cannot be killed: a CPU job looks at the stop flag, and
records raise in it once the run is cancelled.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from threeways import Recorder
from threeways._support import join_all

from . import IO_TICKS, Flag, Params, count_down, page, work_size

if sys.version_info >= (3, 14):
    from concurrent import interpreters
else:  # Python 3.13: the backport, given 3.14's call(fn, *args)
    from threeways._pep734 import interpreters


def _cpu_job(trace: Recorder, job: int, n: int, p: Params, stop: Flag | None = None) -> None:
    trace.record(f"cpu job {job}", "starts")
    for part in range(1, p.parts + 1):
        # step: compute (holds the GIL)
        if not count_down(n, stop):  # this interpreter's GIL: the others run meanwhile
            return  # told to stop: an interpreter cannot be killed, so the job ends itself
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
        job_fn(trace, job, n, p)  # in main's own interpreter: Ctrl-C interrupts it directly
    trace.record("main", "ends", phase)


def _at_once(trace: Recorder, phase: str, job_fn: Callable[..., None], n: int, p: Params) -> None:
    trace.record("main", "starts", phase)
    stop = interpreters.create_queue(1)  # an Event cannot cross: a queue can; full = stop
    with trace.child_sink() as sink:  # the interpreters record through it
        workers = [interpreters.create() for _ in range(p.jobs)]
        try:
            threads = [
                worker.call_in_thread(job_fn, sink, job, n, p, stop.full)
                for job, worker in enumerate(workers, 1)
            ]
            join_all(threads, p.timeout)
        finally:
            stop.put_nowait(True)  # done, or main interrupted or stuck: the jobs end soon
            for worker in workers:
                if not worker.is_running():  # a running interpreter cannot be closed:
                    worker.close()
            workers.clear()  # dropped, it is destroyed once its thread lets it go
    trace.record("main", "ends", phase)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    # step: cpu jobs one after another
    _one_after_another(trace, "cpu, one by one", _cpu_job, n, p)
    # step: cpu jobs at once
    _at_once(trace, "cpu in interpreters", _cpu_job, n, p)
    # step: io jobs one after another
    _one_after_another(trace, "io, one by one", _io_job, n, p)
    # step: io jobs at once
    _at_once(trace, "io in interpreters", _io_job, n, p)

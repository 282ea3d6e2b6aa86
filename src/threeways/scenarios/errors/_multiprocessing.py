"""errors with processes: a ProcessPoolExecutor raises a child's error again in the parent.

The threads' program, with ``ProcessPoolExecutor`` for ``ThreadPoolExecutor``: the job's
exception is pickled back and ``result()`` raises it in the parent, the child's traceback
attached, as text, for its ``__cause__``. The pool's workers get the Events and the
Semaphore once, from the initializer: they cannot travel with a job. ``--naive`` joins
plain ``Process`` objects: the failing child prints its traceback ("Process Bob:") on its
own stderr and exits with code 1, all that the parent gets, and nobody reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from multiprocessing.synchronize import Event, Semaphore
from typing import Any, NamedTuple

from threeways import Recorder
from threeways._support import join_all

from . import JOB_TICKS, Params, failure, helper_names, main_sees, worker_names


class _Shared(NamedTuple):
    trace: Recorder
    done: Event
    stop: Event
    finished: Semaphore


_shared: _Shared  # in each child process: the sink, the Events and the Semaphore


def _init(shared: _Shared) -> None:
    global _shared
    _shared = shared


def _job(name: str, i: int, p: Params) -> None:
    trace, _, stop, finished = _shared
    trace.record(name, "starts")
    try:
        # step: do the job
        if stop.wait((JOB_TICKS + i) * p.tick):  # a flag, as terminate() skips finally
            trace.record(name, "is stopped")
            return
        if i == p.fail:
            # step: fail once the others have finished
            trace.record(name, "waits for the others")
            for _ in range(p.workers - 1):
                if not finished.acquire(timeout=p.timeout):
                    raise TimeoutError(f"{name} waited {p.timeout:g}s for the others")
            raise failure(trace, name)
        trace.record(name, "finishes")
    finally:
        # step: clean up
        finished.release()  # one more job over: the failing one counts them
        trace.record(name, "cleans up")


def _helper(name: str, p: Params) -> None:
    trace, done, stop, _ = _shared
    trace.record(name, "starts")
    try:
        # step: work until the jobs are done
        while not done.is_set():
            trace.record(name, "beats")
            if stop.wait(p.tick):  # the flag again, between two beats
                # step: be stopped
                trace.record(name, "is stopped")
                return
        trace.record(name, "finishes")
    finally:
        # step: clean up
        trace.record(name, "cleans up")


def _supervised(trace: Recorder, p: Params, shared: _Shared) -> None:
    ctx, size = trace.mp_context, p.workers + p.helpers
    with ProcessPoolExecutor(size, mp_context=ctx, initializer=_init, initargs=(shared,)) as pool:
        try:
            # step: start the helpers and the jobs
            helpers = [pool.submit(_helper, h, p) for h in helper_names(p.helpers)]
            jobs = [pool.submit(_job, name, i, p) for i, name in enumerate(worker_names(p.workers))]
            # step: wait for the jobs, or the first error
            trace.record("main", "waits for the jobs")
            ended, running = wait(jobs, p.timeout, return_when=FIRST_EXCEPTION)
            for job in ended:
                job.result()  # the child's error, raised again in the parent
            if running:
                raise TimeoutError(f"{len(running)} jobs still running after {p.timeout:g}s")
        except BaseException:
            # step: stop the others
            shared.stop.set()
            raise
        # step: tell the helpers the jobs are done
        shared.done.set()
    for helper in helpers:  # all done: leaving the with block joined the processes
        helper.result()


def _in_child(shared: _Shared, target: Callable[..., None], *args: Any) -> None:
    _init(shared)  # a plain Process gets what it shares as arguments
    target(*args)


def _naive(trace: Recorder, p: Params, shared: _Shared) -> None:
    # own step: start them, unsupervised
    ctx, hs, names = trace.mp_context, helper_names(p.helpers), enumerate(worker_names(p.workers))
    helpers = [ctx.Process(target=_in_child, args=(shared, _helper, h, p)) for h in hs]
    jobs = [ctx.Process(target=_in_child, args=(shared, _job, n, i, p), name=n) for i, n in names]
    for process in [*helpers, *jobs]:
        process.start()
    # own step: wait for the jobs, blind to errors
    trace.record("main", "waits for the jobs")
    for job in jobs:
        job.join(p.timeout)  # Bob's exit code, 1, is all that is left of his error: unread
    shared.done.set()  # and nobody ever sets stop
    join_all(helpers, p.timeout)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    try:
        with trace.child_sink() as sink:
            shared = _Shared(sink, ctx.Event(), ctx.Event(), ctx.Semaphore(0))
            (_naive if p.naive else _supervised)(trace, p, shared)
    except ValueError as error:
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")

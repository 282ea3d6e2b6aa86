"""Sends plain multiprocessing Events and a Semaphore with the pool's jobs: they cannot go.

A ``ProcessPoolExecutor`` pickles each job's arguments to send them to a worker that is
already running. A ``multiprocessing.Event`` or ``Semaphore`` refuses to be pickled that
way: it can be handed to a process only as the process starts ("should only be shared
between processes through inheritance"). So every job fails before it runs, with a
``RuntimeError`` kept on its Future, and ``result()`` raises it in main: the run ends
with that error, not Bob's. The checker reports the RuntimeError. A manager's
``Event()`` and ``Semaphore()`` are proxies, which travel like any value.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from multiprocessing.synchronize import Event, Semaphore

from threeways import Recorder
from threeways.scenarios.errors import (
    JOB_TICKS,
    Params,
    failure,
    helper_names,
    main_sees,
    worker_names,
)


def _job(trace: Recorder, name: str, i: int, finished: Semaphore, stop: Event, p: Params) -> None:
    trace.record(name, "starts")
    try:
        # step: do the job
        if stop.wait((JOB_TICKS + i) * p.tick):  # a flag: terminate() would skip the finally
            trace.record(name, "is stopped")
            return
        if i == p.fail:
            # step: fail once the others have finished
            trace.record(name, "waits for the others")
            if not all(finished.acquire(timeout=p.timeout) for _ in range(p.workers - 1)):
                raise TimeoutError(f"{name} waited {p.timeout:g}s for the others")
            raise failure(trace, name)
        trace.record(name, "finishes")
    finally:
        # step: clean up
        finished.release()  # one more job over: the failing one counts them
        trace.record(name, "cleans up")


def _helper(trace: Recorder, name: str, done: Event, stop: Event, p: Params) -> None:
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


def _supervised(trace: Recorder, p: Params, done: Event, stop: Event, finished: Semaphore) -> None:
    size, ctx = p.workers + p.helpers, trace.mp_context  # a process each: helpers keep theirs
    with trace.child_sink() as sink, ProcessPoolExecutor(size, mp_context=ctx) as pool:
        try:
            # step: start the helpers and the jobs
            hs, names = helper_names(p.helpers), enumerate(worker_names(p.workers))
            helpers = [pool.submit(_helper, sink, h, done, stop, p) for h in hs]
            jobs = [pool.submit(_job, sink, n, i, finished, stop, p) for i, n in names]
            # step: wait for the jobs, or the first error
            trace.record("main", "waits for the jobs")
            ended, running = wait(jobs, p.timeout, return_when=FIRST_EXCEPTION)  # or all done
            for job in ended:
                job.result()  # the child's error, raised again in the parent
            if running:
                raise TimeoutError(f"{len(running)} jobs still running after {p.timeout:g}s")
        except BaseException:
            # step: stop the others
            stop.set()
            raise
        # step: tell the helpers the jobs are done
        done.set()
    for helper in helpers:  # leaving the with block joined every process
        helper.result()


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    try:
        done, stop = ctx.Event(), ctx.Event()  # the bug: not a manager's: cannot be pickled
        finished = ctx.Semaphore(0)
        _supervised(trace, p, done, stop, finished)
    except ValueError as error:
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")

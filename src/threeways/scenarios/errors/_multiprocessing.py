"""errors with processes: a ProcessPoolExecutor raises a child's error again in the parent.

The threads' program, with ``ProcessPoolExecutor`` for ``ThreadPoolExecutor``: the job's
exception is pickled back and ``result()`` raises it in the parent, with the child's
traceback, as text, for its ``__cause__``. A job's arguments are pickled, and a plain
``multiprocessing.Event`` refuses to be (it is handed to a process only as it starts):
a manager's Events and Semaphore are proxies, which travel like any value. ``--naive``
starts plain ``Process`` objects: the failing child prints "Process Bob:" and its
traceback on its own stderr and exits with code 1, all that the parent gets. Each errors
file is longer than the others: it holds two programs, the supervised one and
``--naive``'s.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from threading import Event, Semaphore  # what a manager's proxies stand for

from threeways import Recorder
from threeways._support import join_all

from . import JOB_TICKS, Params, failure, helper_names, main_sees, worker_names


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


def _naive(trace: Recorder, p: Params, done: Event, stop: Event, finished: Semaphore) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink:
        # own step: start them, unsupervised
        hs, names = helper_names(p.helpers), enumerate(worker_names(p.workers))
        helpers = [ctx.Process(target=_helper, args=(sink, h, done, stop, p)) for h in hs]
        args = [(sink, n, i, finished, stop, p) for i, n in names]
        jobs = [ctx.Process(target=_job, args=a, name=a[1]) for a in args]
        for process in [*helpers, *jobs]:
            process.start()
        # own step: wait for the jobs, blind to errors
        trace.record("main", "waits for the jobs")
        for job in jobs:
            job.join(p.timeout)  # Bob's exit code, 1, is all that is left of his error: unread
        done.set()  # and nobody ever sets stop
        join_all(helpers, p.timeout)


def main(trace: Recorder, p: Params) -> None:
    try:
        with trace.mp_context.Manager() as manager:
            done, stop, finished = manager.Event(), manager.Event(), manager.Semaphore(0)
            (_naive if p.naive else _supervised)(trace, p, done, stop, finished)
    except ValueError as error:
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")

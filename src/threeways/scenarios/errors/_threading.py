"""errors with threads: a Future brings a job's error to main; a stop Event stops the rest.

A ``Future`` keeps whatever its job raised, and ``result()`` raises it again, in main. A
thread cannot be cancelled: main sets an ``Event`` that the others look at. ``--naive``
starts plain ``Thread`` objects: the failing one's exception goes to
``threading.excepthook``, which prints "Exception in thread Bob:" and its traceback, and
that is all. Each errors file is longer than the others: it holds two programs, the
supervised one and ``--naive``'s.
"""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from threading import Event, Semaphore, Thread

from threeways import Recorder
from threeways._support import join_all

from . import JOB_TICKS, Params, failure, helper_names, main_sees, worker_names


def _job(trace: Recorder, name: str, i: int, finished: Semaphore, stop: Event, p: Params) -> None:
    trace.record(name, "starts")
    try:
        # step: do the job
        if stop.wait((JOB_TICKS + i) * p.tick):  # no cancel for a thread: it looks at the flag
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
    with ThreadPoolExecutor(p.workers + p.helpers) as pool:
        try:
            # step: start the helpers and the jobs
            hs, names = helper_names(p.helpers), enumerate(worker_names(p.workers))
            helpers = [pool.submit(_helper, trace, h, done, stop, p) for h in hs]
            jobs = [pool.submit(_job, trace, n, i, finished, stop, p) for i, n in names]
            # step: wait for the jobs, or the first error
            trace.record("main", "waits for the jobs")
            ended, running = wait(jobs, p.timeout, return_when=FIRST_EXCEPTION)  # or all done
            for job in ended:
                job.result()  # raises the job's error again, here in main
            if running:
                raise TimeoutError(f"{len(running)} jobs still running after {p.timeout:g}s")
        except BaseException:
            # step: stop the others
            stop.set()
            raise
        # step: tell the helpers the jobs are done
        done.set()
    for helper in helpers:  # leaving the with block joined every thread
        helper.result()  # an error nobody asks its Future for is lost without a word


def _naive(trace: Recorder, p: Params, done: Event, stop: Event, finished: Semaphore) -> None:
    # own step: start them, unsupervised
    hs, names = helper_names(p.helpers), enumerate(worker_names(p.workers))
    helpers = [Thread(target=_helper, args=(trace, h, done, stop, p)) for h in hs]
    jobs = [Thread(target=_job, args=(trace, n, i, finished, stop, p), name=n) for i, n in names]
    for thread in [*helpers, *jobs]:
        thread.start()
    # own step: wait for the jobs, blind to errors
    trace.record("main", "waits for the jobs")
    join_all(jobs, p.timeout)  # a thread that raised ends like one that returned
    done.set()  # and nobody ever sets stop
    join_all(helpers, p.timeout)


def main(trace: Recorder, p: Params) -> None:
    try:
        done, stop, finished = Event(), Event(), Semaphore(0)
        (_naive if p.naive else _supervised)(trace, p, done, stop, finished)
    except ValueError as error:
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")

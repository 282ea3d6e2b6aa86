"""Waits for the jobs' Futures but never asks them for their result: the error stays inside.

``wait(jobs, timeout)`` returns the done and the not-done Futures and raises nothing: a
job that raised is done like one that returned. Its exception is kept on its Future,
and only ``result()`` (or ``exception()``) would bring it out. Nobody asks, so main goes
on as if all had gone well: it never sets the stop Event, tells the helpers the jobs are
done, and they finish normally. The checker sees that Bob's ValueError never reached
main, and that the helpers finished after Bob raised instead of being stopped.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from threading import Event, Semaphore

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
            _, running = wait(jobs, p.timeout)  # the bug: no Future is asked for its result()
            if running:
                raise TimeoutError(f"{len(running)} jobs still running after {p.timeout:g}s")
        except BaseException:
            # step: stop the others
            stop.set()
            raise
        # step: tell the helpers the jobs are done
        done.set()
    for helper in helpers:  # leaving the with block joined every thread
        helper.result()


def main(trace: Recorder, p: Params) -> None:
    try:
        done, stop, finished = Event(), Event(), Semaphore(0)
        _supervised(trace, p, done, stop, finished)
    except ValueError as error:
        # step: main sees the error
        main_sees(trace, error)
    trace.record("main", "ends")

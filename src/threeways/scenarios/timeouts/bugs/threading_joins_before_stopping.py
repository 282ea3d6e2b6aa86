"""Joins the jobs before setting the stop flag: the stuck ones wait out their own limit.

A thread cannot be stopped from outside: a stuck job ends only when ``stop`` is set.
Main gives up on the late jobs at the deadline, then joins every thread, and only then
sets the flag. But the stuck jobs are waiting for that very flag, and the join is
waiting for them: neither moves until the jobs' own limit (``timeout``) runs out, and
they end with ``TimeoutError`` ("was not stopped"), long after the deadline. The checker
reports the stuck jobs' errors, or main's join timing out. Set the flag first (in a
``finally``, for every way out), then join.
"""

from __future__ import annotations

import time
from threading import Event, Semaphore, Thread

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.timeouts import (
    DEADLINE_TICKS,
    WORK_TICKS,
    Params,
    answer,
    job_name,
    quick_jobs,
    stuck_jobs,
)


def _quick_job(trace: Recorder, i: int, p: Params, ready: Semaphore, done: Event) -> None:
    name = job_name(i)
    try:
        # step: work, then answer
        trace.record(name, "works", WORK_TICKS)
        time.sleep(WORK_TICKS * p.tick)  # cannot be cut short: ends within a tick
        trace.record(name, "finishes", answer(i))
        done.set()  # the answer
        # step: report under way
        ready.release()
    finally:
        # step: clean up
        trace.record(name, "cleans up")


def _stuck_job(trace: Recorder, i: int, p: Params, ready: Semaphore, stop: Event) -> None:
    name = job_name(i)
    try:
        # step: report under way
        trace.record(name, "waits for an answer")
        ready.release()
        # step: wait for an answer that never comes
        if not stop.wait(p.timeout):  # its own limit; only the flag can end the wait sooner
            raise TimeoutError(f"{name} was not stopped within {p.timeout:g}s")
        # own step: be stopped at the deadline
        trace.record(name, "is stopped", "saw the stop flag")
    finally:
        # step: clean up
        trace.record(name, "cleans up")


def _answered_in_time(done: Event, deadline: float, p: Params) -> bool:
    # own step: give each wait the time that remains
    own = time.monotonic() + p.timeout  # the job's own limit (inner), beyond the batch's
    return done.wait(max(0.0, min(own, deadline) - time.monotonic()))  # False: time is up


def main(trace: Recorder, p: Params) -> None:
    # step: start the jobs
    ready = Semaphore(0)  # each job releases it once
    done = {i: Event() for i in [*quick_jobs(p), *stuck_jobs(p)]}  # set once a job answers
    stop = Event()  # a thread cannot be stopped from outside: the stuck ones look at this
    threads = [Thread(target=_quick_job, args=(trace, i, p, ready, done[i])) for i in quick_jobs(p)]
    threads += [Thread(target=_stuck_job, args=(trace, i, p, ready, stop)) for i in stuck_jobs(p)]
    for thread in threads:
        thread.start()
    # step: wait until every job is under way
    trace.record("main", "waits until every job is under way")
    if not all(ready.acquire(timeout=p.timeout) for _ in threads):
        raise TimeoutError(f"a job was not under way within {p.timeout:g}s")
    # step: start the clock
    trace.record("main", "starts the clock", DEADLINE_TICKS)
    deadline = time.monotonic() + DEADLINE_TICKS * p.tick
    # step: wait for each answer until the deadline
    trace.record("main", "waits for the answers")
    late = [job_name(i) for i in done if not _answered_in_time(done[i], deadline, p)]
    # step: stop the late jobs
    trace.record("main", "sets the stop flag", ", ".join(late))
    join_all(threads, p.timeout)  # the bug: waits for the stuck jobs, which wait for the flag
    stop.set()

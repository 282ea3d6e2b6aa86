"""Terminates the late processes and counts on their finally blocks to clean up: they never run.

``terminate()`` sends SIGTERM, and the process dies where it is, inside its wait: its
``finally`` block, with the job's cleanup, never runs (nor do its exit handlers). The
quick jobs, which ended by themselves, cleaned up; the terminated ones did not, and
nobody did it for them. The checker sees no cleanup for the stuck jobs, where each job
must clean up exactly once. After ``terminate()``, the parent cleans up for the child.
"""

from __future__ import annotations

import time
from multiprocessing.synchronize import Event, Semaphore

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
        time.sleep(WORK_TICKS * p.tick)
        trace.record(name, "finishes", answer(i))
        done.set()
        # step: report under way
        ready.release()
    finally:
        # step: clean up
        trace.record(name, "cleans up")


def _stuck_job(trace: Recorder, i: int, p: Params, ready: Semaphore, done: Event) -> None:
    name = job_name(i)
    try:
        # step: report under way
        trace.record(name, "waits for an answer")
        ready.release()  # one atomic step: nothing half done for terminate() to break
        # step: wait for an answer that never comes
        if not done.wait(p.timeout):  # nobody answers; its own limit, far beyond the deadline
            raise TimeoutError(f"{name} was not stopped within {p.timeout:g}s")
    finally:
        # step: clean up
        trace.record(name, "cleans up")  # never runs if terminated: main does it


def _answered_in_time(done: Event, deadline: float, p: Params) -> bool:
    # own step: give each wait the time that remains
    own = time.monotonic() + p.timeout  # the job's own limit (inner), beyond the batch's
    return done.wait(max(0.0, min(own, deadline) - time.monotonic()))  # False: time is up


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: start the jobs
    ready = ctx.Semaphore(0)  # each job releases it once: not a Barrier (see above)
    done = {i: ctx.Event() for i in [*quick_jobs(p), *stuck_jobs(p)]}  # set once a job answers
    with trace.child_sink() as sink:
        jobs = {i: _quick_job for i in quick_jobs(p)} | {i: _stuck_job for i in stuck_jobs(p)}
        processes = {
            i: ctx.Process(target=job, args=(sink, i, p, ready, done[i]), name=job_name(i))
            for i, job in jobs.items()
        }
        for process in processes.values():
            process.start()
        # step: wait until every job is under way
        trace.record("main", "waits until every job is under way")
        if not all(ready.acquire(timeout=p.timeout) for _ in processes):
            raise TimeoutError(f"a job was not under way within {p.timeout:g}s")
        # step: start the clock
        trace.record("main", "starts the clock", DEADLINE_TICKS)
        deadline = time.monotonic() + DEADLINE_TICKS * p.tick
        # step: wait for each answer until the deadline
        trace.record("main", "waits for the answers")
        late = [i for i in done if not _answered_in_time(done[i], deadline, p)]
        # step: stop the late jobs
        for process in [processes.pop(i) for i in late]:
            trace.record("main", "terminates", process.name)
            process.terminate()  # SIGTERM: the process dies where it is, in its wait
            process.join(p.timeout)
            trace.record(process.name, "is stopped", f"terminated, exit code {process.exitcode}")
            # the bug: nobody cleans up for it, and its finally never ran
        join_all(processes.values(), p.timeout)  # the others end by themselves

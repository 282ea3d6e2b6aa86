"""Asks each future for result() inside except Exception: the job's SystemExit ends main.

A job that calls ``sys.exit()`` raises ``SystemExit``, which the pool keeps on its
Future like any error. ``future.result()`` raises it again, in main, and ``SystemExit``
is no ``Exception`` (it derives from ``BaseException``, as ``KeyboardInterrupt`` does):
``except Exception`` lets it through, and main ends as if it had called ``sys.exit(1)``
itself, with the other jobs' results uncollected. The checker reports that main raised
SystemExit. Ask ``future.exception()`` first, or catch ``BaseException`` for the job.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed

from threeways import Recorder
from threeways.scenarios.crash import Params, describe, job_name, result_of


def _job(trace: Recorder, i: int, p: Params) -> int:
    # step: run the job
    trace.record(job_name(i), "starts", {"job": i, "on": threading.current_thread().name})
    time.sleep(p.tick)
    # step: die in the middle of it
    if i == p.crash:
        trace.record(job_name(i), "dies", {"job": i, "how": "sys.exit(1) ends its thread"})
        sys.exit(1)  # SystemExit: the nearest a thread has to dying
    time.sleep(p.tick)
    # step: return the result
    trace.record(job_name(i), "returns", {"job": i, "result": result_of(i)})
    return result_of(i)


def _collect(trace: Recorder, i: int, future: Future[int]) -> None:
    # step: learn what became of the job
    try:
        result = future.result()  # the bug: raises the job's SystemExit here, in main
    except Exception as error:  # SystemExit is a BaseException, not an Exception: not caught
        trace.record("main", "loses job", {"job": i, "why": describe(error)})
    else:
        trace.record("main", "gets result", {"job": i, "result": result})


def main(trace: Recorder, p: Params) -> None:
    with ThreadPoolExecutor(p.workers, thread_name_prefix="worker") as pool:
        # step: open the pool
        trace.record("main", "opens pool", p.workers)
        # step: submit the jobs
        futures = {pool.submit(_job, trace, i, p): i for i in range(p.jobs)}
        # step: wait for every job
        trace.record("main", "waits for every job")
        try:
            for future in as_completed(futures, timeout=p.timeout):
                _collect(trace, futures[future], future)
        except BaseException:  # a timeout, or Ctrl-C: the queued jobs need not run
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        # step: close the pool
    # leaving the with block joins the pool's threads
    trace.record("main", "closes pool")

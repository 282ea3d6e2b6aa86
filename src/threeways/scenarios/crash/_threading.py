"""crash with threads: a job ends its thread with SystemExit; its Future keeps the news.

A thread cannot be killed, not even by itself: ``os._exit()`` in a thread ends the whole
process. The nearest thing to a worker dying is ``SystemExit``, raised by ``sys.exit()``
in the job (or in a library it calls). It ends only its thread, and silently:
threading's default excepthook ignores ``SystemExit``, and ``join()`` returns as for a
thread that finished. A pool of plain threads would never hear of the job again, and a
main waiting for its result would wait for ever.

``ThreadPoolExecutor`` catches every exception a job raises, ``BaseException`` included,
and keeps it on the job's ``Future``: the pool thread lives on and takes the next job.
So main learns which job was lost from ``future.exception()``; ``future.result()``
would raise the ``SystemExit`` again, in main, and end the whole program as if main had
called ``sys.exit()``. ``as_completed(timeout=)`` hands over each future as it ends and
bounds the wait. A thread cannot be cancelled: on a timeout or Ctrl-C,
``cancel_futures=True`` drops the jobs not started, and leaving the ``with`` block
waits for the running ones, which end within ``JOB_TICKS`` ticks.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed

from threeways import Recorder

from . import Params, describe, job_name, result_of


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
    error = future.exception()  # not result(): it would raise the SystemExit here, in main
    if error is not None:
        trace.record("main", "loses job", {"job": i, "why": describe(error)})
    else:
        trace.record("main", "gets result", {"job": i, "result": future.result()})


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

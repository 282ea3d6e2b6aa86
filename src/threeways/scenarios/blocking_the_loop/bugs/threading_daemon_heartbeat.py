"""Makes the heartbeat a daemon thread instead of stopping it: it beats on after main ends.

The learner gives the heartbeat a plain ``while True`` loop and ``daemon=True``, so
that it "stops with the program". But the program is not ending: a daemon thread is
stopped only when the interpreter exits, and until then it beats on, after main has
returned, in whatever program called main (a server, a test run, threeways). The
checker sees the heartbeat never stop, and its thread still running after the run.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from threeways import Recorder
from threeways.scenarios.blocking_the_loop import Params, work_size
from threeways.scenarios.gil import count_down  # gil's CPU job: a count-down


def _cpu_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts")
    # step: compute (holds the GIL)
    count_down(n)  # in main: Ctrl-C interrupts it
    trace.record(f"job {job}", "is done")


def _heartbeat(trace: Recorder, p: Params) -> None:
    for beat in itertools.count(1):  # no end: the daemon flag is meant to stop it
        trace.record("heartbeat", "beats", beat)
        time.sleep(p.tick)


def _one_after_another(
    trace: Recorder, where: str, job_fn: Callable[..., None], n: int, p: Params
) -> None:
    trace.record("main", "starts", where)
    for job in range(1, p.jobs + 1):
        job_fn(trace, job, n, p)
    trace.record("main", "ends", where)


def main(trace: Recorder, p: Params) -> None:
    # step: size the work
    n = work_size(p)
    trace.record("main", "sizes the work", n)
    # step: start the heartbeat
    # the bug: daemon=True stops it only when the interpreter exits, not when main returns
    heartbeat = threading.Thread(target=_heartbeat, args=(trace, p), name="heartbeat", daemon=True)
    heartbeat.start()
    # step: jobs in main
    _one_after_another(trace, "in main", _cpu_job, n, p)
    # step: stop the heartbeat
    # (nothing: the learner counts on daemon=True)

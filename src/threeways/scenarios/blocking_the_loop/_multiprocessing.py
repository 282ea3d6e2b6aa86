"""blocking_the_loop with processes: the heartbeat has an interpreter and a GIL of its own.

The heartbeat is a process of its own, started from the run's context, and main runs the
CPU jobs. Nothing main computes can stop or slow it (given a free core): it beats on
time, through the trace's sink. It starts later than a thread would (milliseconds under
fork, a few hundred under spawn and forkserver), so its first beats may come after the
first job has begun.

``stop.wait(p.tick)`` is the heartbeat's sleep: a ``multiprocessing.Event``, shared when
the process is created, that main sets once the jobs are done, or when anything ends main.
A process can also be stopped from outside: on Ctrl-C the run terminates it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from multiprocessing.synchronize import Event

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.gil import count_down  # gil's CPU job: a count-down

from . import Params, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts")
    # step: compute (holds the GIL)
    count_down(n)  # main's GIL: the heartbeat's process has another
    trace.record(f"job {job}", "is done")


def _heartbeat(trace: Recorder, stop: Event, p: Params) -> None:
    for beat in itertools.count(1):
        trace.record("heartbeat", "beats", beat)
        if stop.wait(p.tick):  # a tick's sleep, cut short when main sets `stop`
            break
    trace.record("heartbeat", "stops")


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
    ctx = trace.mp_context
    with trace.child_sink() as sink:  # the heartbeat records through it
        # step: start the heartbeat
        stop = ctx.Event()
        heartbeat = ctx.Process(target=_heartbeat, args=(sink, stop, p), name="heartbeat")
        heartbeat.start()
        try:
            # step: jobs in main
            _one_after_another(trace, "in main", _cpu_job, n, p)
        finally:
            # step: stop the heartbeat
            stop.set()
            join_all([heartbeat], p.timeout)

"""blocking_the_loop with threads: there is no loop to block; CPU work only slows the heartbeat.

The heartbeat is a thread of its own, and main runs the CPU jobs. The operating system
switches threads whatever they do, so a thread that computes stops nothing but itself:
the heartbeat beats on while the jobs run. Under the GIL it beats a little late: each time
it wakes up it must wait for main to hand the GIL over, which a running thread does every
``sys.getswitchinterval()`` seconds (5 ms). An event loop is one thread that runs every
task in turn, so computing in a task is computing in the heartbeat's own thread: that is
what stops it in asyncio and trio.

``stop.wait(p.tick)`` is the heartbeat's sleep: False after a tick, True as soon as main
sets ``stop``, so the heartbeat ends at once when told, and whatever ends main (Ctrl-C
included) tells it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.gil import count_down  # gil's CPU job: a count-down

from . import Params, work_size


def _cpu_job(trace: Recorder, job: int, n: int, p: Params) -> None:
    trace.record(f"job {job}", "starts")
    # step: compute (holds the GIL)
    count_down(n)  # in main: Ctrl-C interrupts it
    trace.record(f"job {job}", "is done")


def _heartbeat(trace: Recorder, stop: threading.Event, p: Params) -> None:
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
    # step: start the heartbeat
    stop = threading.Event()
    heartbeat = threading.Thread(target=_heartbeat, args=(trace, stop, p), name="heartbeat")
    heartbeat.start()
    try:
        # step: jobs in main
        _one_after_another(trace, "in main", _cpu_job, n, p)
    finally:
        # step: stop the heartbeat
        stop.set()
        join_all([heartbeat], p.timeout)

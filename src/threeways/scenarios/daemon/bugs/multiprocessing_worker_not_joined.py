"""Never joins the worker: main ends while the worker still runs its steps.

The learner knows that multiprocessing's exit handler joins every non-daemon child when
the program exits, and leaves the waiting to it. The worker does finish, but only after
main has ended: main records that it has joined the worker when it has not, and whatever
main does next (reads the worker's output, reports success) happens too early. The
checker sees "main has joined the worker" before "worker finishes", in every run.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways.scenarios.daemon import Params, program_args, run_program

if TYPE_CHECKING:
    from multiprocessing.synchronize import Event


def _daemon(trace: Recorder, running: Event, p: Params) -> None:
    trace.record("daemon", "starts")
    running.set()
    try:
        beat = 0
        while True:  # no end: only the end of the program stops it
            # step: beat in the background
            beat += 1
            trace.record("daemon", "beats", beat)
            time.sleep(p.tick)
    finally:
        trace.record("daemon", "cleans up")  # never runs: SIGTERM just ends the process


def _worker(trace: Recorder, p: Params) -> None:
    trace.record("worker", "starts")
    for step in range(1, p.steps + 1):
        # step: do a step of work
        time.sleep(p.tick)
        trace.record("worker", "does step", step)
    trace.record("worker", "finishes")


def _program(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context  # the run's start method, which main() passed on with the sink
    # step: start the daemon
    running = ctx.Event()
    daemon = ctx.Process(target=_daemon, args=(trace, running, p), name="daemon", daemon=True)
    daemon.start()
    # step: wait until the daemon runs
    if not running.wait(p.timeout):
        raise TimeoutError(f"the daemon did not start within {p.timeout:g}s")
    # step: start the worker
    trace.record("main", "starts the worker")
    worker = ctx.Process(target=_worker, args=(trace, p), name="worker")
    worker.start()
    # step: wait for the worker
    trace.record("main", "waits for the worker")
    # the bug: no join_all([worker], p.timeout): the exit handler will join it, later
    trace.record("main", "has joined the worker")
    # step: end the main flow
    # when this returns, the program ends: multiprocessing's exit handler terminates the
    # daemon (SIGTERM), then joins the other children
    trace.record("main", "ends", {"daemon running": daemon.is_alive()})


def main(trace: Recorder, p: Params) -> None:
    # own step: run the program in an interpreter of its own
    run_program(__name__, trace, p)


if __name__ == "__main__":  # the child interpreter that main() starts
    _program(*program_args())

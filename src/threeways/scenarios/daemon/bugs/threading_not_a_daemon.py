"""Forgets daemon=True: the program cannot exit while its heartbeat thread runs.

The background thread is started as an ordinary thread. When the main thread's code is
done, Python waits for every non-daemon thread before it exits (``threading._shutdown``),
and this one beats for ever: the program never ends. The checker sees the program still
running at the run's timeout (it is killed), and "the program exits" never happens.
"""

from __future__ import annotations

import threading
import time

from threeways import Recorder
from threeways.scenarios.daemon import Params, program_args, run_program


def _daemon(trace: Recorder, running: threading.Event, p: Params) -> None:
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
        trace.record("daemon", "cleans up")  # never runs: the thread is just stopped


def _worker(trace: Recorder, p: Params) -> None:
    trace.record("worker", "starts")
    for step in range(1, p.steps + 1):
        # step: do a step of work
        time.sleep(p.tick)
        trace.record("worker", "does step", step)
    trace.record("worker", "finishes")


def _program(trace: Recorder, p: Params) -> None:
    # step: start the daemon
    running = threading.Event()
    daemon = threading.Thread(target=_daemon, args=(trace, running, p), name="daemon")  # the bug
    daemon.start()
    # step: wait until the daemon runs
    if not running.wait(p.timeout):
        raise TimeoutError(f"the daemon did not start within {p.timeout:g}s")
    # step: start the worker
    trace.record("main", "starts the worker")
    worker = threading.Thread(target=_worker, args=(trace, p), name="worker")
    worker.start()
    # step: wait for the worker
    trace.record("main", "waits for the worker")
    worker.join(p.timeout)
    if worker.is_alive():
        raise TimeoutError(f"the worker still runs after {p.timeout:g}s")
    trace.record("main", "has joined the worker")
    # step: end the main flow
    # when this returns, the program ends: Python exits without waiting for the daemon
    # thread, which stops wherever it is, mid-sleep or mid-beat
    trace.record("main", "ends", {"daemon running": daemon.is_alive()})


def main(trace: Recorder, p: Params) -> None:
    # own step: run the program in an interpreter of its own
    run_program(__name__, trace, p)


if __name__ == "__main__":  # the child interpreter that main() starts
    _program(*program_args())

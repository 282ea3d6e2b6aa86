"""crash with processes: a process per job and a pipe for its result; a dead one sends EOF.

``os._exit()`` ends a process at once: no exception, no ``finally``, no result, as when
the kernel kills a worker that ran out of memory. ``multiprocessing.Pool`` replaces the
dead worker and runs the other jobs, but never says which job it lost: that job's
``get()`` waits for ever (gh-66587, gh-96062). So no Pool here: each job gets a process of
its own, at most ``workers`` at a time, and a one-way ``Pipe`` for its result. ``recv()``
returns the result, or raises ``EOFError`` once every copy of the sending end is closed
with nothing sent; ``exitcode`` then says how the process ended (``CRASH_CODE`` here,
``-9`` after a ``SIGKILL``). Isolation costs a process start per job.
"""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from multiprocessing.connection import Connection, wait
from multiprocessing.context import DefaultContext
from multiprocessing.process import BaseProcess

from threeways import Recorder

from . import CRASH_CODE, Params, job_name, result_of


def _job(trace: Recorder, results: Connection, i: int, p: Params) -> None:
    # step: run the job
    trace.record(job_name(i), "starts", {"job": i, "on": f"pid {os.getpid()}"})
    time.sleep(p.tick)
    # step: die in the middle of it
    if i == p.crash:
        trace.record(job_name(i), "dies", {"job": i, "how": f"os._exit({CRASH_CODE})"})
        os._exit(CRASH_CODE)  # no exception, no cleanup, no result: the process is gone
    time.sleep(p.tick)
    # step: return the result
    trace.record(job_name(i), "returns", {"job": i, "result": result_of(i)})
    results.send(result_of(i))


def _start(
    ctx: DefaultContext, pipes: ExitStack, sink: Recorder, i: int, p: Params
) -> tuple[Connection, BaseProcess]:
    # own step: a process and a pipe for each job
    reader, writer = ctx.Pipe(duplex=False)
    pipes.enter_context(reader)  # closed at the end, however the run ends
    process = ctx.Process(target=_job, args=(sink, writer, i, p), name=job_name(i))
    process.start()
    writer.close()  # the child's copy is the last: once it is gone, recv() sees the end
    return reader, process


def _collect(trace: Recorder, i: int, reader: Connection, process: BaseProcess, p: Params) -> None:
    # step: learn what became of the job
    try:
        result = reader.recv()
    except EOFError:  # the pipe ended with nothing in it: the process died
        process.join(p.timeout)
        why = f"EOFError, exit code {process.exitcode}"
        trace.record("main", "loses job", {"job": i, "why": why})
    else:
        process.join(p.timeout)
        trace.record("main", "gets result", {"job": i, "result": result})


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    deadline = time.monotonic() + p.timeout
    with trace.child_sink() as sink, ExitStack() as pipes:
        # step: open the pool
        trace.record("main", "opens pool", p.workers)
        waiting = list(range(p.jobs))
        running: dict[Connection, tuple[int, BaseProcess]] = {}
        while waiting or running:
            # step: submit the jobs
            while waiting and len(running) < p.workers:
                i = waiting.pop(0)
                reader, process = _start(ctx, pipes, sink, i, p)
                running[reader] = (i, process)
            # step: wait for every job
            trace.record("main", "waits for a job to end")
            ready = wait(list(running), max(0.0, deadline - time.monotonic()))  # the first ones
            if not ready:
                raise TimeoutError(f"{len(running)} jobs still running after {p.timeout:g}s")
            for reader in [r for r in running if r in ready]:
                i, process = running.pop(reader)
                _collect(trace, i, reader, process, p)
        # step: close the pool
        trace.record("main", "closes pool")

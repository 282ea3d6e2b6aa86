"""barrier with trio: trio has none (trio #1434), so a small one: a count, an Event a generation.

``_Barrier`` counts the tasks that wait; the last to arrive runs the action, then sets the
generation's ``trio.Event``, which lets them all go. A set Event stays set (no
``clear()``): the next generation gets a fresh one. No ``abort()`` either: a failing
worker's error leaves its task, the nursery cancels the others, waiting at the barrier,
and ``except*`` finds the error in the nursery's ExceptionGroup. This file is longer than
the others: it holds the Barrier that trio lacks.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from threeways import Recorder

from . import Params, describe, fails, failure, work_ticks, worker_names


# own step: a barrier, from a count and an Event
class _Barrier:
    def __init__(self, parties: int, action: Callable[[], None]) -> None:
        self.parties, self.n_waiting, self._action = parties, 0, action
        self._passed = trio.Event()  # this generation's: set when all have arrived

    async def wait(self) -> None:
        passed = self._passed
        self.n_waiting += 1
        if self.n_waiting == self.parties:  # the last to arrive: no checkpoint till set
            self._action()
            self.n_waiting, self._passed = 0, trio.Event()  # a set Event stays set: a new one
            passed.set()
        try:
            await passed.wait()
        finally:
            if not passed.is_set():  # cancelled while waiting: one fewer waits, as in asyncio
                self.n_waiting -= 1


def _action(trace: Recorder) -> None:
    # step: run the action, once all have arrived
    trace.record("action", "runs", trio.lowlevel.current_task().name)  # the last to arrive


async def _fail(trace: Recorder, name: str, barrier: _Barrier, phase: int, p: Params) -> None:
    # step: fail, once the others wait at the barrier
    while barrier.n_waiting < barrier.parties - 1:
        await trio.sleep(p.tick / 10)  # none can leave meanwhile: the barrier needs us
    # step: break the barrier
    raise failure(trace, name, phase)  # nothing to break: the nursery cancels the others


async def _compute(trace: Recorder, name: str, i: int, phase: int, p: Params) -> None:
    # step: compute the phase
    trace.record(name, "starts phase", phase)
    await trio.sleep(work_ticks(i, phase) * p.tick)


async def _worker(trace: Recorder, name: str, i: int, barrier: _Barrier, p: Params) -> None:
    for phase in range(1, p.phases + 1):
        await _compute(trace, name, i, phase, p)
        if fails(i, phase, p):
            await _fail(trace, name, barrier, phase, p)
        trace.record(name, "finishes phase", phase)
        # step: wait at the barrier
        trace.record(name, "waits at the barrier", phase)
        try:
            await barrier.wait()
        except trio.Cancelled:
            # step: stop at a broken barrier
            trace.record(name, "is cancelled at the barrier", phase)
            raise  # a Cancelled must go on up, to the nursery that cancelled us
        trace.record(name, "passes the barrier", phase)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the barrier
    barrier = _Barrier(p.workers, lambda: _action(trace))
    try:
        with trio.fail_after(p.timeout):
            async with trio.open_nursery() as nursery:
                # step: start the workers
                for i, name in enumerate(worker_names(p.workers)):
                    nursery.start_soon(_worker, trace, name, i, barrier, p, name=name)
                # step: wait for the workers
                trace.record("main", "waits for the workers")  # leaving waits for them all
    except* ValueError as group:
        # step: main sees the error
        for error in group.exceptions:
            trace.record("main", "sees error", describe(error))
    trace.record("main", "ends")


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

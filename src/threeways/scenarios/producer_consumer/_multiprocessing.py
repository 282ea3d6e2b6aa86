"""producer_consumer with processes: a multiprocessing Queue between cook and dog processes.

The program is the threads' one with processes: ``ctx.Queue`` pickles each bone and sends
it through a pipe, so anything put on it must be picklable. The queue comes from the
run's context (fork, forkserver or spawn) and is handed to each child as an argument.
``multiprocessing.Queue`` has no ``shutdown()`` even in 3.13: sentinels end the meal.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, Params, dog_names

if TYPE_CHECKING:
    from multiprocessing.queues import Queue


def _cook(trace: Recorder, bones: Queue[int | None], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        time.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        bones.put(bone, timeout=p.timeout)  # waits while the queue is full
    # step: tell the dogs there are no more
    for _ in range(p.dogs):
        bones.put(None, timeout=p.timeout)
    trace.record("cook", "is done")


def _dog(trace: Recorder, name: str, bones: Queue[int | None], p: Params) -> None:
    while True:
        # step: take the next bone
        bone = bones.get(timeout=p.timeout)
        if bone is None:
            break
        # step: eat it
        trace.record(name, "eats bone", bone)
        time.sleep(EAT_TICKS * p.tick)
    # step: go home
    trace.record(name, "goes home")


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the queue
    bones: Queue[int | None] = ctx.Queue(maxsize=p.buffer)
    with trace.child_sink() as sink:
        # step: start the cook and the dogs
        workers = [ctx.Process(target=_cook, args=(sink, bones, p), name="cook")]
        workers += [
            ctx.Process(target=_dog, args=(sink, name, bones, p), name=name)
            for name in dog_names(p.dogs)
        ]
        for worker in workers:
            worker.start()
        # step: wait for everyone to finish
        join_all(workers, p.timeout)
    bones.close()

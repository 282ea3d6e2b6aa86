"""producer_consumer with processes: a multiprocessing Queue between cook and dog processes.

The program is the threads' one with processes: ``ctx.Queue`` pickles each bone and sends
it through a pipe, so anything put on it must be picklable. The queue comes from the
run's context (fork, forkserver or spawn) and is handed to each child as an argument. Its
``maxsize`` is a semaphore the cook takes one of for each bone and a dog gives back: a
full queue is one whose semaphore is at zero, and ``put_nowait`` raises ``queue.Full``
there. ``multiprocessing.Queue`` has no ``shutdown()`` even in 3.13: sentinels end the meal.
"""

from __future__ import annotations

import queue
import time
from typing import TYPE_CHECKING

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, Params, dog_names

if TYPE_CHECKING:
    from multiprocessing.queues import Queue


def _put(trace: Recorder, bones: Queue[int | None], bone: int | None, p: Params) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.put_nowait(bone)
    except queue.Full:
        trace.record("cook", "waits for room", bone)
        bones.put(bone, timeout=p.timeout)  # until a dog takes one off


def _cook(trace: Recorder, bones: Queue[int | None], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        time.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        _put(trace, bones, bone, p)
    # step: tell the dogs there are no more
    for _ in range(p.dogs):
        _put(trace, bones, None, p)
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
    bones: Queue[int | None] = ctx.Queue(maxsize=p.buffer)  # 0: no limit (a semaphore's most)
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

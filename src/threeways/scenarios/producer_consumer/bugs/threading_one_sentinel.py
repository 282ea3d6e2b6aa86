"""The cook puts one None on the queue for all the dogs: only the first dog goes home.

The learner ends the meal with a single sentinel, as if "no more bones" were announced
to everyone at once. But a queue hands each item to one taker: the first dog that gets
the None goes home, and the other dog waits on the empty queue for a bone that never
comes, until its ``get`` times out (``queue.Empty``) and main's join gives up. The
checker reports the run as failed: a dog stuck waiting for the next bone, never home.
Every taker needs its own sentinel (or, from Python 3.13, ``Queue.shutdown()``).
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.producer_consumer import EAT_TICKS, Params, dog_names


def _put(trace: Recorder, bones: queue.Queue[int | None], bone: int | None, p: Params) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.put_nowait(bone)
    except queue.Full:
        trace.record("cook", "waits for room", bone)
        bones.put(bone, timeout=p.timeout)  # until a dog takes one off


def _cook(trace: Recorder, bones: queue.Queue[int | None], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        time.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        _put(trace, bones, bone, p)
    # step: tell the dogs there are no more
    _put(trace, bones, None, p)  # the bug: one sentinel, but every dog needs its own
    trace.record("cook", "is done")


def _dog(trace: Recorder, name: str, bones: queue.Queue[int | None], p: Params) -> None:
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
    # step: set up the queue
    bones: queue.Queue[int | None] = queue.Queue(maxsize=p.buffer)  # 0: no limit at all
    # step: start the cook and the dogs
    workers = [threading.Thread(target=_cook, args=(trace, bones, p), name="cook")]
    workers += [
        threading.Thread(target=_dog, args=(trace, name, bones, p), name=name)
        for name in dog_names(p.dogs)
    ]
    for worker in workers:
        worker.start()
    # step: wait for everyone to finish
    join_all(workers, p.timeout)

"""producer_consumer with threads: a queue.Queue between a cook thread and dog threads.

``queue.Queue`` is thread-safe: ``put`` waits while the queue is full and ``get`` while it
is empty, each with a timeout so no thread can hang for ever. ``_put`` first tries
``put_nowait``, which raises ``queue.Full`` instead of waiting, so that the cook can say
when it waits for room: that is back-pressure. Before Python 3.13 a queue cannot be
closed, so the cook ends the meal with one ``None`` sentinel per dog.
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, Params, dog_names


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
    for _ in range(p.dogs):
        _put(trace, bones, None, p)
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

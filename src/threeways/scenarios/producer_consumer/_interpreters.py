"""producer_consumer with interpreters: a cross-interpreter queue between a cook and dogs.

The cook and every dog run in an interpreter of their own (PEP 734; Python 3.14's
``concurrent.interpreters``, the backport on 3.13), in threads of one process. No object
is shared between interpreters, so a ``queue.Queue`` (its lock, its condition variables)
cannot be: ``interpreters.create_queue`` makes a queue that lives outside any interpreter,
and the queue object itself crosses (passed to ``call``, it arrives as the same queue).
What goes through it crosses too: a shareable object (an int, ``None``, a str, a bytes)
as it is, anything else pickled. A ``Lock`` cannot cross either: interpreters coordinate
through such queues.

``put_nowait`` raises ``QueueFull`` (a ``queue.Full``) and ``get(timeout=)`` raises
``QueueEmpty`` (a ``queue.Empty``) as ``queue.Queue``'s do, but both wait by polling
every 10 ms, and take their timeout in whole seconds. One ``None`` sentinel per dog ends
the meal.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import EAT_TICKS, Params, dog_names

if sys.version_info >= (3, 14):
    from concurrent import interpreters
else:  # Python 3.13: the backport, given 3.14's call(fn, *args)
    from threeways._pep734 import interpreters


def _put(trace: Recorder, bones: Any, bone: int | None, p: Params) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.put_nowait(bone)
    except interpreters.QueueFull:
        trace.record("cook", "waits for room", bone)
        bones.put(bone, timeout=p.timeout)  # until a dog, in its interpreter, takes one off


def _cook(trace: Recorder, bones: Any, p: Params) -> None:
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


def _dog(trace: Recorder, name: str, bones: Any, p: Params) -> None:
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
    bones = interpreters.create_queue(p.buffer)  # 0: no limit at all, as queue.Queue(0)
    with trace.child_sink() as sink:  # the interpreters record through it
        # step: start the cook and the dogs
        workers = [interpreters.create() for _ in range(p.dogs + 1)]
        try:
            cook, *dogs = workers
            threads = [cook.call_in_thread(_cook, sink, bones, p)]
            threads += [
                dog.call_in_thread(_dog, sink, name, bones, p)
                for name, dog in zip(dog_names(p.dogs), dogs, strict=True)
            ]
            # step: wait for everyone to finish
            join_all(threads, p.timeout)
        finally:
            for worker in workers:
                if not worker.is_running():  # a running interpreter cannot be closed:
                    worker.close()
            workers.clear()  # dropped, it is destroyed once its thread lets it go

"""A dog goes home when the queue is empty: it is empty only because the bone is not made yet.

The learner skips the sentinels: a dog eats while there are bones on the queue and goes
home when it finds it empty. But "empty now" is not "no more bones ever": the cook takes
a tick to make each bone, so at the start the queue is empty and both dogs go home
before the first bone is made. The cook fills the queue and then waits for room that no
dog will ever make, until ``asyncio.timeout`` ends the run. The checker reports the run
as failed, the cook stuck waiting for room and not one bone eaten.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.producer_consumer import EAT_TICKS, Params, dog_names


async def _put(trace: Recorder, bones: asyncio.Queue[int], bone: int) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.put_nowait(bone)
    except asyncio.QueueFull:
        trace.record("cook", "waits for room", bone)
        await bones.put(bone)  # until a dog takes one off


async def _cook(trace: Recorder, bones: asyncio.Queue[int], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        await asyncio.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        await _put(trace, bones, bone)
    # step: tell the dogs there are no more
    # nothing to do: a dog goes home when it finds the queue empty
    trace.record("cook", "is done")


async def _dog(trace: Recorder, name: str, bones: asyncio.Queue[int], p: Params) -> None:
    while not bones.empty():  # the bug: empty now does not mean no more bones
        # step: take the next bone
        bone = await bones.get()
        # step: eat it
        trace.record(name, "eats bone", bone)
        await asyncio.sleep(EAT_TICKS * p.tick)
    # step: go home
    trace.record(name, "goes home")


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the queue
    bones: asyncio.Queue[int] = asyncio.Queue(maxsize=p.buffer)  # 0: no limit at all
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the cook and the dogs
        tg.create_task(_cook(trace, bones, p))
        for name in dog_names(p.dogs):
            tg.create_task(_dog(trace, name, bones, p))
        # step: wait for everyone to finish
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

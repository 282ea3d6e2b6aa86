"""producer_consumer with asyncio: an asyncio.Queue between a cook task and dog tasks.

``await bones.put(...)`` suspends the cook while the queue is full, ``await bones.get()``
a dog while it is empty; the queue needs no lock because all tasks share one thread.
``_put`` first tries ``put_nowait``, which raises ``asyncio.QueueFull`` instead of waiting,
so that the cook can say when it waits for room. Like ``queue.Queue`` before 3.13 the
queue cannot be closed, so sentinels end the meal. ``asyncio.timeout`` bounds the whole
run: asyncio's queue methods take no timeout.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import EAT_TICKS, Params, dog_names


async def _put(trace: Recorder, bones: asyncio.Queue[int | None], bone: int | None) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.put_nowait(bone)
    except asyncio.QueueFull:
        trace.record("cook", "waits for room", bone)
        await bones.put(bone)  # until a dog takes one off


async def _cook(trace: Recorder, bones: asyncio.Queue[int | None], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        await asyncio.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        await _put(trace, bones, bone)
    # step: tell the dogs there are no more
    for _ in range(p.dogs):
        await _put(trace, bones, None)
    trace.record("cook", "is done")


async def _dog(trace: Recorder, name: str, bones: asyncio.Queue[int | None], p: Params) -> None:
    while True:
        # step: take the next bone
        bone = await bones.get()
        if bone is None:
            break
        # step: eat it
        trace.record(name, "eats bone", bone)
        await asyncio.sleep(EAT_TICKS * p.tick)
    # step: go home
    trace.record(name, "goes home")


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the queue
    bones: asyncio.Queue[int | None] = asyncio.Queue(maxsize=p.buffer)  # 0: no limit at all
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the cook and the dogs
        tg.create_task(_cook(trace, bones, p))
        for name in dog_names(p.dogs):
            tg.create_task(_dog(trace, name, bones, p))
        # step: wait for everyone to finish
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

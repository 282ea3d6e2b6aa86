"""h2o with asyncio: asyncio.Semaphores as the molecule's slots, an asyncio.Barrier(3).

Each atom is a task. ``asyncio.Barrier`` is new in Python 3.11, without threading's
``action`` and without a timeout. No action is needed: a task runs undisturbed until its
next ``await``, so the third atom to arrive (``n_waiting == 2``) counts the molecule
itself and is in the wait before any other task can run, where threads would race. The
tasks live in a TaskGroup, and ``asyncio.timeout`` bounds the whole run, because
asyncio's primitives take no timeout of their own.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder

from . import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


# step: the molecule being formed
class _Room:
    def __init__(self) -> None:
        self.slots = {k: asyncio.Semaphore(n) for k, n in SLOTS.items()}  # 2 H, 1 O
        self.formed = 0  # whole molecules so far: counted by the third to arrive
        self.bonded = asyncio.Barrier(3)


async def _atom(trace: Recorder, name: str, position: int, room: _Room, p: Params) -> None:
    # step: arrive
    await asyncio.sleep(position * ARRIVE_TICKS * p.tick)
    trace.record(name, "arrives")
    # step: wait for a slot of its kind
    slot = f"{kind(name)} slot"
    trace.record(name, "waits for", slot)
    async with room.slots[kind(name)]:
        trace.record(name, "takes", slot)
        # step: bond into the molecule
        molecule = room.formed + 1  # stays so until all three of us have bonded
        trace.record(name, "bonds", molecule)
        # step: wait until all three have bonded
        if room.bonded.n_waiting == 2:  # the third: no await between here and the wait
            room.formed += 1
        await room.bonded.wait()
        # step: leave as a whole molecule
        trace.record(name, "leaves", molecule)
        # step: give the slot back
    trace.record(name, "releases", slot)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the room
    room = _Room()
    async with asyncio.timeout(time_limit(p)), asyncio.TaskGroup() as tg:
        # step: let the atoms arrive
        for i, name in enumerate(arrival_order(p)):
            tg.create_task(_atom(trace, name, i, room, p), name=name)
        # step: wait for every atom to leave
    # leaving the TaskGroup waits for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

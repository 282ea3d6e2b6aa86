"""One Semaphore(3) for every atom: a molecule has three atoms, but not of any kind.

A molecule is three atoms, so a learner lets three in at a time, whatever their kind.
The Barrier of 3 then trips on the first three to arrive: three hydrogens, when they come
before an oxygen (every run with --oxygen-last, and the default order too). The count
is right, the chemistry is not: the checker sees molecules such as "H3" and "HO2", and
the invariant "every molecule bonds exactly two H and one O" broken. The makeup needs a
slot per kind: two for H, one for O.
"""

from __future__ import annotations

import asyncio

from threeways import Recorder
from threeways.scenarios.h2o import ARRIVE_TICKS, Params, arrival_order, kind, time_limit


# step: the molecule being formed
class _Room:
    def __init__(self) -> None:
        room = asyncio.Semaphore(3)  # the bug: three atoms, but of any kind
        self.slots = {"H": room, "O": room}
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

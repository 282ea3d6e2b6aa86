"""h2o with trio: trio.Semaphores as the molecule's slots, and a barrier made of Events.

Each atom is a task. trio has no Barrier (trio #1434: its maintainers had never needed
one, and the asker's problem was solved with memory channels). One round of a barrier is
one thing that happens once, "all three are here", which is exactly what a trio.Event
means: ``_Barrier`` counts the arrivals and sets the round's Event, then puts a fresh
one in its place for the next round. The last to arrive runs the action first, as
threading's Barrier does: no other task runs before it reaches a checkpoint. Tasks live
in a nursery, and ``trio.fail_after``, a cancel scope, bounds the whole run.
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from threeways import Recorder

from . import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


# own step: a barrier, from one Event per round
class _Barrier:
    def __init__(self, parties: int, action: Callable[[], None]) -> None:
        self.parties, self.action = parties, action
        self.arrived, self.all_here = 0, trio.Event()

    async def wait(self) -> None:
        all_here = self.all_here  # this round's Event: a set Event stays set
        self.arrived += 1
        if self.arrived == self.parties:
            self.action()
            self.arrived, self.all_here = 0, trio.Event()  # the next round's
            all_here.set()
        await all_here.wait()


# step: the molecule being formed
class _Room:
    def __init__(self) -> None:
        self.slots = {k: trio.Semaphore(n) for k, n in SLOTS.items()}  # 2 H, 1 O
        self.formed = 0  # whole molecules so far: written only by the barrier's action
        self.bonded = _Barrier(3, action=self._count)

    def _count(self) -> None:
        self.formed += 1  # all three are here, none let go yet: nobody reads it now


async def _atom(trace: Recorder, name: str, position: int, room: _Room, p: Params) -> None:
    # step: arrive
    await trio.sleep(position * ARRIVE_TICKS * p.tick)
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
        await room.bonded.wait()
        # step: leave as a whole molecule
        trace.record(name, "leaves", molecule)
        # step: give the slot back
    trace.record(name, "releases", slot)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the room
    room = _Room()
    with trio.fail_after(time_limit(p)):
        async with trio.open_nursery() as nursery:
            # step: let the atoms arrive
            for i, name in enumerate(arrival_order(p)):
                nursery.start_soon(_atom, trace, name, i, room, p, name=name)
            # step: wait for every atom to leave
        # leaving the nursery waits for every atom


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

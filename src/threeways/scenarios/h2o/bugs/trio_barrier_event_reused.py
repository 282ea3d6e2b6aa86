"""The barrier keeps one trio.Event for every round: once set, it lets everyone through.

trio's Event cannot be cleared: once set it stays set. A barrier that counts its rounds
but waits on the same Event each time works for the first molecule only: from the second
on, every atom that waits finds the Event set and goes on at once, and leaves its
molecule before the other two have bonded. The checker sees the invariant "no atom
leaves before all three atoms of its molecule have bonded" broken, from molecule 2 on. A
fresh Event per round is the fix (trio issues #637, #1093: why Event has no clear()).
"""

from __future__ import annotations

from collections.abc import Callable

import trio

from threeways import Recorder
from threeways.scenarios.h2o import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


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
            self.arrived = 0  # the bug: the next round waits on this round's set Event
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

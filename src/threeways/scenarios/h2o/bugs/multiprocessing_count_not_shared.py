"""Counts the molecules in a plain attribute, as the threads do: no process sees the count.

The threads' Room, carried over: the Barrier's action adds one to ``self.formed``. But
every atom is a process with a copy of the Room of its own (pickled to it by spawn and
forkserver, copied by fork), and the action runs in the process of the last atom to
arrive, which adds one to its own copy and leaves. Every other atom still reads 0, and
bonds into molecule 1. The checker sees a single molecule "H6O3" (or "H4O2") instead of
three "H2O", and the invariant "every molecule bonds exactly two H and one O" broken. A
count that processes share lives in shared memory: a ``Value``.
"""

from __future__ import annotations

import time
from multiprocessing.context import BaseContext

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.h2o import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


# step: the molecule being formed
class _Room:
    def __init__(self, ctx: BaseContext) -> None:
        self.slots = {k: ctx.Semaphore(n) for k, n in SLOTS.items()}  # 2 H, 1 O
        self.formed = 0  # the bug: each process counts in a copy of its own
        self.bonded = ctx.Barrier(3, action=self._count)

    def _count(self) -> None:
        self.formed += 1  # all three are here, none let go yet: nobody reads it now


def _atom(trace: Recorder, name: str, position: int, room: _Room, p: Params) -> None:
    # step: arrive
    time.sleep(position * ARRIVE_TICKS * p.tick)
    trace.record(name, "arrives")
    # step: wait for a slot of its kind
    slot = f"{kind(name)} slot"
    trace.record(name, "waits for", slot)
    if not room.slots[kind(name)].acquire(timeout=p.timeout):
        raise TimeoutError(f"{name} waited {p.timeout:g}s for an {slot}")
    trace.record(name, "takes", slot)
    try:
        # step: bond into the molecule
        molecule = room.formed + 1  # stays so until all three of us have bonded
        trace.record(name, "bonds", molecule)
        # step: wait until all three have bonded
        room.bonded.wait(p.timeout)  # BrokenBarrierError on a timeout, for all three
        # step: leave as a whole molecule
        trace.record(name, "leaves", molecule)
    finally:
        # step: give the slot back
        room.slots[kind(name)].release()
        trace.record(name, "releases", slot)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the room
    room = _Room(ctx)
    with trace.child_sink() as sink:
        # step: let the atoms arrive
        atoms = [
            ctx.Process(target=_atom, args=(sink, name, i, room, p), name=name)
            for i, name in enumerate(arrival_order(p))
        ]
        for atom in atoms:
            atom.start()
        # step: wait for every atom to leave
        join_all(atoms, time_limit(p))

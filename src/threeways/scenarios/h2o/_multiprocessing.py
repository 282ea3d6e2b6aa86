"""h2o with processes: the threads' program, with Semaphores, a Barrier and a Value.

Each atom is a process. The Semaphores and the Barrier come from the run's context (its
start method, never the platform's default); ``multiprocessing.Barrier`` is a clone of
threading's, its action run in the process of the last atom to arrive. That process
shares no variable with the others, so the count of molecules is a ``Value`` in shared
memory, and the action a top-level function (spawn and forkserver pickle it, with the
Barrier, to every child). ``_Room`` and the target are top-level for the same reason.
"""

from __future__ import annotations

import time
from functools import partial
from multiprocessing.context import BaseContext
from multiprocessing.sharedctypes import Synchronized

from threeways import Recorder
from threeways._support import join_all

from . import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


# step: the molecule being formed
class _Room:
    def __init__(self, ctx: BaseContext) -> None:
        self.slots = {k: ctx.Semaphore(n) for k, n in SLOTS.items()}  # 2 H, 1 O
        self.formed: Synchronized[int] = ctx.Value("i", 0)
        self.bonded = ctx.Barrier(3, action=partial(_count, self.formed))


def _count(formed: Synchronized[int]) -> None:
    formed.value += 1  # all three are here, none let go yet: nobody reads it now


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
        molecule = room.formed.value + 1  # stays so until all three of us have bonded
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

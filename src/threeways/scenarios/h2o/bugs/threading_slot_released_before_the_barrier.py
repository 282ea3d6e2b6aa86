"""Gives the slot back as soon as it has bonded, before the barrier: a fourth atom slips in.

The slots are what keeps a molecule at two H and one O, but only while they are held.
An atom that releases its slot once it has bonded, and only then waits at the Barrier,
lets the next atom of its kind take the slot and bond into the same molecule, which has
not formed yet: the count of molecules moves only when the barrier trips. When three
hydrogens arrive before an oxygen (every run with --oxygen-last, and the default order
too), one molecule bonds three or four H. The checker sees molecules such as "H4O"
instead of "H2O", and the invariant "every molecule bonds exactly two H and one O" broken.
"""

from __future__ import annotations

import threading
import time

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.h2o import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


# step: the molecule being formed
class _Room:
    def __init__(self) -> None:
        self.slots = {k: threading.Semaphore(n) for k, n in SLOTS.items()}  # 2 H, 1 O
        self.formed = 0  # whole molecules so far: written only by the barrier's action
        self.bonded = threading.Barrier(3, action=self._count)

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
        molecule = room.formed + 1
        trace.record(name, "bonds", molecule)
    finally:
        # step: give the slot back
        room.slots[kind(name)].release()  # the bug: bonded, so the slot seems done with
        trace.record(name, "releases", slot)
    # step: wait until all three have bonded
    room.bonded.wait(p.timeout)
    # step: leave as a whole molecule
    trace.record(name, "leaves", molecule)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the room
    room = _Room()
    # step: let the atoms arrive
    atoms = [
        threading.Thread(target=_atom, args=(trace, name, i, room, p), name=name)
        for i, name in enumerate(arrival_order(p))
    ]
    for atom in atoms:
        atom.start()
    # step: wait for every atom to leave
    join_all(atoms, time_limit(p))

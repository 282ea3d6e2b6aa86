"""h2o with threads: two Semaphores as the molecule's slots, a Barrier(3) to bond.

Each atom is a thread. It waits for a slot of its kind (``Semaphore(2)`` for H,
``Semaphore(1)`` for O) and keeps it until it leaves, so a molecule being formed never
holds more than two H and one O. ``Barrier(3)`` holds the three until all have bonded.
Its ``action`` counts the molecule: it runs in one of the threads (the last to arrive),
once all three are there and before any is released, which no code of the atoms' own
could do without a lock: between "am I the third?" and the wait, another thread may run.
Every wait has a timeout: a thread cannot be cancelled, so a wait that never ends would
hang the program; a Barrier's timeout breaks it for the other threads too.
"""

from __future__ import annotations

import threading
import time

from threeways import Recorder
from threeways._support import join_all

from . import ARRIVE_TICKS, SLOTS, Params, arrival_order, kind, time_limit


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

"""h2o: hydrogen and oxygen atoms arrive in any order and leave only as whole molecules."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._trace import Event

SLOTS = {"H": 2, "O": 1}
"""How many atoms of each kind a molecule takes: the slots of the molecule being formed."""
ARRIVE_TICKS = 1
"""Ticks between one atom's arrival and the next one's, in the arrival order."""
SHUFFLE_SEED = 0
"""The seed of the default arrival order: always the same shuffle, to read and rerun."""


def kind(atom: str) -> str:
    """An atom's element, the first letter of its name: ``"H"`` or ``"O"``."""
    return atom[0]


def atom_names(molecules: int) -> list[str]:
    """H1 ... H2n, then O1 ... On: every atom of ``molecules`` molecules, in name order."""
    hydrogens = [f"H{i}" for i in range(1, 2 * molecules + 1)]
    return hydrogens + [f"O{i}" for i in range(1, molecules + 1)]


def arrival_order(p: Params) -> list[str]:
    """The order in which the atoms arrive, one every ARRIVE_TICKS."""
    atoms = atom_names(p.molecules)
    if p.oxygen_last:
        return atoms  # every H before the first O: the hydrogens queue for their slots
    random.Random(SHUFFLE_SEED).shuffle(atoms)
    return atoms


def time_limit(p: Params) -> float:
    """How long a whole run may take: every atom's arrival, then p.timeout for the waits."""
    return 3 * p.molecules * ARRIVE_TICKS * p.tick + p.timeout


def formula(hydrogens: int, oxygens: int) -> str:
    """The chemist's name of what bonded: ``"H2O"``, or ``"H3"``, ``"HO2"`` when wrong."""
    part = {"H": hydrogens, "O": oxygens}
    return "".join(f"{k}{n if n > 1 else ''}" for k, n in part.items() if n) or "nothing"


def _by_name(atom: str) -> tuple[str, int]:
    return kind(atom), int(atom[1:])


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    molecules: int = param(3, "how many water molecules form: 2n H and n O atoms", min=1, max=10)
    oxygen_last: bool = param(
        False, "every hydrogen arrives before the first oxygen (default: a shuffled order)"
    )
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class Water(Scenario[Params]):
    name = "h2o"
    order = 230
    summary = "Atoms arrive in any order; two H and one O bond, and leave only as a whole molecule."
    lesson = """\
"Building H2O", from The Little Book of Semaphores (Downey), a rendezvous: hydrogen and
oxygen atoms arrive one by one, in any order, and may leave only as part of a whole water
molecule, two H and one O, all three bonded. Two things must be made sure of, and each
has its own tool. The makeup: a molecule being formed has two H slots and one O slot
(a Semaphore of 2 and one of 1); an atom waits for a slot of its kind, bonds, and keeps
the slot until it leaves, so no fourth atom can slip in. The rendezvous: a Barrier of 3
lets nobody out until all three have bonded. Downey passes a mutex from the atom that
completes a molecule to the molecule's oxygen; slots of each kind do the same with
nothing passed from hand to hand: each atom releases what it took.

Each atom says which molecule it bonds into: the molecules formed so far, plus one,
read once it has its slot, and counted when the barrier trips, before anyone is let
out. Who counts differs:
- threading.Barrier(3, action=...) and multiprocessing's clone call the action in one of
  the parties (the last to arrive: in a process of its own for multiprocessing, so the
  count is a shared Value, the action a picklable top-level function), once all are
  there and before any is released. Counting after the wait instead would race with the
  next molecule's atoms reading the count; checking "am I the third?" before waiting
  would race with the other threads arriving.
- asyncio.Barrier (new in 3.11, cpython #87518) has no action and no timeout. None is
  needed: a task runs undisturbed until its next await, so the third to arrive
  (n_waiting == 2) counts the molecule itself, and enters the wait before any other
  task can run. asyncio.timeout bounds the run.
- trio has no Barrier at all (trio #1434: its maintainers had never needed one; the
  asker solved the problem with memory channels instead). One round of a barrier is one
  thing that happens once, "all three are here", which is what a trio.Event means: a
  small barrier counts arrivals and sets a fresh Event per round; the last to arrive
  runs the action, as threading's does. trio.fail_after bounds the run.

Threads and processes take every wait with a timeout: a slot's acquire(timeout=) returns
False, a Barrier's wait(timeout) raises BrokenBarrierError and breaks the barrier for
the others too. The arrival order varies (a fixed shuffle, or --oxygen-last: all the
hydrogens first, and they queue for their two slots); the molecules do not.
"""
    uses = {
        "threading": "Semaphore(2) and Semaphore(1) as slots, Barrier(3, action=) counts molecules",
        "multiprocessing": "Semaphores, Barrier(3, action=) and a Value from the run's context",
        "asyncio": "asyncio.Semaphore slots, asyncio.Barrier(3) (3.11+); the third one counts",
        "trio": "trio.Semaphore slots; no Barrier: a fresh trio.Event per round, counted arrivals",
    }
    parameters = Params

    checks = (
        "every molecule bonds exactly two H atoms and one O atom",
        "no atom leaves before all three atoms of its molecule have bonded",
        "every atom arrives, bonds and leaves exactly once, and leaves the molecule it bonded",
    )
    variations = ({"molecules": 2, "oxygen_last": True},)

    def expected(self, p: Params) -> dict[str, object]:
        return {"molecules": ["H2O"] * p.molecules, "left": atom_names(p.molecules)}

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        made = _molecules(events)
        left = sorted((e.actor for e in events if e.action == "leaves"), key=_by_name)
        return {"molecules": [_formula(made[k]) for k in sorted(made)], "left": left}

    def narrate(self, event: Event) -> str:
        if event.action == "bonds":
            return f"{event.actor} bonds into molecule {event.detail}"
        if event.action == "leaves":
            return f"{event.actor} leaves with molecule {event.detail}"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # An atom waits for a slot, then holds it (bonded, waiting for the molecule) until
        # it releases it: the two H lanes and the O lane of each molecule line up.
        states = {"waits for": "waiting", "takes": "holding", "releases": "running"}
        spans = []
        for atom in atom_names(p.molecules):
            state = "running"
            own = [e for e in events if e.actor == atom]
            for e, after in itertools.pairwise(own):
                state = states.get(e.action, state)
                spans.append(Span(atom, e.t, after.t, state))
        return spans

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        # an atom is done once it has left its molecule and given its slot back
        return events[-1].action == "releases" and any(e.action == "leaves" for e in events)

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _two_h_one_o(events)
        yield from _nobody_leaves_early(events)
        yield from _each_atom_once(events, p)


def _molecules(events: Sequence[Event]) -> dict[int, list[str]]:
    """Each molecule's atoms, in the order they bonded into it."""
    made: dict[int, list[str]] = {}
    for e in events:
        if e.action == "bonds":
            made.setdefault(e.detail, []).append(e.actor)
    return made


def _formula(atoms: list[str]) -> str:
    kinds = Counter(kind(a) for a in atoms)
    return formula(kinds["H"], kinds["O"])


def _two_h_one_o(events: Sequence[Event]) -> Iterator[str]:
    """Every molecule bonded exactly two H and one O."""
    for k, atoms in sorted(_molecules(events).items()):
        if _formula(atoms) != "H2O":
            yield f"molecule {k} bonded {_formula(atoms)}: {', '.join(atoms)}"


def _nobody_leaves_early(events: Sequence[Event]) -> Iterator[str]:
    """An atom leaves its molecule only once all three of its atoms have bonded."""
    bonded: Counter[int] = Counter()
    for e in events:
        if e.action == "bonds":
            bonded[e.detail] += 1
        elif e.action == "leaves" and bonded[e.detail] < 3:
            yield (
                f"{e.actor} left molecule {e.detail} at t={e.t:.3f}s with only "
                f"{bonded[e.detail]} of its 3 atoms bonded"
            )


def _each_atom_once(events: Sequence[Event], p: Params) -> Iterator[str]:
    """Every atom arrives, bonds and leaves once, and leaves the molecule it bonded."""
    for atom in atom_names(p.molecules):
        own = [e for e in events if e.actor == atom]
        for action, done in (("arrives", "arrived"), ("bonds", "bonded"), ("leaves", "left")):
            if (n := sum(e.action == action for e in own)) != 1:
                yield f"{atom} {done} {n} times"
        into = {e.action: e.detail for e in own if e.action in ("bonds", "leaves")}
        if len(into) == 2 and into["bonds"] != into["leaves"]:
            yield f"{atom} bonded into molecule {into['bonds']} but left with {into['leaves']}"


SCENARIO = Water()

"""dining_philosophers: N philosophers, N forks; a global fork order keeps them from deadlock."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Params as _BaseParams
from threeways._protocol import Scenario, Span, param
from threeways._support import names
from threeways._trace import Event

THINK_TICKS = 1
"""How long a philosopher thinks before each meal, in ticks."""
EAT_TICKS = 1
"""How long a meal lasts, in ticks (both forks held)."""

_PHILOSOPHERS = ("Plato", "Kant", "Hume", "Marx", "Locke", "Mill", "Hegel", "Sartre")


def philosopher_names(n: int) -> list[str]:
    return names(_PHILOSOPHERS, n, "philosopher")


def fork_name(i: int) -> str:
    """The name of fork ``i`` (counted from 0), as the trace and the wait-for graph know it."""
    return f"fork {i + 1}"


def own_forks(seat: int, n: int) -> tuple[int, int]:
    """The forks of the philosopher at ``seat``: (left, right), counted from 0."""
    return seat, (seat + 1) % n


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    philosophers: int = param(
        5, "how many philosophers (and forks) at the round table", min=2, max=20
    )
    meals: int = param(3, "how many meals each philosopher eats", min=0, max=100)
    naive: bool = param(
        False,
        "everyone takes the left fork first, and all wait until each holds one: a deadlock, "
        "every time (default: the lower-numbered fork first)",
    )
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class DiningPhilosophers(Scenario[Params]):
    name = "dining_philosophers"
    order = 200
    summary = (
        "Philosophers share forks with their neighbours; a global fork order rules out deadlock."
    )
    lesson = """\
Philosophers sit at a round table with a fork between each two of them. To eat, one needs
both forks beside them, and picks them up one at a time. If every philosopher picks up the
left fork and then reaches for the right, each holds the fork the next one waits for, and
nobody ever eats: a deadlock (Dijkstra's exercise, as Hoare told it). A deadlock needs four
things at once (Coffman, 1971): a fork is held by one at a time, a philosopher holds one
while waiting for another, nobody takes a fork away, and the waits close a circle. Break
one and it cannot happen. The default breaks the circle: the forks are numbered, and
everyone picks up the lower-numbered of their two first. So the last philosopher, between
fork N and fork 1, reaches right first, and waits for fork 1 with empty hands instead of
closing the circle. (A waiter who lets at most N-1 sit down breaks it too.) Everyone
eats every meal: the observable is the meals per philosopher, which no scheduling changes.

--naive makes everyone take the left fork first. Left to chance, that deadlocks only when
the timing is unlucky, which is worse: a bug that hides in the tests. So the naive
philosophers, each holding a left fork, wait until all of them hold one (a Barrier) and
only then reach right: the unlucky timing, made certain by synchronisation, in every model.
Each philosopher records when it waits for, takes and releases a fork; from those events
the harness draws who waits for whom (a wait-for graph) and fails the run with a line that
names the circle.

Each model has a lock for a fork, and its own way to bound the wait. threading.Lock's and
multiprocessing's acquire(timeout=) return False when the time is up, they do not raise:
the caller must look (and `with lock:` cannot wait with a timeout at all). asyncio.Lock's
acquire() takes no timeout: asyncio.timeout around the run bounds every wait in it; trio
bounds it the same way with trio.fail_after, a cancel scope. A Barrier is in threading,
multiprocessing and asyncio (3.11+); trio has none (trio issue #1434): a counter and an
Event do it.

Who gets a fork next differs. asyncio.Lock hands a released lock to the task that has
waited longest (its docs call acquiring it fair, bpo-36794), and trio.Lock does the same
(today: only trio.StrictFIFOLock promises it). threading.Lock promises no order ("which
one of the waiting threads proceeds is not defined"), nor does multiprocessing's, a
semaphore of the operating system: a philosopher who puts a fork down and reaches for it
again may get it back ahead of a neighbour who has been waiting ("forks out of turn"
counts that). trio.Lock also has an owner: a task that takes a fork it already holds gets
RuntimeError at once, where threading's, multiprocessing's and asyncio's lock wait for
ever, for themselves; and since trio 0.27 a task that ends holding a Lock breaks it (the
next to wait gets BrokenResourceError, trio #3035). Checked on CPython 3.11 to 3.13 and
trio 0.35.
"""
    uses = {
        "threading": "a threading.Lock per fork, acquire(timeout=); a Barrier for --naive",
        "multiprocessing": "a ctx.Lock per fork, acquire(timeout=); ctx.Barrier for --naive",
        "asyncio": "an asyncio.Lock per fork under asyncio.timeout; asyncio.Barrier for --naive",
        "trio": "a trio.Lock per fork under trio.fail_after; a counter and an Event for --naive",
    }
    parameters = Params

    checks = (
        "a fork is held by one philosopher at a time, and put down only by its holder",
        "a philosopher eats only while holding both forks beside it",
        "no two neighbours eat at once",
    )
    variations = ({"philosophers": 2, "meals": 6}, {"philosophers": 7, "meals": 2})

    def expected(self, p: Params) -> dict[str, object]:
        return {"meals": dict.fromkeys(philosopher_names(p.philosophers), p.meals)}

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        eaten = Counter(e.actor for e in events if e.action == "eats")
        return {"meals": {name: eaten[name] for name in philosopher_names(p.philosophers)}}

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        return events[-1].action == "is full"

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        names = philosopher_names(p.philosophers)
        holders: dict[str, list[str]] = {}  # fork -> who holds it (one, if all is well)
        eating: set[str] = set()
        for e in events:
            if e.action == "takes":
                held = holders.setdefault(e.detail, [])
                if held:
                    yield f"{e.actor} took {e.detail} at t={e.t:.3f}s, held by {held[0]}"
                held.append(e.actor)
            elif e.action == "releases":
                eating.discard(e.actor)
                held = holders.get(e.detail, [])
                if e.actor not in held:
                    yield f"{e.actor} put down {e.detail} at t={e.t:.3f}s without holding it"
                else:
                    held.remove(e.actor)
            elif e.action == "eats" and e.actor in names:
                seat = names.index(e.actor)
                forks = [fork_name(f) for f in own_forks(seat, p.philosophers)]
                missing = [f for f in forks if e.actor not in holders.get(f, [])]
                if missing:
                    yield f"{e.actor} ate at t={e.t:.3f}s without {' and '.join(missing)}"
                for other in dict.fromkeys((names[seat - 1], names[(seat + 1) % len(names)])):
                    if other in eating:
                        yield f"{e.actor} ate at t={e.t:.3f}s while {other}, a neighbour, ate"
                eating.add(e.actor)

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        eating: set[str] = set()
        most = out_of_turn = 0
        asked: dict[str, list[str]] = {}  # fork -> who waits for it, in the order they asked
        for e in events:
            if e.action == "waits for":
                asked.setdefault(e.detail, []).append(e.actor)
            elif e.action == "takes" and e.actor in asked.get(e.detail, []):
                queue = asked[e.detail]
                out_of_turn += queue[0] != e.actor  # someone who asked earlier still waits
                queue.remove(e.actor)
            elif e.action == "eats":
                eating.add(e.actor)
                most = max(most, len(eating))
            elif e.action == "releases":
                eating.discard(e.actor)
        return {"most eating at once": most, "forks out of turn": out_of_turn}

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # Between two of its events a philosopher thinks, waits (for a fork, or at the
        # naive table), holds a fork or two, or eats; its lane ends when it is full.
        after = {"waits for": "waiting", "pauses": "waiting", "eats": "eating"}
        spans = []
        for name in philosopher_names(p.philosophers):
            own = [e for e in events if e.actor == name]
            held = 0
            for e, nxt in itertools.pairwise(own):
                held += {"takes": 1, "releases": -1}.get(e.action, 0)
                state = after.get(e.action, "holding" if held else "thinking")
                spans.append(Span(name, e.t, nxt.t, state))
        return spans

    def narrate(self, event: Event) -> str:
        if event.action == "eats":
            return f"{event.actor} eats (meal {event.detail})"
        return super().narrate(event)


SCENARIO = DiningPhilosophers()

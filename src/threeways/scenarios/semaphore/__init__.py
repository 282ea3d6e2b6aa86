"""semaphore: more workers than slots; a bounded semaphore lets at most ``limit`` in at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import MODELS, Mark, Scenario, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

WORK_TICKS = 2
"""How long a worker works once it is in, in ticks."""


def worker_names(n: int) -> list[str]:
    return names((), n, "worker")


def room_is_full(inside: int, entered: int, p: Params) -> bool:
    """Whether a worker inside may start work: every slot is taken, or nobody is left outside."""
    return inside == p.limit or entered == p.workers


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(8, "how many workers want a slot", min=1, max=100)
    limit: int = param(
        5, "how many slots: at most this many workers inside at once", min=1, max=100
    )
    bounded: bool = param(
        True,
        "a bounded semaphore, which refuses one release too many (--no-bounded: a plain "
        "one, which takes it and has a slot too many from then on)",
    )
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class Semaphore(Scenario[Params]):
    name = "semaphore"
    order = 50
    summary = "Workers share a BoundedSemaphore(limit): never more than limit inside at once."
    lesson = """\
A semaphore is a counter of free slots: acquire takes one (and waits while there is
none), release gives one back. With `limit` slots, at most `limit` workers are inside at
once, however many want in: the seed article's BoundedSemaphore(5). Every worker gets in
exactly once; the order in which they get in is the scheduler's business.

To make "the peak is exactly the limit" a fact rather than luck (a worker could finish
before the last one of its wave has even started), each worker, once inside, waits on a
Condition until the room is full or nobody is left outside. Workers record going in and
coming out while they hold their slot, so the events prove that no more than `limit`
were ever inside.

"Bounded" means the semaphore knows its starting value: releasing a slot that nobody
took is a bug (a release too many, in an error path say), and a plain Semaphore would
silently grow to limit + 1. After the workers are done, the program releases once too
often to show it: threading, multiprocessing and asyncio's BoundedSemaphore raise
ValueError. trio's bounded equivalent, Semaphore(n, max_value=n), raises ValueError too,
but trio's own documentation points to CapacityLimiter for "at most n tasks at once",
and that is what the trio model uses: it remembers which task borrowed each token, so a
release by a task that holds none raises RuntimeError, and a task cannot borrow twice.
Run it with --no-bounded to see a plain Semaphore (trio.Semaphore(n) in trio) take that
release without a word: from then on it lets limit + 1 in.

trio.Condition has no wait_for(): the trio model writes the `while` loop itself.

dask's Semaphore(max_leases=limit) lives on the scheduler, the coordinator of the
cluster: a task on any worker takes a lease there and gives it back. A lease has a
timeout that the holder's worker keeps renewing, so a dead worker's slot is freed once its
lease runs out, and a worker too slow to renew it loses its slot while it works: one task
too many gets in. It is bounded by design (it knows the leases it holds: one release too
many raises RuntimeError); dask has no plain semaphore, so --no-bounded uses a
distributed.Queue of tokens, which takes one more. The room is counted in a Variable under
a Lock, and a full room is an Event, which dask can clear again.
"""
    uses = {
        "threading": "threading.BoundedSemaphore(limit); a Condition to fill the room",
        "multiprocessing": "multiprocessing BoundedSemaphore and Condition from the run's context",
        "asyncio": "asyncio.BoundedSemaphore(limit); an asyncio.Condition to fill the room",
        "trio": "trio.CapacityLimiter(limit): trio's tool for 'at most n tasks at once'",
        "dask": "distributed.Semaphore(max_leases=limit), leases on the scheduler; an Event",
    }
    parameters = Params
    models = (*MODELS, "dask")

    checks = (
        "never more than p.limit workers inside at once",
        "every worker that comes out went in, and says how many were inside, truthfully",
        "the extra release comes only once everyone is out",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "runs": dict.fromkeys(sorted(worker_names(p.workers)), 1),
            "peak": min(p.limit, p.workers),
            "extra release": "refused" if p.bounded else "accepted",
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        runs = Counter(e.actor for e in events if e.action == "goes in")
        extra = [e.action for e in events if e.action.startswith("extra release ")]
        return {
            "runs": dict(sorted(runs.items())),
            "peak": max(_inside(events), default=0),
            "extra release": extra[-1].removeprefix("extra release ") if extra else None,
        }

    def narrate(self, event: Event) -> str:
        if event.action == "goes in":
            return f"{event.actor} goes in ({event.detail} inside)"
        if event.action == "comes out":
            return f"{event.actor} comes out ({event.detail} still inside)"
        if event.action == "extra release refused":
            return f"{event.actor} releases once too often: refused, {event.detail}"
        if event.action == "extra release accepted":
            return (
                f"{event.actor} releases once too often: accepted without a word, the "
                f"{event.detail} now has a slot too many"
            )
        return super().narrate(event)

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        return events[-1].action == "comes out" or events[-1].action.startswith("extra release")

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # the room fills; it is full (the rest wait outside); slots free up and the rest go
        # in; one release too many
        full = min(p.limit, p.workers)
        rest = ", the rest wait" if p.workers > p.limit else ""
        phases = [
            ("waits for a slot", None, "the workers ask for a slot"),
            ("goes in", full, f"full: {full} inside{rest}"),
            ("comes out", None, "slots free up: the rest go in" if rest else "they come out"),
        ]
        found: list[Mark] = []
        for e in events:
            if len(found) < len(phases):
                action, detail, label = phases[len(found)]
                if e.action == action and detail in (None, e.detail):
                    found.append(Mark(e.t, label))
            if e.action.startswith("extra release"):
                found.append(Mark(e.t, "one release too many"))
        return found

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        inside: set[str] = set()
        out: set[str] = set()  # who has been in and come out
        for e in events:
            if e.action == "goes in":
                inside.add(e.actor)
                if len(inside) > p.limit:
                    yield f"{len(inside)} inside at t={e.t:.3f}s, above the limit of {p.limit}"
            elif e.action == "comes out":
                if e.actor not in inside:
                    yield f"{e.actor} came out without going in"
                inside.discard(e.actor)
                out.add(e.actor)
            elif e.action.startswith("extra release") and inside:
                yield f"the extra release came while {len(inside)} were still inside"
            elif e.action.startswith("extra release") and len(out) < p.workers:
                # main releases once too often only after every worker is done
                yield (
                    f"the extra release came at t={e.t:.3f}s, before every worker had been in "
                    f"and out ({len(out)} of {p.workers} had)"
                )
            if e.action in ("goes in", "comes out") and e.detail != len(inside):
                yield f"{e.actor} saw {e.detail} inside at t={e.t:.3f}s, events say {len(inside)}"


def _inside(events: Sequence[Event]) -> Iterator[int]:
    """How many are inside after each "goes in", counted from the events."""
    inside = 0
    for e in events:
        if e.action == "goes in":
            inside += 1
            yield inside
        elif e.action == "comes out":
            inside -= 1


SCENARIO = Semaphore()

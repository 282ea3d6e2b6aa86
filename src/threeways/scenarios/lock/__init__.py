"""lock: workers add one to a shared counter, read-modify-write, under a mutex."""

from __future__ import annotations

import itertools
from collections import Counter as _Tally
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import MODELS, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

SHOWN_PER_KIND = 3
"""How many violations of one kind are listed before the rest are only counted."""

_WORKERS = ("Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal")


def worker_names(n: int) -> list[str]:
    return names(_WORKERS, n, "worker")


@dataclass
class Counter:
    """The shared counter of the threads and the tasks (processes use shared memory)."""

    value: int = 0


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(3, "how many workers add to the counter", min=1, max=50)
    increments: int = param(5, "how many times each worker adds one", min=0, max=100_000)
    lock: bool = param(
        True, "hold the lock around read-modify-write (--no-lock: watch updates get lost)"
    )
    pause: bool = param(
        True, "pause one tick between read and write (--no-pause: back to back, no await)"
    )
    tick: float = param(0.01, "seconds per tick: scales every sleep in the scenario", min=0)


class MutexCounter(Scenario[Params]):
    name = "lock"
    order = 30
    summary = "Workers add one to a shared counter; a lock makes each read-modify-write whole."
    lesson = """\
`counter += 1` is three steps: read the value, add one, write it back. Two workers that
both read 7 both write 8, and one update is lost. A lock (a mutex) makes the three steps
one: a worker holds it from the read to the write, so nobody else is ever inside. Here
each worker pauses one tick between its read and its write, as real code does when it
computes or waits for I/O there, and the count still comes out exact: workers x
increments. The workers record "reads" and "writes" inside the lock, so the invariants
can prove that no two were ever inside at once and that each write built on the one
before it.

Run it with --no-lock to see the race: threads, processes, asyncio and trio all lose
updates (the run then fails on purpose, and the invariants say where). Add --no-pause
and asyncio and trio lose none: a task is only ever interrupted at an await, and with
no await between read and write nothing can come between them. So in asyncio and trio
a lock is needed only when the critical section awaits. Threads still lose updates,
only rarely: CPython (3.11-3.13) switches threads when one blocks, and otherwise at most
every 5 ms, at a thread's next call of a function (Python or built-in) or jump back in
a loop; the call to record between read and write is such a point
(sys.setswitchinterval(1e-6) makes the race show). A bare `counter += 1` has no such
point inside and seldom loses anything, but that is an accident of the interpreter,
not a promise: a free-threaded build runs threads truly at once, as processes do on
several cores.

threading.Lock, multiprocessing's Lock and asyncio.Lock may be released by anyone;
trio.Lock only by the task that acquired it (and trio.Lock raises at once if its owner
acquires it again, where the others just deadlock), so in trio acquire and release
belong to one task, and `async with` is the natural way to write that.

Who gets the lock next differs too, and the timeline shows it. asyncio.Lock and
trio.Lock hand it to the task that has waited longest, so the workers take turns.
threading.Lock and multiprocessing's promise no order: a thread that releases the lock
and asks for it again at once usually gets it back, so one worker often does several
increments in a row while the others wait. Either way the count is exact; only the
order differs, which is why the tests never look at it.
multiprocessing shares the counter as raw shared memory (a ctypes value); a
synchronized Value locks each read and each write separately, which does not make
`counter.value += 1` safe: the lock has to cover both.

dask runs the workers as tasks on a cluster, where nothing is shared but what the
scheduler keeps: the counter is a distributed.Variable (each get and set a message to the
scheduler) and the lock a distributed.Lock, granted by the scheduler as a lease to a task
on any worker. The lease has a timeout that the holder's worker keeps renewing: a worker
that dies frees the lock when its lease runs out, and one too slow to renew it loses the
lock while it still runs, so that two tasks hold it at once.
"""
    uses = {
        "threading": "threading.Lock around read-pause-write of a shared object",
        "multiprocessing": "ctx.Lock around a ctx.Value(lock=False) in shared memory",
        "asyncio": "asyncio.Lock, needed only because the critical section awaits",
        "trio": "trio.Lock (owned by the task that holds it), needed because of the await",
        "dask": "distributed.Lock (a lease on the scheduler) around a distributed.Variable",
    }
    parameters = Params
    models = (*MODELS, "dask")

    checks = (
        "no two workers are ever between their read and their write at once",
        "no write overwrites a value another worker wrote (no lost update)",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "count": p.workers * p.increments,
            "writes": dict.fromkeys(sorted(worker_names(p.workers)), p.increments),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        counts = [e.detail for e in events if e.action == "counts"]
        writes = _Tally(e.actor for e in events if e.action == "writes")
        return {
            "count": counts[-1] if counts else None,
            "writes": {name: writes[name] for name in sorted(worker_names(p.workers))},
        }

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        if events[-1].actor == "main":
            return events[-1].action == "counts"
        return sum(e.action == "writes" for e in events) == p.increments

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _capped("two workers inside at once", _overlaps(events))
        yield from _capped("lost update", _lost_updates(events))

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        counts = [e.detail for e in events if e.action == "counts"]
        lost = p.workers * p.increments - counts[-1] if counts else None
        return {"lost updates": lost, "most inside at once": _most_inside(events)}

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # A worker holds the lock from its read to its write; from starting (or writing)
        # to its next read it only waits for the lock. Without a lock, it just runs.
        # main waits for the workers until it counts.
        after = {"starts": "waiting", "reads": "holding", "writes": "waiting"}
        main = [e for e in events if e.actor == "main"]
        spans = [Span("main", e.t, nxt.t, "waiting") for e, nxt in itertools.pairwise(main)]
        for name in worker_names(p.workers):
            own = [e for e in events if e.actor == name]
            for e, nxt in itertools.pairwise(own):
                state = after.get(e.action, "running") if p.lock else "running"
                spans.append(Span(name, e.t, nxt.t, state))
        return spans

    def narrate(self, event: Event) -> str:
        if event.action in ("reads", "writes", "counts"):
            return f"{event.actor} {event.action} {event.detail}"
        return super().narrate(event)


def _overlaps(events: Iterable[Event]) -> Iterator[str]:
    inside: list[str] = []
    for e in events:
        if e.action == "reads":
            if inside:
                yield f"{e.actor} read at t={e.t:.4f}s while {', '.join(inside)} was inside"
            inside.append(e.actor)
        elif e.action == "writes" and e.actor in inside:
            inside.remove(e.actor)


def _lost_updates(events: Iterable[Event]) -> Iterator[str]:
    last = 0
    for e in events:
        if e.action == "writes":
            if e.detail != last + 1:
                yield f"{e.actor} wrote {e.detail} at t={e.t:.4f}s over {last}"
            last = e.detail


def _most_inside(events: Iterable[Event]) -> int:
    inside = most = 0
    for e in events:
        inside += {"reads": 1, "writes": -1}.get(e.action, 0)
        most = max(most, inside)
    return most


def _capped(kind: str, lines: Iterable[str]) -> Iterator[str]:
    """The first few violations of one kind, then how many more there were."""
    found = list(lines)
    for line in found[:SHOWN_PER_KIND]:
        yield f"{kind}: {line}"
    if len(found) > SHOWN_PER_KIND:
        yield f"{kind}: {len(found) - SHOWN_PER_KIND} more"


SCENARIO = MutexCounter()

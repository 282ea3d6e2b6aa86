"""cancellation: main stops a group of workers midway; each cleans up once and gives all back."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

CLOSE_TICKS = 1
"""How long a worker's goodbye takes when it closes its connections, in ticks."""

_WORKERS = ("Ada", "Ben", "Cleo", "Dev", "Eli", "Fern", "Gus", "Hana")


def worker_names(n: int) -> list[str]:
    return names(_WORKERS, n, "worker")


def pool_size(p: Params) -> int:
    """The pool has exactly one connection for each one a worker opens: none waits for one."""
    return p.workers * p.connections


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(3, "how many workers are in the group main stops", min=1, max=32)
    connections: int = param(2, "how many connections each worker opens", min=1, max=20)
    steps: int = param(3, "how many steps a worker takes before it is midway", min=0, max=1000)
    shield: bool = param(
        True, "shield the cleanup's await (--no-shield: trio's cleanup is cut short)"
    )
    terminate: bool = param(
        False, "multiprocessing only: stop with terminate(), not the Event (no finally runs)"
    )
    tick: float = param(0.2, "seconds per tick: scales every sleep in the scenario", min=0)


class Cancellation(Scenario[Params]):
    name = "cancellation"
    order = 150
    summary = "Main stops a group of workers midway; each cleans up once and gives all back."
    lesson = """\
Main starts a group of workers. Each opens its connections from a shared pool (a bounded
semaphore with one slot per connection), works --steps steps, reaches midway, tells main
(it releases a semaphore main counts down, and does not wait), and works on: its job has
no end, so only a stop from outside ends it. Once every worker is midway, main stops the
group. A worker's finally block is its cleanup: it says goodbye (a tick;
in asyncio and trio an await) and gives its connections back; then main counts the pool,
which must be full again. That is the observable, forced by the design: every worker
reached midway after its steps, was stopped, cleaned up exactly once and gave everything
back. How many more steps a worker took before the stop reached it is the scheduler's
business: measured, never compared. How the stop reaches a worker is where the models
differ.

threading: a thread cannot be cancelled or killed; Python's threads "cannot be
destroyed, stopped, suspended, resumed, or interrupted" (threading docs). Main sets a
threading.Event that each worker looks at before each step: the stop lands after the
step in progress, and a thread blocked in a call that does not watch the flag (a socket
read, queue.get()) never sees it; give such a wait a timeout, or wake it with a
sentinel. Nothing interrupts the cleanup either: there is nothing to shield.

asyncio: Task.cancel() raises CancelledError inside the task once, at the await where it
is suspended (mid-step). Its finally runs, and the error must go on: TaskGroup and
asyncio.timeout() are built on cancellation and "might misbehave if a coroutine swallows
asyncio.CancelledError" (asyncio docs, Task Cancellation). A worker that went on working
would keep its TaskGroup waiting, and a timeout whose CancelledError is swallowed raises
no TimeoutError: its block just runs on (checked on 3.11, 3.12 and 3.13). Code that truly
must swallow one calls Task.uncancel() (3.11+; gh-102780). TaskGroup.cancel() only comes
in 3.15 (gh-108951), so main cancels each worker's task. Delivered once, the
cancellation leaves the cleanup's own await alone (--no-shield still gives everything
back); a second one would cut it short, and the TaskGroup sends one to whatever still
runs when main is cancelled (Ctrl-C, the run's timeout) or a sibling fails.
asyncio.shield() keeps the cleanup going through it, as asyncpg's Pool.release does.

trio: main cancels the nursery's cancel scope, and the cancellation stays in force:
every checkpoint inside the scope raises trio.Cancelled, not only the first ("level
triggered", trio docs, Cancellation semantics). A worker that swallowed it is cancelled
again at its next await, and so is its cleanup: the goodbye raises at once and the
connections are never given back (--no-shield shows it). A CancelScope(shield=True)
keeps outer cancellations out of the cleanup; keep that short, or give it a deadline of
its own (move_on_after(s, shield=True)): no timeout outside can reach it.

multiprocessing: a process can be stopped from outside, but not gracefully. terminate()
sends SIGTERM (TerminateProcess on Windows): no finally block and no atexit handler
runs; kill() sends SIGKILL, which cannot even be caught. The docs warn that a process
terminated while it uses a pipe or queue may corrupt it, and one that holds a lock or
semaphore leaves it held: its connections never come back (--terminate shows it; only
multiprocessing has such a stop). So main asks first, with a multiprocessing.Event the
workers look at, and terminates, then kills, only what still runs after the timeout, or
everything on Ctrl-C.
"""
    uses = {
        "threading": "ThreadPoolExecutor; a stop threading.Event, looked at before each step",
        "multiprocessing": "a stop Event first, terminate() then kill() as the last resort",
        "asyncio": "task.cancel() per worker in a TaskGroup, re-raised; asyncio.shield",
        "trio": "nursery.cancel_scope.cancel(); CancelScope(shield=True)",
    }
    parameters = Params

    checks = (
        "main stops the group only once every worker is midway",
        "no worker does a step after it was stopped, or stops before it",
        "every worker gives back, in its cleanup, each connection it took",
        "main counts the pool after everyone is done",
    )

    def expected(self, p: Params) -> dict[str, object]:
        worker = {"steps before midway": p.steps, "stopped": True, "cleanups": 1}
        return {
            "workers": {n: {**worker, "gave back": p.connections} for n in worker_names(p.workers)},
            "pool": {"size": pool_size(p), "free at the end": pool_size(p)},
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        workers = {}
        for name in worker_names(p.workers):
            own = [e.action for e in events if e.actor == name]
            midway = own.index("is midway") if "is midway" in own else len(own)
            workers[name] = {
                "steps before midway": own[:midway].count("does step"),
                "stopped": "is stopped" in own,
                "cleanups": own.count("cleans up"),
                "gave back": own.count("gives back connection"),
            }
        opened = [e.detail for e in events if e.action == "opens the pool"]
        counted = [e.detail for e in events if e.action == "counts the pool"]
        return {
            "workers": workers,
            "pool": {
                "size": opened[-1] if opened else None,
                "free at the end": counted[-1] if counted else None,
            },
        }

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        names = worker_names(p.workers)
        yield from _stopped_once_all_are_midway(events, names)
        yield from _no_work_after_the_stop(events, names)
        yield from _gives_back_what_it_took(events, names)
        yield from _counted_after_everyone(events)

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        last = events[-1]
        if last.actor == "main":
            return last.action == "counts the pool"
        return last.action == "gives back connection" and last.detail == p.connections

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        stop = next((e.t for e in events if e.action == "stops the group"), None)
        back = [e.t for e in events if e.action == "gives back connection"]
        after = [e.actor for e in events if e.action == "does step" and e.detail > p.steps]
        steps = {name: after.count(name) for name in worker_names(p.workers)}
        took = round(max(back) - stop, 4) if stop is not None and back else None
        return {"steps after midway": steps, "stop to last give-back (s)": took}

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # A worker works (telling main it is midway is a moment: it does not wait) until
        # it sees the stop, and cleans up from then to its last give-back.
        spans = [s for s in super().timeline(events, p) if s.actor == "main"]
        for name in worker_names(p.workers):
            own = [e for e in events if e.actor == name]
            for e, after in itertools.pairwise(own):
                spans.append(Span(name, e.t, after.t, _STATE_AFTER.get(e.action, "running")))
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # the workers work up to midway and on; from main's stop, each cleans up
        found = [Mark(0.0, "working")]
        stop = next((e.t for e in events if e.action == "stops the group"), None)
        if stop is not None:
            found.append(Mark(stop, "stopped: cleaning up"))
        return found

    def narrate(self, event: Event) -> str:
        d = event.detail
        if event.action == "stops the group":
            return f"main stops the group: {d}"
        if event.action == "is midway":
            return f"{event.actor} is midway, after {d} steps"
        if event.action == "cleans up":
            return f"{event.actor} cleans up: says goodbye on its {d} connection(s)"
        if event.action == "counts the pool":
            return f"main counts the pool: {d} connection(s) free"
        return super().narrate(event)


_STATE_AFTER = {
    "is stopped": "cleaning up",
    "cleans up": "cleaning up",
    "gives back connection": "cleaning up",
}


def _index(events: Sequence[Event], actor: str, action: str) -> int | None:
    """Where ``actor`` first did ``action`` in ``events``; None if it never did."""
    return next((i for i, e in enumerate(events) if (e.actor, e.action) == (actor, action)), None)


def _stopped_once_all_are_midway(events: Sequence[Event], names: list[str]) -> Iterator[str]:
    """Main stops the group, and only once every worker is midway: the stop is midway."""
    stop = _index(events, "main", "stops the group")
    if stop is None:
        yield "main never stopped the group"
        return
    for name in names:
        midway = _index(events, name, "is midway")
        if midway is None or midway > stop:
            yield f"main stopped the group before {name} was midway"


def _no_work_after_the_stop(events: Sequence[Event], names: list[str]) -> Iterator[str]:
    """A worker stops only when stopped, and works no more once it has seen the stop."""
    stop = _index(events, "main", "stops the group")
    for name in names:
        seen = _index(events, name, "is stopped")
        if seen is None:
            continue
        if stop is None or seen < stop:
            yield f"{name} stopped before main stopped the group"
        if any(e.actor == name and e.action == "does step" for e in events[seen:]):
            yield f"{name} did a step after it was stopped"


def _gives_back_what_it_took(events: Sequence[Event], names: list[str]) -> Iterator[str]:
    """Each connection taken is given back once, by its worker's cleanup."""
    for name in names:
        taken: set[int] = set()
        cleaning = False
        for e in events:
            if e.actor != name:
                continue
            if e.action == "acquires connection":
                taken.add(e.detail)
            elif e.action == "cleans up":
                cleaning = True
            elif e.action == "gives back connection":
                if not cleaning:
                    yield f"{name} gave back connection {e.detail} outside its cleanup"
                if e.detail not in taken:
                    yield f"{name} gave back connection {e.detail}, which it did not hold"
                taken.discard(e.detail)
        if taken:
            yield f"{name} never gave back connection(s) {sorted(taken)}"


def _counted_after_everyone(events: Sequence[Event]) -> Iterator[str]:
    """Main counts the pool after every worker's last event: the count is the final one."""
    count = _index(events, "main", "counts the pool")
    if count is not None and any(e.actor != "main" for e in events[count:]):
        yield "main counted the pool while a worker was still busy"


SCENARIO = Cancellation()

"""readers_writers: many readers share the book at once; a writer has it alone, and goes first."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

BOOK = "the book"
"""The resource every actor waits for, takes and releases (the deadlock detector's name)."""


def reader_names(n: int) -> list[str]:
    return names((), n, "reader")


def writer_names(n: int) -> list[str]:
    return names((), n, "writer")


def last_edition(p: Params) -> int:
    """The book starts at edition 1; writer k writes edition k + 1."""
    return p.writers + 1


def writers_turn(k: int, edition: int, seen: int, p: Params) -> bool:
    """Whether writer ``k`` may ask for the book: edition ``k`` is out, and every reader has
    read it."""
    return edition == k and seen == p.readers


def may_leave(edition: int, seen: int, closed: bool, p: Params) -> bool:
    """Whether the readers of ``edition`` may give the book back: every reader has read it,
    and the book is closed to new readers (the next writer waits at the door), or no
    writer will come."""
    return seen == p.readers and (closed or edition == last_edition(p))


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    readers: int = param(3, "how many readers read every edition, all at once", min=1, max=100)
    writers: int = param(
        2, "how many writers: writer k writes edition k + 1 once edition k is read", min=0, max=100
    )
    tick: float = param(
        0.25, "seconds per tick: reading an edition takes one, and so does writing one", min=0
    )


class ReadersWriters(Scenario[Params]):
    name = "readers_writers"
    order = 210
    summary = "Readers share the book at once, a writer has it alone; a waiting writer goes first."
    lesson = """\
A readers-writer lock lets many readers in at once, or one writer alone: reading does not
change the book, so readers cannot harm each other, but nobody may read a half-written
page. No model's standard library has one: threading's was proposed in 2010 and never
added (CPython gh-53046, bpo-8800), asyncio has none (aiorwlock is a third-party
package), trio has an open request (trio #528), and multiprocessing has none either. So
each model builds it from its Condition: a lock, some counters that only change under it,
and wait() until the counters say "you may go in"; whoever changes them calls
notify_all(), because the waiters are of two kinds and notify() might wake the wrong one.

A lock like this needs a policy: who goes first when a writer waits while readers read?
If new readers may still join those inside, a steady stream of readers keeps the book
busy for ever and the writer starves. This one prefers writers: a writer that waits
blocks new readers, so the readers inside finish, and the writer goes next. (The price:
a stream of writers could starve the readers; fair locks alternate.)

The scenario is built so that each rule must show. The book starts at edition 1, and
writer k writes edition k + 1 once every reader has read edition k. Readers stay in the
book, at a rendezvous, until all of them have read the edition and the book is closed to
new readers (its next writer waits at the door): so they overlap, by synchronisation, not
by luck. Then they leave and come back at once for the next edition, while that writer
waits: the policy makes them wait for it, so every reader reads every edition exactly
once. With readers-first, a reader coming back while the others are still in would read
the old edition again, and the writer would wait for ever for an empty book.

The models differ in the Condition. threading's and multiprocessing's wait_for take a
timeout and return False when it ran out; asyncio's takes none (asyncio.timeout bounds
the run), and trio.Condition has no wait_for at all: the model loops on wait(). Every
notify must hold the Condition's lock: threading, asyncio and trio raise RuntimeError;
multiprocessing checks it with assert, an AssertionError, and under python -O not at all
(checked on 3.11, 3.12 and 3.13). multiprocessing keeps the counters in shared memory
(Value, lock=False: the Condition guards them); a manager would do, but each read would
be a message to its server process. In asyncio and trio the tasks share one thread, yet
the lock is still needed: a reader holds the book across an await (the rendezvous), where
a writer could otherwise run. Giving the book back differs too: a thread or a process
must release it in a finally, or an error would leave the others waiting for it until
their timeouts; a failing task makes its TaskGroup or nursery cancel all the others, so
nobody is left waiting, and the async models release it on the normal way out only.
"""
    uses = {
        "threading": "a lock class on threading.Condition (wait_for with a timeout, notify_all)",
        "multiprocessing": "the same on the context's Condition, counters in Value(lock=False)",
        "asyncio": "the same on asyncio.Condition (wait_for, no timeout: asyncio.timeout)",
        "trio": "the same on trio.Condition (no wait_for: a while loop on wait())",
    }
    parameters = Params

    checks = (
        "a writer holds the book alone, and nobody reads or writes without holding it",
        "no reader takes the book while a writer waits for it: a waiting writer goes first",
    )
    variations = ({"readers": 5, "writers": 3},)

    def expected(self, p: Params) -> dict[str, object]:
        editions = list(range(1, last_edition(p) + 1))
        return {
            "read": {name: editions for name in reader_names(p.readers)},
            "written": {name: k + 1 for k, name in enumerate(writer_names(p.writers), 1)},
            "most readers at once": p.readers,
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        read: dict[str, list[int]] = {name: [] for name in reader_names(p.readers)}
        for e in events:
            if e.action == "reads":
                read.setdefault(e.actor, []).append(e.detail)
        written = {e.actor: e.detail for e in events if e.action == "writes"}
        return {
            "read": read,
            "written": dict(sorted(written.items(), key=lambda kv: kv[1])),
            "most readers at once": max(_readers_inside(events), default=0),
        }

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        # how often a reader came back while a writer waited or wrote: the policy at work
        # (a reader slower to come back finds the new edition already written)
        held_back, writer_busy = 0, False
        for e in events:
            if _is_writer(e.actor) and e.action in ("waits for", "releases"):
                writer_busy = e.action == "waits for"
            elif e.action == "waits for" and writer_busy:
                held_back += 1
        return {"readers held back by a writer": held_back}

    def narrate(self, event: Event) -> str:
        if event.action in ("reads", "writes"):
            return f"{event.actor} {event.action} edition {event.detail}"
        if event.action == "waits its turn":
            return f"{event.actor} waits its turn to write edition {event.detail}"
        return super().narrate(event)

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # waiting until it takes the book; then reading or writing until it releases it
        spans: list[Span] = []
        last: dict[str, Event] = {}
        for e in events:
            if e.actor in last:
                before = last[e.actor]
                spans.append(Span(e.actor, before.t, e.t, _state(before)))
            last[e.actor] = e
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        found, reading = [], 0
        for e in events:
            if e.action == "reads" and e.detail != reading:
                reading = e.detail
                found.append(Mark(e.t, f"everyone reads edition {reading}"))
            elif e.action == "takes" and _is_writer(e.actor):
                found.append(Mark(e.t, f"{e.actor} writes alone"))
        return found

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        if events[-1].action != "releases":
            return False
        reads = sum(e.action == "reads" for e in events)
        return _is_writer(events[-1].actor) or reads == last_edition(p)

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        yield from _writer_alone(events)
        yield from _writers_first(events)


def _is_writer(actor: str) -> bool:
    return actor.startswith("writer")


def _state(e: Event) -> str:
    if e.action.startswith("waits"):
        return "waiting"
    if e.action in ("takes", "reads", "writes"):
        return "writing" if _is_writer(e.actor) else "reading"
    return "running"


def _readers_inside(events: Sequence[Event]) -> Iterator[int]:
    """How many readers hold the book after each reader takes it."""
    inside = 0
    for e in events:
        if e.action in ("takes", "releases") and not _is_writer(e.actor):
            inside += 1 if e.action == "takes" else -1
            if e.action == "takes":
                yield inside


def _writer_alone(events: Sequence[Event]) -> Iterator[str]:
    """Nobody holds the book with a writer; reads and writes happen only while holding it."""
    holders: list[str] = []
    for e in events:
        others = ", ".join(h for h in holders if h != e.actor)
        if e.action == "takes":
            if holders and (_is_writer(e.actor) or any(map(_is_writer, holders))):
                yield f"{e.actor} took the book at t={e.t:.3f}s while {others} held it"
            holders.append(e.actor)
        elif e.action == "releases":
            if e.actor not in holders:
                yield f"{e.actor} released the book at t={e.t:.3f}s without holding it"
            else:
                holders.remove(e.actor)
        elif e.action in ("reads", "writes") and e.actor not in holders:
            yield f"{e.actor} {e.action} at t={e.t:.3f}s without holding the book"


def _writers_first(events: Sequence[Event]) -> Iterator[str]:
    """No reader takes the book between a writer's "waits for" and its "takes"."""
    waiting: list[str] = []
    for e in events:
        if _is_writer(e.actor) and e.action == "waits for":
            waiting.append(e.actor)
        elif _is_writer(e.actor) and e.action == "takes" and e.actor in waiting:
            waiting.remove(e.actor)
        elif e.action == "takes" and waiting:
            yield f"{e.actor} took the book at t={e.t:.3f}s while {waiting[0]} waited for it"


SCENARIO = ReadersWriters()

"""Deadlocks, found from the trace: who holds what, who waits for what (a wait-for graph).

A scenario whose actors share resources records three kinds of events, the same in every
model, the resource's name as the detail::

    trace.record("Kant", "waits for", "fork 2")   # just before blocking on it
    trace.record("Kant", "takes", "fork 2")       # once it has it
    trace.record("Kant", "releases", "fork 2")    # when it lets go

From these, at any moment, each actor holds some resources (a resource may have several
holders, as readers share a book) and may wait for one. Actor A waits for B when A waits
for a resource B holds. A cycle of such waits is a deadlock: nobody in it can go on. The
harness looks for one while a run makes no progress (:class:`Watch`), and in the events of
a run that timed out, so that the report says "deadlock" and names the cycle in every
model, for the project's scenarios and a learner's exercise alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from time import monotonic

from ._trace import Event

__all__ = ["DEADLOCK_S", "Deadlock", "Link", "Watch", "cycle", "describe"]

WAITS, TAKES, RELEASES = "waits for", "takes", "releases"
DEADLOCK_S = 1.0
"""How long a cycle must stand, with no event from any actor in it, to count as a deadlock
(a program that gives up a wait and backs off within that time is not deadlocked)."""
POLL_S = 0.05


class Deadlock(Exception):
    """The run's actors wait on one another in a cycle: the message names it."""


@dataclass(frozen=True)
class Link:
    """One actor of a cycle: what it holds, what it waits for, and who holds that."""

    actor: str
    holds: tuple[str, ...]
    waits_for: str
    held_by: str
    since: float
    """When it began to wait (seconds since the run started)."""


def _state(events: Iterable[Event]) -> tuple[dict[str, list[str]], dict[str, tuple[str, float]]]:
    holds: dict[str, list[str]] = {}
    waits: dict[str, tuple[str, float]] = {}
    for e in events:
        if e.action == WAITS and isinstance(e.detail, str):
            waits[e.actor] = (e.detail, e.t)
        elif e.action == TAKES and isinstance(e.detail, str):
            holds.setdefault(e.actor, []).append(e.detail)
            if waits.get(e.actor, ("",))[0] == e.detail:
                del waits[e.actor]
        elif e.action == RELEASES and isinstance(e.detail, str):
            own = holds.get(e.actor, [])
            if e.detail in own:
                own.remove(e.detail)
    return holds, waits


def cycle(events: Sequence[Event]) -> list[Link] | None:
    """The first cycle of waits at the end of ``events``, from the actor first by name, or
    None. ``events`` in time order."""
    from ._failure import natural

    holds, waits = _state(events)
    holders: dict[str, list[str]] = {}
    for actor, own in holds.items():
        for resource in own:
            holders.setdefault(resource, []).append(actor)

    def next_of(actor: str) -> list[str]:
        # itself first: waiting for what it holds (a Lock taken twice) is a cycle of one
        return sorted(holders.get(waits[actor][0], []), key=lambda h: (h != actor, natural(h)))

    for start in sorted(waits, key=natural):
        path: list[str] = []
        at: str | None = start
        while at is not None and at not in path:
            path.append(at)
            at = next((n for n in next_of(at) if n in waits), None)
        if at is not None:  # back at an actor on the path: a cycle
            ring = path[path.index(at) :]
            first = min(range(len(ring)), key=lambda i: natural(ring[i]))
            ring = ring[first:] + ring[:first]
            return [_link(a, ring[(i + 1) % len(ring)], holds, waits) for i, a in enumerate(ring)]
    return None


def _link(
    actor: str, next_actor: str, holds: dict[str, list[str]], waits: dict[str, tuple[str, float]]
) -> Link:
    resource, since = waits[actor]
    return Link(actor, tuple(holds.get(actor, ())), resource, next_actor, since)


def describe(links: Sequence[Link]) -> str:
    """``deadlock: Kant holds fork 1 and waits for fork 2, held by Hume; Hume ...``."""
    parts = []
    for link in links:
        held = f"holds {', '.join(link.holds)} and " if link.holds else ""
        by = "itself" if link.held_by == link.actor else link.held_by
        parts.append(f"{link.actor} {held}waits for {link.waits_for}, held by {by}")
    return "deadlock: " + "; ".join(parts)


class Watch:
    """Watches a running trace for a deadlock, in a thread of its own.

    ``progress()`` tells how far the run has got (it changes with every event); while it
    does not change for :data:`DEADLOCK_S`, the events so far (``events()``) are searched
    for a cycle, once per stall. A cycle found is passed to ``found`` (once), which ends the
    run. :meth:`stop` ends the watch.
    """

    def __init__(
        self,
        progress: Callable[[], object],
        events: Callable[[], Sequence[Event]],
        found: Callable[[list[Link]], None],
    ) -> None:
        self._progress = progress
        self._events = events
        self._found = found
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="threeways deadlock watch")
        self._thread.daemon = True

    def start(self) -> threading.Thread:
        """Start watching; returns the watching thread."""
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        last, since, searched = self._progress(), monotonic(), False
        while not self._stop.wait(POLL_S):
            now = self._progress()
            if now != last:
                last, since, searched = now, monotonic(), False
                continue
            if searched or monotonic() - since < DEADLOCK_S:
                continue
            searched = True
            links = cycle(self._events())
            if links is not None:
                self._found(links)
                return

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

import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from time import monotonic, sleep
from typing import Any

from ._trace import Event

__all__ = ["DEADLOCK_S", "Deadlock", "Link", "Watch", "cycle", "describe", "is_watcher"]

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
    """Watches a running trace for a deadlock.

    ``progress()`` tells how far the run has got (it changes with every event); while it
    does not change for :data:`DEADLOCK_S`, the events so far (``events()``) are searched
    for a cycle, once per stall. A cycle found is passed to ``found`` (once), which ends the
    run. :meth:`stop` ends the watch; once it returns, ``found`` is not called.

    Every watch of a process is looked after by one thread (:class:`_Watcher`), started
    with the first and ending after :data:`IDLE_S` with none: a thread started for every
    run would cost more than a whole run of many a scenario at tick 0.
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
        self._lock = threading.RLock()
        self._active = False
        self._last: object = None
        self._since = 0.0
        self._searched = False

    def start(self) -> threading.Thread:
        """Start watching; returns the watching thread (shared with other watches)."""
        self._last, self._since, self._searched = self._progress(), monotonic(), False
        self._active = True
        return _watcher.add(self)

    def stop(self) -> None:
        with self._lock:  # a look under way ends first
            self._active = False
            # what the watch was given holds the run (its processes, their pipes): let it go
            self._progress = self._events = self._found = _nothing
        _watcher.remove(self)

    def look(self) -> None:
        """One look at the run, from the watching thread, every :data:`POLL_S`."""
        with self._lock:
            if not self._active:
                return
            now = self._progress()
            if now != self._last:
                self._last, self._since, self._searched = now, monotonic(), False
                return
            if self._searched or monotonic() - self._since < DEADLOCK_S:
                return
            self._searched = True
            links = cycle(self._events())
            if links is not None:
                self._active = False
                self._found(links)


def _nothing(*args: object) -> Any:
    return None


WATCHER_NAME = "threeways deadlock watch"
IDLE_S = 5.0
"""How long the watching thread waits for a new watch before it ends."""


def is_watcher(thread: threading.Thread) -> bool:
    """The thread that watches every run of this process: it outlives a run by design
    (a few seconds), so it is not a run's leftover."""
    return thread.name == WATCHER_NAME


class _Watcher:
    """The one thread that looks at every :class:`Watch` of this process in turn."""

    def __init__(self) -> None:
        self._watches: list[Watch] = []
        self._changed = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None

    def add(self, watch: Watch) -> threading.Thread:
        with self._changed:
            self._watches.append(watch)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=WATCHER_NAME, daemon=True)
                self._thread.start()
            self._changed.notify()
            return self._thread

    def remove(self, watch: Watch) -> None:
        with self._changed:
            if watch in self._watches:
                self._watches.remove(watch)

    def _run(self) -> None:
        while self._look():
            pass

    def _look(self) -> bool:
        """Look at every watch once, after :data:`POLL_S`; False once idle for too long.
        (A function of its own, so that no watch, nor the run it holds, stays referenced
        from the thread's frame while it waits.)"""
        with self._changed:
            if not self._changed.wait_for(lambda: self._watches, IDLE_S):
                self._thread = None  # under the lock: the next add starts another
                return False
        sleep(POLL_S)
        with self._changed:
            watches = list(self._watches)
        for watch in watches:
            watch.look()
        return True


_watcher = _Watcher()


def _forget_watcher() -> None:
    # a forked child has no watching thread, and the lock may have been held at the fork
    global _watcher
    _watcher = _Watcher()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_watcher)

"""Trace events: what a scenario's workers did, recorded as they do it.

Every model implementation receives a :class:`Trace` and calls
``trace.record(actor, action, detail)`` at each step worth telling. Recording is one
clock read and one ``list.append``, which is atomic in CPython (and thread-safe on
free-threaded builds), so threads, tasks and the main flow share one trace without a lock.

Child processes cannot append to the parent's list. ``with trace.child_sink() as sink``
gives them a small picklable :class:`ChildTrace` with the same ``record`` method: each
event is appended as one JSON line to a file that the parent reads when the block ends.
Why a file and not a ``multiprocessing.Queue``?  A queue needs a reader running while the
children run (a thread, which makes ``fork`` warn from Python 3.12 and risks deadlock),
and a worker killed in the middle of ``put`` can leave the queue's lock held. An
``O_APPEND`` write of one short line is atomic, needs no reader, and a terminated worker
loses nothing it already wrote.

Times are seconds since the run started, from :func:`time.perf_counter`, which is a
system-wide monotonic clock on Linux, macOS and Windows: events from different processes
share one time axis.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from time import perf_counter
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from multiprocessing.context import DefaultContext

__all__ = ["ChildTrace", "Event", "Recorder", "RunCancelled", "Trace"]


class Event(NamedTuple):
    """One thing that happened: at ``t`` seconds, ``actor`` did ``action``.

    ``detail`` is plain JSON data (a string, number, list or dict) that the scenario's
    observable and invariants read.
    """

    t: float
    actor: str
    action: str
    detail: Any = ""

    def as_dict(self) -> dict[str, Any]:
        return {"t": self.t, "actor": self.actor, "action": self.action, "detail": self.detail}


class RunCancelled(BaseException):
    """Raised by ``record`` once a run is cancelled (Ctrl-C), so worker threads unwind.

    Threads cannot be cancelled from outside; every worker records events, so the next
    ``record`` is where a thread learns that the run is over. A ``BaseException``, like
    ``KeyboardInterrupt``, so that ``except Exception`` in a worker does not swallow it.
    """


class Recorder(Protocol):
    """What an implementation needs: ``record(actor, action, detail)``."""

    def record(self, actor: str, action: str, detail: Any = "") -> None: ...


class Trace:
    """The recorder of one run, in the process that runs the scenario."""

    def __init__(self, *, start_method: str | None = None) -> None:
        self.events: list[Event] = []
        self.start_method = start_method
        self._t0 = perf_counter()
        self._cancelled = False

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        """Record that ``actor`` did ``action`` now."""
        if self._cancelled:
            raise RunCancelled
        self.events.append(Event(perf_counter() - self._t0, actor, action, detail))

    def cancel(self) -> None:
        """Make every later ``record`` raise :class:`RunCancelled`."""
        self._cancelled = True

    @property
    def mp_context(self) -> DefaultContext:
        """The ``multiprocessing`` context for this run's start method (never the default).

        A standard context, except that its child processes leave Ctrl-C to the parent
        (see :mod:`threeways._processes`).
        """
        from ._processes import quiet_context

        return quiet_context(self.start_method or "spawn")  # type: ignore[return-value]

    @contextmanager
    def child_sink(self) -> Iterator[ChildTrace]:
        """A recorder to pass to child processes; their events join this trace on exit.

        Join (or terminate) the children inside the ``with`` block.
        """
        fd, path = tempfile.mkstemp(prefix="threeways-", suffix=".jsonl")
        os.close(fd)
        try:
            yield ChildTrace(path, self._t0)
        finally:
            self.events.extend(_read_events(path))
            os.unlink(path)


def _read_events(path: str) -> Iterator[Event]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.endswith("\n"):  # a worker killed mid-write leaves no newline
                yield Event(*json.loads(line))


class ChildTrace:
    """A picklable recorder for child processes (see the module docstring).

    Pass it to a ``Process`` as an argument, or to a ``Pool`` through ``initargs``
    (a pool pickles task arguments, and this is picklable, but passing it once per
    worker is cheaper).
    """

    def __init__(self, path: str, t0: float) -> None:
        self._path = path
        self._t0 = t0
        self._fd = -1
        self._pid = -1

    def __getstate__(self) -> tuple[str, float]:
        return self._path, self._t0

    def __setstate__(self, state: tuple[str, float]) -> None:
        self._path, self._t0 = state
        self._fd = self._pid = -1

    def __del__(self) -> None:
        if self._pid == os.getpid():
            os.close(self._fd)

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        """Record that ``actor`` did ``action`` now, from any process."""
        t = perf_counter() - self._t0
        if self._pid != os.getpid():  # first event in this process: open our own fd
            self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
            self._pid = os.getpid()
        line = json.dumps([t, actor, action, detail], separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode())

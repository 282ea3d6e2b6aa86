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

For the failure report the trace also notes, for each worker (a thread, or an asyncio or
trio task), which actor it last recorded as: when a worker raises, the report names that
actor ("Benz raised ValueError"). A child process that raises writes its error to its sink
as one more line (see :func:`report_child_failure`), so the parent can name and rebuild it.

Another interpreter of the run's own process (PEP 734, the interpreters model) shares no
object with the run either, so it records through a ``ChildTrace`` too, with two more
duties, since an interpreter cannot be terminated and its exception does not cross: when
the run is cancelled (Ctrl-C, a failure) its next ``record`` raises :class:`RunCancelled`,
as a thread's does (the trace marks each open sink with a file beside it, ``CANCELLED``);
and it writes which actor each of its threads records as, so that the harness can name the
worker whose call failed (a :class:`Worker` line).
"""

from __future__ import annotations

import _thread
import base64
import contextlib
import json
import os
import pickle
import random
import tempfile
import threading
import traceback
from collections.abc import Callable, Hashable, Iterator
from contextlib import AbstractContextManager, contextmanager
from operator import attrgetter
from time import perf_counter, sleep
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from multiprocessing.context import DefaultContext

__all__ = [
    "ChildFailure",
    "ChildTrace",
    "Event",
    "InjectedFault",
    "Recorder",
    "RunCancelled",
    "Trace",
    "Worker",
    "report_child_failure",
]


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


class InjectedFault(Exception):
    """Raised in a worker by ``fail_at``: the failure a test or a learner injects on purpose."""


def _check_fault(fault: str, actor: str, action: str) -> None:
    if f"{actor} {action}".startswith(fault):
        raise InjectedFault(f"injected at {actor!r} {action!r}")


class ChildFailure(NamedTuple):
    """An exception that ended a child process, as its sink reported it."""

    t: float
    actor: str
    """The actor that process last recorded as, or the process's name."""
    process: str
    type: str
    message: str
    traceback: str
    pickled: str | None
    """The exception itself, pickled and base64-encoded, when it pickles."""

    def rebuilt(self) -> BaseException:
        """The child's exception, rebuilt in the parent (its traceback text as its cause),
        or a :class:`ChildProcessError` naming its type and message when it cannot be."""
        error: BaseException
        try:
            assert self.pickled is not None
            error = pickle.loads(base64.b64decode(self.pickled))
            assert isinstance(error, BaseException)
        except Exception:
            error = ChildProcessError(f"{self.type}: {self.message}")
        error.__cause__ = RemoteTraceback(self.traceback)
        return error


class Worker(NamedTuple):
    """A line of a sink written from another interpreter of the run's process: from now on
    the OS thread ``thread`` records as ``actor`` there."""

    thread: int
    actor: str


CANCELLED = ".cancelled"
"""Beside an open sink, a file of this suffix says that the run is cancelled."""


class RemoteTraceback(Exception):
    """The traceback of a child process's exception, as text (as concurrent.futures does)."""

    def __str__(self) -> str:
        return f'\n"""\n{self.args[0]}"""' if self.args else ""


class Recorder(Protocol):
    """What every model's ``main`` is given, and passes on to its workers: one type for
    one role, in the parent and in child processes alike.

    ``record(actor, action, detail)`` tells what happened. With processes, also
    ``mp_context``, the run's ``multiprocessing`` context (its start method, never the
    platform's default), and ``child_sink()``, a recorder to hand to child processes. With
    dask, ``cluster_sink(client)``, a recorder to hand to tasks.
    """

    def record(self, actor: str, action: str, detail: Any = "") -> None: ...

    @property
    def mp_context(self) -> DefaultContext: ...

    def child_sink(self) -> AbstractContextManager[Recorder]: ...

    def cluster_sink(self, client: Any) -> AbstractContextManager[Recorder]: ...


class Trace:
    """The recorder of one run, in the process that runs the scenario."""

    def __init__(
        self,
        *,
        start_method: str | None = None,
        worker: Callable[[], Hashable] | None = None,
        fail_at: str | None = None,
        noise: int | None = None,
    ) -> None:
        self.events: list[Event] = []
        self.start_method = start_method
        self.workers: dict[Hashable, str] = {}
        """Each worker (a thread's ident, a task's id), with the actor it last recorded as."""
        self.child_failures: list[ChildFailure] = []
        self.cancelled: str | None = None
        """Why the run was cancelled ("interrupted", "failed"), or None."""
        self.task_errors: dict[int, tuple[BaseException, str]] = {}
        """dask: the errors of the run's tasks (by id), each with whose it was."""
        self.uploads: list[str] = []
        """dask: files the tasks import that a cluster's machines may not have (a learner's
        implementation), sent to the scheduler and every worker (``client.upload_file``)."""
        self.t0 = perf_counter()
        """When the run started, on ``perf_counter``'s clock."""
        self._worker = worker or _no_worker
        self.fail_at = fail_at
        self._noise = noise
        self._switch = _switcher(noise)
        self.sinks: list[str] = []
        """The files of the child sinks now open (see :meth:`child_sink`)."""

    def now(self) -> float:
        """Seconds since the run started, on the events' clock."""
        return perf_counter() - self.t0

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        """Record that ``actor`` did ``action`` now."""
        if self.cancelled:
            raise RunCancelled
        self.workers[self._worker()] = actor
        if self.fail_at is not None:  # only when a fault is injected: no call per event
            _check_fault(self.fail_at, actor, action)
        self.events.append(Event(perf_counter() - self.t0, actor, action, detail))
        if self._switch is not None:
            self._switch()

    def cancel(self, why: str = "interrupted") -> None:
        """Make every later ``record`` raise :class:`RunCancelled`, in this interpreter and
        in the run's other interpreters (through a file beside each open sink)."""
        if not self.cancelled:
            self.cancelled = why
            for path in list(self.sinks):
                with contextlib.suppress(OSError):
                    open(path + CANCELLED, "w").close()  # being there is the flag

    def actor_of(self, thread: int) -> str | None:
        """The actor the OS thread ``thread`` last recorded as, in another interpreter of
        this process (read from the open sinks) or else in this one; None if it never did."""
        found = None
        for path in list(self.sinks):
            with contextlib.suppress(OSError):
                for item in _lines(path):
                    if isinstance(item, Worker) and item.thread == thread:
                        found = item.actor
        return found or self.workers.get(thread)

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
        global _sink
        try:
            self.sinks.append(path)
            yield ChildTrace(path, self.t0, self.start_method or "spawn", self.fail_at, self._noise)
        finally:
            _sink = None  # later children of this process belong to no run until told
            self.sinks.remove(path)
            self._read(path)
            os.unlink(path)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path + CANCELLED)

    def cluster_sink(self, client: Any) -> AbstractContextManager[Recorder]:
        """A recorder to pass to dask tasks: their events join this trace through the
        scheduler, as they happen (see :mod:`threeways._cluster`)."""
        from ._cluster import listening

        return listening(self, client)

    def raised_by(self, error: BaseException) -> str | None:
        """The actor whose dask task raised ``error``, if one did."""
        found = self.task_errors.get(id(error))
        return found[1] if found is not None and found[0] is error else None

    def snapshot(self) -> list[Event]:
        """Every event so far, child processes' included, by time: a look at a run that
        is still going (one that hangs, say), which leaves the trace as it is."""
        events = list(self.events)
        for path in list(self.sinks):
            with contextlib.suppress(OSError):
                events += [e for e in _lines(path) if isinstance(e, Event)]
        return sorted(events, key=attrgetter("t"))

    def _read(self, path: str) -> None:
        for item in _lines(path):
            if isinstance(item, Event):
                self.events.append(item)
            elif isinstance(item, ChildFailure):
                self.child_failures.append(item)
            else:  # a thread of another interpreter: whose it was, as for a thread of ours
                self.workers[item.thread] = item.actor


def _lines(path: str) -> Iterator[Event | ChildFailure | Worker]:
    """What child processes (and other interpreters) wrote to the sink at ``path``: events,
    failures, and which actor a thread of another interpreter records as."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if not line.endswith("\n"):  # a worker killed mid-write leaves no newline
                continue
            data = json.loads(line)
            if isinstance(data, list):
                yield Event(*data)
            elif "thread" in data:
                yield Worker(**data)
            else:
                yield ChildFailure(**data)


def _switcher(seed: int | None) -> Callable[[], None] | None:
    """With a seed, a function that, called after an event, gives up the GIL half the
    time, at random: threads are switched at the steps they record, where a missing lock
    shows. ``threeways check`` runs this way; None otherwise."""
    if seed is None:
        return None
    chance = random.Random(seed).random

    def switch() -> None:
        if chance() < 0.5:
            sleep(0)

    return switch


def _no_worker() -> None:
    return None


_encode = json.JSONEncoder(separators=(",", ":")).encode
"""One event as a line of JSON. Made once: ``json.dumps`` with any option builds a new
encoder for every call, a quarter of the cost of recording an event in a child process."""

_sink: ChildTrace | None = None
"""The sink of the run this process belongs to, if it is a run's child process."""
_ANOTHER_INTERPRETER = not getattr(_thread, "_is_main_interpreter", lambda: True)()
"""Whether this module runs in another interpreter than the process's main one (PEP 734:
each interpreter imports its modules afresh, so each has this flag of its own)."""


class ChildTrace:
    """A picklable recorder for child processes and other interpreters (see the module
    docstring).

    Pass it to a ``Process`` as an argument, or to a ``Pool`` through ``initargs``
    (a pool pickles task arguments, and this is picklable, but passing it once per
    worker is cheaper); to an interpreter as an argument of ``call``.
    """

    def __init__(
        self,
        path: str,
        t0: float,
        start_method: str,
        fail_at: str | None = None,
        noise: int | None = None,
    ) -> None:
        global _sink
        self._path = path
        self._t0 = t0
        self.start_method = start_method
        self._fail_at = fail_at
        self._noise = noise
        self._switch: Callable[[], None] | None = None
        self._fd = -1
        self._pid = -1
        self._actors: dict[int, str] = {}
        self.last_actor: str | None = None
        _sink = self  # a forked child inherits it: it knows where to report a failure

    def __getstate__(self) -> tuple[str, float, str, str | None, int | None]:
        return self._path, self._t0, self.start_method, self._fail_at, self._noise

    def __setstate__(self, state: tuple[str, float, str, str | None, int | None]) -> None:
        global _sink
        self._path, self._t0, self.start_method, self._fail_at, self._noise = state
        self._switch = None
        self._fd = self._pid = -1
        self._actors = {}
        self.last_actor = None
        _sink = self
        if _ANOTHER_INTERPRETER:  # its threads' errors to the run, as a child process's
            threading.excepthook = _report_thread_error

    @property
    def mp_context(self) -> DefaultContext:
        """The run's ``multiprocessing`` context, for processes a child starts itself."""
        from ._processes import quiet_context

        return quiet_context(self.start_method)  # type: ignore[return-value]

    @contextmanager
    def child_sink(self) -> Iterator[ChildTrace]:
        """This recorder itself: a child's own children write to the same sink."""
        yield self

    def cluster_sink(self, client: Any) -> AbstractContextManager[Recorder]:
        raise TypeError("a run's tasks on a cluster record through the client's trace")

    def __del__(self) -> None:
        if self._pid == os.getpid():
            os.close(self._fd)

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        """Record that ``actor`` did ``action`` now, from any process or interpreter."""
        if _ANOTHER_INTERPRETER:  # which cannot be stopped from outside
            self._in_interpreter(actor)
        self.last_actor = actor
        if self._fail_at is not None:  # only when a fault is injected: no call per event
            _check_fault(self._fail_at, actor, action)
        self._write([perf_counter() - self._t0, actor, action, detail])
        if self._switch is not None:
            self._switch()

    def _in_interpreter(self, actor: str) -> None:
        """An interpreter cannot be stopped from outside: raise RunCancelled once the run is
        cancelled, as a thread's ``record`` does; and note whose this thread's events are."""
        if os.path.exists(self._path + CANCELLED):
            raise RunCancelled
        thread = threading.get_ident()  # the OS thread's: the same in every interpreter
        if self._actors.get(thread) != actor:
            self._actors[thread] = actor
            self._write(Worker(thread, actor)._asdict())

    def _write(self, data: Any) -> None:
        line = (_encode(data) + "\n").encode()
        if _ANOTHER_INTERPRETER:  # closed without a word to us:
            try:  # keep no fd open in it
                fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
            except FileNotFoundError:
                raise RunCancelled from None  # the run is over: stop, as once it is cancelled
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
            return
        if self._pid != os.getpid():  # first line from this process: open our own fd
            self._fd = os.open(self._path, os.O_WRONLY | os.O_APPEND)
            self._pid = os.getpid()
            if self._noise is not None:  # each process a sequence of its own
                self._switch = _switcher(self._noise ^ os.getpid())
        os.write(self._fd, line)


def report_child_failure(error: BaseException, process: str) -> bool:
    """In a run's child process: write ``error``, which is ending the process, to the run's
    sink, so the parent can name and rebuild it. False if this process is no run's child
    (then its error is for multiprocessing to print)."""
    sink = _sink
    if sink is None:
        return False
    if not os.path.exists(sink._path):
        return True  # the run is over and has reported what went wrong: this is an echo
    try:
        pickled: str | None = base64.b64encode(pickle.dumps(error)).decode()
    except Exception:
        pickled = None
    failure = ChildFailure(
        t=perf_counter() - sink._t0,
        actor=sink._actors.get(threading.get_ident()) or sink.last_actor or process,
        process=process,
        type=type(error).__qualname__,
        message=str(error),
        traceback="".join(traceback.format_exception(error)),
        pickled=pickled,
    )
    sink._write(failure._asdict())
    return True


def _report_thread_error(args: threading.ExceptHookArgs) -> None:
    """``threading.excepthook`` in another interpreter of a run: a thread of its own that
    raises is reported to the run, as a child process's error is (the run's own hook, in
    the main interpreter, does not see it)."""
    error = args.exc_value
    if error is None or isinstance(error, SystemExit | RunCancelled):
        return
    name = args.thread.name if args.thread is not None else "a thread"
    if not report_child_failure(error, name):
        threading.__excepthook__(args)

"""When a run goes wrong: one failure contract for the four models.

A run fails when a worker raises an exception nobody handles, or when it cannot finish
within its timeout. The four models fail in four ways of their own (a thread's exception is
printed and lost, a child process only exits with a code, a task group raises an
``ExceptionGroup``, trio raises ``TooSlowError``); the harness turns each into the same
:class:`Failure`: its kind, one line that says what happened, who raised what, and who was
still running and what each last did, read from the trace in the scenario's own words.
:func:`threeways.run` raises it as :class:`RunFailed`, an ``ExceptionGroup`` of the errors
that also carries the run's :class:`~threeways.Result`, with every event recorded up to the
failure.
"""

from __future__ import annotations

import multiprocessing
import queue
import re
import subprocess
import sys
import threading
import traceback
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ._trace import Event

if TYPE_CHECKING:
    from ._protocol import Result, Scenario

__all__ = ["Failure", "RunFailed", "WorkerError", "is_timeout", "leaves"]

SHOWN = 4
"""How many errors or still-running actors the one-line report names before "and N more"."""

Kind = Literal["error", "timeout", "deadlock"]


TIMEOUTS: tuple[type[BaseException], ...] = (
    TimeoutError,  # threading joins, concurrent.futures, asyncio.timeout (3.11+)
    multiprocessing.TimeoutError,  # AsyncResult.get(timeout)
    queue.Empty,  # get(timeout=) that timed out
    queue.Full,
    subprocess.TimeoutExpired,  # Popen.wait(timeout)
    threading.BrokenBarrierError,  # a Barrier's wait(timeout) ran out (or it was broken)
)
"""The exceptions with which the standard library says that a wait ran out of time."""
LIBRARY_TIMEOUTS = (("trio", "TooSlowError"), ("asyncio", "BrokenBarrierError"))
"""The same in a library: (module, exception). Looked up only once the library has been
imported (no error of its can exist before), so that a process that never uses it, a
spawned worker of the multiprocessing model, does not import trio (half of its start-up)
just to know the name of an error."""


def is_timeout(error: BaseException) -> bool:
    """Whether ``error`` is a model's way of saying that a wait ran out of time."""
    if isinstance(error, TIMEOUTS):
        return True
    for module, name in LIBRARY_TIMEOUTS:
        library = sys.modules.get(module)
        if library is not None and isinstance(error, getattr(library, name)):
            return True
    return False


def leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside ``error``, with exception groups (nested too) opened."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


@dataclass(frozen=True)
class WorkerError:
    """An exception that ended a worker (or the main flow), and whose it was."""

    who: str
    """The actor whose worker raised (the one it last recorded as), or the worker's name."""
    error: BaseException = field(compare=False)
    t: float | None = None
    """When, in seconds since the run started, if known."""
    traceback: str = ""

    @property
    def type(self) -> str:
        return type(self.error).__qualname__

    @property
    def message(self) -> str:
        return str(self.error)

    def line(self) -> str:
        """``Benz raised ValueError: flat tyre``."""
        message = f": {self.message}" if self.message else ""
        return f"{self.who} raised {self.type}{message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "who": self.who,
            "type": self.type,
            "message": self.message,
            "t": None if self.t is None else round(self.t, 6),
            "traceback": self.traceback,
        }

    @classmethod
    def of(cls, who: str, error: BaseException, t: float | None = None) -> WorkerError:
        text = "".join(traceback.format_exception(error))
        return cls(who, error, t, text)


@dataclass(frozen=True)
class Failure:
    """Why a run failed: a worker's error, or a timeout with who was still running."""

    kind: Kind
    message: str
    """One line: what happened, who failed or who was still running."""
    errors: tuple[WorkerError, ...] = ()
    still_running: tuple[Event, ...] = ()
    """The latest event of each actor that had not done its part when the run stopped."""
    not_stopped: tuple[str, ...] = ()
    """The actors of threads that went on after the run was cancelled (blocked in a wait
    that only their own timeout ends)."""
    timeout_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``error`` of ``--json``."""
        return {
            "kind": self.kind,
            "message": self.message,
            "errors": [e.as_dict() for e in self.errors],
            "still_running": [
                {"actor": e.actor, "action": e.action, "detail": e.detail, "since": round(e.t, 6)}
                for e in self.still_running
            ],
            "not_stopped": list(self.not_stopped),
            "timeout_s": self.timeout_s,
        }


class RunFailed(ExceptionGroup[Exception]):
    """A run that failed: the errors that failed it, and the run so far in :attr:`result`.

    Its message is the one-line report (``timed out after 2 s; still running: ...``).
    ``result.failure`` has the details, ``result.events`` every event recorded up to the
    failure. ``except* ValueError`` catches a worker's ValueError, in any model.
    """

    result: Result

    def __new__(cls, message: str, errors: Sequence[Exception], result: Result) -> RunFailed:
        self = super().__new__(cls, message, errors)
        self.result = result
        return self

    def __init__(self, message: str, errors: Sequence[Exception], result: Result) -> None:
        super().__init__(message, errors)

    def derive(self, errors: Sequence[Exception]) -> RunFailed:  # type: ignore[override]
        return RunFailed(self.message, errors, self.result)


# ---------------------------------------------------------------------------- the report


def natural(name: str) -> tuple[Any, ...]:
    """A sort key that puts "job 2" before "job 10"."""
    return tuple(int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", name))


def still_running(sc: Scenario[Any], events: Sequence[Event], p: Any) -> tuple[Event, ...]:
    """The latest event of each actor whose part was not done, by actor name (the order in
    which actors appear is the scheduler's, and the report must not depend on it)."""
    by_actor: dict[str, list[Event]] = {}
    for event in events:
        by_actor.setdefault(event.actor, []).append(event)
    unfinished = [own[-1] for own in by_actor.values() if not sc.finished(own, p)]
    return tuple(sorted(unfinished, key=lambda e: natural(e.actor)))


def _since(sc: Scenario[Any], event: Event) -> str:
    return f"{sc.narrate(event)} since {event.t:.3f} s"


def _listed(items: Sequence[str]) -> str:
    shown = "; ".join(items[:SHOWN])
    more = len(items) - SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def failure(
    sc: Scenario[Any],
    p: Any,
    events: Sequence[Event],
    errors: Sequence[WorkerError],
    elapsed: float,
    not_stopped: Sequence[str] = (),
) -> Failure:
    """The failure of a run that stopped with ``errors`` after ``elapsed`` seconds.

    A timeout when every error is a model's way of saying "out of time", else an error,
    named by its first worker errors. Who was still running is read from the events up to
    the failure (the first error, or the timeout), not from what came after: a thread
    cannot be cancelled, and jobs that run on while the program cleans up are no news.
    """
    from ._deadlock import Deadlock, cycle, describe

    real = [e for e in errors if not is_timeout(e.error)]
    if real:
        moment = min(e.t if e.t is not None else elapsed for e in real)
    else:
        moment = min(p.timeout, elapsed)
    so_far = [e for e in events if e.t <= moment]
    running = still_running(sc, so_far, p)
    deadlock = [e for e in real if isinstance(e.error, Deadlock)]
    links = cycle(so_far) if not real else None
    kind: Kind
    if deadlock:  # found while the run had stopped making progress
        kind, message = "deadlock", deadlock[0].message
    elif links is not None:  # a timeout, and its actors were waiting on one another
        kind, message = "deadlock", describe(links)
    elif real:
        kind = "error"
        message = _listed([e.line() for e in real])
    else:
        kind = "timeout"
        who = [_since(sc, e) for e in running]
        message = f"timed out after {p.timeout:g} s; " + (
            f"still running: {_listed(who)}" if who else "every actor had done its part"
        )
    if not_stopped:
        names = ", ".join(not_stopped)
        message += f"; {names} would not stop (a thread cannot be cancelled: it must look)"
    return Failure(kind, message, tuple(errors), running, tuple(not_stopped), p.timeout)


def attribute(
    error: BaseException,
    workers: Mapping[Hashable, str],
    frames: Mapping[int, tuple[Hashable, Any]],
    default: str,
) -> str:
    """The actor whose task raised ``error``: the last actor of the task whose outermost
    frame is in the error's traceback (a task group's error does not say whose it was)."""
    tb = error.__traceback__
    while tb is not None:
        found = frames.get(id(tb.tb_frame))
        if found is not None and found[1] is tb.tb_frame.f_code and found[0] in workers:
            return workers[found[0]]
        tb = tb.tb_next
    return default


def ordered(errors: Iterable[WorkerError]) -> list[WorkerError]:
    """Errors in the order they happened, those of unknown time last."""
    return sorted(errors, key=lambda e: (e.t is None, e.t or 0.0))

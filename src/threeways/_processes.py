"""multiprocessing contexts whose child processes leave Ctrl-C to their parent.

On Ctrl-C a terminal sends SIGINT to every process in the foreground group: the parent
and all its children. Left alone, each child would die with its own KeyboardInterrupt
traceback, and one that is still starting up (a spawned interpreter importing modules)
cannot be told otherwise in time. So SIGINT is blocked while a child is started (the
mask is inherited through fork and exec), and the child, once running, ignores SIGINT
and unblocks it: a pending Ctrl-C is dropped there, and the parent, which gets it too,
stops its children itself. CPython's resource tracker is started the same way.

A child that raises does not print its traceback either: it writes the error to the run's
sink (:func:`threeways._trace.report_child_failure`), where the parent finds it, names it
and rebuilds it, and exits with code 1 as the standard ``Process`` would. And each process
started while a run is on is listed in :data:`started`, so that cleaning up after a failure
stops the run's own processes and never another part of the program's.

Pools and managers made from such a context start their processes through it too.
Processes are plain subclasses of the standard ones, defined at module level so that
spawn and forkserver can pickle them.
"""

from __future__ import annotations

import multiprocessing
import signal
from functools import cache
from multiprocessing.context import BaseContext
from typing import Any

__all__ = ["quiet_context", "started"]

_HAVE_SIGMASK = hasattr(signal, "pthread_sigmask")
_SIGINT = {signal.SIGINT}

started: list[Any] | None = None
"""While a run is on: every process started from a quiet context, in order."""


class _QuietStart:
    """Mixed into a Process class: start with SIGINT blocked, run with it ignored, and
    report an exception to the run instead of printing it."""

    def start(self) -> None:
        if started is not None:
            started.append(self)
        if not _HAVE_SIGMASK:
            return super().start()  # type: ignore[misc, no-any-return]
        old = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGINT)
        try:
            super().start()  # type: ignore[misc]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if _HAVE_SIGMASK:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGINT)
        try:
            super().run()  # type: ignore[misc]
        except SystemExit:
            raise
        except BaseException as error:
            from ._trace import report_child_failure

            if not report_child_failure(error, self.name):  # type: ignore[attr-defined]
                raise  # not a run's child: let multiprocessing print it
            raise SystemExit(1) from None  # exit code 1, as for an exception, but quietly


def _define(method: str) -> type[BaseContext]:
    base: Any = type(multiprocessing.get_context(method))
    # The standard class's name, which a process's default name is made of ("SpawnProcess-1",
    # "ForkPoolWorker-2"); this module makes it importable by that name in a spawned child.
    name = base.Process.__name__
    process = type(name, (_QuietStart, base.Process), {"__module__": __name__})
    process.__qualname__ = name
    globals()[name] = process
    return type(f"Quiet{base.__name__}", (base,), {"Process": process, "__module__": __name__})


_CONTEXTS: dict[str, Any] = {m: _define(m) for m in multiprocessing.get_all_start_methods()}


@cache
def quiet_context(method: str) -> BaseContext:
    """The ``multiprocessing`` context for ``method`` whose children ignore Ctrl-C."""
    return _CONTEXTS[method]()  # type: ignore[no-any-return]

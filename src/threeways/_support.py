"""Small helpers the model implementations share, so each reads as its lesson only."""

from __future__ import annotations

import multiprocessing.connection
from collections.abc import Iterable
from time import monotonic
from typing import Protocol

__all__ = ["WorkerExited", "join_all", "names"]


class _Joinable(Protocol):
    name: str

    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...


class WorkerExited(ChildProcessError):
    """A child process ended with a non-zero exit code (its error, if it raised, is in the
    run's report: a process tells its parent only the code)."""

    def __init__(self, name: str, exitcode: int) -> None:
        super().__init__(f"{name} exited with code {exitcode}")
        self.name = name
        self.exitcode = exitcode


def join_all(workers: Iterable[_Joinable], timeout: float) -> None:
    """Join threads or processes, all within ``timeout`` seconds; raise if one is stuck.

    ``join(timeout)`` returns silently when the time is up, so the caller must look at
    ``is_alive()``. A process that failed reports only its exit code: raise on it too, as
    soon as it ends (processes are waited on together, so the first failure is seen first).
    """
    deadline = monotonic() + timeout
    pending = list(workers)
    while pending:
        remaining = max(0.0, deadline - monotonic())
        sentinels = [getattr(w, "sentinel", None) for w in pending]
        if None in sentinels:
            pending[0].join(remaining)
        else:  # processes: wake up when any of them ends
            multiprocessing.connection.wait(sentinels, remaining)  # type: ignore[arg-type]
        for worker in [w for w in pending if not w.is_alive()]:
            pending.remove(worker)
            exitcode = getattr(worker, "exitcode", 0)
            if exitcode:
                raise WorkerExited(worker.name, exitcode)
        if pending and monotonic() >= deadline:
            stuck = ", ".join(w.name for w in pending)
            raise TimeoutError(f"{stuck} still running after {timeout:g}s")


def names(pool: tuple[str, ...], n: int, kind: str) -> list[str]:
    """``n`` friendly names from ``pool``, then ``"kind 9"``, ``"kind 10"``..."""
    return [pool[i] if i < len(pool) else f"{kind} {i + 1}" for i in range(n)]

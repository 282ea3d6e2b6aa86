"""Small helpers the model implementations share, so each reads as its lesson only."""

from __future__ import annotations

from collections.abc import Iterable
from time import monotonic
from typing import Protocol

__all__ = ["join_all", "names"]


class _Joinable(Protocol):
    name: str

    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...


def join_all(workers: Iterable[_Joinable], timeout: float) -> None:
    """Join threads or processes, all within ``timeout`` seconds; raise if one is stuck.

    ``join(timeout)`` returns silently when the time is up, so the caller must look at
    ``is_alive()``. A process that failed reports only its exit code: raise on it too.
    """
    deadline = monotonic() + timeout
    for worker in workers:
        worker.join(max(0.0, deadline - monotonic()))
        if worker.is_alive():
            raise TimeoutError(f"{worker.name} still running after {timeout:g}s")
        exitcode = getattr(worker, "exitcode", 0)
        if exitcode:
            raise ChildProcessError(f"{worker.name} exited with code {exitcode}")


def names(pool: tuple[str, ...], n: int, kind: str) -> list[str]:
    """``n`` friendly names from ``pool``, then ``"kind 9"``, ``"kind 10"``..."""
    return [pool[i] if i < len(pool) else f"{kind} {i + 1}" for i in range(n)]

"""What a run leaves behind: threads, child processes, interpreters and file descriptors.

Used after every test by the pytest plugin's ``threeways_leak_check`` and after every run
by ``threeways check``. Take a :func:`snapshot` before, ask :func:`leftovers` after:
anything new that does not end within ``wait`` seconds is named (and a process killed).
multiprocessing's own long-lived helpers (the forkserver, the resource tracker and their
pipes, the shared-memory heap's arenas), trio's cached idle threads, dask.distributed's
process-wide executor threads and the harness's deadlock watch (shared by every run, it
ends a few seconds after the last) are not leaks.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import sys
import threading
from dataclasses import dataclass
from time import monotonic, sleep

from ._deadlock import is_watcher
from ._supervise import is_long_lived, wait_gone

__all__ = ["LEAK_WAIT_S", "Snapshot", "leftovers", "snapshot"]

LEAK_WAIT_S = 5.0
"""How long threads and processes get to finish, before they count as left behind."""


@dataclass(frozen=True)
class Snapshot:
    threads: frozenset[threading.Thread]
    fds: frozenset[str]


def snapshot() -> Snapshot:
    """The threads and file descriptors there are now."""
    return Snapshot(frozenset(threading.enumerate()), frozenset(_open_fds()))


def leftovers(before: Snapshot, wait: float = LEAK_WAIT_S) -> list[str]:
    """What exists now and did not at ``before``, once ``wait`` seconds have passed."""
    deadline = monotonic() + wait
    problems = _leftover_threads(before.threads, deadline) + _leftover_processes(deadline)
    problems += _leftover_interpreters(deadline)
    gc.collect()  # the standard library leaves cycles holding pipes (a terminated Pool)
    return problems + _leftover_fds(before.fds)


def _leftover_threads(before: frozenset[threading.Thread], deadline: float) -> list[str]:
    left = []
    for thread in set(threading.enumerate()) - before:
        if is_long_lived(thread) or is_watcher(thread):
            continue
        if not wait_gone(thread, deadline):
            left.append(f"thread {thread.name!r}")
    return left


def _infrastructure_pids() -> set[int]:
    """multiprocessing's own long-lived helpers: the forkserver and the resource tracker."""
    from multiprocessing import forkserver, resource_tracker

    pids = {
        getattr(forkserver._forkserver, "_forkserver_pid", None),
        getattr(resource_tracker._resource_tracker, "_pid", None),
    }
    return {pid for pid in pids if pid}


def _leftover_processes(deadline: float) -> list[str]:
    left = []
    for child in multiprocessing.active_children():
        child.join(max(0.0, deadline - monotonic()))
        if child.is_alive():
            left.append(f"process {child.name!r}")
            child.kill()
            child.join(1)
    try:
        import psutil
    except ImportError:
        return left
    infra = _infrastructure_pids()
    for proc in psutil.Process().children(recursive=True):
        if proc.pid in infra:
            continue
        try:
            proc.wait(max(0.0, deadline - monotonic()))
        except psutil.TimeoutExpired:
            left.append(f"process {proc.pid} ({' '.join(proc.cmdline())[:60]})")
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    return left


def _leftover_interpreters(deadline: float) -> list[str]:
    """Interpreters besides the main one (PEP 734): a run closes those it made, and one
    whose thread was still running is destroyed once that thread lets it go."""
    low = sys.modules.get("_interpreters")  # none made, unless something imported this
    if low is None:
        return []
    main, _ = low.get_main()
    while True:
        others = [i for i, _ in low.list_all(require_ready=True) if i != main]
        if not others or monotonic() >= deadline:
            return [f"interpreter {i}" for i in others]
        gc.collect()  # an Interpreter object nobody holds destroys its interpreter
        sleep(0.01)


def _open_fds() -> set[str]:
    path = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    if not os.path.isdir(path):
        return set()
    fds = set()
    for fd in os.listdir(path):
        with contextlib.suppress(OSError):  # the fd listdir itself used, closed by now
            fds.add(f"{fd} -> {os.readlink(os.path.join(path, fd))}")
    return fds


def _leftover_fds(before: frozenset[str]) -> list[str]:
    new = _open_fds() - before
    return [f"fd {fd}" for fd in sorted(new) if not _is_infrastructure_fd(fd)]


def _is_infrastructure_fd(fd: str) -> bool:
    """fds multiprocessing keeps for the rest of the process, by design: the forkserver's and
    resource tracker's pipes, and the shared-memory heap's arenas (``Value``, ``Array``)."""
    from multiprocessing import forkserver, resource_tracker

    number, target = fd.split(" -> ", 1)
    known = {
        getattr(resource_tracker._resource_tracker, "_fd", None),
        getattr(forkserver._forkserver, "_forkserver_alive_fd", None),
    }
    return int(number) in known or f"/pym-{os.getpid()}-" in target

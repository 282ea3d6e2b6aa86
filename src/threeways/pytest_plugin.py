"""threeways' pytest plugin: write a test once, run it in every concurrency model.

Installed with threeways (entry point ``pytest11``), so in any project::

    import threeways

    # the traffic light behaves the same in every model
    def test_traffic_light(model):
        result = threeways.run("traffic_light", model, cars=4, tick=0.001)
        assert result.ok, result.violations

runs four times, with ids ``[threading]``, ``[multiprocessing]``, ``[asyncio]`` and
``[trio]``. Also here:

- ``start_method``: every multiprocessing start method this platform has;
- ``threeways_leak_check``: fails a test that leaves a thread, child process or file
  descriptor behind, or that makes asyncio log an error (such as "Task exception was never
  retrieved", which is a log record, not a warning). Use it with ``autouse`` in your
  ``conftest.py``, as threeways' own tests do;
- ``--switch-interval SECONDS``: run every test with ``sys.setswitchinterval`` set, e.g.
  ``1e-6`` to make threads switch as often as possible and shake out races.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from time import monotonic

import pytest

from ._protocol import MODELS
from ._supervise import is_trio_cache, wait_gone

__all__ = ["model", "start_method", "threeways_leak_check"]

LEAK_WAIT_S = 5.0
"""How long a test's threads and processes get to finish after it, before they count as leaked."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--switch-interval",
        type=float,
        default=None,
        metavar="SECONDS",
        help="threeways: sys.setswitchinterval for every test (e.g. 1e-6)",
    )


@pytest.fixture(params=MODELS)
def model(request: pytest.FixtureRequest) -> str:
    """Each of the four models in turn: threading, multiprocessing, asyncio, trio."""
    return str(request.param)


@pytest.fixture(params=multiprocessing.get_all_start_methods())
def start_method(request: pytest.FixtureRequest) -> str:
    """Each multiprocessing start method this platform has (fork, forkserver, spawn)."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _threeways_switch_interval(request: pytest.FixtureRequest) -> Iterator[None]:
    interval = request.config.getoption("--switch-interval")
    if interval is None:
        yield
        return
    before = sys.getswitchinterval()
    sys.setswitchinterval(interval)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


@pytest.fixture
def threeways_leak_check(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail if the test leaves threads, processes or fds behind, or asyncio logged errors."""
    threads = set(threading.enumerate())
    fds = _open_fds()
    caplog.set_level(logging.ERROR, logger="asyncio")
    yield
    problems = _leftover_threads(threads) + _leftover_processes()
    gc.collect()  # the standard library leaves cycles holding pipes (a terminated Pool)
    problems += _leftover_fds(fds)
    problems += [
        f"asyncio logged: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.name == "asyncio" and r.levelno >= logging.ERROR
    ]
    if problems:
        pytest.fail("left behind: " + "; ".join(problems), pytrace=False)


def _leftover_threads(before: set[threading.Thread]) -> list[str]:
    deadline = monotonic() + LEAK_WAIT_S
    left = []
    for thread in set(threading.enumerate()) - before:
        if is_trio_cache(thread):
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


def _leftover_processes() -> list[str]:
    deadline = monotonic() + LEAK_WAIT_S
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


def _open_fds() -> set[str]:
    path = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    if not os.path.isdir(path):
        return set()
    fds = set()
    for fd in os.listdir(path):
        with contextlib.suppress(OSError):  # the fd listdir itself used, closed by now
            fds.add(f"{fd} -> {os.readlink(os.path.join(path, fd))}")
    return fds


def _leftover_fds(before: set[str]) -> list[str]:
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

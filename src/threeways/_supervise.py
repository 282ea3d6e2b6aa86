"""The harness's watch over one run: what its workers raise, Ctrl-C, and the cleanup.

A TaskGroup or a nursery supervises its tasks: the first error cancels the others and
reaches the code that opened it. Threads and processes have no such thing, so for the length
of a run the :class:`Supervisor` plays that part for every model:

- a thread started by the run that raises is caught by ``threading.excepthook`` (instead
  of being printed and forgotten); the run is cancelled, so every other thread stops at its
  next ``record``, and the main flow is woken from whatever it waits on (a real SIGINT
  sent to the main thread, which the run's handler turns into :class:`Stopped`);
- a child process started from ``trace.mp_context`` that raises writes its error to the
  run's sink and exits with code 1, without printing a traceback (see
  :mod:`threeways._processes`);
- asyncio's "Task exception was never retrieved" (logged when a task nobody awaited is
  collected) is taken as that task's error;
- Ctrl-C cancels the run at once (threading and multiprocessing: a queued job sees it at
  its first ``record``); asyncio and trio keep their own Ctrl-C handling.

Afterwards :meth:`Supervisor.cleanup` stops only what this run started: the threads that
did not exist before it, and the processes started from its context.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from time import monotonic, sleep
from types import FrameType
from typing import Any

from . import _processes
from ._deadlock import Deadlock, Link, Watch, describe, is_watcher
from ._failure import WorkerError, attribute, from_interpreter, leaves
from ._trace import RunCancelled, Trace

__all__ = ["GRACE_S", "Stopped", "Supervisor", "is_long_lived", "is_trio_cache", "wait_gone"]

GRACE_S = 1.0
"""How long a failed or interrupted run gives its threads and processes to stop."""
LAST_RESORT_S = 0.3
"""After Ctrl-C, how long the run's own code may stop its processes gracefully before the
harness terminates them (a pool still starting up would make ``shutdown()`` wait for it)."""


class Stopped(BaseException):
    """Raised in the main flow of a threading or multiprocessing run when a worker failed:
    the harness woke it, as a nursery cancels the code that opened it."""


RETRY_S = 0.01
"""How soon a Ctrl-C that came while a process was being started is taken again."""


def _starting_a_process(frame: FrameType | None) -> bool:
    """Whether the main thread is in the middle of starting a process: in a
    multiprocessing Popen's ``_launch`` (where fork runs logging's at-fork hooks, which
    hold its lock) or subprocess's ``_execute_child``. An exception must not land there."""
    while frame is not None:
        code = frame.f_code
        name = code.co_filename.replace("\\", "/")
        if code.co_name == "_launch" and "multiprocessing/popen_" in name:
            return True
        if code.co_name == "_execute_child" and name.endswith("subprocess.py"):
            return True
        frame = frame.f_back
    return False


_DASK_FILES = (
    "/distributed/client.py",
    "/distributed/deploy/spec.py",
    "/distributed/deploy/local.py",
)
_DASK_STEPS = ("__init__", "start", "close", "__exit__")


def _in_a_dask_client(frame: FrameType | None) -> bool:
    """Whether the main thread is starting or closing a dask client (and its cluster): an
    exception landing there leaves them half made or half closed, which dask closes (or
    fails to) only at the interpreter's exit."""
    while frame is not None:
        code = frame.f_code
        name = code.co_filename.replace("\\", "/")
        if code.co_name in _DASK_STEPS and name.endswith(_DASK_FILES):
            return True
        frame = frame.f_back
    return False


def is_trio_cache(thread: threading.Thread) -> bool:
    """One of trio's idle cached worker threads: kept about 10 s by design, never waited for."""
    return thread.name.startswith("Trio thread")


def is_long_lived(thread: threading.Thread) -> bool:
    """A thread a library keeps by design, never waited for: trio's idle cached workers,
    and the one-thread executors dask.distributed keeps for the rest of the process once
    used (its offload executor, and the one that runs every future's done-callbacks),
    which nothing public stops: like multiprocessing's resource tracker, not a leak."""
    return is_trio_cache(thread) or _is_dask_executor(thread)


def _is_dask_executor(thread: threading.Thread) -> bool:
    utils, client = sys.modules.get("distributed.utils"), sys.modules.get("distributed.client")
    executors = [
        getattr(utils, "_offload_executor", None),
        getattr(getattr(client, "Future", None), "_cb_executor", None),
    ]
    return any(thread in getattr(e, "_threads", ()) for e in executors)


def wait_gone(thread: threading.Thread, deadline: float) -> bool:
    """Wait until ``thread`` has ended, or ``deadline`` (a ``monotonic`` time) has passed;
    True if it ended.

    ``join`` alone cannot be trusted here: on Python 3.11 and 3.12 a ``join`` interrupted
    by an exception (Ctrl-C, or the harness waking the main flow) marks the thread stopped
    while it still runs (``Thread._wait_for_tstate_lock``, bpo-45274), and every later
    ``join`` returns at once. A thread is gone when ``threading.enumerate()`` no longer
    lists it.
    """
    with contextlib.suppress(RuntimeError):  # not started yet: its start() was interrupted
        thread.join(max(0.0, deadline - monotonic()))
    while thread in threading.enumerate():
        if monotonic() >= deadline:
            return False
        sleep(0.002)
    return True


# ---------------------------------------------------------------------------- workers


def _asyncio_worker() -> Callable[[], Hashable]:
    from asyncio import current_task

    def worker() -> Hashable:
        try:
            return current_task()  # None: a callback run by the loop, outside any task
        except RuntimeError:  # no event loop in this thread: a worker thread (to_thread)
            return threading.get_ident()

    return worker


def _trio_worker() -> Callable[[], Hashable]:
    from trio.lowlevel import current_task

    def worker() -> Hashable:
        try:
            return current_task()
        except RuntimeError:  # a worker thread (to_thread)
            return threading.get_ident()

    return worker


_LOGGERS = (logging.getLogger("asyncio"), logging.getLogger("concurrent.futures"))
"""Where the standard library logs what happened to a run's workers (see ``logs``)."""

_TASKS: dict[str, Callable[[], Callable[[], Hashable]]] = {
    "asyncio": _asyncio_worker,
    "trio": _trio_worker,
}
"""The models whose workers are tasks: how to tell which task is recording."""


def _task_frame(task: Any) -> FrameType | None:
    coro = getattr(task, "coro", None)  # trio
    if coro is None and hasattr(task, "get_coro"):  # asyncio
        coro = task.get_coro()
    return getattr(coro, "cr_frame", None)


# ---------------------------------------------------------------------------- the watch

_ABANDONED: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
"""Threads of failed runs that did not stop in time: whatever they raise later is not news."""
_chained_hook: Callable[[threading.ExceptHookArgs], Any] | None = None


def _quiet_for_abandoned(args: threading.ExceptHookArgs) -> None:
    if args.thread in _ABANDONED:
        return
    assert _chained_hook is not None
    _chained_hook(args)


def _abandon(threads: list[threading.Thread]) -> None:
    """Leave ``threads`` to end by themselves (at their own timeouts), quietly."""
    global _chained_hook
    if not threads:
        return
    _ABANDONED.update(threads)
    if threading.excepthook is not _quiet_for_abandoned:
        _chained_hook = threading.excepthook
        threading.excepthook = _quiet_for_abandoned


class Supervisor:
    """Watches one run of ``model``: makes its :attr:`trace`; use it as a context manager
    around the run's ``main``."""

    def __init__(
        self,
        model: str,
        *,
        start_method: str | None,
        fail_at: str | None,
        noise: int | None = None,
    ) -> None:
        self.model = model
        tasks = model in _TASKS
        self._key = _TASKS[model]() if tasks else threading.get_ident
        worker = self._worker if tasks else threading.get_ident  # a thread: its ident, in C
        self.trace = Trace(start_method=start_method, worker=worker, fail_at=fail_at, noise=noise)
        self.errors: list[WorkerError] = []
        self.frames: dict[int, tuple[Hashable, Any]] = {}
        """id of each task's outermost frame: (the task's id, the frame's code)."""
        self._tasks: dict[int, weakref.ref[Any]] = {}
        self._before = set(threading.enumerate())
        self._lock = threading.Lock()
        self._main_running = False
        self._sigint_installed = False
        self._interrupt_pending = False
        self._old_sigint: Any = None
        self._old_hook: Callable[[threading.ExceptHookArgs], Any] | None = None
        self._processes: list[Any] = []
        self._left: list[threading.Thread] = []
        self._last_resort: threading.Timer | None = None
        self.deadlock: list[Link] | None = None
        """The cycle of waits that stopped the run, if one did."""
        self._watch = Watch(self._progress, self.trace.snapshot, self._deadlocked)
        self._wake_loop = False
        self._woken = False

    # ---------------------------------------------------------------- setting up

    def __enter__(self) -> Supervisor:
        # first: a thread keeps the excepthook there was when it was made, and the watching
        # thread, shared by later runs, must not keep this run (its processes) alive
        self._before.add(self._watch.start())  # the harness's own: not one of the run's
        self._old_hook = threading.excepthook
        threading.excepthook = self._excepthook
        _processes.started = self._processes
        self._sigint_installed = self._install_sigint()
        # asyncio and trio turn a SIGINT into the cancellation of their main task: the one
        # way, from another thread, to end a loop whose tasks wait on one another
        self._wake_loop = (
            self.model in _TASKS
            and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        )
        self._main_running = True
        return self

    def main_done(self) -> None:
        """The run's main flow has ended: a worker failing now has nothing left to wake."""
        with self._lock:
            self._main_running = False

    def __exit__(self, *exc: object) -> None:
        self.main_done()
        self._watch.stop()
        if self._sigint_installed:
            with self._lock:
                self._sigint_installed = False  # no signal taken again from now on
            signal.signal(signal.SIGINT, self._old_sigint)
        _processes.started = None
        threading.excepthook = self._old_hook  # type: ignore[assignment]
        _abandon(self._left)
        if self._interrupt_pending:  # a Ctrl-C that came while dask started or closed
            raise KeyboardInterrupt

    def _sigint_again(self, ident: int, signum: int) -> None:
        with self._lock:
            if self._sigint_installed and self._interrupt_pending:
                signal.pthread_kill(ident, signum)

    def _install_sigint(self) -> bool:
        """Every model but asyncio and trio: a SIGINT handler of the run's own (asyncio and
        trio install theirs only while the default one is in place, so leave it for them)."""
        if self.model in _TASKS:
            return False
        if threading.current_thread() is not threading.main_thread():
            return False
        old = signal.getsignal(signal.SIGINT)
        if old not in (signal.default_int_handler, signal.SIG_IGN):
            return False  # the program has a handler of its own: leave it alone
        self._old_sigint = old
        signal.signal(signal.SIGINT, self._on_sigint)
        return True

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if _starting_a_process(frame):
            # an exception raised inside fork's hooks (logging's locks) or a Popen being
            # made would break the standard library: take the signal again a moment later
            timer = threading.Timer(RETRY_S, signal.pthread_kill, (threading.get_ident(), signum))
            timer.daemon = True
            timer.start()
            return
        if _in_a_dask_client(frame):
            # let dask's client (and its cluster) finish starting or closing, then take the
            # signal (or, if the run has ended by then, raise it as the run ends)
            self._interrupt_pending = True
            timer = threading.Timer(RETRY_S, self._sigint_again, (threading.get_ident(), signum))
            timer.daemon = True
            timer.start()
            return
        self._interrupt_pending = False
        if self.trace.cancelled == "failed":
            if self._main_running:
                raise Stopped
            return  # the run's main flow has ended: nothing to wake
        self.trace.cancel("interrupted")  # every thread stops at its next record
        if self._last_resort is None and self._processes:
            self._last_resort = threading.Timer(LAST_RESORT_S, self._terminate_processes)
            self._last_resort.daemon = True
            self._last_resort.start()
        raise KeyboardInterrupt

    def _terminate_processes(self) -> None:
        """SIGTERM to each process the run started that is still running."""
        for process in list(self._processes):
            if process.pid is not None:
                process.terminate()  # nothing if it has ended and was reaped already

    def _excepthook(self, args: threading.ExceptHookArgs) -> None:
        thread = args.thread
        if thread is None or thread in self._before or thread in _ABANDONED:
            if self._old_hook is not None and thread not in _ABANDONED:
                self._old_hook(args)
            return
        raised = args.exc_value
        error = None if raised is None else from_interpreter(raised)
        if error is not raised:  # a call in another interpreter: its sink says whose it was
            who = self.trace.actor_of(thread.ident or 0) or thread.name
        else:
            who = self.trace.workers.get(thread.ident, thread.name)
        if error is None or isinstance(error, SystemExit | RunCancelled):
            return  # as threading's own hook: a thread may end itself with SystemExit
        if self.trace.cancelled:
            return  # the run has failed or was interrupted already: this is an echo of it
        self.errors.append(WorkerError.of(who, error, self.trace.now()))
        self._fail()

    def _progress(self) -> tuple[int, int]:
        """How far the run has got: its events, and what its child processes wrote."""
        written = 0
        for path in list(self.trace.sinks):
            with contextlib.suppress(OSError):
                written += os.stat(path).st_size
        return len(self.trace.events), written

    def _deadlocked(self, links: list[Link]) -> None:
        """The run's actors wait on one another: fail it, and wake its main flow."""
        if self.trace.cancelled:
            return
        self.deadlock = links
        self.errors.append(WorkerError(links[0].actor, Deadlock(describe(links)), self.trace.now()))
        self._fail()

    def _fail(self) -> None:
        """A worker failed: cancel the run and wake its main flow (once: two workers may
        fail at the same moment)."""
        self.trace.cancel("failed")
        with self._lock:
            # a loop is woken for a deadlock only: a worker's error reaches it by itself
            loop = self._wake_loop and self.deadlock is not None
            if self._woken or not (self._main_running and (self._sigint_installed or loop)):
                return
            self._woken = True
            if hasattr(signal, "pthread_kill"):  # wakes a main thread blocked in a wait
                signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            else:  # pragma: no cover - Windows: runs the handler at the main thread's next step
                import _thread

                _thread.interrupt_main()

    @contextmanager
    def logs(self) -> Iterator[None]:
        """What the standard library logs about the run's workers: asyncio's error with an
        exception (a task's exception never retrieved) is an error of the run, not a line
        on stderr; and a worker of a ``ThreadPoolExecutor`` stopped by the run's
        cancellation ("Exception in worker": RunCancelled) is no news."""

        def capture(record: logging.LogRecord) -> bool:
            error = record.exc_info[1] if record.exc_info else None
            if isinstance(error, RunCancelled | Stopped):
                return False
            if error is None or record.levelno < logging.ERROR or record.name != "asyncio":
                return True
            who = attribute(error, self.trace.workers, self.frames, "a task")
            self.errors.append(WorkerError.of(who, error, self.trace.now()))
            return False  # reported with the run: not printed as well

        for logger in _LOGGERS:
            logger.addFilter(capture)
        try:
            yield
        finally:
            for logger in _LOGGERS:
                logger.removeFilter(capture)

    def _worker(self) -> Hashable:
        """The worker recording now: a thread's ident, or a task's id. A task itself is
        never kept (a task nobody keeps must still be collected, as without threeways);
        its outermost frame is noted the first time, to tell later whose error a task
        group raised (its ExceptionGroup does not say)."""
        task = self._key()
        if task is None or isinstance(task, int):
            return task
        key = id(task)
        known = self._tasks.get(key)
        if known is None or known() is not task:  # new, or a new task where one ended
            self._tasks[key] = weakref.ref(task)
            frame = _task_frame(task)
            if frame is not None:
                self.frames[id(frame)] = (key, frame.f_code)
        return key

    # ---------------------------------------------------------------- afterwards

    def main_errors(self, error: BaseException) -> list[WorkerError]:
        """The errors inside what ``main`` raised, each with whose it was."""
        found = []
        for raised in leaves(error):
            leaf = from_interpreter(raised)
            if leaf is not raised:  # main's own call in another interpreter
                who = self.trace.actor_of(threading.get_ident()) or "main"
            else:
                who = self.trace.raised_by(leaf) or attribute(
                    leaf, self.trace.workers, self.frames, "main"
                )
            if isinstance(leaf, RunCancelled | Stopped | KeyboardInterrupt | SystemExit):
                continue
            found.append(WorkerError.of(who, leaf, self.trace.now()))
        return found

    def cleanup(self, stop_timeout: float) -> list[str]:
        """Stop what the run started and left running: cancel the trace (threads stop at
        their next ``record``), terminate its processes, and wait up to ``stop_timeout``
        seconds for its threads, which cannot be stopped from outside. Returns the names of
        the threads that had not stopped within :data:`GRACE_S` (those waited for longer,
        or left to end at their own timeouts)."""
        self.trace.cancel("failed" if self.trace.cancelled != "interrupted" else "interrupted")
        start = monotonic()
        deadline = start + GRACE_S
        if self._last_resort is not None:
            self._last_resort.cancel()
            self._last_resort.join()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            if process.pid is None:  # interrupted before it started
                continue
            process.join(max(0.0, deadline - monotonic()))
            if process.is_alive():
                process.kill()
                process.join(1.0)
        slow = []
        for thread in set(threading.enumerate()) - self._before:
            if is_long_lived(thread) or is_watcher(thread) or thread is threading.current_thread():
                continue
            if not wait_gone(thread, deadline):
                slow.append(thread)
                if not wait_gone(thread, start + max(stop_timeout, GRACE_S)):
                    self._left.append(thread)
        return sorted(self.trace.actor_of(t.ident or 0) or t.name for t in slow)

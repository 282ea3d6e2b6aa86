"""The dask model's side of the harness: how tasks on a cluster record, and its cluster.

A dask task runs on a worker: another process, on a real cluster another machine, so it
can neither append to the run's :class:`~threeways.Trace` nor write to a file the client
reads. ``with trace.cluster_sink(client) as sink`` gives the tasks a :class:`TaskTrace`
instead (pass it as an argument: it is small and picklable). Its ``record`` sends each
event, as one JSON text, with ``get_worker().log_event(topic, ...)`` to the scheduler,
which passes it on to the client subscribed to the run's topic
(``client.subscribe_topic``); the client adds it to the trace as it arrives, so a run that
hangs still shows what each task last did. A worker sends its messages to the scheduler in
order on one stream, and the scheduler forwards them in order, so a task's events reach
the client before the client learns that the task is done.

Times are seconds since the run started, which for dask is when the client is connected
(an embedded cluster's start-up, its worker processes starting, is not the scenario's,
and every wait's timeout counts from there). A worker on the client's machine (the same boot)
reads the client's clock, ``perf_counter``, which is system-wide and monotonic: exact. A
worker on another host can only read its own wall clock against the client's wall clock
at the start: as good as the hosts' clock synchronisation (NTP keeps a LAN within a
millisecond or so), so two close events on different hosts may come out in the wrong
order.

A task's exception travels back pickled, with its traceback, and ``future.result()``
raises it again in main. The client keeps it on the task's future: when it leaves the
sink's block, the run names the actor that task last recorded as, not main.

The embedded ``LocalCluster`` (when dask's config names no scheduler) runs its workers in
processes, which the client closes at once on Ctrl-C or a failure (a worker thread blocked
in a wait would hold the cluster's close until its timeout). A terminal's Ctrl-C reaches
those processes too: for the run, their preload, :func:`dask_setup`, makes them ignore it,
and the client stops them; the harness takes a Ctrl-C that comes while the client starts
or closes once that is done (see :mod:`threeways._supervise`). What is left: a Ctrl-C in
the second or two while a worker process starts, importing dask before its preload runs,
ends that process with a KeyboardInterrupt traceback of its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache, partial
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

import dask
import distributed
from dask.utils import key_split
from distributed.core import Status
from distributed.deploy.spec import SpecCluster

from ._trace import Event, _check_fault


def _not_a_closed_pool(record: logging.LogRecord) -> bool:
    """A lease (behind dask's Lock and Semaphore) that a closing client can no longer give
    back logs "unstable?" with a traceback; the scheduler drops the client's leases with
    it, so on Ctrl-C or at a run's end that line is no news."""
    error = record.exc_info[1] if record.exc_info else None
    return not (isinstance(error, RuntimeError) and "ConnectionPool is closed" in str(error))


logging.getLogger("distributed.semaphore").addFilter(_not_a_closed_pool)

if TYPE_CHECKING:
    from multiprocessing.context import DefaultContext

    from ._trace import Recorder, Trace

__all__ = [
    "TaskTrace",
    "configured",
    "dask_setup",
    "held",
    "listening",
    "local_cluster",
    "wait_all",
]

CLOSE_S = 5.0
"""How long closing a client or a cluster that a run left open may take."""


def local_cluster(**options: Any) -> dict[str, Any]:
    """The keywords for ``Client(...)``: those of the ``LocalCluster`` it starts when dask's
    config names no scheduler, and none when it names one (``DASK_SCHEDULER_ADDRESS``,
    ``--scheduler``): Client refuses them then. No dashboard, and dask's own logs of
    failed tasks left out (the run reports them)."""
    if dask.config.get("scheduler-address", None):
        return {}
    return {"dashboard_address": None, "silence_logs": logging.CRITICAL, **options}


def wait_all(futures: list[distributed.Future[Any]], timeout: float) -> None:
    """Wait for every future, within ``timeout`` seconds; raise the first task's error as
    soon as there is one, or TimeoutError naming how many are still running."""
    try:
        for future in distributed.as_completed(futures, timeout=timeout):
            if future.status == "error":
                future.result()  # raises the task's exception, its traceback the worker's
    except TimeoutError:
        running = sum(not future.done() for future in futures)
        raise TimeoutError(f"{running} tasks still running after {timeout:g}s") from None


@contextmanager
def held(lock: distributed.Lock | None, timeout: float) -> Iterator[None]:
    """``with lock:``, waiting at most ``timeout`` seconds for it (dask's own ``with lock:``
    waits for ever), and given back even on an exception; None holds nothing."""
    if lock is not None and not lock.acquire(timeout=timeout):
        raise TimeoutError(f"waited {timeout:g}s for {lock.name}")
    try:
        yield
    finally:
        if lock is not None:
            lock.release()


# ---------------------------------------------------------------------------- tasks


@cache
def _boot() -> str:
    """This machine's boot, if it can tell: processes of one boot share perf_counter."""
    with contextlib.suppress(OSError):
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    return ""


class TaskTrace:
    """The recorder of a run's dask tasks (see the module docstring); picklable."""

    def __init__(self, topic: str, t0: float, wall0: float, boot: str, fail_at: str | None) -> None:
        self.topic = topic
        self._t0 = t0
        self._wall0 = wall0
        self._boot = boot
        self._fail_at = fail_at

    def now(self) -> float:
        """Seconds since the run started, on the client's clock where this machine has it."""
        if self._boot and self._boot == _boot():
            return perf_counter() - self._t0
        return time.time() - self._wall0

    def record(self, actor: str, action: str, detail: Any = "") -> None:
        """Record, from a task, that ``actor`` did ``action`` now."""
        if self._fail_at is not None:  # only when a fault is injected: no call per event
            _check_fault(self._fail_at, actor, action)
        try:
            worker = distributed.get_worker()
        except ValueError:  # not in a task: main or a callback, in the client
            distributed.get_client().log_event(self.topic, self._text(actor, action, detail))
            return
        key = worker.get_current_task()
        worker.log_event(self.topic, self._text(actor, action, detail, key))

    def _text(self, actor: str, action: str, detail: Any, key: object = None) -> str:
        return json.dumps([self.now(), actor, action, detail, key], separators=(",", ":"))

    @property
    def mp_context(self) -> DefaultContext:
        from ._processes import quiet_context

        return quiet_context("spawn")  # type: ignore[return-value]

    def child_sink(self) -> AbstractContextManager[Recorder]:
        raise TypeError("a task's own processes cannot reach the run's trace")

    @contextmanager
    def cluster_sink(self, client: Any) -> Iterator[Recorder]:
        """This recorder itself: tasks that a task submits record to the same topic."""
        yield self


# ---------------------------------------------------------------------------- the client


@contextmanager
def listening(trace: Trace, client: distributed.Client) -> Iterator[TaskTrace]:
    """The run's topic, subscribed to for the length of the block: its events join
    ``trace``; an exception leaving the block that was a task's is named as that task's."""
    topic = f"threeways-{uuid.uuid4().hex}"
    if not trace.events:  # the run starts now: the cluster is up
        trace.t0 = perf_counter()
    wall0 = time.time() - trace.now()
    sink = TaskTrace(topic, trace.t0, wall0, _boot(), trace.fail_at)
    client.subscribe_topic(topic, partial(_receive, trace))
    for path in trace.uploads:
        client.upload_file(path)
    try:
        yield sink
    except BaseException:
        _name_task_errors(trace, client)
        raise
    finally:
        client.unsubscribe_topic(topic)


def _receive(trace: Trace, event: tuple[float, str]) -> None:
    """One event from a task, as the scheduler passed it on (its own time stamp unused)."""
    t, actor, action, detail, key = json.loads(event[1])
    trace.events.append(Event(t, actor, action, detail))
    if key is not None:
        trace.workers[key] = actor


def _name_task_errors(trace: Trace, client: distributed.Client) -> None:
    """Note whose each error the client's futures hold is: the actor its task last
    recorded as (or the task's function name)."""
    for key, state in list(client.futures.items()):
        if state.status == "error" and isinstance(state.exception, BaseException):
            who = trace.workers.get(key, key_split(key))
            trace.task_errors[id(state.exception)] = (state.exception, who)


# ---------------------------------------------------------------------------- the cluster


@contextmanager
def configured(scheduler: str | None) -> Iterator[None]:
    """dask's config for one run: ``scheduler``'s address if given; for an embedded cluster,
    worker processes that leave Ctrl-C to the client (:func:`dask_setup`)."""
    values: dict[str, Any] = {}
    if scheduler:
        values["scheduler-address"] = scheduler
    elif not dask.config.get("scheduler-address", None):
        preload = dask.config.get("distributed.worker.preload", [])
        values["distributed.worker.preload"] = [*preload, __name__]
    clients, clusters = set(distributed.Client._instances), set(SpecCluster._instances)
    try:
        with dask.config.set(values):
            yield
    finally:
        _close_left_open(clients, clusters)


def _close_left_open(clients: set[Any], clusters: set[Any]) -> None:
    """Close the clients and clusters the run started and left open (by an error in
    ``Client()``, say): dask would close them only at the interpreter's exit."""
    for client in set(distributed.Client._instances) - clients:
        if client.status not in ("closing", "closed"):
            client.close(timeout=CLOSE_S)
    for cluster in set(SpecCluster._instances) - clusters:
        if cluster.status not in (Status.closing, Status.closed):
            cluster.close(timeout=CLOSE_S)


def dask_setup(worker: object) -> None:
    """A worker's preload: in a worker process of an embedded cluster, ignore Ctrl-C (the
    terminal sends it to every process of the program: the client stops its workers)."""
    if threading.current_thread() is threading.main_thread():  # not a worker in a thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)

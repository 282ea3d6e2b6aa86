"""process_info: workers report who they are and who started them, as their model sees it."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import MODELS, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._support import names
from threeways._trace import Event

_WORKERS = ("Ada", "Grace", "Guido", "Linus", "Barbara", "Ken", "Dennis", "Margaret")


KIND_STATES = {
    "main": "main program",
    "process": "a process",
    "thread": "a thread",
    "task": "a task",
    "interpreter": "an interpreter",
}
"""What each kind of worker is drawn as on the timeline: where it lives, at a glance."""


def worker_names(n: int) -> list[str]:
    return names(_WORKERS, n, "worker")


def helper_names(worker: str, n: int) -> list[str]:
    """The names of the helpers a worker starts inside itself: ``Ada.1``, ``Ada.2``..."""
    return [f"{worker}.{k}" for k in range(1, n + 1)]


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    workers: int = param(3, "how many workers the main program starts", min=1, max=64)
    helpers: int = param(
        1, "how many helpers (threads, or tasks) each worker starts inside itself", min=0, max=8
    )


class ProcessInfo(Scenario[Params]):
    name = "process_info"
    order = 90
    summary = "Workers report their process, thread and task ids; each starts a helper inside it."
    lesson = """\
Where does a worker live? A process has its own process id (pid) and knows its parent:
the workers of the multiprocessing model have distinct pids, and their parent is the main
program (multiprocessing.parent_process()). The operating system may say otherwise: under
the forkserver start method, os.getppid() names the fork server, which forked them. Each
worker process starts a thread inside itself: that thread reports the same pid as its
process, and a thread id of its own. Threads never get a process of their own: the
workers of the threading model and their helper threads all report the main pid, each
with its own thread id. asyncio and trio tasks do not even get a thread: every task
reports the main program's pid and its one thread, and is told apart only by its task
name, which the operating system cannot see.

Who started whom? A child process can ask (multiprocessing.parent_process());
a thread or an asyncio task cannot: neither records its creator, so each worker here is
told. trio can answer: every task belongs to a nursery owned by its parent task
(trio.lowlevel.current_task().parent_nursery.parent_task).

Ids are unique only among the living: the system reuses a pid once its process has been
reaped, and a thread id, Python's (threading.get_ident()) or the kernel's
(threading.get_native_id(), shown here), may be reused as soon as its thread ends. So
the thread and process workers stay alive until all of them have reported: they wait at
a Barrier with the main program (threading.Barrier, multiprocessing's Barrier), and
alive together they must all differ. Tasks are named here when they are created, so
their names differ by construction and nothing needs to wait.

Each model asks in its own `_who_am_i` (os.getpid(), os.getppid(),
threading.get_native_id(), and parent_process() or the current task where the model has
them), and the timeline draws each lane as what it is: the main program, a process, a
thread or a task.

interpreters (Python 3.13+, PEP 734): an interpreter is not a process either. Each worker
reports the main pid, an interpreter id of its own (the main interpreter is 0), a
sys.modules of its own (it imports its modules afresh) and, unseen, a GIL of its own. It
runs in the thread that calls it (call_in_thread starts one), a thread it did not start:
there threading.current_thread() is a "Dummy" thread, main_thread() the process's, and
threading.get_ident() the OS thread's, the same in every interpreter. Interpreter ids are
never reused, so no barrier is needed; nor could one cross (an interpreter shares no
object with another).
"""
    models = (*MODELS, "interpreters")
    uses = {
        "threading": "Thread(name=...); a Barrier keeps them alive together; threads inside",
        "multiprocessing": "Process, parent_process(); a Barrier keeps them alive; a thread inside",
        "asyncio": "TaskGroup.create_task(name=...); a TaskGroup inside each task",
        "trio": "nursery.start_soon(name=...); a nursery inside each task",
        "interpreters": "interpreters.create(), call_in_thread; a thread inside each",
    }
    parameters = Params

    checks = (
        "main and every worker report who they are",
        "a process has its own pid, whose parent is its starter",
        "a thread runs in its starter's process, in a thread of its own",
        "a task runs in the main thread, as a task of its own",
        "an interpreter runs in its starter's process, with its own id and modules",
    )

    def expected(self, p: Params) -> dict[str, object]:
        workers = worker_names(p.workers)
        return {
            "count": p.workers,
            "workers": sorted(workers),
            "helpers": sorted(h for w in workers for h in helper_names(w, p.helpers)),
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        reports = [e for e in events if e.action == "reports" and e.actor != "main"]
        workers = [e.actor for e in reports if e.detail["started_by"] == "main"]
        helpers = [e.actor for e in reports if e.detail["started_by"] != "main"]
        return {"count": len(workers), "workers": sorted(workers), "helpers": sorted(helpers)}

    def narrate(self, event: Event) -> str:
        if event.action != "reports":
            return super().narrate(event)
        who = event.detail
        task = who.get("task")
        where = {
            "main": f"pid {who['pid']}, parent {who['ppid']}, thread {who['thread']}",
            "process": f"pid {who['pid']}, parent {who.get('parent')}" + _os_parent(who),
            "thread": f"thread {who['tid']} in pid {who['pid']}",
            "task": f"task {task} in thread {who['tid']}",
            "interpreter": f"interpreter {who.get('interpreter')} in pid {who['pid']}, "
            f"thread {who['tid']} ({who['thread']})",
        }.get(who["kind"], str(who))
        if who["kind"] == "main" and task:
            where += f", task {task.rsplit('.', 1)[-1]}"  # trio: main's qualified name
        return f"{event.actor}: {where}"

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # each lane in the look of what it is (the main program, a process, a thread, a
        # task), from its report on; waiting is waiting, and main waits until the run ends.
        # A helper only reports: it lives until its starter goes on from joining it.
        spans = []
        for actor in dict.fromkeys(e.actor for e in events):
            own = [e for e in events if e.actor == actor]
            who: dict[str, Any] = next((e.detail for e in own if e.action == "reports"), {})
            state = KIND_STATES.get(who.get("kind", ""), "running")
            ends = [after.t for after in own[1:]] + [math.inf]
            for e, end in zip(own, ends, strict=True):
                if e.action.startswith("waits"):
                    spans.append(Span(actor, e.t, end, "waiting"))
                elif end != math.inf:
                    spans.append(Span(actor, e.t, end, state))
                elif len(own) == 1 and who.get("started_by") not in ("", "main", None):
                    starter = [x.t for x in events if x.actor == who["started_by"] and x.t > e.t]
                    spans.append(Span(actor, e.t, starter[0] if starter else e.t, state))
        return spans

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        # a worker ends; main and each helper only report
        return events[-1].action in ("ends", "reports")

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        reports = {e.actor: e.detail for e in events if e.action == "reports"}
        main = reports.get("main")
        if main is None:
            yield "main never reported"
            return
        for name, who in reports.items():
            if name == "main":
                continue
            starter = reports.get(who["started_by"])
            if starter is None:
                yield f"{name} was started by {who['started_by']!r}, who never reported"
                continue
            yield from _check(name, who, starter, main)
        yield from _distinct([(n, w) for n, w in reports.items() if w["started_by"] == "main"])


def _os_parent(who: dict[str, Any]) -> str:
    """The operating system's parent, when it is not the one who started the process."""
    same = who["ppid"] == who.get("parent")
    return "" if same else f" (OS parent {who['ppid']}: the fork server)"


def _check(
    name: str, who: dict[str, Any], starter: dict[str, Any], main: dict[str, Any]
) -> Iterator[str]:
    """One worker's identity against the one who started it."""
    if who["kind"] == "process":
        if who["pid"] == starter["pid"]:
            yield f"process {name} has its starter's pid {who['pid']}"
        if (parent := who.get("parent")) != starter["pid"]:
            yield f"process {name}'s parent is {parent}, not its starter {starter['pid']}"
    elif who["kind"] == "thread":
        if who["pid"] != starter["pid"]:
            yield f"thread {name} is in process {who['pid']}, not its starter's {starter['pid']}"
        if who["tid"] == starter["tid"]:
            yield f"thread {name} runs in its starter's thread {who['tid']}"
    elif who["kind"] == "interpreter":
        if who["pid"] != starter["pid"]:
            yield f"interpreter {name} is in process {who['pid']}, not {starter['pid']}"
        for own in ("interpreter", "modules"):
            if who[own] == starter[own]:
                yield f"interpreter {name} has its starter's {own} {who[own]}"
    elif who["kind"] == "task":
        if (who["pid"], who["tid"]) != (main["pid"], main["tid"]):
            yield f"task {name} runs outside the main thread, in {who['pid']}/{who['tid']}"
        if who.get("task") == starter.get("task"):
            yield f"task {name} is its starter's task {who['task']!r}"
    else:
        yield f"{name} is an unknown kind of worker: {who['kind']!r}"


def _distinct(workers: list[tuple[str, dict[str, Any]]]) -> Iterator[str]:
    """Workers alive together differ: processes by pid, threads by thread, tasks by name."""
    key = {"process": "pid", "thread": "tid", "task": "task", "interpreter": "interpreter"}
    seen = Counter((w["kind"], w.get(key[w["kind"]])) for _, w in workers if w["kind"] in key)
    for (kind, value), n in sorted(seen.items(), key=str):
        if n > 1:
            yield f"{n} {kind} workers share the {key[kind]} {value}"


SCENARIO = ProcessInfo()

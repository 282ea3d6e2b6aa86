"""daemon: the main flow waits for the worker it joins, not for the daemon, which is cut short."""

from __future__ import annotations

import base64
import contextlib
import math
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from threeways._protocol import Mark, Scenario, Span, param
from threeways._protocol import Params as _BaseParams
from threeways._trace import Event, Recorder


@dataclass(frozen=True, kw_only=True)
class Params(_BaseParams):
    steps: int = param(3, "how many steps the joined worker takes, one tick each", min=1, max=1000)
    tick: float = param(0.1, "seconds per tick: scales every sleep in the scenario", min=0)


class Daemon(Scenario[Params]):
    name = "daemon"
    order = 70
    summary = "The main flow joins its worker and ends; the background daemon is cut short."
    lesson = """\
A program starts two helpers: a worker it will wait for (join), and a daemon that beats
in the background for ever, work nobody waits for (a heartbeat, an autosave). The main
flow waits until the daemon runs, starts the worker, joins it, and ends. The worker
always finishes its steps; the daemon never finishes: its loop has no end, so it is
still running when the main flow ends, and only the end of the program stops it. That
is what the observable states, in every model (main asks the daemon's handle as it ends).

How the daemon is stopped is where the models differ. A daemon thread
(Thread(daemon=True)) is not waited for when the main thread ends: the interpreter
exits and the thread simply stops, mid-step. No exception is raised in it and its
finally blocks never run, so a daemon thread must never hold anything that needs
closing. A daemon process (Process(daemon=True)) is terminated (SIGTERM) by
multiprocessing's exit handler, an atexit function, when its parent process exits; its
finally blocks do not run either. (A parent killed by a signal runs no atexit function:
its daemon children are left running, orphaned.) Both only happen when the program's
interpreter exits, and threeways runs scenarios inside a long-lived process (the CLI,
a test). So the threading and multiprocessing models run the seed's program as a real
program, `python -m` in a child interpreter, and show the real mechanism: the child
exits, and its daemon dies with it (on the timeline, the "program" lane: the daemon's
bar ends where the program's does, after main's). Stopping the daemon some other way
inside threeways' process would teach something false. Their standalone scripts (show
daemon --model threading --standalone) are that program itself.

asyncio has no daemon flag: asyncio.run cancels every task still pending when the main
coroutine returns, which makes a background task a daemon. Keep a reference to it:
the event loop holds tasks only weakly, and a task nobody references can vanish
mid-run. Cancellation is an exception (CancelledError) raised at the task's await, so
its finally block runs and it can clean up. trio has no daemon tasks at all
(structured concurrency): every task lives in a nursery, and a nursery block does not
end until all its tasks have, so nothing can outlive the code that started it. A
background task is therefore cancelled explicitly, with the nursery's cancel scope,
when the main flow is done; trio.Cancelled runs its finally block too. trio's
nursery.start() also gives the "wait until it runs" handshake for free
(task_status.started()); the others use an Event.
"""
    uses = {
        "threading": "Thread(daemon=True), killed at interpreter exit (a child interpreter)",
        "multiprocessing": "Process(daemon=True), terminated by multiprocessing's exit handler",
        "asyncio": "a task cancelled by asyncio.run when the main coroutine returns",
        "trio": "no daemon tasks: nursery.start() then nursery.cancel_scope.cancel()",
    }
    parameters = Params

    checks = (
        "the worker's steps come in order, and none after it finishes",
        "main starts the worker, joins it after it finishes, and only then ends",
    )

    def expected(self, p: Params) -> dict[str, object]:
        return {
            "worker": {"steps": p.steps, "finished": True},
            "daemon": {"started": True, "running when main ends": True},
        }

    def observe(self, events: Sequence[Event], p: Params) -> dict[str, object]:
        def did(actor: str, action: str) -> bool:
            return any(e.actor == actor and e.action == action for e in events)

        steps = sum(1 for e in events if e.actor == "worker" and e.action == "does step")
        # main asks the daemon's handle as it ends (is_alive(), not done(), the nursery's
        # tasks): a daemon that had stopped by itself would show here
        ends = [e.detail for e in events if e.actor == "main" and e.action == "ends"]
        running = ends[-1].get("daemon running") if ends else None
        return {
            "worker": {"steps": steps, "finished": did("worker", "finishes")},
            "daemon": {"started": did("daemon", "starts"), "running when main ends": running},
        }

    def finished(self, events: Sequence[Event], p: Params) -> bool:
        # the daemon's part is to run until it is cut short: done once it cleans up; the
        # program (threading, multiprocessing) once it exits
        return events[-1].action in ("ends", "finishes", "cleans up", "exits")

    def invariants(self, events: Sequence[Event], p: Params) -> Iterator[str]:
        steps = [e.detail for e in events if e.actor == "worker" and e.action == "does step"]
        if steps != list(range(1, len(steps) + 1)):
            yield f"the worker's steps are out of order: {steps}"
        order = [(e.actor, e.action) for e in events]
        yield from _in_order(order, ("daemon", "starts"), ("main", "starts the worker"))
        yield from _in_order(order, ("worker", "does step"), ("worker", "finishes"))
        yield from _in_order(order, ("worker", "finishes"), ("main", "has joined the worker"))
        yield from _in_order(order, ("main", "has joined the worker"), ("main", "ends"))
        if ("worker", "finishes") in order and ("worker", "does step") in order[
            order.index(("worker", "finishes")) :
        ]:
            yield "the worker did a step after it finished"

    def timeline(self, events: Sequence[Event], p: Params) -> list[Span]:
        # the daemon runs until something stops it: a cancellation (its cleanup is its last
        # event) or the end of the program, which is the end of the run; not its last beat
        spans = super().timeline(events, p)
        daemon = [e for e in events if e.actor == "daemon"]
        exits = [e.t for e in events if (e.actor, e.action) == ("program", "exits")]
        if daemon and daemon[-1].action != "cleans up":
            spans.append(Span("daemon", daemon[-1].t, exits[0] if exits else math.inf, "running"))
        return spans

    def marks(self, events: Sequence[Event], p: Params) -> list[Mark]:
        # a new interpreter starts (threading, multiprocessing); the daemon beats while main
        # joins the worker; main has ended, the daemon has not
        labels = {
            ("program", "starts"): "a new interpreter starts",
            ("daemon", "starts"): "the daemon beats, main joins the worker",
            ("main", "ends"): "main ended, daemon cut short",
        }
        return [Mark(e.t, labels[key]) for e in events if (key := (e.actor, e.action)) in labels]

    def narrate(self, event: Event) -> str:
        if (event.actor, event.action) == ("program", "exits"):
            return f"the program exits (code {event.detail}), and its daemon with it"
        if (event.actor, event.action) == ("main", "ends"):
            if event.detail == {"daemon running": True}:
                return "main ends while the daemon still runs: the daemon is cut short"
            return f"main ends {event.detail}"
        return super().narrate(event)

    def measure(self, events: Sequence[Event], p: Params) -> dict[str, Any]:
        beats = sum(1 for e in events if e.actor == "daemon" and e.action == "beats")
        cleaned = any(e.actor == "daemon" and e.action == "cleans up" for e in events)
        return {"daemon beats": beats, "daemon's finally ran": cleaned}


def _in_order(
    order: Sequence[tuple[str, str]], first: tuple[str, str], then: tuple[str, str]
) -> Iterator[str]:
    """One line if ``then`` is missing or happens before ``first``."""
    if then not in order:
        yield f"{' '.join(then)}: never happened"
    elif first not in order or order.index(first) > order.index(then):
        yield f"{' '.join(then)} before {' '.join(first)}"


# ---- the harness that runs the threading and multiprocessing programs ----


def run_program(module: str, trace: Recorder, p: Params) -> None:
    """Run ``python -m module`` as a program of its own, and wait for it to exit.

    The child gets the trace's sink (which knows the run's start method) and the
    parameters on its command line, and runs in a process group of its own so that, if it
    is stuck or the run is interrupted, it is killed together with any process it started.
    """
    with trace.child_sink() as sink:
        blob = base64.b64encode(pickle.dumps((sink, p))).decode()
        trace.record("program", "starts", f"python -m {module}")
        env = _importable(module)
        child = subprocess.Popen([sys.executable, "-m", module, blob], env=env, **_own_group())
        try:
            code = child.wait(p.timeout)
        except BaseException:
            _kill_group(child)
            raise
        trace.record("program", "exits", code)
    if code:
        raise ChildProcessError(f"python -m {module} exited with code {code}")


def program_args() -> tuple[Recorder, Params]:
    """In the child: what :func:`run_program` passed (the sink and the parameters)."""
    sink, p = pickle.loads(base64.b64decode(sys.argv[1]))
    return sink, p


def _importable(module: str) -> dict[str, str]:
    """The child's environment, with ``module``'s root folder first on ``PYTHONPATH``: a
    module imported from a folder of its own (a learner's file, which ``threeways check``
    imports by its name) is found by ``python -m`` from any working directory."""
    env = dict(os.environ)
    file = getattr(sys.modules.get(module), "__file__", None)
    if file:
        root = os.path.dirname(os.path.abspath(file))
        for _ in range(module.count(".")):  # a.b.c lives in root/a/b/c.py
            root = os.path.dirname(root)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


def _own_group() -> dict[str, Any]:
    # A group of its own: Ctrl-C in the terminal reaches only the parent, which stops it.
    return {"process_group": 0} if os.name == "posix" else {}


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        if os.name == "posix":
            os.killpg(child.pid, signal.SIGKILL)
        else:
            child.kill()
    child.wait()


SCENARIO = Daemon()

"""pipe with threads: two ``queue.Queue``, one each way, between the parent and a child thread.

Threads share memory, so they need no pipe: a pipe carries bytes between file descriptors,
and would make the threads pickle what they can simply hand over. An expert gives each
direction a thread-safe ``queue.Queue`` of Python objects. A queue cannot be closed before
Python 3.13 (``Queue.shutdown()``, after which ``get`` raises ``queue.ShutDown``), so
the parent hangs up by putting a ``None`` sentinel, and the child stops when it takes it.
A queue holds no operating-system resource: "closing" the child's end is simply ceasing
to use it. Every ``get`` has a timeout: a thread cannot be cancelled.
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all

from . import HELLO_PARENT, HELLO_SON, Params, answer, question

HANG_UP = None
"""Put on the child's queue by the parent instead of closing it."""

_Pipe = queue.Queue[str | None]


def _receive(inbox: _Pipe, p: Params) -> str | None:
    """The next message, or ``HANG_UP`` once the other side has hung up."""
    return inbox.get(timeout=p.timeout)  # raises queue.Empty after the timeout


def _child(trace: Recorder, inbox: _Pipe, outbox: _Pipe, p: Params) -> None:
    # step: say hello to the parent
    trace.record("child", "sends", HELLO_PARENT)
    outbox.put(HELLO_PARENT)
    # step: hear the parent's hello
    trace.record("child", "receives", _receive(inbox, p))
    # step: answer until the parent hangs up
    while (asked := _receive(inbox, p)) is not HANG_UP:
        trace.record("child", "receives", asked)
        time.sleep(p.tick)  # think
        trace.record("child", "sends", answer(asked))
        outbox.put(answer(asked))
    # step: see the end
    trace.record("child", "sees the end")
    # step: close the child's end
    trace.record("child", "closes its end")  # nothing to release: a queue is plain memory


def _parent(trace: Recorder, inbox: _Pipe, outbox: _Pipe, p: Params) -> None:
    # step: hear the child's hello
    trace.record("parent", "receives", _receive(inbox, p))
    # step: say hello to the son
    trace.record("parent", "sends", HELLO_SON)
    outbox.put(HELLO_SON)
    # step: ask and hear the answers
    for n in range(1, p.rounds + 1):
        trace.record("parent", "sends", question(n))
        outbox.put(question(n))
        trace.record("parent", "receives", _receive(inbox, p))
    # step: hang up
    trace.record("parent", "closes its end")
    outbox.put(HANG_UP)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the pipe
    to_child: _Pipe = queue.Queue()
    to_parent: _Pipe = queue.Queue()
    # step: start the child
    child = threading.Thread(target=_child, args=(trace, to_child, to_parent, p), name="child")
    child.start()
    # step: talk as the parent
    _parent(trace, to_parent, to_child, p)
    # step: wait for the child to finish
    join_all([child], p.timeout)

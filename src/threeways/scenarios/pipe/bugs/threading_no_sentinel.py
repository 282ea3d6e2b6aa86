"""Hangs up without the sentinel: the child waits for a message that never comes.

The parent records that it closes its end and simply stops talking, as if the child
would notice. A ``queue.Queue`` cannot be closed (before 3.13's ``shutdown()``) and tells
nobody that its writer is gone: the child's ``get`` waits for the next message until its
timeout (then it would raise ``queue.Empty``). The checker sees the run time out with the
child still waiting after its last answer, and no "child sees the end" in the ending.
"""

from __future__ import annotations

import queue
import threading
import time

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.pipe import HELLO_PARENT, HELLO_SON, Params, answer, question

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
    # the bug: no outbox.put(HANG_UP): the child cannot tell that the parent is gone


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

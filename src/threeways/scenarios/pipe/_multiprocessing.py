"""pipe with processes: ``ctx.Pipe()``, the seed's Pipe, between the parent and a child process.

``Pipe()`` returns two ``Connection`` objects joined by an operating-system pipe (a socket
pair on Unix): ``send`` pickles an object; ``recv`` waits for the next one (it takes no
timeout: ``poll(timeout)`` comes first) and raises ``EOFError`` once the other end is closed.

The end arrives only when every copy of the other end is closed, and a child started with
fork inherits a copy of all its parent's file descriptors. So, as with ``os.pipe`` and
``fork`` in C, each process closes the end it does not use: the parent the child's end
once the child started, the child the parent's end. The parent's end is passed to the
child for that alone: a forked child has a copy anyway; under spawn or forkserver it gets
one only because it is passed, and closes it the same way: one program for every method.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection

from threeways import Recorder
from threeways._support import join_all

from . import HELLO_PARENT, HELLO_SON, Params, answer, question


def _receive(conn: Connection, p: Params) -> str:
    """The next message; raises EOFError once the other end is closed."""
    if not conn.poll(p.timeout):  # poll is True at the end too: then recv raises EOFError
        raise TimeoutError(f"no message for {p.timeout:g}s")
    message: str = conn.recv()
    return message


def _child(trace: Recorder, conn: Connection, parent_end: Connection, p: Params) -> None:
    # own step: close the parent's end here
    parent_end.close()  # a forked child inherited it: the parent's hang-up needs it closed
    with conn:
        # step: say hello to the parent
        trace.record("child", "sends", HELLO_PARENT)
        conn.send(HELLO_PARENT)
        # step: hear the parent's hello
        trace.record("child", "receives", _receive(conn, p))
        # step: answer until the parent hangs up
        while True:
            try:
                asked = _receive(conn, p)
            except EOFError:
                break
            trace.record("child", "receives", asked)
            time.sleep(p.tick)  # think
            trace.record("child", "sends", answer(asked))
            conn.send(answer(asked))
        # step: see the end
        trace.record("child", "sees the end")
        # step: close the child's end
        trace.record("child", "closes its end")
    # leaving `with conn` closed it


def _parent(trace: Recorder, conn: Connection, p: Params) -> None:
    # step: hear the child's hello
    trace.record("parent", "receives", _receive(conn, p))
    # step: say hello to the son
    trace.record("parent", "sends", HELLO_SON)
    conn.send(HELLO_SON)
    # step: ask and hear the answers
    for n in range(1, p.rounds + 1):
        trace.record("parent", "sends", question(n))
        conn.send(question(n))
        trace.record("parent", "receives", _receive(conn, p))
    # step: hang up
    trace.record("parent", "closes its end")
    conn.close()


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the pipe
    parent_end, child_end = ctx.Pipe()
    with trace.child_sink() as sink, parent_end, child_end:
        # step: start the child
        child = ctx.Process(target=_child, args=(sink, child_end, parent_end, p), name="child")
        child.start()
        # own step: close the child's end here
        child_end.close()  # the child has its own copy now
        # step: talk as the parent
        _parent(trace, parent_end, p)
        # step: wait for the child to finish
        join_all([child], p.timeout)

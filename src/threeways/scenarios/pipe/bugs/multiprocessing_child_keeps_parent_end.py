"""The child never closes the parent's end: under fork it inherited it, and the end never comes.

The learner passes the child only its own end, and thinks the parent's end is the
parent's business. Under spawn and forkserver that is true. Under fork the child is a
copy of the parent, with a copy of every file descriptor, the parent's end of the pipe
included: when the parent closes its end, the child still holds one, so the pipe is not
at its end and the child's ``poll`` waits until its timeout. The checker sees every fork
run time out with the child still waiting after its last answer ("child sees the end"
never happens); the spawn and forkserver runs pass.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.pipe import HELLO_PARENT, HELLO_SON, Params, answer, question


def _receive(conn: Connection, p: Params) -> str:
    """The next message; raises EOFError once the other end is closed."""
    if not conn.poll(p.timeout):  # poll is True at the end too: then recv raises EOFError
        raise TimeoutError(f"no message for {p.timeout:g}s")
    message: str = conn.recv()
    return message


def _child(trace: Recorder, conn: Connection, p: Params) -> None:
    # the bug: a forked child has a copy of the parent's end too, and never closes it
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
        child = ctx.Process(target=_child, args=(sink, child_end, p), name="child")
        child.start()
        # own step: close the child's end here
        child_end.close()  # the child has its own copy now
        # step: talk as the parent
        _parent(trace, parent_end, p)
        # step: wait for the child to finish
        join_all([child], p.timeout)

"""pipe with trio: two memory channels, one each way, between the parent and a child task.

A memory channel is trio's pipe for Python objects between tasks: ``open_memory_channel``
returns a send end and a receive end, each closed on its own by whoever holds it. Two
channels make a two-way pipe. When the parent closes its send end, the child's next
``receive()`` raises ``trio.EndOfChannel``, which ends its ``async for`` loop: the end of
the conversation needs no sentinel. A buffer of 0, trio's advice when in doubt, makes
each send wait until the other side takes the message, like a handshake. trio could also
talk over a socket pair (``trio.SocketStream``), but between tasks of one program that
would only add bytes, framing and file descriptors. ``trio.fail_after`` bounds the run.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import HELLO_PARENT, HELLO_SON, Params, answer, question

_Send = trio.MemorySendChannel[str]
_Receive = trio.MemoryReceiveChannel[str]


async def _receive(inbox: _Receive) -> str:
    """The next message; raises trio.EndOfChannel once the other end is closed."""
    return await inbox.receive()


async def _child(trace: Recorder, inbox: _Receive, outbox: _Send, p: Params) -> None:
    async with inbox, outbox:
        # step: say hello to the parent
        trace.record("child", "sends", HELLO_PARENT)
        await outbox.send(HELLO_PARENT)
        # step: hear the parent's hello
        trace.record("child", "receives", await _receive(inbox))
        # step: answer until the parent hangs up
        async for asked in inbox:  # stops at EndOfChannel
            trace.record("child", "receives", asked)
            await trio.sleep(p.tick)  # think
            trace.record("child", "sends", answer(asked))
            await outbox.send(answer(asked))
        # step: see the end
        trace.record("child", "sees the end")
        # step: close the child's end
        trace.record("child", "closes its end")
    # leaving `async with` closed both channel ends


async def _parent(trace: Recorder, inbox: _Receive, outbox: _Send, p: Params) -> None:
    async with inbox, outbox:
        # step: hear the child's hello
        trace.record("parent", "receives", await _receive(inbox))
        # step: say hello to the son
        trace.record("parent", "sends", HELLO_SON)
        await outbox.send(HELLO_SON)
        # step: ask and hear the answers
        for n in range(1, p.rounds + 1):
            trace.record("parent", "sends", question(n))
            await outbox.send(question(n))
            trace.record("parent", "receives", await _receive(inbox))
        # step: hang up
        trace.record("parent", "closes its end")
    # leaving `async with` closed both channel ends


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the pipe
    to_child_send, to_child_receive = trio.open_memory_channel[str](0)
    to_parent_send, to_parent_receive = trio.open_memory_channel[str](0)
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the child
            nursery.start_soon(_child, trace, to_child_receive, to_parent_send, p)
            # step: talk as the parent
            await _parent(trace, to_parent_receive, to_child_send, p)
            # step: wait for the child to finish
        # leaving the nursery waits for the child


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

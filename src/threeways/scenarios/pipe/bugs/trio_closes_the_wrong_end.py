"""The parent closes the channel it receives on, not the one it sends on: the child waits.

Each side holds two channel ends, a send end (its outbox) and a receive end (its
inbox). To hang up, the learner closes the parent's inbox, the end it "listens on". But
the child's ``async for`` ends only when the *send* end it receives from is closed, the
parent's outbox, which stays open: the child waits for the next question, the nursery
waits for the child, and ``trio.fail_after`` ends the run. The checker reports it timed
out with the child stuck, and the ending without "child sees the end".
"""

from __future__ import annotations

import trio

from threeways import Recorder
from threeways.scenarios.pipe import HELLO_PARENT, HELLO_SON, Params, answer, question

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
    async with inbox:  # the bug: the outbox is the end the child waits on, and stays open
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
    # leaving `async with` closed the inbox


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

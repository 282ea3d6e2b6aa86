"""pipe with asyncio: streams over ``socket.socketpair()`` between the parent and a child task.

asyncio has no Pipe; its nearest equivalent is a stream over a socket pair, which is what
``multiprocessing.Pipe`` is on Unix too. ``asyncio.open_connection(sock=...)`` wraps each
socket in a ``StreamReader`` and a ``StreamWriter``. A stream carries bytes, not objects,
so each message is one line: encoded and ended with a newline on the way in, read with
``readline()`` and decoded on the way out. ``readline()`` returns ``b""`` once the other
end is closed: that is the end of the conversation. ``write`` only buffers; ``await
drain()`` waits until the data is on its way, and ``close()`` then ``await wait_closed()``
releases the socket. (Between tasks, two ``asyncio.Queue`` and a sentinel would do, as
for threads; a stream is shown because it is asyncio's pipe, with a real end.)
``asyncio.timeout`` bounds the whole run: stream reads take no timeout.
"""

from __future__ import annotations

import asyncio
import socket

from threeways import Recorder

from . import HELLO_PARENT, HELLO_SON, Params, answer, question


async def _receive(reader: asyncio.StreamReader) -> str | None:
    """The next message, or None once the other end is closed."""
    line = await reader.readline()
    return line.decode().removesuffix("\n") if line else None


async def _send(writer: asyncio.StreamWriter, message: str) -> None:
    writer.write(message.encode() + b"\n")
    await writer.drain()


async def _child(trace: Recorder, sock: socket.socket, p: Params) -> None:
    # own step: open a stream on the child's socket
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        # step: say hello to the parent
        trace.record("child", "sends", HELLO_PARENT)
        await _send(writer, HELLO_PARENT)
        # step: hear the parent's hello
        trace.record("child", "receives", await _receive(reader))
        # step: answer until the parent hangs up
        while (asked := await _receive(reader)) is not None:
            trace.record("child", "receives", asked)
            await asyncio.sleep(p.tick)  # think
            trace.record("child", "sends", answer(asked))
            await _send(writer, answer(asked))
        # step: see the end
        trace.record("child", "sees the end")
        # step: close the child's end
        trace.record("child", "closes its end")
    finally:
        writer.close()
        await writer.wait_closed()


async def _parent(trace: Recorder, sock: socket.socket, p: Params) -> None:
    # own step: open a stream on the parent's socket
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        # step: hear the child's hello
        trace.record("parent", "receives", await _receive(reader))
        # step: say hello to the son
        trace.record("parent", "sends", HELLO_SON)
        await _send(writer, HELLO_SON)
        # step: ask and hear the answers
        for n in range(1, p.rounds + 1):
            trace.record("parent", "sends", question(n))
            await _send(writer, question(n))
            trace.record("parent", "receives", await _receive(reader))
        # step: hang up
        trace.record("parent", "closes its end")
    finally:
        writer.close()
        await writer.wait_closed()


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the pipe
    parent_end, child_end = socket.socketpair()
    with parent_end, child_end:  # closes them even if a task never got to wrap its socket
        async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
            # step: start the child
            tg.create_task(_child(trace, child_end, p))
            # step: talk as the parent
            await _parent(trace, parent_end, p)
            # step: wait for the child to finish
        # leaving the TaskGroup waits for the child


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

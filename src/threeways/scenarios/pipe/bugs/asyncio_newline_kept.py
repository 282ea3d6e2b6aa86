"""Keeps the newline that readline() returns: every message arrives with its line's end.

``readline()`` returns the line with its newline (only the last line of a stream may
lack one). The learner decodes it and takes it for the message: the child hears "hello
son" plus a newline, then cannot read the number out of "what is 1 squared?" plus a
newline, and fails with ``ValueError`` (``removesuffix("\\n")`` takes it off). The
checker sees the child fail with that error, the newline shown in the number it could
not read.
"""

from __future__ import annotations

import asyncio
import socket
from asyncio import StreamReader, StreamWriter

from threeways import Recorder
from threeways.scenarios.pipe import HELLO_PARENT, HELLO_SON, Params, answer, question


async def _receive(reader: StreamReader) -> str | None:
    """The next message, or None once the other end is closed."""
    line = await reader.readline()
    return line.decode() if line else None  # the bug: the newline is still there


async def _send(writer: StreamWriter, message: str) -> None:
    writer.write(message.encode() + b"\n")
    await writer.drain()


async def _child(trace: Recorder, reader: StreamReader, writer: StreamWriter, p: Params) -> None:
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
    writer.close()


async def _parent(trace: Recorder, reader: StreamReader, writer: StreamWriter, p: Params) -> None:
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
    writer.close()  # the child's next readline() returns b""


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the pipe
    parent_end, child_end = socket.socketpair()
    parent_reader, parent_writer = await asyncio.open_connection(sock=parent_end)
    child_reader, child_writer = await asyncio.open_connection(sock=child_end)
    try:
        async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
            # step: start the child
            tg.create_task(_child(trace, child_reader, child_writer, p))
            # step: talk as the parent
            await _parent(trace, parent_reader, parent_writer, p)
            # step: wait for the child to finish
        # leaving the TaskGroup waits for the child
    finally:
        for writer in (parent_writer, child_writer):  # closed already, unless a side failed
            writer.close()
            await writer.wait_closed()


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

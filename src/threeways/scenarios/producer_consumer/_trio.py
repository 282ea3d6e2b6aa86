"""producer_consumer with trio: a memory channel between a cook task and dog tasks.

``trio.open_memory_channel(buffer)`` returns two ends. The cook owns the send end and
closes it when done (``async with send``); each dog holds a clone of the receive end and
its ``async for`` stops by itself when the channel is closed and empty, so no sentinel is
needed. Each end is closed by whoever holds it, which is how a trio program says "I am
done" (there is no ``task_done``/``join``). Beware: a buffer of 0 means no buffer in
trio, but an unbounded queue in ``queue`` and ``asyncio``.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import EAT_TICKS, Params, dog_names


async def _cook(trace: Recorder, bones: trio.MemorySendChannel[int], p: Params) -> None:
    async with bones:  # closes the send end when the cook is done
        for bone in range(1, p.bones + 1):
            # step: make a bone
            await trio.sleep(p.tick)
            trace.record("cook", "makes bone", bone)
            # step: put it on the queue
            await bones.send(bone)  # waits while the buffer is full
        # step: tell the dogs there are no more
        # no sentinel: the end of ``async with bones`` closes the send end, and each
        # dog's loop ends once the buffer is empty
    trace.record("cook", "is done")


async def _dog(
    trace: Recorder, name: str, bones: trio.MemoryReceiveChannel[int], p: Params
) -> None:
    async with bones:
        # step: take the next bone
        async for bone in bones:  # ends when the cook has closed and the buffer is empty
            # step: eat it
            trace.record(name, "eats bone", bone)
            await trio.sleep(EAT_TICKS * p.tick)
    # step: go home
    trace.record(name, "goes home")


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the queue
    send, receive = trio.open_memory_channel[int](p.buffer)
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery, receive:
            # step: start the cook and the dogs
            nursery.start_soon(_cook, trace, send, p)
            for name in dog_names(p.dogs):
                nursery.start_soon(_dog, trace, name, receive.clone(), p)
            # step: wait for everyone to finish
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

"""producer_consumer with trio: a memory channel between a cook task and dog tasks.

``trio.open_memory_channel(buffer)`` returns two ends. The cook owns the send end and
closes it when done (``async with bones``); each dog's ``async for`` stops by itself when
the channel is closed and empty, so no sentinel is needed. Each end is closed by whoever
holds it, which is how a trio program says "I am done" (there is no ``task_done``/
``join``). ``_put`` first tries ``send_nowait``, which raises ``trio.WouldBlock`` instead
of waiting, so that the cook can say when it waits for room. Beware: a buffer of 0 means
no buffer in trio (each send waits for a receive), but no limit in ``queue``,
``multiprocessing`` and ``asyncio``; trio's unbounded channel is
``open_memory_channel(math.inf)``.
"""

from __future__ import annotations

import trio

from threeways import Recorder

from . import EAT_TICKS, Params, dog_names


async def _put(trace: Recorder, bones: trio.MemorySendChannel[int], bone: int) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.send_nowait(bone)
    except trio.WouldBlock:
        trace.record("cook", "waits for room", bone)
        await bones.send(bone)  # until a dog takes one off (with buffer 0: takes this one)


async def _cook(trace: Recorder, bones: trio.MemorySendChannel[int], p: Params) -> None:
    async with bones:  # closes the send end when the cook is done
        for bone in range(1, p.bones + 1):
            # step: make a bone
            await trio.sleep(p.tick)
            trace.record("cook", "makes bone", bone)
            # step: put it on the queue
            await _put(trace, bones, bone)
        # step: tell the dogs there are no more
        # no sentinel: the end of ``async with bones`` closes the send end, and each
        # dog's loop ends once the buffer is empty
    trace.record("cook", "is done")


async def _dog(
    trace: Recorder, name: str, bones: trio.MemoryReceiveChannel[int], p: Params
) -> None:
    async with bones:  # closes this dog's clone of the receive end when it goes home
        # step: take the next bone
        async for bone in bones:  # ends when the cook has closed and the buffer is empty
            # step: eat it
            trace.record(name, "eats bone", bone)
            await trio.sleep(EAT_TICKS * p.tick)
    # step: go home
    trace.record(name, "goes home")


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the queue
    send, receive = trio.open_memory_channel[int](p.buffer)  # 0: no buffer, a hand-over
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the cook and the dogs
            nursery.start_soon(_cook, trace, send, p)
            async with receive:  # main's own end, closed once each dog has its clone
                for name in dog_names(p.dogs):
                    # A clone each: closing one closes only that clone, and the channel
                    # closes for receiving when the last clone does. Sharing one end, the
                    # first dog home would close it under the others (ClosedResourceError).
                    nursery.start_soon(_dog, trace, name, receive.clone(), p)
            # step: wait for everyone to finish
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

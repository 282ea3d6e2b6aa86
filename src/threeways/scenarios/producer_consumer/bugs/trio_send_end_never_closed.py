"""The cook never closes its send end: the dogs' async for waits for ever for more.

The learner's cook sends its bones and returns, and with no sentinel to send it seems
there is nothing left to do. But a dog's ``async for`` over the receive end ends only
when every send end is closed and the buffer is empty: the channel does not know that
the cook is gone. So the dogs eat every bone and then wait for the next one, for ever;
``trio.fail_after`` ends the run with ``TooSlowError``. The checker reports the run as
failed: no dog goes home, both stuck waiting for a bone.
"""

from __future__ import annotations

import trio

from threeways import Recorder
from threeways.scenarios.producer_consumer import EAT_TICKS, Params, dog_names


async def _put(trace: Recorder, bones: trio.MemorySendChannel[int], bone: int) -> None:
    # step: put it on, or say that it waits for room
    try:
        bones.send_nowait(bone)
    except trio.WouldBlock:
        trace.record("cook", "waits for room", bone)
        await bones.send(bone)  # until a dog takes one off (with buffer 0: takes this one)


async def _cook(trace: Recorder, bones: trio.MemorySendChannel[int], p: Params) -> None:
    for bone in range(1, p.bones + 1):
        # step: make a bone
        await trio.sleep(p.tick)
        trace.record("cook", "makes bone", bone)
        # step: put it on the queue
        await _put(trace, bones, bone)
    # step: tell the dogs there are no more
    # the bug: no sentinel and no ``async with bones``: the send end is never closed
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

"""The dogs share one receive end: the first dog home closes it under the others.

The learner hands every dog the same receive end, and each dog closes it when it goes
home (``async with bones``), as a trio task should close what it holds. But closing an
end closes it for everyone who uses it: the first dog to find the channel empty and
closed goes home and closes it while the other is still eating its last bone, and that
dog's next receive raises ``trio.ClosedResourceError``. Each dog needs its own
``receive.clone()``: the channel closes once the last clone does. The checker reports
the dog's ClosedResourceError.
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
            for name in dog_names(p.dogs):
                nursery.start_soon(_dog, trace, name, receive, p)  # the bug: one end for all
            # step: wait for everyone to finish
        # leaving the nursery waits for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

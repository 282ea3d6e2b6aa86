"""readers_writers with trio: a readers-writer lock built on one trio.Condition.

trio has none (trio #528 asks for one): ``_Book`` builds one, which makes this file longer
than the others. ``trio.Condition`` has no ``wait_for``: ``wait`` loops on ``wait()``, as
every change wakes every waiter. ``notify_all()`` needs the Condition's lock; the lock is
needed in one thread, as a reader holds the book across a checkpoint. A task that fails
makes the nursery cancel the rest, so the release needs no ``finally`` (in a cancelled
task it could not even take the Condition's lock); ``trio.fail_after`` bounds the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import trio

from threeways import Recorder

from . import BOOK, Params, may_leave, reader_names, writer_names, writers_turn


class _Book:  # the book, and a readers-writer lock on it: many readers, or one writer
    def __init__(self) -> None:
        self.changed = trio.Condition()
        self.edition, self.seen = 1, 0  # seen: how many readers have read this edition
        self.readers_in, self.writer_in, self.waiting = 0, False, 0  # waiting: writers

    async def wait(self, ready: Callable[[], bool]) -> None:
        while not ready():  # the caller holds the lock; wait() gives it up while asleep
            await self.changed.wait()

    def closed(self) -> bool:  # to new readers: the policy, a waiting writer goes first
        return bool(self.writer_in or self.waiting)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        async with self.changed:
            await self.wait(lambda: not self.closed())
            self.readers_in += 1
        yield  # no finally: an error cancels every task, none is left waiting for this one
        async with self.changed:
            self.readers_in -= 1
            self.changed.notify_all()  # the last reader out lets the writer in

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        async with self.changed:
            self.waiting += 1
            self.changed.notify_all()  # the readers inside wait for a writer at the door
            await self.wait(lambda: not self.writer_in and not self.readers_in)
            self.waiting -= 1
            self.writer_in = True
        yield
        async with self.changed:
            self.writer_in = False
            self.changed.notify_all()  # all the waiting readers may go in, not one


async def _reader(trace: Recorder, name: str, book: _Book, p: Params) -> None:
    for _ in range(p.writers + 1):  # editions 1 to writers + 1
        # step: wait for the book
        trace.record(name, "waits for", BOOK)
        async with book.reading():
            trace.record(name, "takes", BOOK)
            # step: read the edition
            trace.record(name, "reads", book.edition)  # no writer can change it now
            await trio.sleep(p.tick)
            # step: stay until all have read it and a writer waits
            async with book.changed:
                book.seen += 1
                book.changed.notify_all()
                await book.wait(lambda: may_leave(book.edition, book.seen, book.closed(), p))
            trace.record(name, "releases", BOOK)


async def _writer(trace: Recorder, name: str, k: int, book: _Book, p: Params) -> None:
    # step: wait until edition k is read
    trace.record(name, "waits its turn", k + 1)
    async with book.changed:
        await book.wait(lambda: writers_turn(k, book.edition, book.seen, p))
    # step: wait for the book
    trace.record(name, "waits for", BOOK)
    async with book.writing():
        trace.record(name, "takes", BOOK)
        # step: write the next edition
        await trio.sleep(p.tick)
        book.edition, book.seen = k + 1, 0  # no checkpoint in between: seen whole
        trace.record(name, "writes", k + 1)
        trace.record(name, "releases", BOOK)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the book
    book = _Book()
    with trio.fail_after(p.timeout):
        async with trio.open_nursery() as nursery:
            # step: start the readers and the writers
            for n in reader_names(p.readers):
                nursery.start_soon(_reader, trace, n, book, p)
            for k, n in enumerate(writer_names(p.writers), 1):
                nursery.start_soon(_writer, trace, n, k, book, p)
            # step: wait for everyone to finish
        # leaving the nursery waited for every task


def main(trace: Recorder, p: Params) -> None:
    trio.run(_main, trace, p)

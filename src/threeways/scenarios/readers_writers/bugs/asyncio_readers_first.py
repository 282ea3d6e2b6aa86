"""Readers first: a new reader joins the readers inside even while a writer waits.

``reading()`` lets a reader in whenever no writer holds the book, the textbook's first
readers-writer lock, and ignores the writer waiting at the door; with readers coming and
going all the time, that writer could wait for ever. Here the first reader to leave
comes straight back while the others are still in, gets in past the writer, and reads
edition 1 a second time: now more readers have read it than there are, the rendezvous
waits for a count that has gone past, and the writer for an empty book. The checker
reports the run timed out, the writer still waiting for the book.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from threeways import Recorder
from threeways.scenarios.readers_writers import (
    BOOK,
    Params,
    may_leave,
    reader_names,
    writer_names,
    writers_turn,
)


class _Book:  # the book, and a readers-writer lock on it: many readers, or one writer
    def __init__(self) -> None:
        self.changed = asyncio.Condition()
        self.edition, self.seen = 1, 0  # seen: how many readers have read this edition
        self.readers_in, self.writer_in, self.waiting = 0, False, 0  # waiting: writers

    def closed(self) -> bool:  # to new readers: the policy, a waiting writer goes first
        return bool(self.writer_in or self.waiting)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        async with self.changed:
            await self.changed.wait_for(lambda: not self.writer_in)  # the bug: readers first
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
            await self.changed.wait_for(lambda: not self.writer_in and not self.readers_in)
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
            await asyncio.sleep(p.tick)
            # step: stay until all have read it and a writer waits
            async with book.changed:
                book.seen += 1
                book.changed.notify_all()
                await book.changed.wait_for(
                    lambda: may_leave(book.edition, book.seen, book.closed(), p)
                )
            trace.record(name, "releases", BOOK)


async def _writer(trace: Recorder, name: str, k: int, book: _Book, p: Params) -> None:
    # step: wait until edition k is read
    trace.record(name, "waits its turn", k + 1)
    async with book.changed:
        await book.changed.wait_for(lambda: writers_turn(k, book.edition, book.seen, p))
    # step: wait for the book
    trace.record(name, "waits for", BOOK)
    async with book.writing():
        trace.record(name, "takes", BOOK)
        # step: write the next edition
        await asyncio.sleep(p.tick)
        book.edition, book.seen = k + 1, 0  # no await in between: no task sees half of it
        trace.record(name, "writes", k + 1)
        trace.record(name, "releases", BOOK)


async def _main(trace: Recorder, p: Params) -> None:
    # step: set up the book
    book = _Book()
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the readers and the writers
        for n in reader_names(p.readers):
            tg.create_task(_reader(trace, n, book, p))
        for k, n in enumerate(writer_names(p.writers), 1):
            tg.create_task(_writer(trace, n, k, book, p))
        # step: wait for everyone to finish
    # leaving the TaskGroup waited for every task


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

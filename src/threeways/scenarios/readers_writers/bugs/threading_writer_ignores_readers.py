"""The writer waits only for other writers: it goes in while readers are still reading.

``writing()`` waits until no writer holds the book, and forgets the readers: a writer that
comes while the readers are in takes the book at once and writes under them, so a reader
could see a half-written page. The readers hold the book when a writer asks for it (they
stay until one does), so it happens in every run: the checker reports that a writer took
the book while the readers held it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from threading import Condition, Thread

from threeways import Recorder
from threeways._support import join_all
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
        self.changed = Condition()
        self.edition, self.seen = 1, 0  # seen: how many readers have read this edition
        self.readers_in, self.writer_in, self.waiting = 0, False, 0  # waiting: writers

    def wait(self, ready: Callable[[], bool], timeout: float) -> None:
        if not self.changed.wait_for(ready, timeout):  # the caller holds the lock
            raise TimeoutError(f"waited {timeout:g}s for the book")

    def closed(self) -> bool:  # to new readers: the policy, a waiting writer goes first
        return bool(self.writer_in or self.waiting)

    @contextmanager
    def reading(self, timeout: float) -> Iterator[None]:
        with self.changed:
            self.wait(lambda: not self.closed(), timeout)
            self.readers_in += 1
        try:
            yield
        finally:
            with self.changed:
                self.readers_in -= 1
                self.changed.notify_all()  # the last reader out lets the writer in

    @contextmanager
    def writing(self, timeout: float) -> Iterator[None]:
        with self.changed:
            self.waiting += 1
            self.changed.notify_all()  # the readers inside wait for a writer at the door
            self.wait(lambda: not self.writer_in, timeout)  # the bug: readers_in is not checked
            self.waiting -= 1
            self.writer_in = True
        try:
            yield
        finally:
            with self.changed:
                self.writer_in = False
                self.changed.notify_all()  # all the waiting readers may go in, not one


def _reader(trace: Recorder, name: str, book: _Book, p: Params) -> None:
    for _ in range(p.writers + 1):  # editions 1 to writers + 1
        # step: wait for the book
        trace.record(name, "waits for", BOOK)
        with book.reading(p.timeout):
            trace.record(name, "takes", BOOK)
            # step: read the edition
            trace.record(name, "reads", book.edition)  # no writer can change it now
            time.sleep(p.tick)
            # step: stay until all have read it and a writer waits
            with book.changed:
                book.seen += 1
                book.changed.notify_all()
                book.wait(lambda: may_leave(book.edition, book.seen, book.closed(), p), p.timeout)
            trace.record(name, "releases", BOOK)


def _writer(trace: Recorder, name: str, k: int, book: _Book, p: Params) -> None:
    # step: wait until edition k is read
    trace.record(name, "waits its turn", k + 1)
    with book.changed:
        book.wait(lambda: writers_turn(k, book.edition, book.seen, p), p.timeout)
    # step: wait for the book
    trace.record(name, "waits for", BOOK)
    with book.writing(p.timeout):
        trace.record(name, "takes", BOOK)
        # step: write the next edition
        time.sleep(p.tick)
        with book.changed:  # the waiting writers read them under the Condition's lock
            book.edition, book.seen = k + 1, 0
        trace.record(name, "writes", k + 1)
        trace.record(name, "releases", BOOK)


def main(trace: Recorder, p: Params) -> None:
    # step: set up the book
    book = _Book()
    # step: start the readers and the writers
    workers = [Thread(target=_reader, args=(trace, n, book, p)) for n in reader_names(p.readers)]
    for k, n in enumerate(writer_names(p.writers), 1):
        workers.append(Thread(target=_writer, args=(trace, n, k, book, p)))
    for worker in workers:
        worker.start()
    # step: wait for everyone to finish
    join_all(workers, p.timeout)

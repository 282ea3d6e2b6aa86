"""readers_writers with processes: a readers-writer lock on the context's Condition.

The threads' lock, across processes: the Condition comes from the run's context, and the
counters live in shared memory, ``Value``s with no lock of their own (``lock=False``):
the Condition guards them. A manager would do too, but every read would be a message to
its server process. ``_Book`` is top-level, so spawn can pickle it for each child; this
file is longer than the others for it. multiprocessing checks that ``notify_all()`` holds
the lock with ``assert`` (AssertionError, and nothing under ``python -O``), where the
others raise RuntimeError. A terminated child never gives the book back: that is why
the parent waits for them all with a timeout.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

from threeways import Recorder
from threeways._support import join_all

from . import BOOK, Params, may_leave, reader_names, writer_names, writers_turn


class _Book:  # the book, and a readers-writer lock on it: many readers, or one writer
    def __init__(self, ctx: BaseContext) -> None:
        self.changed = ctx.Condition()
        self.edition, self.seen = ctx.Value("i", 1, lock=False), ctx.Value("i", 0, lock=False)
        self.readers_in = ctx.Value("i", 0, lock=False)
        self.writer_in = ctx.Value("i", 0, lock=False)  # 1 while a writer has the book
        self.waiting = ctx.Value("i", 0, lock=False)  # writers waiting at the door

    def wait(self, ready: Callable[[], bool], timeout: float) -> None:
        if not self.changed.wait_for(ready, timeout):  # the caller holds the lock
            raise TimeoutError(f"waited {timeout:g}s for the book")

    def closed(self) -> bool:  # to new readers: the policy, a waiting writer goes first
        return bool(self.writer_in.value or self.waiting.value)

    @contextmanager
    def reading(self, timeout: float) -> Iterator[None]:
        with self.changed:
            self.wait(lambda: not self.closed(), timeout)
            self.readers_in.value += 1
        try:
            yield
        finally:
            with self.changed:
                self.readers_in.value -= 1
                self.changed.notify_all()  # the last reader out lets the writer in

    @contextmanager
    def writing(self, timeout: float) -> Iterator[None]:
        with self.changed:
            self.waiting.value += 1
            self.changed.notify_all()  # the readers inside wait for a writer at the door
            self.wait(lambda: not self.writer_in.value and not self.readers_in.value, timeout)
            self.waiting.value -= 1
            self.writer_in.value = True
        try:
            yield
        finally:
            with self.changed:
                self.writer_in.value = False
                self.changed.notify_all()  # all the waiting readers may go in, not one


def _reader(trace: Recorder, name: str, book: _Book, p: Params) -> None:
    for _ in range(p.writers + 1):  # editions 1 to writers + 1
        # step: wait for the book
        trace.record(name, "waits for", BOOK)
        with book.reading(p.timeout):
            trace.record(name, "takes", BOOK)
            # step: read the edition
            trace.record(name, "reads", book.edition.value)  # no writer can change it now
            time.sleep(p.tick)
            # step: stay until all have read it and a writer waits
            with book.changed:
                book.seen.value += 1
                book.changed.notify_all()
                book.wait(
                    lambda: may_leave(book.edition.value, book.seen.value, book.closed(), p),
                    p.timeout,
                )
            trace.record(name, "releases", BOOK)


def _writer(trace: Recorder, name: str, k: int, book: _Book, p: Params) -> None:
    # step: wait until edition k is read
    trace.record(name, "waits its turn", k + 1)
    with book.changed:
        book.wait(lambda: writers_turn(k, book.edition.value, book.seen.value, p), p.timeout)
    # step: wait for the book
    trace.record(name, "waits for", BOOK)
    with book.writing(p.timeout):
        trace.record(name, "takes", BOOK)
        # step: write the next edition
        time.sleep(p.tick)
        with book.changed:  # the waiting writers read them under the Condition's lock
            book.edition.value, book.seen.value = k + 1, 0
        trace.record(name, "writes", k + 1)
        trace.record(name, "releases", BOOK)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    # step: set up the book
    book = _Book(ctx)
    with trace.child_sink() as sink:
        # step: start the readers and the writers
        workers = [
            ctx.Process(target=_reader, args=(sink, n, book, p), name=n)
            for n in reader_names(p.readers)
        ]
        for k, n in enumerate(writer_names(p.writers), 1):
            workers.append(ctx.Process(target=_writer, args=(sink, n, k, book, p)))
        for worker in workers:
            worker.start()
        # step: wait for everyone to finish
        join_all(workers, p.timeout)

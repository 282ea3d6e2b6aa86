"""rlock with processes: a multiprocessing RLock around balances in shared memory.

The same bank as with threads, but the clerks are processes, so the balances live in
shared memory (``ctx.Array("q", ..., lock=False)``: raw C long longs, one per account)
and so does the depth; the ``ctx.RLock()`` guards both. A multiprocessing RLock is owned
by one thread of one process: that thread may take it again, anyone else waits. The
bank object travels to each child as a pickled argument, with the shared memory and the
lock inside it (allowed only while starting a process), and its class is top-level so
spawn and forkserver can find it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext
from typing import Any

from threeways import Recorder
from threeways._support import join_all

from . import VAULT, Params, accounts, clerk_names, opening_balances


class _Bank:
    """Balances in shared memory behind one RLock; every public method takes it."""

    def __init__(self, trace: Recorder, ctx: BaseContext, p: Params) -> None:
        self._trace = trace
        self._tick = p.tick
        self._accounts = accounts(p)
        opening = opening_balances(p)
        self._balances: Any = ctx.Array("q", [opening[a] for a in self._accounts], lock=False)
        self._lock = ctx.RLock()
        self._depth: Any = ctx.Value("i", 0, lock=False)  # how many times the owner holds it

    @contextmanager
    def _level(self, who: str, what: str) -> Iterator[None]:
        """Take the lock (again, if this thread holds it) for one level of work."""
        with self._lock:
            self._depth.value += 1
            self._trace.record(who, f"enters {what}", self._depth.value)
            try:
                yield
            finally:
                self._trace.record(who, f"leaves {what}", self._depth.value)
                self._depth.value -= 1

    def transfer(self, who: str, source: str, target: str, amount: int) -> None:
        # step: lock for the whole transfer
        with self._level(who, "transfer"):
            # step: withdraw
            self.withdraw(who, source, amount)  # takes the lock again: depth 2
            # step: money in flight
            time.sleep(self._tick)  # an audit now would miss the money: it must wait
            # step: deposit
            self.deposit(who, target, amount)  # and again

    def withdraw(self, who: str, account: str, amount: int) -> None:
        # step: take money out
        with self._level(who, "withdraw"):
            self._balances[self._accounts.index(account)] -= amount

    def deposit(self, who: str, account: str, amount: int) -> None:
        # step: put money in
        with self._level(who, "deposit"):
            self._balances[self._accounts.index(account)] += amount

    def audit(self, who: str) -> int:
        # step: add up every balance
        with self._level(who, "audit"):
            total = int(sum(self._balances))
            self._trace.record(who, "sees total", total)
            return total

    def balances(self) -> dict[str, int]:
        with self._lock:
            return dict(zip(self._accounts, self._balances, strict=True))


def _clerk(trace: Recorder, name: str, bank: _Bank, p: Params) -> None:
    trace.record(name, "starts")
    for _ in range(p.transfers):
        # step: transfer from the vault
        bank.transfer(name, VAULT, name, p.amount)
        # step: audit the books
        bank.audit(name)


def main(trace: Recorder, p: Params) -> None:
    ctx = trace.mp_context
    with trace.child_sink() as sink:
        # step: open the bank
        bank = _Bank(sink, ctx, p)  # the children record through the bank's sink
        # step: start the clerks
        clerks = [
            ctx.Process(target=_clerk, args=(sink, name, bank, p), name=name)
            for name in clerk_names(p.clerks)
        ]
        for clerk in clerks:
            clerk.start()
        # step: wait for everyone to finish
        join_all(clerks, p.timeout)
    # step: close the books
    trace.record("bank", "closes the books", bank.balances())

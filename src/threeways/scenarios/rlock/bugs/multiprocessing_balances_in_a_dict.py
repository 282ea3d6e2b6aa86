"""The balances are a plain dict: each clerk's process changes its own copy of the bank.

The learner keeps the threads' bank, a dict of balances behind a ``ctx.RLock()``, and
hands it to each clerk's process. The lock is shared (it is a semaphore of the
operating system), but the dict is not: every process gets its own copy, pickled (spawn,
forkserver) or forked, and the transfers change only that copy. Each clerk's audits
add up its own copy, so they see the right total; the parent's dict is never touched,
and the books close as they opened. The checker sees the closing balances differ: the
vault still full and the clerks' accounts empty.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.rlock import VAULT, Params, clerk_names, opening_balances


class _Bank:
    """Balances behind one RLock; every public method takes it."""

    def __init__(self, trace: Recorder, ctx: BaseContext, p: Params) -> None:
        self._trace = trace
        self._tick = p.tick
        self._balances = opening_balances(p)  # the bug: each process gets its own copy
        self._lock = ctx.RLock()

    def transfer(self, who: str, source: str, target: str, amount: int) -> None:
        # step: lock for the whole transfer
        with self._lock, self._level(who, "transfer"):
            # step: withdraw
            self.withdraw(who, source, amount)  # public: it takes the lock again
            # step: money in flight
            time.sleep(self._tick)  # an audit now would miss the money: it must wait
            # step: deposit
            self.deposit(who, target, amount)  # and again

    def withdraw(self, who: str, account: str, amount: int) -> None:
        # step: take money out
        with self._lock, self._level(who, "withdraw"):  # in a transfer: a 2nd acquire
            self._balances[account] -= amount

    def deposit(self, who: str, account: str, amount: int) -> None:
        # step: put money in
        with self._lock, self._level(who, "deposit"):  # in a transfer: a 2nd acquire
            self._balances[account] += amount

    def audit(self, who: str) -> None:
        # step: add up every balance
        with self._lock, self._level(who, "audit"):
            self._trace.record(who, "sees total", sum(self._balances.values()))

    def balances(self) -> dict[str, int]:
        with self._lock:
            return dict(self._balances)

    @contextmanager
    def _level(self, who: str, what: str) -> Iterator[None]:
        # step: tell a level of locked work (it never locks: the caller holds the lock)
        self._trace.record(who, f"enters {what}")
        yield
        self._trace.record(who, f"leaves {what}")


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

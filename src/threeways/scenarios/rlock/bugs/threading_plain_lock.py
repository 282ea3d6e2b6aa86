"""A plain Lock where an RLock is needed: transfer's withdraw waits for ever for its own lock.

The learner protects the bank with ``threading.Lock()``: one lock, every public method
takes it. But transfer holds it while it calls withdraw, which takes it again, and a
plain Lock does not know who holds it: the second acquire waits for the lock to be
released, by the very thread that is waiting. Every clerk deadlocks on its first
transfer (the first on itself, the others waiting behind it), and ``with`` has no
timeout, so the checker's watchdog kills the hung run and reports who was stuck: a
clerk that entered its transfer and never left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from threeways import Recorder
from threeways._support import join_all
from threeways.scenarios.rlock import VAULT, Params, clerk_names, opening_balances


class _Bank:
    """Balances behind one Lock; every public method takes it."""

    def __init__(self, trace: Recorder, p: Params) -> None:
        self._trace = trace
        self._tick = p.tick
        self._balances = opening_balances(p)
        self._lock = threading.Lock()  # the bug: transfer takes it, then withdraw again

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
    # step: open the bank
    bank = _Bank(trace, p)
    # step: start the clerks
    clerks = [
        threading.Thread(target=_clerk, args=(trace, name, bank, p), name=name)
        for name in clerk_names(p.clerks)
    ]
    for clerk in clerks:
        clerk.start()
    # step: wait for everyone to finish
    join_all(clerks, p.timeout)
    # step: close the books
    trace.record("bank", "closes the books", bank.balances())

"""rlock with asyncio: no re-entrant lock, so lock once and call private helpers.

asyncio has no RLock (nor do trio and anyio: trio #1247, anyio #563): an ``asyncio.Lock``
taken again by the task that holds it waits for ever. The idiomatic answer: the public
methods (``transfer``, ``audit``) take the lock once, and the work they compose lives in
private helpers (``_withdraw``, ``_deposit``) that expect the caller to hold it. The lock
is needed at all only because a transfer awaits while the money is in flight.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from threeways import Recorder

from . import VAULT, Params, clerk_names, opening_balances


class _Bank:
    """Balances behind one asyncio.Lock; public methods take it, private ones never do."""

    def __init__(self, trace: Recorder, p: Params) -> None:
        self._trace = trace
        self._tick = p.tick
        self._balances = opening_balances(p)
        self._lock = asyncio.Lock()

    async def transfer(self, who: str, source: str, target: str, amount: int) -> None:
        # step: lock for the whole transfer
        async with self._lock:  # the only acquire: the helpers below rely on it
            with self._level(who, "transfer"):
                # step: withdraw
                self._withdraw(who, source, amount)  # private: it does not lock again
                # step: money in flight
                await asyncio.sleep(self._tick)  # an audit now would miss the money
                # step: deposit
                self._deposit(who, target, amount)

    def _withdraw(self, who: str, account: str, amount: int) -> None:
        # step: take money out
        with self._level(who, "withdraw"):  # no lock here: the caller holds it
            self._balances[account] -= amount

    def _deposit(self, who: str, account: str, amount: int) -> None:
        # step: put money in
        with self._level(who, "deposit"):  # no lock here: the caller holds it
            self._balances[account] += amount

    async def audit(self, who: str) -> None:
        # step: add up every balance
        async with self._lock:
            with self._level(who, "audit"):
                self._trace.record(who, "sees total", sum(self._balances.values()))

    def balances(self) -> dict[str, int]:
        return dict(self._balances)  # no await: nothing can change them meanwhile

    @contextmanager
    def _level(self, who: str, what: str) -> Iterator[None]:
        # step: tell a level of locked work (it never locks: the caller holds the lock)
        self._trace.record(who, f"enters {what}")
        yield
        self._trace.record(who, f"leaves {what}")


async def _clerk(trace: Recorder, name: str, bank: _Bank, p: Params) -> None:
    trace.record(name, "starts")
    for _ in range(p.transfers):
        # step: transfer from the vault
        await bank.transfer(name, VAULT, name, p.amount)
        # step: audit the books
        await bank.audit(name)


async def _main(trace: Recorder, p: Params) -> None:
    # step: open the bank
    bank = _Bank(trace, p)
    async with asyncio.timeout(p.timeout), asyncio.TaskGroup() as tg:
        # step: start the clerks
        for name in clerk_names(p.clerks):
            tg.create_task(_clerk(trace, name, bank, p))
        # step: wait for everyone to finish
    # step: close the books
    trace.record("bank", "closes the books", bank.balances())


def main(trace: Recorder, p: Params) -> None:
    asyncio.run(_main(trace, p))

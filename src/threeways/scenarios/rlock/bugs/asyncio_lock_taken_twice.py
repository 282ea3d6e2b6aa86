"""The helpers lock too, as in the threading bank: the asyncio.Lock waits for ever for itself.

The learner keeps the threading bank's shape: withdraw and deposit each take the lock,
and transfer, holding it, awaits them. asyncio has no RLock: an ``asyncio.Lock`` does not
know which task holds it, so the transfer's withdraw waits for the lock that its own
task holds, and every other clerk waits behind it. Nothing fails until
``asyncio.timeout`` cancels the run. The checker reports the run as failed, a clerk stuck
in its first transfer, never out of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from threeways import Recorder
from threeways.scenarios.rlock import VAULT, Params, clerk_names, opening_balances


class _Bank:
    """Balances behind one asyncio.Lock; every public method takes it."""

    def __init__(self, trace: Recorder, p: Params) -> None:
        self._trace = trace
        self._tick = p.tick
        self._balances = opening_balances(p)
        self._lock = asyncio.Lock()

    async def transfer(self, who: str, source: str, target: str, amount: int) -> None:
        # step: lock for the whole transfer
        async with self._lock:
            with self._level(who, "transfer"):
                # step: withdraw
                await self.withdraw(who, source, amount)  # the bug: it takes the lock again
                # step: money in flight
                await asyncio.sleep(self._tick)  # an audit now would miss the money
                # step: deposit
                await self.deposit(who, target, amount)

    async def withdraw(self, who: str, account: str, amount: int) -> None:
        # step: take money out
        async with self._lock:
            with self._level(who, "withdraw"):
                self._balances[account] -= amount

    async def deposit(self, who: str, account: str, amount: int) -> None:
        # step: put money in
        async with self._lock:
            with self._level(who, "deposit"):
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

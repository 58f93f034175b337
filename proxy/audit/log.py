"""The Merkle audit log: group commit of concurrent appends, heartbeat checkpoints, digests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxy.audit.records import Digester, Entry, validate
from proxy.audit.store import PruneSpec, Store
from proxy.audit.types import AuditError

log = logging.getLogger(__name__)


@dataclass
class _Op:
    records: list[Entry]
    fut: asyncio.Future[list[int]]
    reason: str | None = None
    prune: list[PruneSpec] = field(default_factory=list)


class MerkleAuditLog:
    """``AuditLog`` over a ``Store``.

    Appends wait in a queue; one task takes up to ``batch_max`` of them (under concurrent load
    waiting up to ``batch_wait_ms`` for more) and commits them in one store transaction, then
    resolves every waiter with its leaf index, or with AuditError if the commit failed. A
    heartbeat task asks for an ``interval`` checkpoint a few times per ``interval_s``; the store
    signs one only when due.
    """

    def __init__(
        self,
        store: Store,
        digester: Digester,
        *,
        batch_max: int,
        batch_wait_ms: float,
        interval_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._digest = digester
        self.batch_max = batch_max
        self.batch_wait = batch_wait_ms / 1000
        self.interval_s = interval_s
        self.clock = clock
        self._queue: asyncio.Queue[_Op] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._last_commit_failed = False

    async def start(self, announce: bool = True) -> None:
        """Open the store and start writing; ``announce`` signs a ``start`` checkpoint."""
        await self.store.open()
        self._tasks = [
            asyncio.create_task(self._batcher(), name="audit-batcher"),
            asyncio.create_task(self._heartbeat(), name="audit-heartbeat"),
        ]
        self._started = True
        if announce:
            await self.checkpoint("start")

    async def append(self, record: dict[str, Any]) -> int:
        return (await self._submit([validate(record)]))[0]

    async def checkpoint(self, reason: str = "export") -> None:
        """Sign a checkpoint now (``start``/``stop``/``export``), or if due (``interval``)."""
        await self._submit([], reason=reason)

    async def prune(self, specs: list[PruneSpec]) -> list[int]:
        """Drop leaf data per spec (hashes kept); returns the indexes of the admin.prune records."""
        return await self._submit([], prune=specs)

    def digest(self, value: str) -> str:
        return self._digest(value)

    async def ready(self) -> bool:
        """Running, commits go through and the store's write probe passes. After a failed commit
        (the heartbeat commits every ``interval_s / 4``, so a store that fails on disk, full say,
        shows here) a commit is tried now: ready again as soon as the store is."""
        if not self._started or any(t.done() for t in self._tasks):
            return False
        if self._last_commit_failed:
            try:
                await self.checkpoint("interval")
            except AuditError:
                return False
        return await self.store.ready()

    async def close(self, stop: bool = True) -> None:
        """Sign a last checkpoint and stop. ``stop=False`` (short-lived writers such as the CLI
        next to a running proxy) signs an ``export`` checkpoint instead of ``stop``, which would
        excuse the silence after it."""
        if self._started:
            self._started = False  # new appends fail from here; those queued commit first (FIFO)
            with contextlib.suppress(AuditError):
                await self._enqueue([], reason="stop" if stop else "export")
        # Not started (or a start cut short): nothing to sign, but what start() opened is closed.
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks = []
        while not self._queue.empty():
            op = self._queue.get_nowait()
            if not op.fut.done():
                op.fut.set_exception(AuditError("audit log closed"))
        await self.store.close()

    async def _submit(
        self,
        records: list[Entry],
        reason: str | None = None,
        prune: list[PruneSpec] | None = None,
    ) -> list[int]:
        if not self._started:
            raise AuditError("audit log is not running")
        return await self._enqueue(records, reason, prune)

    async def _enqueue(
        self,
        records: list[Entry],
        reason: str | None = None,
        prune: list[PruneSpec] | None = None,
    ) -> list[int]:
        if not self._tasks or self._tasks[0].done():
            raise AuditError("audit writer is not running")
        fut: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Op(records, fut, reason, prune or []))
        # The commit must finish even if the caller goes away: its record may be acknowledged.
        return await asyncio.shield(fut)

    async def _batcher(self) -> None:
        loaded = False
        while True:
            ops = [await self._queue.get()]
            n = len(ops[0].records)
            # Wait for company only under concurrent load; a lone append commits at once.
            wait = self.batch_wait if loaded else 0.0
            deadline = asyncio.get_running_loop().time() + wait
            while n < self.batch_max and not (ops[-1].reason or ops[-1].prune):
                try:
                    op = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    left = deadline - asyncio.get_running_loop().time()
                    if left <= 0:
                        break
                    try:
                        op = await asyncio.wait_for(self._queue.get(), left)
                    except TimeoutError:
                        break
                ops.append(op)
                n += len(op.records)
            loaded = len(ops) > 1
            await self._commit(ops)

    async def _commit(self, ops: list[_Op]) -> None:
        records = [r for op in ops for r in op.records]
        reason = next((op.reason for op in ops if op.reason), None)
        prune = [p for op in ops for p in op.prune]
        try:
            indexes = await self.store.write(records, reason, prune)
        except Exception as e:
            self._last_commit_failed = True
            err = e if isinstance(e, AuditError) else AuditError(f"audit commit failed: {e!r}")
            log.error("audit commit failed", extra={"error": str(err)})
            for op in ops:
                if not op.fut.done():
                    op.fut.set_exception(err)
            return
        self._last_commit_failed = False
        pos = 0
        for op in ops:
            k = len(indexes) - pos if op.prune else len(op.records)
            if not op.fut.done():
                op.fut.set_result(indexes[pos : pos + k])
            pos += k

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s / 4)
            try:
                await self.checkpoint("interval")
            except AuditError:
                pass  # the batcher logged it; ready() and the next append report the failure

"""The store contract behind the Merkle log (SQLite and PostgreSQL implement it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from proxy.audit.records import Entry
from proxy.audit.sequencer import LeafRow, Sequencer


@dataclass(frozen=True)
class PruneSpec:
    tenant: str
    before: str  # RFC 3339 UTC, compared with ``logged_at``


@dataclass(frozen=True)
class CheckpointRow:
    id: int
    body: bytes
    signature: bytes


def prune_record(spec: PruneSpec, count: int) -> dict[str, Any]:
    return {"kind": "admin.prune", "tenant": spec.tenant, "before": spec.before, "count": count}


class Store(Protocol):
    """Durable storage of leaves, value digests, checkpoints and the tree head.

    ``write`` runs one transaction under the store's sequencer lock: optional prunes (leaf data
    set to NULL, hashes kept, one ``admin.prune`` record each appended in the same transaction),
    then ``sequencer.sequence`` over the head read under the lock, then the inserts. It returns
    the leaf indexes (records, then prune records) once the commit is durable; AuditError if not.
    """

    sequencer: Sequencer

    async def open(self) -> None: ...

    async def write(
        self,
        records: list[Entry],
        reason: str | None = None,
        prune: list[PruneSpec] | None = None,
    ) -> list[int]: ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...

    def reader(self) -> AbstractAsyncContextManager[Reader]: ...


class Reader(Protocol):
    """A consistent read-only snapshot of a store."""

    async def size(self) -> int: ...

    async def head_size(self) -> int:
        """The size the sequencer last wrote (compared with the leaves actually held)."""
        ...

    def leaves(
        self,
        *,
        tenant: str | None = None,
        since: str | None = None,
        until: str | None = None,
        with_pruned: bool = True,
    ) -> AsyncIterator[LeafRow]:
        """Leaves in index order; with filters, only unpruned ones of that tenant/time range."""
        ...

    async def count(
        self, *, tenant: str | None = None, since: str | None = None, until: str | None = None
    ) -> int: ...

    async def leaf_hashes(self) -> list[bytes]: ...

    async def checkpoints(self) -> list[CheckpointRow]: ...

    async def last_checkpoint(self) -> CheckpointRow | None: ...

    async def find(self, digests: list[str]) -> list[int]: ...

    async def get(self, indexes: list[int]) -> list[LeafRow]: ...

"""The sequencing step shared by every store: within the store's locked write transaction, turn a
batch of records into numbered leaves, extend the tree and sign a checkpoint when one is due.

Stores call ``Sequencer.sequence`` with the head they read under their lock and write back what it
returns in the same transaction, so whichever process holds the lock is the one sequencer of that
moment and the tree stays one contiguous sequence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from proxy.audit.merkle import Frontier, leaf_hash
from proxy.audit.records import Entry, leaf_bytes, rfc3339
from proxy.audit.signing import KeyRing

# Checkpoint reasons: size (every N records), interval (T seconds, also when idle), start, stop,
# export (forced so that proofs have a checkpoint to point at). A gap after ``stop`` is expected.
FORCED_REASONS = {"start", "stop", "export"}


@dataclass
class Head:
    size: int = 0
    frontier: list[bytes] = field(default_factory=list)
    last_cp_time: float | None = None
    last_cp_size: int = 0

    def frontier_blob(self) -> bytes:
        return b"".join(self.frontier)

    @staticmethod
    def split(blob: bytes) -> list[bytes]:
        return [blob[i : i + 32] for i in range(0, len(blob), 32)]


@dataclass
class LeafRow:
    idx: int
    logged_at: str
    tenant: str | None
    kind: str
    leaf_hash: bytes
    data: bytes | None


@dataclass
class Sequenced:
    leaves: list[LeafRow]
    digests: list[tuple[str, int]]
    checkpoint: dict[str, Any] | None
    head: Head


class Sequencer:
    def __init__(
        self,
        origin: str,
        keyring: KeyRing,
        checkpoint_every: int,
        interval_s: float,
        clock: Callable[[], float],
    ) -> None:
        self.origin = origin
        self.keyring = keyring
        self.every = checkpoint_every
        self.interval_s = interval_s
        self.clock = clock

    def sequence(self, head: Head, entries: list[Entry], reason: str | None) -> Sequenced:
        now = self.clock()
        logged_at = rfc3339(now)
        tree = Frontier(head.size, head.frontier)
        leaves: list[LeafRow] = []
        digests: list[tuple[str, int]] = []
        for e in entries:
            rec, idx = e.record, tree.size
            data = leaf_bytes(idx, logged_at, e.data)
            lh = leaf_hash(data)
            tree.append(lh)
            tenant = rec.get("tenant")
            leaves.append(
                LeafRow(
                    idx,
                    logged_at,
                    tenant if isinstance(tenant, str) else None,
                    rec["kind"],
                    lh,
                    data,
                )
            )
            digests.extend((d, idx) for d in rec.get("value_digests", []))
        due = head.last_cp_time is None or now - head.last_cp_time >= self.interval_s
        why = None
        if reason in FORCED_REASONS:
            why = reason
        elif tree.size // self.every > head.size // self.every:
            why = "size"
        elif due and (reason == "interval" or entries):
            why = "interval"
        checkpoint = None
        new = Head(tree.size, tree.hashes, head.last_cp_time, head.last_cp_size)
        if why is not None:
            checkpoint = self.keyring.sign(self.origin, tree.size, tree.root(), logged_at, why)
            new.last_cp_time, new.last_cp_size = now, tree.size
        return Sequenced(leaves, digests, checkpoint, new)

"""``audit verify``: prove the log untouched, or name what was done to it.

From a store snapshot it re-hashes every leaf, checks that leaf ``i`` says it is leaf ``i`` (so a
gap reads as deleted, a duplicate as inserted, a permutation as reordered), recomputes the root at
every signed checkpoint, checks each checkpoint's signature against the public key valid at its
time, the consistency proof between successive checkpoints, that no size has two roots, that the
log still holds every leaf a checkpoint covered (truncation), that pruned leaves are exactly those
an ``admin.prune`` record accounts for, and that no gap between checkpoints exceeds the heartbeat
tolerance (unless the earlier one says the log stopped). Proof bundles from a subject export are
checked offline by ``verify_bundle``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from proxy.audit.merkle import Tree, leaf_hash, verify_consistency, verify_inclusion
from proxy.audit.records import canonical, parse_time
from proxy.audit.signing import PublicKey, check_signature
from proxy.audit.store import CheckpointRow, Reader
from proxy.audit.types import AuditError

# Finding kinds, stable codes for scripts and tests.
Kind = Literal[
    "modified",
    "deleted",
    "inserted",
    "reordered",
    "truncated",
    "forged_signature",
    "unknown_key",
    "conflicting_roots",
    "inconsistent",
    "missing_heartbeat",
    "malformed",
]


@dataclass
class Finding:
    kind: Kind
    message: str
    index: int | None = None


@dataclass
class Report:
    size: int = 0
    checkpoints: int = 0
    verified_size: int = 0
    pruned: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def kinds(self) -> set[str]:
        return {f.kind for f in self.findings}

    def add(self, kind: Kind, message: str, index: int | None = None) -> None:
        self.findings.append(Finding(kind, message, index))

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, **{k: v for k, v in asdict(self).items()}}


def heartbeat_tolerance(interval_s: float) -> float:
    """Longest acceptable gap between checkpoints: twice the interval plus five seconds."""
    return 2 * interval_s + 5


@dataclass(slots=True)
class _Leaf:
    ordinal: int
    claimed: int
    hash: bytes
    pruned: bool
    tenant: str | None
    logged_at: str
    record: dict[str, Any] | None


async def verify_store(
    reader: Reader,
    keys: list[PublicKey],
    *,
    origin: str,
    interval_s: float,
    now: float | None = None,
    witnessed: list[CheckpointRow] | None = None,
) -> Report:
    """Verify a snapshot. ``witnessed`` are checkpoints kept outside the store (``audit
    checkpoint``); they are checked like the stored ones, so a log cut back together with its own
    checkpoints is still found truncated."""
    rep = Report()
    leaves: list[_Leaf] = []
    async for row in reader.leaves():
        k = len(leaves)
        if row.data is None:
            leaves.append(_Leaf(k, row.idx, row.leaf_hash, True, row.tenant, row.logged_at, None))
            continue
        h = leaf_hash(row.data)
        claimed, record = row.idx, None
        try:
            obj = json.loads(row.data)
            claimed, record = int(obj["index"]), obj["record"]
            if not isinstance(record, dict):
                raise ValueError("no record")
        except (ValueError, KeyError, TypeError):
            rep.add("modified", f"leaf at position {k} is not a leaf object", k)
        if h != row.leaf_hash:
            rep.add("modified", f"record {claimed} at position {k} does not match its hash", k)
        # Only prune records are needed later; keeping every record would not scale.
        record = (
            record if isinstance(record, dict) and record.get("kind") == "admin.prune" else None
        )
        leaves.append(_Leaf(k, claimed, h, False, row.tenant, row.logged_at, record))
    rep.size = len(leaves)
    rep.pruned = sum(lf.pruned for lf in leaves)
    _check_sequence(rep, leaves)
    head = await reader.head_size()
    if head > rep.size and "deleted" not in rep.kinds:
        rep.add(
            "truncated", f"the log head says {head} records, the log holds {rep.size}", rep.size
        )
    elif head < rep.size and "inserted" not in rep.kinds:
        rep.add("inserted", f"the log holds {rep.size} records, its head says {head}", head)
    _check_prunes(rep, leaves)
    tree = Tree([lf.hash for lf in leaves])
    rows = await reader.checkpoints() + list(witnessed or [])
    _check_checkpoints(rep, rows, tree, keys, origin, interval_s, now)
    return rep


def _check_sequence(rep: Report, leaves: list[_Leaf]) -> None:
    claims = [lf.claimed for lf in leaves]
    counts = Counter(claims)
    for lf in leaves:
        if counts[lf.claimed] > 1 and lf.claimed != lf.ordinal:
            rep.add(
                "inserted",
                f"record at position {lf.ordinal} repeats index {lf.claimed}",
                lf.ordinal,
            )
    if not claims:
        return
    present = set(claims)
    missing = [i for i in range(max(claims) + 1) if i not in present]
    for i in missing:
        rep.add("deleted", f"record {i} is missing", i)
    if not missing and not any(c > 1 for c in counts.values()):
        moved = [lf.ordinal for lf in leaves if lf.claimed != lf.ordinal]
        if moved:
            rep.add("reordered", f"records at positions {moved[:20]} are out of order", moved[0])


def _check_prunes(rep: Report, leaves: list[_Leaf]) -> None:
    prunes = [
        (lf.ordinal, lf.record)
        for lf in leaves
        if lf.record is not None and lf.record.get("kind") == "admin.prune"
    ]
    owned: dict[int, int] = defaultdict(int)
    for lf in leaves:
        if not lf.pruned:
            continue
        owner = next(
            (
                i
                for i, r in prunes
                if i > lf.ordinal
                and r.get("tenant") == lf.tenant
                and lf.logged_at < str(r.get("before"))
            ),
            None,
        )
        if owner is None:
            rep.add(
                "deleted",
                f"record {lf.ordinal} lost its content without a prune record",
                lf.ordinal,
            )
        else:
            owned[owner] += 1
    for i, r in prunes:
        if owned[i] != r.get("count"):
            rep.add(
                "deleted",
                f"prune record {i} accounts for {r.get('count')} records, {owned[i]} are pruned",
                i,
            )


def _check_checkpoints(
    rep: Report,
    rows: list[CheckpointRow],
    tree: Tree,
    keys: list[PublicKey],
    origin: str,
    interval_s: float,
    now: float | None,
) -> None:
    rep.checkpoints = len(rows)
    valid: list[dict[str, Any]] = []
    stored: list[dict[str, Any]] = []  # in the order the sequencer wrote them
    for row in rows:
        status, cp = check_signature(keys, row.body, row.signature)
        if status == "malformed" or cp is None:
            rep.add("malformed", f"checkpoint {_name(row)} cannot be read")
            continue
        if status != "ok":
            what = "a forged signature" if status == "forged_signature" else "an unknown key"
            rep.add(
                status,
                f"checkpoint {_name(row)} (size {cp.get('size')}) has {what} "
                f"(key {cp.get('key_id')})",
            )
            continue
        if cp.get("origin") != origin:
            rep.add("unknown_key", f"checkpoint {_name(row)} is for origin {cp.get('origin')!r}")
            continue
        valid.append(cp)
        if row.id >= 0:
            stored.append(cp)
    # Leaf-level findings (with an index) explain root mismatches above them.
    explained = min((f.index for f in rep.findings if f.index is not None), default=None)
    missing = sum(f.kind == "deleted" for f in rep.findings)
    roots: dict[int, set[str]] = defaultdict(set)
    matched: set[int] = set()
    for cp in valid:
        size = int(cp["size"])
        roots[size].add(str(cp["root"]))
        if size <= tree.size and tree.root(size).hex() == cp["root"]:
            matched.add(size)
    conflicted = {size for size, rs in roots.items() if len(rs) > 1}
    for size in sorted(conflicted):
        rep.add(
            "conflicting_roots", f"{len(roots[size])} different roots signed for size {size}", size
        )
    rep.verified_size = max(matched, default=0)
    top = max(roots, default=0)
    if top > tree.size + missing:
        rep.add(
            "truncated", f"a checkpoint covers {top} records, the log holds {tree.size}", tree.size
        )
    bad = sorted(size for size in roots if size <= tree.size and size not in matched)
    if bad and (explained is None or explained >= bad[0]):
        below = max((m for m in matched if m < bad[0]), default=0)
        rep.add(
            "modified",
            f"records in [{below}, {bad[0]}) do not match the signed checkpoint for size {bad[0]}",
            below,
        )
    # Write order (not clock order: replicas' clocks differ) must never shrink the tree.
    for a, b in zip(stored, stored[1:], strict=False):
        m, n = int(a["size"]), int(b["size"])
        if m > n and not {m, n} & (conflicted | set(bad)):
            rep.add("inconsistent", f"checkpoint size goes back from {m} to {n}", n)
    # Each signed size is consistent with the next larger one (RFC 9162 consistency proofs).
    by_size = {int(c["size"]): c for c in valid if int(c["size"]) not in conflicted}
    sizes = sorted(s for s in by_size if s not in bad)
    for m, n in zip(sizes, sizes[1:], strict=False):
        a, b = by_size[m], by_size[n]
        if 0 < m < n <= tree.size and not verify_consistency(
            m,
            n,
            bytes.fromhex(a["root"]),
            bytes.fromhex(b["root"]),
            tree.consistency_proof(m, n),
        ):
            rep.add("inconsistent", f"checkpoints at sizes {m} and {n} are not consistent", m)
    _check_heartbeats(rep, valid, interval_s, now)


def _name(row: CheckpointRow) -> str:
    return str(row.id) if row.id >= 0 else "given with --checkpoint"


def checkpoint_file(row: CheckpointRow) -> dict[str, str]:
    """A checkpoint as kept outside the log (``audit checkpoint``)."""
    return {"body": row.body.decode(), "signature": row.signature.hex()}


def read_checkpoint_file(d: Any) -> CheckpointRow:
    try:
        return CheckpointRow(-1, str(d["body"]).encode(), bytes.fromhex(d["signature"]))
    except (KeyError, TypeError, ValueError) as e:
        raise AuditError("not a checkpoint file") from e


def _check_heartbeats(
    rep: Report, valid: list[dict[str, Any]], interval_s: float, now: float | None
) -> None:
    tol = heartbeat_tolerance(interval_s)
    ordered = sorted(valid, key=lambda c: parse_time(c["time"]))
    for a, b in zip(ordered, ordered[1:], strict=False):
        gap = parse_time(b["time"]) - parse_time(a["time"])
        if gap > tol and a.get("reason") != "stop":
            rep.add(
                "missing_heartbeat",
                f"no checkpoint for {gap:.0f} s after {a['time']} (tolerance {tol:.0f} s)",
                int(a["size"]),
            )
    if now is not None and ordered and ordered[-1].get("reason") != "stop":
        gap = now - parse_time(ordered[-1]["time"])
        if gap > tol:
            rep.add(
                "missing_heartbeat",
                f"no checkpoint for {gap:.0f} s since "
                f"{ordered[-1]['time']} (tolerance {tol:.0f} s)",
                int(ordered[-1]["size"]),
            )


def verify_bundle(bundle: dict[str, Any], keys: list[PublicKey] | None = None) -> Report:
    """Check a subject export offline: every record's inclusion proof against its signed
    checkpoint. ``keys`` pins the trusted public keys; without it the bundle's own are used."""
    rep = Report()
    try:
        cp_body = bundle["checkpoint"]["body"].encode()
        sig = bytes.fromhex(bundle["checkpoint"]["signature"])
        trusted = keys if keys is not None else [PublicKey.from_json(k) for k in bundle["keys"]]
        records = bundle["records"]
    except (KeyError, TypeError, ValueError, AttributeError):
        rep.add("malformed", "not a proof bundle")
        return rep
    status, cp = check_signature(trusted, cp_body, sig)
    if status != "ok" or cp is None:
        rep.add("malformed" if status == "ok" else status,
                "the bundle's checkpoint signature does not verify")
        return rep
    rep.checkpoints, rep.size = 1, int(cp["size"])
    root = bytes.fromhex(cp["root"])
    for item in records:
        try:
            leaf = item["leaf"]
            i = int(leaf["index"])
            lh = leaf_hash(canonical(leaf))
            proof = [bytes.fromhex(p) for p in item["proof"]]
        except (KeyError, TypeError, ValueError, AuditError):
            rep.add("malformed", "a record in the bundle cannot be read")
            continue
        if not verify_inclusion(lh, i, rep.size, proof, root):
            rep.add("modified", f"record {i} is not included in the signed tree", i)
    rep.verified_size = rep.size if rep.ok else 0
    return rep

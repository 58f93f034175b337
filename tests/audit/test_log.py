"""The SQLite-backed log: group commit, durability, failing closed, digests, heartbeats, keys."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import stat
from pathlib import Path

import pytest

from proxy.audit import open_audit_log, open_store
from proxy.audit.records import canonical, leaf_bytes, leaf_object
from proxy.audit.signing import load_public_keys
from proxy.audit.types import AuditError
from proxy.audit.verify import verify_store
from proxy.config import load_settings
from tests.audit.helpers import Clock, build_log, make_settings, request_record


async def test_concurrent_appends_are_batched_contiguous_and_durable(tmp_path: Path) -> None:
    s = make_settings(tmp_path, batch_max=64, batch_wait_ms=5)
    log = open_audit_log(s)
    await log.start()
    calls = []
    write = log.store.write

    async def counting(records, reason=None, prune=None):  # type: ignore[no-untyped-def]
        calls.append(len(records))
        return await write(records, reason, prune)

    log.store.write = counting  # type: ignore[method-assign]
    try:
        idx = await asyncio.gather(
            *[log.append(request_record(log, i, "acme")) for i in range(300)]
        )
        assert sorted(idx) == list(range(300))
        assert max(calls) > 1 and max(calls) <= 64
        assert sum(calls) == 300
        # Durable and visible to another connection as soon as append returned.
        conn = sqlite3.connect(s.audit_sqlite_path)
        rows = conn.execute("SELECT idx, data FROM leaves ORDER BY idx").fetchall()
        conn.close()
        ids = {json.loads(d)["record"]["decision_id"]: i for i, d in rows}
        assert len(ids) == 300
        jm = sqlite3.connect(s.audit_sqlite_path).execute("PRAGMA journal_mode").fetchone()[0]
        assert jm == "wal"
    finally:
        await log.close()


async def test_unwritable_store_raises_audit_error_and_recovers(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    log = open_audit_log(s)
    await log.start()
    try:
        assert await log.append(request_record(log, 0, "acme")) == 0
        conn = sqlite3.connect(s.audit_sqlite_path)
        conn.execute("ALTER TABLE leaves RENAME TO leaves_gone")
        conn.commit()
        with pytest.raises(AuditError):
            await log.append(request_record(log, 1, "acme"))
        assert not await log.ready()
        conn.execute("ALTER TABLE leaves_gone RENAME TO leaves")
        conn.commit()
        conn.close()
        assert await log.ready()
        assert await log.append(request_record(log, 2, "acme")) == 1
    finally:
        await log.close()


@pytest.mark.parametrize(
    "record",
    [
        {"kind": "request", "value_digests": ["alice@example.com"]},
        {"kind": "request", "value_digests": "0" * 64},
        {"kind": "request", "entities": {"alice@example.com": 1}},
        {"kind": "request", "entities": {"EMAIL_ADDRESS": "alice@example.com"}},
        {"kind": "request", "latency_ms": {"detect": float("nan")}},
        {"no_kind": True},
        {"kind": "request", "model_requested": "alice@example.com"},
        {"kind": "request", "reasons": [{"code": "x", "text": "mail alice@example.com"}]},
    ],
)
async def test_records_that_could_hold_raw_values_are_refused(tmp_path: Path, record: dict) -> None:
    log = open_audit_log(make_settings(tmp_path))
    await log.start()
    try:
        with pytest.raises(AuditError) as e:
            await log.append(record)
        assert "alice" not in str(e.value)
    finally:
        await log.close()


def test_digest_is_keyed_normalised_and_key_file_is_private(tmp_path: Path) -> None:
    s = load_settings(None, server={"data_dir": str(tmp_path)})
    a = open_audit_log(s)
    assert a.digest("Alice@Example.com ") == a.digest("alice@example.com")
    assert a.digest("+44 20 7946-0958") == a.digest("+442079460958")
    assert a.digest("alice@example.com") != a.digest("bob@example.com")
    key_file = tmp_path / "audit_hmac.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert open_audit_log(s).digest("x@y.z") == a.digest("x@y.z")
    other = load_settings(None, server={"data_dir": str(tmp_path / "o")})
    assert open_audit_log(other).digest("x@y.z") != a.digest("x@y.z")
    pem = list((tmp_path / "keys").glob("*.pem"))
    assert len(pem) == 1 and stat.S_IMODE(pem[0].stat().st_mode) == 0o600


async def test_idle_log_writes_heartbeat_checkpoints(tmp_path: Path) -> None:
    s = make_settings(tmp_path, checkpoint_interval_s=0.2)
    log = open_audit_log(s)
    await log.start()
    try:
        for _ in range(100):
            await asyncio.sleep(0.1)
            async with log.store.reader() as r:
                reasons = [json.loads(c.body)["reason"] for c in await r.checkpoints()]
            if reasons.count("interval") >= 2:
                break
        assert reasons[0] == "start" and reasons.count("interval") >= 2
    finally:
        await log.close()


async def test_rotated_keys_keep_old_checkpoints_verifiable(tmp_path: Path) -> None:
    s, clock = make_settings(tmp_path), Clock()
    log = await build_log(s, clock)
    ring = log.store.sequencer.keyring
    old = ring.public_keys()[0].key_id
    clock.t += 10
    new = ring.rotate()
    await log.append({"kind": "admin.keys", "action": "rotate", "key_id": new})
    clock.t += 10
    await log.checkpoint("export")
    await log.close()
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    assert [k.key_id for k in keys] == [old, new]
    assert keys[0].not_after is not None and keys[1].not_after is None
    assert not (s.signing_key_dir / f"{old}.pem").exists()
    async with open_store(s, clock).reader() as r:
        used = {json.loads(c.body)["key_id"] for c in await r.checkpoints()}
        rep = await verify_store(r, keys, origin=s.audit.origin, interval_s=60, now=clock.t)
    assert used == {old, new}
    assert rep.ok, rep.findings
    # Without the retired key, its checkpoints no longer verify.
    async with open_store(s, clock).reader() as r:
        rep = await verify_store(r, keys[1:], origin=s.audit.origin, interval_s=60, now=clock.t)
    assert rep.kinds == {"unknown_key"}


@pytest.mark.parametrize(
    "record",
    [
        {"kind": "request", "latency_ms": {"detect": 1e21, "x": 0.1, "y": -0.0}, "n": 10**15},
        {"kind": "admin.x", "text": 'é \u2028 😀 "q" \\', "ünï": [True, None, {"b": 1, "a": 2}]},
    ],
)
def test_leaf_bytes_equal_canonical_leaf_object(record: dict) -> None:
    data = canonical(record)
    assert leaf_bytes(12, "2026-05-28T00:00:00.000000Z", data) == canonical(
        leaf_object(12, "2026-05-28T00:00:00.000000Z", record)
    )


async def test_close_during_appends_commits_or_refuses_each_and_hangs_none(tmp_path: Path) -> None:
    s = make_settings(tmp_path)
    log = open_audit_log(s)
    await log.start()
    appends = [asyncio.ensure_future(log.append(request_record(log, i, "acme"))) for i in range(50)]
    await asyncio.sleep(0)
    await asyncio.wait_for(log.close(), 30)
    late = asyncio.ensure_future(log.append(request_record(log, 99, "acme")))
    done = await asyncio.wait_for(asyncio.gather(*appends, late, return_exceptions=True), 30)
    ok = [r for r in done if isinstance(r, int)]
    assert all(isinstance(r, int | AuditError) for r in done)
    assert isinstance(done[-1], AuditError)
    conn = sqlite3.connect(s.audit_sqlite_path)
    stored = {i for (i,) in conn.execute("SELECT idx FROM leaves WHERE kind = 'request'")}
    conn.close()
    assert set(ok) == stored

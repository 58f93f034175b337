"""Tamper matrix: each kind of tampering, applied straight to the SQLite file or the PostgreSQL
tables, makes verify fail and name it; the untouched log passes."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from proxy.audit import open_audit_log, open_store
from proxy.audit.merkle import leaf_hash
from proxy.audit.records import canonical, rfc3339
from proxy.audit.signing import KeyRing, load_public_keys
from proxy.audit.verify import Report, verify_store
from proxy.config import Settings
from tests.audit.helpers import T0, Clock, build_log, make_settings, request_record
from tests.serving import PG_DSN


class DB:
    """The raw tables, as an attacker with file or database access sees them."""

    def __init__(
        self, sqlite: sqlite3.Connection | None = None, pg: asyncpg.Connection | None = None
    ) -> None:
        self.sqlite, self.pg = sqlite, pg

    async def exec(self, sql: str, *args: Any) -> None:
        if self.pg is not None:
            await self.pg.execute(sql, *args)
        else:
            assert self.sqlite is not None
            self.sqlite.execute(re.sub(r"\$\d+", "?", sql), args)
            self.sqlite.commit()

    async def fetch(self, sql: str, *args: Any) -> list[tuple]:
        if self.pg is not None:
            return [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in await self.pg.fetch(sql, *args)
            ]
        assert self.sqlite is not None
        return self.sqlite.execute(re.sub(r"\$\d+", "?", sql), args).fetchall()


async def _leaf(db: DB, idx: int) -> dict:
    return json.loads((await db.fetch("SELECT data FROM leaves WHERE idx = $1", idx))[0][0])


async def modified(db: DB, s: Settings) -> None:
    data = (await db.fetch("SELECT data FROM leaves WHERE idx = 5"))[0][0]
    await db.exec(
        "UPDATE leaves SET data = $1 WHERE idx = 5",
        bytes(data).replace(b'"tenant":"acme"', b'"tenant":"evil"'),
    )


async def modified_and_rehashed(db: DB, s: Settings) -> None:
    leaf = await _leaf(db, 5)
    leaf["record"]["route"] = "local"
    data = canonical(leaf)
    await db.exec(
        "UPDATE leaves SET data = $1, leaf_hash = $2 WHERE idx = 5", data, leaf_hash(data)
    )


async def deleted(db: DB, s: Settings) -> None:
    await db.exec("DELETE FROM leaves WHERE idx = 7")


async def inserted(db: DB, s: Settings) -> None:
    forged = await _leaf(db, 12)
    forged["record"]["decision_id"] = "forged"
    data = canonical(forged)
    await db.exec("UPDATE leaves SET idx = idx + 1000000 WHERE idx >= 12")
    await db.exec("UPDATE leaves SET idx = idx - 999999 WHERE idx >= 1000000")
    await db.exec(
        "INSERT INTO leaves (idx, logged_at, tenant, kind, leaf_hash, data)"
        " VALUES (12, $1, 'acme', 'request', $2, $3)",
        forged["logged_at"],
        leaf_hash(data),
        data,
    )
    await db.exec("UPDATE head SET size = size + 1")


async def reordered(db: DB, s: Settings) -> None:
    await db.exec("UPDATE leaves SET idx = -1 WHERE idx = 3")
    await db.exec("UPDATE leaves SET idx = 3 WHERE idx = 4")
    await db.exec("UPDATE leaves SET idx = 4 WHERE idx = -1")


async def truncated(db: DB, s: Settings) -> None:
    await db.exec("DELETE FROM leaves WHERE idx >= 40")
    await db.exec("UPDATE head SET size = 40")


async def _checkpoint(db: DB, which: int) -> tuple[int, dict]:
    cid, body = (await db.fetch("SELECT id, body FROM checkpoints ORDER BY id"))[which]
    return cid, json.loads(body)


async def forged_signature(db: DB, s: Settings) -> None:
    cid, cp = await _checkpoint(db, 2)
    cp["root"] = leaf_hash(b"other").hex()
    await db.exec("UPDATE checkpoints SET body = $1 WHERE id = $2", canonical(cp), cid)


async def unknown_key(db: DB, s: Settings) -> None:
    cid, cp = await _checkpoint(db, 2)
    key = Ed25519PrivateKey.generate()
    cp["key_id"] = "0123456789abcdef"
    body = canonical(cp)
    await db.exec(
        "UPDATE checkpoints SET body = $1, key_id = $2, signature = $3 WHERE id = $4",
        body,
        cp["key_id"],
        key.sign(body),
        cid,
    )


async def conflicting_roots(db: DB, s: Settings) -> None:
    ring = KeyRing(s.signing_key_dir, Clock(T0 + 100))
    ring.load()
    cp = ring.sign(s.audit.origin, 20, leaf_hash(b"a split view"), rfc3339(T0 + 100), "size")
    await db.exec(
        "INSERT INTO checkpoints (size, key_id, body, signature) VALUES ($1, $2, $3, $4)",
        20,
        cp["key_id"],
        cp["body"],
        cp["signature"],
    )


async def missing_heartbeat(db: DB, s: Settings) -> None:
    rows = await db.fetch("SELECT id, body FROM checkpoints ORDER BY id")
    beats = [cid for cid, body in rows if json.loads(body)["reason"] == "interval"]
    for cid in beats[2:-2]:
        await db.exec("DELETE FROM checkpoints WHERE id = $1", cid)


CASES: list[tuple[str, Callable[[DB, Settings], Awaitable[None]] | None]] = [
    ("untouched", None),
    ("modified", modified),
    ("modified", modified_and_rehashed),
    ("deleted", deleted),
    ("inserted", inserted),
    ("reordered", reordered),
    ("truncated", truncated),
    ("forged_signature", forged_signature),
    ("unknown_key", unknown_key),
    ("conflicting_roots", conflicting_roots),
    ("missing_heartbeat", missing_heartbeat),
]
IDS = [f"{k}-{f.__name__ if f else 'none'}" for k, f in CASES]


async def _verify(s: Settings, clock: Clock) -> Report:
    store = open_store(s, clock)
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    async with store.reader() as r:
        return await verify_store(
            r, keys, origin=s.audit.origin, interval_s=s.audit.checkpoint_interval_s, now=clock.t
        )


def _check(rep: Report, kind: str) -> None:
    if kind == "untouched":
        assert rep.ok, rep.findings
        assert rep.size == 45 and rep.verified_size == 45
    else:
        assert rep.kinds == {kind}, rep.findings


@pytest.mark.parametrize(("kind", "tamper"), CASES, ids=IDS)
async def test_sqlite_tamper(tmp_path: Path, kind: str, tamper: Any) -> None:
    s, clock = make_settings(tmp_path), Clock()
    log = await build_log(s, clock)
    await log.close()
    if tamper is not None:
        conn = sqlite3.connect(s.audit_sqlite_path)
        try:
            await tamper(DB(sqlite=conn), s)
        finally:
            conn.close()
    _check(await _verify(s, clock), kind)


@pytest.fixture
async def pg_db(pg_schema: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(PG_DSN, server_settings={"search_path": pg_schema})
    yield conn
    await conn.close()


@pytest.mark.postgres
@pytest.mark.parametrize(("kind", "tamper"), CASES, ids=IDS)
async def test_postgres_tamper(
    tmp_path: Path, pg_schema: str, pg_db: asyncpg.Connection, kind: str, tamper: Any
) -> None:
    s, clock = make_settings(tmp_path, "postgres", pg_schema), Clock()
    log = await build_log(s, clock)
    await log.close()
    if tamper is not None:
        await tamper(DB(pg=pg_db), s)
    _check(await _verify(s, clock), kind)


async def test_clock_skew_between_writers_is_not_tampering(tmp_path: Path) -> None:
    s, clock = make_settings(tmp_path), Clock()
    log = open_audit_log(s, clock=clock)
    await log.start()
    for i in range(30):
        clock.t += 7 if i % 2 else -4  # two replicas whose clocks disagree by seconds
        await log.append(request_record(log, i, "acme"))
        if i % 4 == 0:
            await log.checkpoint("export")
    await log.close()
    rep = await _verify(s, clock)
    assert rep.ok, rep.findings
    assert rep.verified_size == 30

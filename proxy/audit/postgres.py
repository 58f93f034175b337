"""PostgreSQL store, for clusters: several proxy replicas append to one tree.

Each batch commits in one transaction that first takes ``pg_advisory_xact_lock`` on the log's key:
the holder reads the head (size and right border of the tree), sequences its batch, writes leaves,
digests, any checkpoint and the new head, and commits, which releases the lock. So exactly one
replica sequences at a time and the indexes stay contiguous. A replica that dies mid-batch loses
its connection; PostgreSQL rolls its transaction back and frees the lock, so the next replica
takes over with nothing half-written (its records were never acknowledged).
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from proxy.audit.records import Entry, entry
from proxy.audit.sequencer import Head, LeafRow, Sequencer
from proxy.audit.store import CheckpointRow, PruneSpec, prune_record
from proxy.audit.types import AuditError
from proxy.config import Settings

_COLS = "idx, logged_at, tenant, kind, leaf_hash, data"
_ERRORS = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


def _schema_sql(schema: str) -> str:
    return f"""
CREATE SCHEMA IF NOT EXISTS "{schema}";
SET search_path TO "{schema}";
CREATE TABLE IF NOT EXISTS leaves (
  idx bigint PRIMARY KEY, logged_at text NOT NULL, tenant text, kind text NOT NULL,
  leaf_hash bytea NOT NULL, data bytea);
CREATE INDEX IF NOT EXISTS leaves_tenant_time ON leaves (tenant, logged_at);
CREATE TABLE IF NOT EXISTS digests (digest text NOT NULL, idx bigint NOT NULL);
CREATE INDEX IF NOT EXISTS digests_digest ON digests (digest);
CREATE TABLE IF NOT EXISTS checkpoints (
  id bigserial PRIMARY KEY, size bigint NOT NULL, key_id text NOT NULL,
  body bytea NOT NULL, signature bytea NOT NULL);
CREATE TABLE IF NOT EXISTS head (
  id int PRIMARY KEY CHECK (id = 1), size bigint NOT NULL, frontier bytea NOT NULL,
  last_cp_time double precision, last_cp_size bigint NOT NULL);
INSERT INTO head VALUES (1, 0, ''::bytea, NULL, 0) ON CONFLICT DO NOTHING;
"""


def lock_key(schema: str) -> int:
    return int.from_bytes(
        hashlib.sha256(f"privacy-proxy-audit:{schema}".encode()).digest()[:8], "big", signed=True
    )


def _where(
    tenant: str | None, since: str | None, until: str | None, with_pruned: bool
) -> tuple[str, list[Any]]:
    cond: list[str] = []
    args: list[Any] = []
    if not with_pruned:
        cond.append("data IS NOT NULL")
    for col, op, val in (
        ("tenant", "=", tenant),
        ("logged_at", ">=", since),
        ("logged_at", "<", until),
    ):
        if val is not None:
            args.append(val)
            cond.append(f"{col} {op} ${len(args)}")
    return (" WHERE " + " AND ".join(cond)) if cond else "", args


def from_settings(settings: Settings, sequencer: Sequencer) -> PostgresStore:
    cfg = settings.audit
    if cfg.postgres_dsn is None:
        raise AuditError("audit.postgres_dsn is required when audit.store is postgres")
    return PostgresStore(cfg.postgres_dsn.get_secret_value(), cfg.postgres_schema, sequencer)


class PostgresStore:
    def __init__(self, dsn: str, schema: str, sequencer: Sequencer, pool_size: int = 4) -> None:
        self.dsn = dsn
        self.schema = schema
        self.sequencer = sequencer
        self.pool_size = pool_size
        self.key = lock_key(schema)
        self._pool: asyncpg.Pool | None = None

    async def _connect_pool(self) -> asyncpg.Pool:
        return await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=self.pool_size,
            timeout=10,
            command_timeout=30,  # a stuck store fails the request instead of hanging it
            # A replica that hangs inside its turn loses it: the server aborts the transaction
            # and frees the sequencer lock for the others.
            server_settings={
                "search_path": self.schema,
                "idle_in_transaction_session_timeout": "30000",
            },
        )

    async def open(self) -> None:
        try:
            conn = await asyncpg.connect(self.dsn, timeout=10)
            try:
                await conn.execute("SELECT pg_advisory_lock($1)", self.key ^ 1)
                try:
                    await conn.execute(_schema_sql(self.schema))
                finally:
                    await conn.execute("SELECT pg_advisory_unlock($1)", self.key ^ 1)
            finally:
                await conn.close()
            self._pool = await self._connect_pool()
        except _ERRORS as e:
            raise AuditError(f"cannot open audit store: {type(e).__name__}") from e

    async def write(
        self,
        records: list[Entry],
        reason: str | None = None,
        prune: list[PruneSpec] | None = None,
    ) -> list[int]:
        if self._pool is None:
            raise AuditError("audit store is not open")
        try:
            async with self._pool.acquire() as c, c.transaction():
                await c.execute("SELECT pg_advisory_xact_lock($1)", self.key)
                row = await c.fetchrow(
                    "SELECT size, frontier, last_cp_time, last_cp_size FROM head WHERE id = 1"
                )
                head = Head(row[0], Head.split(bytes(row[1])), row[2], row[3])
                extra = [
                    entry(prune_record(p, await self._prune(c, p, head.size))) for p in prune or []
                ]
                seq = self.sequencer.sequence(head, records + extra, reason)
                if seq.leaves:
                    await c.copy_records_to_table(
                        "leaves",
                        records=[
                            (r.idx, r.logged_at, r.tenant, r.kind, r.leaf_hash, r.data)
                            for r in seq.leaves
                        ],
                        columns=_COLS.split(", "),
                        schema_name=self.schema,
                    )
                if seq.digests:
                    await c.copy_records_to_table(
                        "digests",
                        records=seq.digests,
                        columns=["digest", "idx"],
                        schema_name=self.schema,
                    )
                if seq.checkpoint is not None:
                    cp = seq.checkpoint
                    await c.execute(
                        "INSERT INTO checkpoints (size, key_id, body, signature)"
                        " VALUES ($1, $2, $3, $4)",
                        cp["size"],
                        cp["key_id"],
                        cp["body"],
                        cp["signature"],
                    )
                h = seq.head
                await c.execute(
                    "UPDATE head SET size = $1, frontier = $2, last_cp_time = $3,"
                    " last_cp_size = $4 WHERE id = 1",
                    h.size,
                    h.frontier_blob(),
                    h.last_cp_time,
                    h.last_cp_size,
                )
        except _ERRORS as e:
            raise AuditError(f"audit store cannot commit: {type(e).__name__}") from e
        except ValueError as e:
            raise AuditError(f"audit store head is corrupt: {e}") from e
        return [r.idx for r in seq.leaves]

    @staticmethod
    async def _prune(c: asyncpg.Connection, p: PruneSpec, size: int) -> int:
        rows = await c.fetch(
            "UPDATE leaves SET data = NULL WHERE tenant = $1 AND logged_at < $2 AND idx < $3"
            " AND data IS NOT NULL RETURNING idx",
            p.tenant,
            p.before,
            size,
        )
        idx = [r[0] for r in rows]
        if idx:
            await c.execute("DELETE FROM digests WHERE idx = ANY($1::bigint[])", idx)
        return len(idx)

    async def ready(self) -> bool:
        """The store accepts what a commit writes: a probe of every write, rolled back (no
        sequencer lock taken, nothing kept; the head's row lock is waited for 2 s at most)."""
        if self._pool is None:
            return False
        try:
            async with self._pool.acquire(timeout=5) as c:
                tr = c.transaction()
                await tr.start()
                try:
                    await c.execute("SET LOCAL lock_timeout = '2s'", timeout=5)
                    for sql in (
                        "INSERT INTO leaves (idx, logged_at, kind, leaf_hash)"
                        " VALUES (-1, '', 'probe', ''::bytea)",
                        "INSERT INTO digests (digest, idx) VALUES ('probe', -1)",
                        "INSERT INTO checkpoints (id, size, key_id, body, signature)"
                        " VALUES (-1, 0, 'probe', ''::bytea, ''::bytea)",
                        "UPDATE head SET size = size WHERE id = 1",
                    ):
                        await c.execute(sql, timeout=5)
                finally:
                    await tr.rollback()
        except _ERRORS:
            return False
        return True

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[PostgresReader]:
        try:
            conn = await asyncpg.connect(
                self.dsn, timeout=10, server_settings={"search_path": self.schema}
            )
        except _ERRORS as e:
            raise AuditError(f"cannot read audit store: {type(e).__name__}") from e
        try:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                yield PostgresReader(conn)
        finally:
            await conn.close()


class PostgresReader:
    """One REPEATABLE READ, read-only transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.c = conn

    async def head_size(self) -> int:
        return int(await self.c.fetchval("SELECT size FROM head WHERE id = 1"))

    async def size(self) -> int:
        return int(await self.c.fetchval("SELECT count(*) FROM leaves"))

    async def leaves(
        self,
        *,
        tenant: str | None = None,
        since: str | None = None,
        until: str | None = None,
        with_pruned: bool = True,
    ) -> AsyncIterator[LeafRow]:
        where, args = _where(tenant, since, until, with_pruned)
        async for r in self.c.cursor(
            f"SELECT {_COLS} FROM leaves{where} ORDER BY idx", *args, prefetch=2000
        ):
            yield LeafRow(
                r[0], r[1], r[2], r[3], bytes(r[4]), None if r[5] is None else bytes(r[5])
            )

    async def count(
        self, *, tenant: str | None = None, since: str | None = None, until: str | None = None
    ) -> int:
        where, args = _where(tenant, since, until, False)
        return int(await self.c.fetchval(f"SELECT count(*) FROM leaves{where}", *args))

    async def leaf_hashes(self) -> list[bytes]:
        return [
            bytes(r[0]) for r in await self.c.fetch("SELECT leaf_hash FROM leaves ORDER BY idx")
        ]

    async def checkpoints(self) -> list[CheckpointRow]:
        rows = await self.c.fetch("SELECT id, body, signature FROM checkpoints ORDER BY id")
        return [CheckpointRow(r[0], bytes(r[1]), bytes(r[2])) for r in rows]

    async def last_checkpoint(self) -> CheckpointRow | None:
        r = await self.c.fetchrow(
            "SELECT id, body, signature FROM checkpoints ORDER BY id DESC LIMIT 1"
        )
        return None if r is None else CheckpointRow(r[0], bytes(r[1]), bytes(r[2]))

    async def find(self, digests: list[str]) -> list[int]:
        rows = await self.c.fetch(
            "SELECT DISTINCT idx FROM digests WHERE digest = ANY($1::text[]) ORDER BY idx", digests
        )
        return [r[0] for r in rows]

    async def get(self, indexes: list[int]) -> list[LeafRow]:
        rows = await self.c.fetch(
            f"SELECT {_COLS} FROM leaves WHERE idx = ANY($1::bigint[]) ORDER BY idx", indexes
        )
        return [
            LeafRow(r[0], r[1], r[2], r[3], bytes(r[4]), None if r[5] is None else bytes(r[5]))
            for r in rows
        ]

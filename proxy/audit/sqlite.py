"""SQLite store: the embedded default. WAL, ``synchronous=FULL`` (a commit is on disk before
``write`` returns), every blocking call on one dedicated thread. Several processes may share the
file (serving workers, the CLI): each write is a ``BEGIN IMMEDIATE`` transaction, SQLite's write
lock making its holder the sequencer."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from proxy.audit.records import Entry, entry
from proxy.audit.sequencer import Head, LeafRow, Sequencer
from proxy.audit.store import CheckpointRow, PruneSpec, prune_record
from proxy.audit.types import AuditError
from proxy.config import Settings

T = TypeVar("T")
_BUSY_S = 30.0  # how long a writer waits for another one
_PROBE_BUSY_S = 2.0  # how long a readiness probe waits: a lock held longer is a store in trouble

SCHEMA = """
CREATE TABLE IF NOT EXISTS leaves (
  idx INTEGER PRIMARY KEY, logged_at TEXT NOT NULL, tenant TEXT, kind TEXT NOT NULL,
  leaf_hash BLOB NOT NULL, data BLOB);
CREATE INDEX IF NOT EXISTS leaves_tenant_time ON leaves (tenant, logged_at);
CREATE TABLE IF NOT EXISTS digests (digest TEXT NOT NULL, idx INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS digests_digest ON digests (digest);
CREATE TABLE IF NOT EXISTS checkpoints (
  id INTEGER PRIMARY KEY AUTOINCREMENT, size INTEGER NOT NULL, key_id TEXT NOT NULL,
  body BLOB NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS head (
  id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL, frontier BLOB NOT NULL,
  last_cp_time REAL, last_cp_size INTEGER NOT NULL);
INSERT OR IGNORE INTO head VALUES (1, 0, x'', NULL, 0);
"""
_COLS = "idx, logged_at, tenant, kind, leaf_hash, data"


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_S * 1000)}")
    if not readonly:
        _enable_wal(conn)
        conn.execute("PRAGMA synchronous = FULL")
    return conn


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. Processes opening a new file together (serving workers at their first
    start) can get SQLITE_BUSY here without the busy handler being consulted: wait like it."""
    deadline = time.monotonic() + _BUSY_S
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _where(
    tenant: str | None, since: str | None, until: str | None, with_pruned: bool
) -> tuple[str, list[Any]]:
    cond, args = [], []
    if not with_pruned:
        cond.append("data IS NOT NULL")
    if tenant is not None:
        cond.append("tenant = ?")
        args.append(tenant)
    if since is not None:
        cond.append("logged_at >= ?")
        args.append(since)
    if until is not None:
        cond.append("logged_at < ?")
        args.append(until)
    return (" WHERE " + " AND ".join(cond)) if cond else "", args


def from_settings(settings: Settings, sequencer: Sequencer) -> SQLiteStore:
    return SQLiteStore(settings.audit_sqlite_path, sequencer)


class SQLiteStore:
    def __init__(self, path: Path, sequencer: Sequencer) -> None:
        self.path = path
        self.sequencer = sequencer
        self._exec = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-sqlite")
        self._conn: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._exec, fn, *args)

    async def open(self) -> None:
        await self._run(self._open)

    def _open(self) -> None:
        try:
            self._conn = _connect(self.path)
            self._conn.executescript(SCHEMA)
        except sqlite3.Error as e:
            raise AuditError(f"cannot open audit store: {e}") from e

    async def write(
        self,
        records: list[Entry],
        reason: str | None = None,
        prune: list[PruneSpec] | None = None,
    ) -> list[int]:
        return await self._run(self._write, records, reason, prune or [])

    def _write(self, records: list[Entry], reason: str | None, prune: list[PruneSpec]) -> list[int]:
        conn = self._conn
        if conn is None:
            raise AuditError("audit store is not open")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                size, frontier, cp_time, cp_size = conn.execute(
                    "SELECT size, frontier, last_cp_time, last_cp_size FROM head WHERE id = 1"
                ).fetchone()
                head = Head(size, Head.split(frontier), cp_time, cp_size)
                extra = [entry(prune_record(p, self._prune(conn, p, size))) for p in prune]
                seq = self.sequencer.sequence(head, records + extra, reason)
                conn.executemany(
                    f"INSERT INTO leaves ({_COLS}) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (r.idx, r.logged_at, r.tenant, r.kind, r.leaf_hash, r.data)
                        for r in seq.leaves
                    ],
                )
                conn.executemany("INSERT INTO digests (digest, idx) VALUES (?, ?)", seq.digests)
                if seq.checkpoint is not None:
                    cp = seq.checkpoint
                    conn.execute(
                        "INSERT INTO checkpoints (size, key_id, body, signature)"
                        " VALUES (?, ?, ?, ?)",
                        (cp["size"], cp["key_id"], cp["body"], cp["signature"]),
                    )
                h = seq.head
                conn.execute(
                    "UPDATE head SET size = ?, frontier = ?, last_cp_time = ?, last_cp_size = ?"
                    " WHERE id = 1",
                    (h.size, h.frontier_blob(), h.last_cp_time, h.last_cp_size),
                )
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except (sqlite3.Error, ValueError) as e:
            raise AuditError(f"audit store cannot commit: {type(e).__name__}: {e}") from e
        return [r.idx for r in seq.leaves]

    @staticmethod
    def _prune(conn: sqlite3.Connection, p: PruneSpec, size: int) -> int:
        idx = [
            r[0]
            for r in conn.execute(
                "SELECT idx FROM leaves WHERE tenant = ? AND logged_at < ? AND idx < ?"
                " AND data IS NOT NULL",
                (p.tenant, p.before, size),
            )
        ]
        conn.executemany("UPDATE leaves SET data = NULL WHERE idx = ?", [(i,) for i in idx])
        conn.executemany("DELETE FROM digests WHERE idx = ?", [(i,) for i in idx])
        return len(idx)

    async def ready(self) -> bool:
        try:
            return await self._run(self._ready)
        except sqlite3.Error:
            return False

    def _ready(self) -> bool:
        """The store accepts what a commit writes: a probe of every write, rolled back."""
        conn = self._conn
        if conn is None:
            return False
        conn.execute(f"PRAGMA busy_timeout = {int(_PROBE_BUSY_S * 1000)}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("INSERT INTO leaves (idx, logged_at, kind, leaf_hash)"
                             " VALUES (-1, '', 'probe', x'')")
                conn.execute("INSERT INTO digests (digest, idx) VALUES ('probe', -1)")
                conn.execute("INSERT INTO checkpoints (id, size, key_id, body, signature)"
                             " VALUES (-1, 0, 'probe', x'', x'')")
                conn.execute("UPDATE head SET size = size WHERE id = 1")
            finally:
                conn.execute("ROLLBACK")
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_S * 1000)}")
        return True

    async def close(self) -> None:
        if self._conn is not None:
            await self._run(self._conn.close)
            self._conn = None
        self._exec.shutdown(wait=True)

    @asynccontextmanager
    async def reader(self) -> AsyncIterator[SQLiteReader]:
        r = SQLiteReader(self.path)
        await r._run(r._begin)
        try:
            yield r
        finally:
            await r._run(r._end)
            r._exec.shutdown(wait=True)


class SQLiteReader:
    """A read transaction (one WAL snapshot) on its own thread and connection."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._exec = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-sqlite-read")
        self._conn: sqlite3.Connection | None = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            return await asyncio.get_running_loop().run_in_executor(self._exec, fn, *args)
        except sqlite3.Error as e:
            raise AuditError(f"cannot read audit store: {e}") from e

    def _begin(self) -> None:
        if not self.path.exists():
            raise sqlite3.OperationalError(f"no audit store at {self.path}")
        self._conn = _connect(self.path, readonly=True)
        self._conn.execute("BEGIN")
        self._conn.execute("SELECT size FROM head").fetchone()

    def _end(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def _q(self, sql: str, args: Any = ()) -> list[Any]:
        assert self._conn is not None
        return self._conn.execute(sql, args).fetchall()

    async def size(self) -> int:
        return int((await self._run(self._q, "SELECT count(*) FROM leaves"))[0][0])

    async def head_size(self) -> int:
        return int((await self._run(self._q, "SELECT size FROM head WHERE id = 1"))[0][0])

    async def leaves(
        self,
        *,
        tenant: str | None = None,
        since: str | None = None,
        until: str | None = None,
        with_pruned: bool = True,
    ) -> AsyncIterator[LeafRow]:
        where, args = _where(tenant, since, until, with_pruned)
        assert self._conn is not None
        cur = await self._run(
            self._conn.execute, f"SELECT {_COLS} FROM leaves{where} ORDER BY idx", args
        )
        while rows := await self._run(cur.fetchmany, 2000):
            for r in rows:
                yield LeafRow(*r)

    async def count(
        self, *, tenant: str | None = None, since: str | None = None, until: str | None = None
    ) -> int:
        where, args = _where(tenant, since, until, False)
        return int((await self._run(self._q, f"SELECT count(*) FROM leaves{where}", args))[0][0])

    async def leaf_hashes(self) -> list[bytes]:
        rows = await self._run(self._q, "SELECT leaf_hash FROM leaves ORDER BY idx")
        return [r[0] for r in rows]

    async def checkpoints(self) -> list[CheckpointRow]:
        rows = await self._run(self._q, "SELECT id, body, signature FROM checkpoints ORDER BY id")
        return [CheckpointRow(*r) for r in rows]

    async def last_checkpoint(self) -> CheckpointRow | None:
        rows = await self._run(
            self._q, "SELECT id, body, signature FROM checkpoints ORDER BY id DESC LIMIT 1"
        )
        return CheckpointRow(*rows[0]) if rows else None

    async def find(self, digests: list[str]) -> list[int]:
        if not digests:
            return []
        marks = ",".join("?" * len(digests))
        rows = await self._run(
            self._q, f"SELECT DISTINCT idx FROM digests WHERE digest IN ({marks})", digests
        )
        return sorted(r[0] for r in rows)

    async def get(self, indexes: list[int]) -> list[LeafRow]:
        out: list[LeafRow] = []
        for i in range(0, len(indexes), 500):
            part = indexes[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = await self._run(
                self._q, f"SELECT {_COLS} FROM leaves WHERE idx IN ({marks}) ORDER BY idx", part
            )
            out.extend(LeafRow(*r) for r in rows)
        return out

"""Serving workers open a new SQLite audit file at the same moment on their first start."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from proxy.audit.sqlite import SCHEMA, _connect


def _open(path: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    barrier.wait()
    conn = _connect(Path(path))
    conn.executescript(SCHEMA)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_processes_opening_a_new_file_together_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    failures = 0
    for round_ in range(15):
        path = str(tmp_path / f"audit-{round_}.sqlite3")
        barrier = ctx.Barrier(8)
        procs = [ctx.Process(target=_open, args=(path, barrier)) for _ in range(8)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        failures += sum(p.exitcode != 0 for p in procs)
    assert failures == 0

"""Several processes appending to one PostgreSQL log: one contiguous tree, every acknowledged
record exactly once, verify passes; a writer killed with SIGKILL loses no acknowledged record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from proxy.audit import open_store
from proxy.audit.signing import load_public_keys
from proxy.audit.verify import verify_store
from proxy.config import Settings
from tests.audit.helpers import config_file, make_settings

ROOT = Path(__file__).resolve().parents[2]
STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _writer(cfg: Path, name: str, count: int, concurrency: int = 16) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.audit.writer", str(cfg), name, str(count), str(concurrency)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _acks(out: str) -> dict[str, int]:
    acks = {}
    for line in out.splitlines():
        if line.startswith("ACK "):
            _, did, idx = line.split()
            acks[did] = int(idx)
    return acks


async def _contents(s: Settings) -> dict[int, str]:
    async with open_store(s, sign=False).reader() as r:
        return {
            row.idx: json.loads(row.data or b"{}")["record"].get("decision_id", "")
            async for row in r.leaves()
        }


async def _verify(s: Settings) -> object:
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    async with open_store(s).reader() as r:
        return await verify_store(
            r,
            keys,
            origin=s.audit.origin,
            interval_s=s.audit.checkpoint_interval_s,
            now=time.time(),
        )


@pytest.mark.parametrize("store", STORES)
async def test_two_writers_build_one_contiguous_tree(
    tmp_path: Path, pg_schema: str, store: str
) -> None:
    s = make_settings(tmp_path, store, pg_schema, checkpoint_every=100, checkpoint_interval_s=5)
    cfg = config_file(s, tmp_path)
    procs = [_writer(cfg, name, 400) for name in ("a", "b")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    acks = {**_acks(outs[0][0]), **_acks(outs[1][0])}
    assert len(acks) == 800
    contents = await _contents(s)
    assert sorted(contents) == list(range(len(contents)))  # contiguous
    assert len(contents) == 800
    for did, idx in acks.items():
        assert contents[idx] == did
    rep = await _verify(s)
    assert rep.ok, rep.findings  # type: ignore[attr-defined]


@pytest.mark.parametrize("store", STORES)
async def test_sigkilled_writer_loses_no_acknowledged_record(
    tmp_path: Path, pg_schema: str, store: str
) -> None:
    s = make_settings(tmp_path, store, pg_schema, checkpoint_every=100, checkpoint_interval_s=5)
    cfg = config_file(s, tmp_path)
    victim = _writer(cfg, "victim", 1_000_000)
    survivor = _writer(cfg, "survivor", 600, concurrency=4)
    assert victim.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 300 and time.monotonic() < deadline:
        line = victim.stdout.readline()
        if line.startswith("ACK "):
            seen.append(line)
    os.kill(victim.pid, signal.SIGKILL)
    rest, _ = victim.communicate(timeout=30)
    out, errs = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, errs[-2000:]
    acked = {**_acks("".join(seen) + rest), **_acks(out)}
    assert len(seen) == 300 and len(_acks(out)) == 600
    contents = await _contents(s)
    assert sorted(contents) == list(range(len(contents)))
    for did, idx in acked.items():
        assert contents[idx] == did
    ids = [d for d in contents.values() if d]
    assert len(ids) == len(set(ids))  # exactly once
    rep = await _verify(s)
    assert rep.ok, rep.findings  # type: ignore[attr-defined]

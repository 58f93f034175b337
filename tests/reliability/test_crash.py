"""``kill -9`` of every serving process under load: no request that was answered lacks its
outcome record, and the log still verifies after a restart.

The proxy runs as users run it (``privacy-proxy serve``, two serving processes, the embedded
SQLite log) in front of a fake provider. Clients send a mix of plain and streamed requests, with
and without personal data; an answer counts as given when the client has all of it (the JSON body,
or a stream up to ``[DONE]``). The whole process group is SIGKILLed the moment a client has an
answer, so outcome records still on their way are what the kill catches.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from proxy.config import hash_key
from tests.fakes.fake_openai import FakeOpenAI, RunningFake
from tests.serving import free_port, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-crash"
CLIENTS = 16
KILL_AFTER = 120  # answers given before the kill


async def _serve(cfg: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(cfg), cwd=ROOT,
        env={**os.environ, **env}, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL, start_new_session=True)


def _body(i: int) -> dict[str, Any]:
    text = (f"Please write to person{i}@example.com about invoice {i}." if i % 2
            else f"Summarize release {i} in one line.")
    return {"model": "gpt-4o", "stream": i % 3 == 0,
            "messages": [{"role": "user", "content": text}]}


class Kill:
    """SIGKILL to a whole process group, once."""

    def __init__(self, pgid: int) -> None:
        self.pgid, self.done = pgid, False

    def __call__(self) -> None:
        if not self.done:
            self.done = True
            os.killpg(self.pgid, signal.SIGKILL)


async def _load(port: int, answered: set[str], kill: Kill) -> None:
    """Closed-loop load; a decision id joins ``answered`` once its whole answer arrived."""
    numbers = iter(range(1_000_000))
    url = f"http://127.0.0.1:{port}/v1/chat/completions"
    headers = {"Authorization": f"Bearer {KEY}"}

    async def client(s: aiohttp.ClientSession) -> None:
        for i in numbers:
            body = _body(i)
            try:
                async with s.post(url, json=body, headers=headers) as r:
                    raw = await r.read()
                    if r.status != 200:
                        continue
                    if body["stream"] and not raw.rstrip().endswith(b"data: [DONE]"):
                        continue
                    if not body["stream"]:
                        json.loads(raw)
                    answered.add(r.headers["x-privacy-proxy-decision-id"])
                    if len(answered) >= KILL_AFTER:
                        kill()
            except (aiohttp.ClientError, ValueError):
                pass
            if kill.done:
                return

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as s:
        await asyncio.gather(*[client(s) for _ in range(CLIENTS)])


def _records(path: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT data FROM leaves WHERE data IS NOT NULL ORDER BY idx")
        return [json.loads(r[0])["record"] for r in rows.fetchall()]
    finally:
        conn.close()


async def test_kill_9_under_load_loses_no_outcome_of_an_answered_request(tmp_path: Path) -> None:
    running = RunningFake(FakeOpenAI(chunk_size=8))
    async with running:
        port = free_port()
        cfg = tmp_path / "config.yaml"
        cfg.write_text(yaml.safe_dump({
            "server": {"port": port, "workers": 2, "data_dir": str(tmp_path / "data")},
            "tenants": [{"id": "acme", "api_key_sha256": [hash_key(KEY)]}],
            "detection": {"workers": 1},
            "local": {"kind": "none"},
        }))
        env = {"PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-fake-provider",
               "PRIVACY_PROXY_EXTERNAL__BASE_URL": running.base_url}
        proc = await _serve(cfg, env)
        try:
            await wait_ready(port, proc)
            kill = Kill(proc.pid)
            answered: set[str] = set()
            await asyncio.wait_for(_load(port, answered, kill), 120)
            assert kill.done, f"only {len(answered)} answers before the load ended"
            await proc.wait()
        finally:
            if proc.returncode is None:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        # Restarted on the same log, then stopped as an operator would.
        proc = await _serve(cfg, env)
        try:
            await wait_ready(port, proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 90)
        assert proc.returncode == 0
    verify = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "audit", "verify", "--config", str(cfg), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(verify.communicate(), 120)
    assert verify.returncode == 0, out.decode()[-3000:]
    records = _records(tmp_path / "data" / "audit.sqlite3")
    requests = {r["decision_id"] for r in records if r["kind"] == "request"}
    outcomes = {r["decision_id"]: r["status"] for r in records if r["kind"] == "outcome"}
    assert answered <= requests
    missing = sorted(answered - set(outcomes))
    print(f"answered before the kill: {len(answered)}; without an outcome record: {len(missing)}")
    assert not missing, (
        f"{len(missing)} of {len(answered)} answered requests have no outcome record")
    assert all(outcomes[d] == 200 for d in answered)

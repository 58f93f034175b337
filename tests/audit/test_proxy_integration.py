"""The audit log under the real proxy: a store that cannot commit fails the request with 503 before
anything is forwarded; two ``privacy-proxy serve`` processes on one PostgreSQL log give one
contiguous tree with exactly one record per acknowledged request, even when one is SIGKILLed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import openai
import pytest
import yaml

from proxy.audit import open_store
from proxy.audit.signing import load_public_keys
from proxy.audit.verify import verify_store
from proxy.config import hash_key, load_settings
from tests.fakes.fake_detector import FakeStoreBreakingDetector
from tests.fakes.fake_openai import RunningFake
from tests.serving import PG_DSN, free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)
PROMPT = "Please write to jane.doe@example.com about the invoice."


async def _break_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE leaves RENAME TO leaves_unwritable")
    conn.commit()
    conn.close()


async def _break_postgres(schema: str) -> None:
    conn = await asyncpg.connect(PG_DSN, server_settings={"search_path": schema})
    try:
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'store is read-only'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT ON leaves FOR EACH STATEMENT"
            " EXECUTE FUNCTION refuse();"
        )
    finally:
        await conn.close()


@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_store_made_unwritable_during_a_request_gives_503_and_forwards_nothing(
    make_proxy: Any, shared_detector: Any, pg_schema: str, store: str
) -> None:
    audit: dict[str, Any] = {"store": store}
    if store == "postgres":
        audit.update(postgres_dsn=PG_DSN, postgres_schema=pg_schema)
    detector = FakeStoreBreakingDetector(shared_detector)
    async with make_proxy(local="none", detector=detector, audit=audit) as p:
        client = p.client()
        ok = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}]
        )
        assert ok.choices[0].message.content == "ECHO: " + PROMPT
        assert len(p.fake.requests) == 1
        path = p.settings.audit_sqlite_path
        detector.breaker = (
            (lambda: _break_sqlite(path))
            if store == "sqlite"
            else (lambda: _break_postgres(pg_schema))
        )
        with pytest.raises(openai.APIStatusError) as e:
            await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": PROMPT}]
            )
        assert e.value.status_code == 503
        assert e.value.body["code"] == "audit_unavailable"  # type: ignore[index]
        assert detector.breaker is None  # it broke the store mid-request
        assert len(p.fake.requests) == 1  # the provider received nothing more
        async with aiohttp.ClientSession() as s, s.get(p.origin + "/readyz") as r:
            assert r.status == 503


async def _serve(cfg: Path, base_url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-fake-provider",
        "PRIVACY_PROXY_EXTERNAL__BASE_URL": base_url,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "proxy",
        "serve",
        "--config",
        str(cfg),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _load(port: int, acked: dict[str, int], stop: asyncio.Event, n: int) -> None:
    """Closed-loop load from 8 clients; records the decision id of every 200 answer."""
    async with aiohttp.ClientSession() as s:

        async def one(i: int) -> None:
            body = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"{PROMPT} #{i}"}]}
            try:
                async with s.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    json=body,
                    headers={"Authorization": "Bearer sk-cluster"},
                ) as r:
                    if r.status == 200:
                        await r.read()
                        acked[r.headers["x-privacy-proxy-decision-id"]] = port
            except aiohttp.ClientError:
                pass

        numbers = iter(range(n))

        async def client() -> None:
            for i in numbers:
                if stop.is_set():
                    return
                await one(i)

        await asyncio.gather(*[client() for _ in range(8)])


@pytest.mark.postgres
@pytest.mark.slow
async def test_two_serve_processes_share_one_tree_and_survive_sigkill(
    tmp_path: Path, pg_schema: str
) -> None:
    running = RunningFake()
    async with running as fake:
        base_url = running.base_url
        ports = [free_port(), free_port()]
        procs = []
        for port in ports:
            cfg = tmp_path / f"proxy-{port}.yaml"
            cfg.write_text(
                yaml.safe_dump(
                    {
                        "server": {"port": port, "workers": 1, "data_dir": str(tmp_path / "data")},
                        "tenants": [{"id": "acme", "api_key_sha256": [hash_key("sk-cluster")]}],
                        "detection": {"workers": 0},
                        "local": {"kind": "none"},
                        "metrics": {"port": free_port()},  # a metrics listener each
                        "audit": {
                            "store": "postgres",
                            "postgres_dsn": PG_DSN,
                            "postgres_schema": pg_schema,
                            "hmac_key": "h" * 32,
                            "checkpoint_every": 50,
                            "checkpoint_interval_s": 30,  # start-up (spaCy loading) blocks the loop
                        },
                    }
                )
            )
        try:
            # Started together: they race to create the signing key and the schema, safely.
            for port in ports:
                procs.append(await _serve(tmp_path / f"proxy-{port}.yaml", base_url))
            await asyncio.gather(
                *[wait_ready(port, p) for port, p in zip(ports, procs, strict=True)]
            )
            acked: dict[str, int] = {}
            stop = asyncio.Event()
            victim_load = asyncio.create_task(_load(ports[0], acked, stop, 10_000))
            survivor_load = asyncio.create_task(_load(ports[1], acked, stop, 160))
            for _ in range(2400):
                if sum(1 for v in acked.values() if v == ports[0]) >= 40:
                    break
                await asyncio.sleep(0.05)
            procs[0].send_signal(signal.SIGKILL)
            await survivor_load
            stop.set()
            await victim_load
        finally:
            for p in procs:
                if p.returncode is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                await asyncio.wait_for(p.communicate(), 60)
        assert procs[1].returncode == 0
        forwarded = len(fake.requests)
    conn = await asyncpg.connect(PG_DSN, server_settings={"search_path": pg_schema})
    try:
        rows = await conn.fetch("SELECT idx, data FROM leaves ORDER BY idx")
    finally:
        await conn.close()
    assert [r["idx"] for r in rows] == list(range(len(rows)))  # one contiguous tree
    recs = [json.loads(bytes(r["data"]))["record"] for r in rows]
    requests = [r["decision_id"] for r in recs if r["kind"] == "request"]
    assert len(requests) == len(set(requests))  # exactly one request record per decision
    assert set(acked) <= set(requests)  # no acknowledged request lost its record
    assert sum(1 for v in acked.values() if v == ports[1]) == 160
    assert len(requests) >= forwarded >= len(acked)  # nothing forwarded without its record
    s = load_settings(tmp_path / f"proxy-{ports[1]}.yaml")
    keys = load_public_keys(s.signing_key_dir / "keys.json")
    async with open_store(s).reader() as r:
        rep = await verify_store(
            r,
            keys,
            origin=s.audit.origin,
            interval_s=s.audit.checkpoint_interval_s,
            now=time.time(),
        )
    assert rep.ok, rep.findings

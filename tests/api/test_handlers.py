"""What the HTTP side tells the client beside the answer: the route header only once a request
was routed (or refused by the policy), and a client that goes away is an ordinary event."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

import aiohttp
import pytest

from tests.fakes.fake_detector import FakeBrokenDetector
from tests.fakes.fake_openai import FakeOpenAI

pytestmark = pytest.mark.timeout(120)

EMAIL = "jane.doe@example.com"
CLEAN = [{"role": "user", "content": "Explain bloom filters."}]


async def chat(p: Any, tenant: str = "acme", **body: Any) -> tuple[int, dict[str, Any], Any]:
    async with aiohttp.ClientSession() as s, s.post(
        f"{p.base_url}/chat/completions",
        json={"model": "gpt-4o", "messages": CLEAN, **body},
        headers={"Authorization": f"Bearer {p.keys[tenant]}"},
    ) as r:
        return r.status, await r.json(), r.headers


async def test_no_route_header_when_the_audit_store_cannot_record(make_proxy: Any) -> None:
    async with make_proxy(local="none") as p:
        conn = sqlite3.connect(p.settings.audit_sqlite_path)
        conn.execute("ALTER TABLE leaves RENAME TO leaves_unwritable")
        conn.commit()
        conn.close()
        status, body, headers = await chat(p)
        assert status == 503 and body["error"]["code"] == "audit_unavailable"
        assert "x-privacy-proxy-route" not in headers
        assert len(headers["x-privacy-proxy-decision-id"]) == 32
        assert p.fake.requests == []


async def test_no_route_header_when_detection_fails(make_proxy: Any) -> None:
    async with make_proxy(local="none", detector=FakeBrokenDetector()) as p:
        status, body, headers = await chat(p)
        assert status == 503 and body["error"]["code"] == "detection_failed"
        assert "x-privacy-proxy-route" not in headers


async def test_no_route_header_on_a_malformed_request(make_proxy: Any) -> None:
    async with make_proxy(local="none") as p:
        status, body, headers = await chat(p, messages="not a list")
        assert status == 400 and body["error"]["code"] == "invalid_request_error"
        assert "x-privacy-proxy-route" not in headers


async def test_a_policy_refusal_says_route_deny(make_proxy: Any) -> None:
    async with make_proxy(local="none") as p:
        status, body, headers = await chat(
            p, "closed-co", messages=[{"role": "user", "content": f"Mail {EMAIL}"}])
        assert status in (403, 503), body
        assert headers["x-privacy-proxy-route"] == "deny"


async def test_a_route_failure_keeps_its_route_header(make_proxy: Any) -> None:
    async with make_proxy(local="none", fake=FakeOpenAI(fail_status=500)) as p:
        status, body, headers = await chat(p)
        assert status == 500 and body["error"]["type"] == "server_error"
        assert headers["x-privacy-proxy-route"] == "external"


async def test_a_client_that_leaves_mid_stream_is_logged_at_info(
    make_proxy: Any, caplog: pytest.LogCaptureFixture
) -> None:
    gate = asyncio.Event()
    async with make_proxy(local="none", fake=FakeOpenAI(chunk_size=2, gate=gate)) as p:
        caplog.set_level(logging.INFO)
        session = aiohttp.ClientSession()
        try:
            r = await session.post(
                f"{p.base_url}/chat/completions",
                json={"model": "gpt-4o", "messages": CLEAN, "stream": True},
                headers={"Authorization": f"Bearer {p.keys['acme']}"},
            )
            assert r.status == 200
            assert b"EC" in await r.content.readuntil(b'"EC')  # the first content chunk
            decision = r.headers["x-privacy-proxy-decision-id"]
            r.close()  # the client goes away with the answer half sent
        finally:
            await session.close()
        gate.set()  # the provider sends the rest; the proxy finds nobody to write it to
        for _ in range(200):
            if any(getattr(rec, "status", None) == 499 for rec in caplog.records):
                break
            await asyncio.sleep(0.05)
        gone = [rec for rec in caplog.records if getattr(rec, "status", None) == 499]
        assert gone and all(rec.levelno == logging.INFO for rec in gone), caplog.records
        errors = [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
        assert errors == [], [(rec.name, rec.getMessage()) for rec in errors]
        outcomes = await _outcomes(p, decision)
        assert [o["status"] for o in outcomes] == [499]


async def _outcomes(p: Any, decision: str) -> list[dict[str, Any]]:
    import json

    for _ in range(100):
        conn = sqlite3.connect(p.settings.audit_sqlite_path)
        try:
            rows = conn.execute("SELECT data FROM leaves WHERE kind = 'outcome'").fetchall()
        finally:
            conn.close()
        found = [json.loads(r[0])["record"] for r in rows]
        found = [o for o in found if o["decision_id"] == decision]
        if found:
            return found
        await asyncio.sleep(0.05)
    return []

"""Admin endpoints over a live log (authentication is the app middleware's job, not tested here)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from proxy.audit.admin import admin_routes
from proxy.audit.log import MerkleAuditLog
from proxy.audit.records import rfc3339
from proxy.audit.verify import verify_bundle
from proxy.errors import ProxyError
from tests.audit.helpers import T0, Clock, build_log, make_settings


@web.middleware
async def _errors(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except ProxyError as e:
        return e.response()


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[TestClient, MerkleAuditLog]]:
    s, clock = make_settings(tmp_path), Clock()
    log = await build_log(s, clock)
    app = web.Application(middlewares=[_errors])
    app.router.add_routes(admin_routes(log, s))
    async with TestClient(TestServer(app)) as c:
        yield c, log
    await log.close()


async def test_export_jsonl_and_csv(client: tuple[TestClient, MerkleAuditLog]) -> None:
    c, _ = client
    r = await c.get("/admin/v1/audit/export", params={"format": "jsonl", "tenant": "beta"})
    assert r.status == 200
    lines = (await r.text()).splitlines()
    assert len(lines) == 23 and all(json.loads(x)["record"]["tenant"] == "beta" for x in lines)
    r = await c.get(
        "/admin/v1/audit/export",
        params={"format": "csv", "since": rfc3339(T0 + 30), "until": rfc3339(T0 + 60)},
    )
    rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert [int(x["index"]) for x in rows] == list(range(5, 15))
    bad = await c.get("/admin/v1/audit/export", params={"format": "xml"})
    assert bad.status == 400 and (await bad.json())["error"]["param"] == "format"


async def test_report_html_and_csv(client: tuple[TestClient, MerkleAuditLog]) -> None:
    c, _ = client
    r = await c.get("/admin/v1/audit/report", params={"tenant": "acme", "format": "html"})
    assert r.status == 200 and r.content_type == "text/html"
    assert 'id="chart-categories"' in await r.text()
    r = await c.get("/admin/v1/audit/report", params={"tenant": "acme", "format": "csv"})
    assert "acme,requests,total,,22" in await r.text()


async def test_subject_export_is_recorded_and_verifies(
    client: tuple[TestClient, MerkleAuditLog],
) -> None:
    c, log = client
    r = await c.post("/admin/v1/audit/subject", json={"email": "alice@EXAMPLE.com"})
    assert r.status == 200
    bundle = await r.json()
    assert [x["leaf"]["index"] for x in bundle["records"]] == [3, 17, 31, 45]
    assert bundle["records"][-1]["leaf"]["record"]["kind"] == "admin.subject_export"
    assert verify_bundle(bundle).ok
    assert (await c.post("/admin/v1/audit/subject", json={})).status == 400


async def test_verify_and_prune(client: tuple[TestClient, MerkleAuditLog]) -> None:
    c, log = client
    r = await c.get("/admin/v1/audit/verify")
    assert r.status == 200 and (await r.json())["ok"]
    await log.checkpoint("stop")  # a quiet month that the log says it expected
    log.clock.t += 31 * 86400  # type: ignore[attr-defined]
    r = await c.post("/admin/v1/audit/prune")
    assert r.status == 200 and len((await r.json())["prune_records"]) == 2
    r = await c.get("/admin/v1/audit/verify")
    body = await r.json()
    assert r.status == 200 and body["ok"] and body["pruned"] == 22  # acme: 30 days, beta: 365

"""Per-tenant corrections: config, runtime changes through the admin API, shared through data_dir,
audited without raw values, and part of the revision so caches do not serve stale results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from proxy.app import errors_middleware
from proxy.audit import open_audit_log
from proxy.config import Settings, load_settings
from proxy.detect.admin import admin_routes
from proxy.detect.corrections import Corrections
from proxy.detect.detector import PresidioDetector
from proxy.detect.types import DetectionError
from tests.detect.conftest import found

TEXT = "John Smith from Acme Cloud asked about Project Falcon for customer CUST-123456."


def settings_for(tmp: Path, **corrections: list[str]) -> Settings:
    return load_settings(
        None,
        server={"data_dir": str(tmp)},
        detection={"workers": 0},
        tenants=[{"id": "acme", "corrections": corrections}, {"id": "other"}],
        audit={"checkpoint_interval_s": 3600},
    )


async def started(settings: Settings, shared: Any) -> PresidioDetector:
    d = PresidioDetector(settings, engine=shared.engine)
    await d.start()
    return d


async def test_config_allow_and_deny(tmp_path: Path, detector: Any) -> None:
    s = settings_for(
        tmp_path,
        allow=["John Smith", "Acme Cloud"],
        deny_terms=["Project Falcon"],
        deny_patterns=[r"CUST-\d{6}"],
    )
    d = await started(s, detector)
    try:
        got = await found(d, TEXT, s.tenants[0])
        assert ("CUSTOM_TERM", "Project Falcon") in got
        assert ("CUSTOM_TERM", "CUST-123456") in got
        assert not any(t == "PERSON" for t, _ in got)
        other = await found(d, TEXT, s.tenants[1])
        assert ("PERSON", "John Smith") in other
        assert not any(t == "CUSTOM_TERM" for t, _ in other)
    finally:
        await d.close()


async def test_bad_config_pattern_stops_start(tmp_path: Path, detector: Any) -> None:
    d = PresidioDetector(
        settings_for(tmp_path, deny_patterns=["(unclosed"]), engine=detector.engine
    )
    with pytest.raises(DetectionError, match="tenants\\[acme\\].corrections: invalid deny pattern"):
        await d.start()


async def test_runtime_change_is_seen_by_every_process(tmp_path: Path, detector: Any) -> None:
    s = settings_for(tmp_path)
    a, b = await started(s, detector), await started(s, detector)  # two serving processes
    try:
        assert ("PERSON", "John Smith") in await found(b, TEXT, s.tenants[0])
        before = b.revision
        a.store.put("acme", Corrections(allow=("John Smith",), deny_terms=("Falcon",)))
        assert b.revision != before
        got = await found(b, TEXT, s.tenants[0])
        assert ("PERSON", "John Smith") not in got and ("CUSTOM_TERM", "Falcon") in got
        a.store.put("acme", Corrections())
        assert b.revision == before
        assert ("PERSON", "John Smith") in await found(b, TEXT, s.tenants[0])
    finally:
        await a.close()
        await b.close()


@pytest.fixture
async def admin(tmp_path: Path, detector: Any) -> Any:
    s = settings_for(tmp_path, deny_terms=["Nightjar"])
    d = await started(s, detector)
    log = open_audit_log(s)
    await log.start()
    app = web.Application(middlewares=[errors_middleware])
    app.router.add_routes(admin_routes(d, log, s))
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client, d, log
    await client.close()
    await log.close()
    await d.close()


async def test_admin_get_put_and_audit(admin: Any) -> None:
    client, d, log = admin
    r = await client.get("/admin/v1/tenants/acme/corrections")
    assert r.status == 200
    body = await r.json()
    assert body["config"]["deny_terms"] == ["Nightjar"] and body["runtime"]["allow"] == []
    rev = body["revision"]
    r = await client.put(
        "/admin/v1/tenants/acme/corrections",
        json={"allow": ["John Smith"], "deny_patterns": [r"CUST-\d{6}"]},
    )
    assert r.status == 200
    body = await r.json()
    assert body["revision"] != rev
    assert body["effective"] == {
        "allow": ["John Smith"],
        "deny_terms": ["Nightjar"],
        "deny_patterns": [r"CUST-\d{6}"],
    }
    got = await found(d, TEXT, d.settings.tenants[0])
    assert ("CUSTOM_TERM", "CUST-123456") in got and ("PERSON", "John Smith") not in got
    async with log.store.reader() as reader:
        rows = await reader.get([await reader.size() - 1])
    record = json.loads(rows[0].data)["record"]
    assert record["kind"] == "admin.corrections" and record["tenant"] == "acme"
    assert record["counts"] == {"allow": 1, "deny_terms": 0, "deny_patterns": 1}
    assert "John Smith" not in rows[0].data.decode() and "CUST" not in rows[0].data.decode()


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/admin/v1/tenants/nope/corrections", {"allow": []}, 404),
        ("/admin/v1/tenants/acme/corrections", {"allow": "x"}, 400),
        ("/admin/v1/tenants/acme/corrections", {"deny": ["x"]}, 400),
        ("/admin/v1/tenants/acme/corrections", {"deny_patterns": ["(x"]}, 400),
        ("/admin/v1/tenants/acme/corrections", {"deny_patterns": ["x*"]}, 400),
        ("/admin/v1/tenants/acme/corrections", [1], 400),
    ],
)
async def test_admin_rejects(admin: Any, path: str, body: Any, status: int) -> None:
    client, d, _ = admin
    rev = d.revision
    r = await client.put(path, json=body)
    assert r.status == status
    assert (await r.json())["error"]["code"] in ("not_found", "invalid_request_error")
    assert d.revision == rev


async def test_admin_change_not_recorded_is_not_applied(admin: Any) -> None:
    client, d, log = admin
    rev = d.revision
    await log.close()  # the audit store can no longer commit
    r = await client.put("/admin/v1/tenants/acme/corrections", json={"allow": ["John Smith"]})
    assert r.status == 503
    assert (await r.json())["error"]["code"] == "audit_unavailable"
    assert d.revision == rev
    assert d.store.runtime("acme") == Corrections()

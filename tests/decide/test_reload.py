"""A policy edit that does not load, through the proxy: the last good policy keeps deciding, the
failure shows in /readyz, the metrics, the log and the audit log; a fix is picked up; a proxy
whose policy does not load at start does not start."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from proxy.config import ROOT
from proxy.decide.types import PolicyError
from proxy.metrics import metrics_app
from tests.decide.test_rules_e2e import EMAIL, PERSONAL, proxy, send
from tests.serving import serve_app


def _touch(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


async def _reload_records(p: Any, n: int) -> list[dict[str, Any]]:
    for _ in range(100):  # appended by a task of their own
        records = [r for r in p.audited if r.get("kind") == "policy.reload"]
        if len(records) >= n:
            return records
        await asyncio.sleep(0.02)
    raise AssertionError(f"{n} policy.reload records expected, got {p.audited}")


async def test_broken_edit_keeps_the_last_good_policy_and_is_reported(
    make_proxy: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    rego = policies / "privacy" / "decision.rego"
    good = rego.read_text()
    async with proxy(make_proxy, policy={"path": str(policies), "reload_interval_s": 0}) as p:
        before = await send(p, "acme", PERSONAL)
        revision = before.audit["policy_revision"]
        rego.write_text(good.replace("valid_input if {", "valid_input if {{", 1))
        _touch(rego)
        with caplog.at_level(logging.ERROR):
            during = await send(p, "acme", PERSONAL)
        runner, metrics_port = await serve_app(metrics_app())  # metrics have their own port
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"{p.origin}/readyz") as resp:
                    ready_status, ready = resp.status, await resp.json()
                async with http.get(f"http://127.0.0.1:{metrics_port}/metrics") as resp:
                    metrics = await resp.text()
        finally:
            await runner.cleanup()
        failed = await _reload_records(p, 1)
        rego.write_text(good + "\n# fixed\n")
        _touch(rego)
        after = await send(p, "acme", PERSONAL)
        records = await _reload_records(p, 2)
    assert (before.status, before.route) == (200, "external")
    # The broken edit does not deny traffic: the last good revision decides.
    assert (during.status, during.route) == (200, "external")
    assert during.audit["policy_revision"] == revision
    assert EMAIL not in during.external
    assert ready_status == 200 and ready["status"] == "ready"
    assert ready["policy"]["revision"] == revision
    assert ready["policy"]["reload_error"]["code"] == "policy_invalid"
    assert "privacy_proxy_policy_reload_failed 1.0" in metrics
    assert any("policy reload failed (policy_invalid)" in r.getMessage() for r in caplog.records)
    assert failed[0]["outcome"] == "failed" and failed[0]["error"] == "policy_invalid"
    assert failed[0]["policy_revision"] == revision
    # Fixed: the new revision decides and the recovery is recorded too.
    assert after.audit["policy_revision"] not in ("", revision)
    assert records[1]["outcome"] == "ok" and records[1]["previous"] == revision


async def test_a_policy_that_does_not_load_at_start_stops_the_proxy(
    make_proxy: Any, tmp_path: Path
) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    (policies / "data.json").write_text("{not json")
    with pytest.raises(PolicyError) as e:
        async with make_proxy(local="none", policy={"path": str(policies)}):
            pass
    assert e.value.code == "policy_invalid"

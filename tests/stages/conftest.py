"""Requests as the stages see them, and a real audit log (SQLite in a temp dir) to record them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from proxy.api.chat import CHAT_COMPLETIONS
from proxy.api.endpoint import Endpoint
from proxy.audit import open_audit_log
from proxy.audit.log import MerkleAuditLog
from proxy.config import TenantConfig, load_settings
from proxy.context import RequestContext
from proxy.decide.types import Decision, Reason

EMAIL = "jane.doe@example.com"


def make_ctx(
    text: str = f"Write to {EMAIL} today.",
    *,
    api: Endpoint = CHAT_COMPLETIONS,
    stream: bool = False,
    route: str = "external",
) -> RequestContext:
    body: dict[str, Any] = {"model": "gpt-4o", "stream": stream}
    if api.name == "embeddings":
        body["input"] = text
    else:
        body["messages"] = [{"role": "user", "content": text}]
    ctx = RequestContext(request_id="d-test", api=api, body=body,
                         tenant=TenantConfig(id="acme"), principal="key:test")
    ctx.extracted = api.extract(body)
    ctx.spans = [[]]
    ctx.decision = Decision(route, "none", (), (Reason("test", "test"),))  # type: ignore[arg-type]
    return ctx


def records(log: MerkleAuditLog, kind: str | None = None) -> list[dict[str, Any]]:
    path = log.store.path  # type: ignore[attr-defined]
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT data FROM leaves ORDER BY idx").fetchall()
    finally:
        conn.close()
    out = [json.loads(r[0])["record"] for r in rows]
    return [r for r in out if kind is None or r["kind"] == kind]


@pytest.fixture
async def audit_log(tmp_path: Path) -> AsyncIterator[MerkleAuditLog]:
    settings = load_settings(None, server={"data_dir": str(tmp_path)},
                             audit={"checkpoint_interval_s": 3600})
    log = open_audit_log(settings)
    await log.start()
    yield log
    await log.close()

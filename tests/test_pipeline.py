"""The pipeline: its stages in order, timed; a stage that fails ends the request closed, recorded
and answered; a policy denial is recorded, then answered, and nothing is forwarded."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from proxy.api.chat import CHAT_COMPLETIONS
from proxy.audit import open_audit_log
from proxy.audit.log import MerkleAuditLog
from proxy.config import TenantConfig, load_settings
from proxy.context import Reply, RequestContext
from proxy.decide.types import Decision, Reason
from proxy.errors import ErrorCode, ProxyError
from proxy.pipeline import Components, Pipeline, default_pipeline
from proxy.route.backends import Backends
from proxy.route.base import UpstreamResponse
from proxy.stages.audit import AuditTrail
from proxy.stages.outcome import Outcome
from tests.fakes.fake_backend import FakeBackend
from tests.fakes.fake_engine import FakeFixedEngine

CLEAN = "Explain bloom filters."


@pytest.fixture
async def audit_log(tmp_path: Path) -> AsyncIterator[MerkleAuditLog]:
    log = open_audit_log(load_settings(None, server={"data_dir": str(tmp_path)}))
    await log.start()
    yield log
    await log.close()


def records(log: MerkleAuditLog) -> list[dict[str, Any]]:
    conn = sqlite3.connect(log.store.path)  # type: ignore[attr-defined]
    try:
        rows = conn.execute("SELECT data FROM leaves ORDER BY idx").fetchall()
    finally:
        conn.close()
    return [json.loads(r[0])["record"] for r in rows]


def ctx_for(text: str = CLEAN) -> RequestContext:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    return RequestContext(request_id="d-1", api=CHAT_COMPLETIONS, body=body,
                          tenant=TenantConfig(id="acme"), principal="key:test")


class Step:
    """A stage that notes its turn and then does ``then``."""

    def __init__(self, name: str, seen: list[str], then: Any = None) -> None:
        self.name, self.seen, self.then = name, seen, then

    async def __call__(self, ctx: RequestContext) -> None:
        self.seen.append(self.name)
        if isinstance(self.then, BaseException):
            raise self.then
        if self.then == "reply":
            ctx.reply = Reply(200, body={"done": True})


async def test_stages_run_in_order_each_timed(audit_log: MerkleAuditLog) -> None:
    seen: list[str] = []
    outcome = Outcome(AuditTrail(audit_log))
    stages = [Step("a", seen), Step("b", seen), Step("c", seen, "reply")]
    reply = await Pipeline(stages, outcome).run(ctx := ctx_for())  # type: ignore[arg-type]
    assert seen == ["a", "b", "c"] and reply.body == {"done": True}
    assert list(ctx.timings_ms) == ["a", "b", "c"]


@pytest.mark.parametrize("error,code,status", [
    (ProxyError(ErrorCode.detection_failed, "detection failed"), "detection_failed", 503),
    (RuntimeError("a bug"), "internal_error", 500),
])
async def test_a_failing_stage_ends_the_request_closed_and_recorded(
    audit_log: MerkleAuditLog, error: Exception, code: str, status: int
) -> None:
    seen: list[str] = []
    outcome = Outcome(AuditTrail(audit_log))
    stages = [Step("a", seen), Step("b", seen, error), Step("c", seen, "reply")]
    reply = await Pipeline(stages, outcome).run(ctx_for())  # type: ignore[arg-type]
    assert seen == ["a", "b"]
    assert reply.status == status and reply.body is not None
    assert reply.body["error"]["code"] == code
    assert "a bug" not in json.dumps(reply.body)
    [rec] = records(audit_log)
    assert rec["status"] == "error" and rec["reasons"][-1]["code"] == code


def components(audit_log: MerkleAuditLog, decision: Decision, backend: FakeBackend,
               shared_detector: Any, settings: Any) -> Components:
    return Components(settings, shared_detector, FakeFixedEngine(decision), audit_log,
                      Backends(local=None, external=backend), b"k" * 32)


async def test_the_default_order(audit_log: MerkleAuditLog, shared_detector: Any,
                                 tmp_path: Path) -> None:
    settings = load_settings(None, server={"data_dir": str(tmp_path)})
    c = components(audit_log, Decision("deny", "none", (), ()), FakeBackend(), shared_detector,
                   settings)
    names = [s.name for s in default_pipeline(c).stages]
    assert names == ["extract", "detect", "decide", "transform", "audit", "route", "restore",
                     "outcome"]


async def test_a_denial_is_recorded_then_answered_and_nothing_leaves(
    audit_log: MerkleAuditLog, shared_detector: Any, tmp_path: Path
) -> None:
    settings = load_settings(None, server={"data_dir": str(tmp_path)})
    backend = FakeBackend()
    deny = Decision("deny", "none", (), (Reason("tenant_closed", "no"),))
    pipeline = default_pipeline(components(audit_log, deny, backend, shared_detector, settings))
    reply = await pipeline.run(ctx := ctx_for())
    assert reply.status == 403 and backend.calls == []
    assert ctx.audited and [r["status"] for r in records(audit_log)] == ["denied"]


async def test_a_forwarded_request_has_its_decision_before_and_its_outcome_after(
    audit_log: MerkleAuditLog, shared_detector: Any, tmp_path: Path
) -> None:
    settings = load_settings(None, server={"data_dir": str(tmp_path)})
    answer = {"model": "gpt-4o", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "ECHO"}}]}
    seen_by_backend: list[list[str]] = []

    class Recording(FakeBackend):
        async def call(self, endpoint: str, body: dict[str, Any]) -> UpstreamResponse:
            seen_by_backend.append([r["kind"] for r in records(audit_log)])
            return await super().call(endpoint, body)

    backend = Recording(answers=[UpstreamResponse(status=200, body=answer)])
    ok = Decision("external", "none", (), (Reason("no_personal_data", "clean"),))
    pipeline = default_pipeline(components(audit_log, ok, backend, shared_detector, settings))
    reply = await pipeline.run(ctx_for())
    assert reply.status == 200 and reply.body == answer
    assert seen_by_backend == [["request"]]  # the decision was committed before the call
    assert [r["kind"] for r in records(audit_log)] == ["request", "outcome"]

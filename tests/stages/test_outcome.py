"""The outcome stage: the outcome is in the audit log before the client can see the end of the
answer; an outcome that cannot be recorded withholds that end; a client that leaves is recorded."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

from proxy.audit.log import MerkleAuditLog
from proxy.context import Answer, RequestContext
from proxy.errors import ErrorCode, ProxyError
from proxy.route.base import BackendUnavailable
from proxy.stages.audit import AuditTrail
from proxy.stages.outcome import Outcome
from tests.stages.conftest import make_ctx, records


def routed(stream: bool = False) -> RequestContext:
    ctx = make_ctx(stream=stream)
    ctx.audited = True
    return ctx


async def events(*batches: list[dict[str, Any]], fail: Exception | None = None) -> Any:
    for batch in batches:
        yield batch
    if fail is not None:
        raise fail


def break_store(log: MerkleAuditLog) -> None:
    conn = sqlite3.connect(log.store.path)  # type: ignore[attr-defined]
    conn.execute("ALTER TABLE leaves RENAME TO leaves_gone")
    conn.commit()
    conn.close()


async def test_a_whole_answer_is_sent_after_its_outcome_is_committed(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed()
    ctx.answer = Answer(200, body={"ok": True})
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.status == 200 and ctx.reply.body == {"ok": True}
    [out] = records(audit_log, "outcome")  # already committed: no waiting
    assert out["decision_id"] == ctx.request_id and out["status"] == 200
    assert set(out["latency_ms"]) == {"backend", "total"}


async def test_a_stream_ends_only_after_its_outcome_is_committed(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed(stream=True)
    ctx.answer = Answer(200, events=events([{"model": "m", "choices": []}]))
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = []
    async for frame in ctx.reply.stream:
        if frame == b"data: [DONE]\n\n":
            assert [o["status"] for o in records(audit_log, "outcome")] == [200]
        else:
            assert records(audit_log, "outcome") == []
        frames.append(frame)
    await ctx.reply.close()
    assert frames[-1] == b"data: [DONE]\n\n" and len(frames) == 2


async def test_an_outcome_the_log_cannot_record_withholds_the_answer(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed()
    ctx.answer = Answer(200, body={"ok": True})
    break_store(audit_log)
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.status == 503
    assert ctx.reply.body is not None
    assert ctx.reply.body["error"]["code"] == "audit_unavailable"


async def test_a_stream_whose_outcome_cannot_be_recorded_ends_with_an_error(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed(stream=True)
    ctx.answer = Answer(200, events=events([{"choices": []}]))
    await Outcome(AuditTrail(audit_log))(ctx)
    break_store(audit_log)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = [f async for f in ctx.reply.stream]
    assert b"[DONE]" not in frames[-1] and b"audit_unavailable" in frames[-1]


async def test_a_stream_that_breaks_off_ends_with_an_error_event_and_a_502(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed(stream=True)
    ctx.answer = Answer(200, events=events([{"choices": []}], fail=BackendUnavailable("cut")))
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = [f async for f in ctx.reply.stream]
    assert b"upstream_error" in frames[-1] and b"[DONE]" not in b"".join(frames)
    assert [o["status"] for o in records(audit_log, "outcome")] == [502]


async def test_a_client_that_leaves_is_recorded_as_499(audit_log: MerkleAuditLog) -> None:
    ctx = routed(stream=True)
    ctx.answer = Answer(200, events=events([{"choices": []}], [{"choices": []}]))
    trail = AuditTrail(audit_log)
    await Outcome(trail)(ctx)
    assert ctx.reply is not None and ctx.reply.stream is not None
    await ctx.reply.stream.__anext__()
    await ctx.reply.close()  # the client went away after the first write
    await trail.drain()
    assert [o["status"] for o in records(audit_log, "outcome")] == [499]


async def test_a_refusal_before_the_decision_is_recorded_as_a_failure(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = make_ctx()
    reply = await Outcome(AuditTrail(audit_log)).refused(
        ctx, ProxyError(ErrorCode.detection_failed, "detection failed"))
    assert reply.status == 503 and reply.body is not None
    [rec] = records(audit_log, "request")
    assert rec["status"] == "error" and rec["route"] == "deny"
    assert rec["reasons"][-1] == {"code": "detection_failed", "text": "detection failed"}
    assert records(audit_log, "outcome") == []


async def test_a_refusal_after_routing_is_recorded_as_its_outcome(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = routed()
    reply = await Outcome(AuditTrail(audit_log)).refused(
        ctx, ProxyError(ErrorCode.external_backend_unavailable, "down"))
    assert reply.status == 502
    assert [o["status"] for o in records(audit_log, "outcome")] == [502]
    assert records(audit_log, "request") == []


async def test_the_policy_refusal_adds_no_record(audit_log: MerkleAuditLog) -> None:
    ctx = routed()
    ctx.denial = ProxyError(ErrorCode.policy_denied, "denied")
    reply = await Outcome(AuditTrail(audit_log)).refused(ctx, ctx.denial)
    assert reply.status == 403
    await asyncio.sleep(0)
    assert records(audit_log) == []


def _responses_ctx() -> RequestContext:
    from proxy.api.responses import RESPONSES_API

    ctx = routed(stream=True)
    ctx.api, ctx.body = RESPONSES_API, {"model": "gpt-4o", "input": "hi", "stream": True}
    return ctx


DELTA = {"type": "response.output_text.delta", "sequence_number": 4, "item_id": "m",
         "output_index": 0, "content_index": 0, "delta": "Hi"}
COMPLETED = {"type": "response.completed", "sequence_number": 5, "response": {"id": "r"}}


async def test_a_responses_stream_ends_with_its_completed_event_after_the_outcome(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = _responses_ctx()
    ctx.answer = Answer(200, events=events([DELTA, COMPLETED]))
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = []
    async for frame in ctx.reply.stream:
        recorded = [o["status"] for o in records(audit_log, "outcome")]
        assert recorded == ([200] if b"response.completed" in frame else [])
        frames.append(frame)
    await ctx.reply.close()
    assert frames[0].startswith(b"event: response.output_text.delta\ndata: ")
    assert frames[-1].startswith(b"event: response.completed\ndata: ")
    assert b"[DONE]" not in b"".join(frames)


async def test_a_responses_stream_that_breaks_off_ends_with_an_error_event(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = _responses_ctx()
    ctx.answer = Answer(200, events=events([DELTA], fail=BackendUnavailable("cut")))
    await Outcome(AuditTrail(audit_log))(ctx)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = [f async for f in ctx.reply.stream]
    head, data = frames[-1].decode().strip().split("\n")
    assert head == "event: error"
    error = json.loads(data.removeprefix("data: "))
    assert error["type"] == "error" and error["code"] == "upstream_error" and error["message"]
    assert b"response.completed" not in b"".join(frames)
    assert [o["status"] for o in records(audit_log, "outcome")] == [502]


async def test_a_responses_stream_whose_outcome_cannot_be_recorded_never_completes(
    audit_log: MerkleAuditLog,
) -> None:
    ctx = _responses_ctx()
    ctx.answer = Answer(200, events=events([DELTA, COMPLETED]))
    await Outcome(AuditTrail(audit_log))(ctx)
    break_store(audit_log)
    assert ctx.reply is not None and ctx.reply.stream is not None
    frames = b"".join([f async for f in ctx.reply.stream])
    assert b"response.completed" not in frames and b"audit_unavailable" in frames
    assert frames.rstrip().split(b"\n")[-2] == b"event: error"

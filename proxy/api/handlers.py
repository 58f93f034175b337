"""Thin OpenAI-compatible handlers: authenticate, run the pipeline, route, restore, answer."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from proxy import pipeline
from proxy.api.extract import CHAT, COMPLETIONS, EMBEDDINGS
from proxy.config import TenantConfig
from proxy.context import RequestContext
from proxy.decide.request import request_purpose
from proxy.errors import ErrorCode, ProxyError, error_body
from proxy.logs import request_id
from proxy.metrics import REQUEST_SECONDS, REQUESTS, STREAM_HELD_CHARS
from proxy.restore.responses import ChunkRestorer, restore_body
from proxy.restore.restorer import Restorer
from proxy.route.base import BackendUnavailable, UpstreamResponse

if TYPE_CHECKING:
    from proxy.app import AppState

log = logging.getLogger("privacy_proxy.api")

STATE: web.AppKey[AppState] = web.AppKey("state")

HDR_ROUTE = "x-privacy-proxy-route"
HDR_DECISION = "x-privacy-proxy-decision-id"
HDR_MODEL = "x-privacy-proxy-model"
HDR_TIMING = "x-privacy-proxy-timing"
HDR_REASONS = "x-privacy-proxy-reasons"


def authenticate(state: AppState, request: web.Request) -> tuple[TenantConfig, str]:
    auth = request.headers.get("Authorization", "")
    scheme, _, key = auth.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise ProxyError(ErrorCode.invalid_api_key,
                         "missing API key: send 'Authorization: Bearer <proxy key>'")
    found = state.tenant_for_key(key.strip())
    if found is None:
        raise ProxyError(ErrorCode.invalid_api_key, "incorrect API key provided")
    return found


async def read_body(request: web.Request) -> dict[str, Any]:
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as e:
        raise ProxyError(ErrorCode.payload_too_large, "request body too large") from e
    try:
        body = json.loads(raw)
    except ValueError as e:
        raise ProxyError(ErrorCode.invalid_request, "the body must be a JSON object") from e
    if not isinstance(body, dict):
        raise ProxyError(ErrorCode.invalid_request, "the body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ProxyError(ErrorCode.invalid_request, "'model' is required", param="model")
    if "stream" in body and not isinstance(body["stream"], bool | None):
        raise ProxyError(ErrorCode.invalid_request, "'stream' must be a boolean", param="stream")
    return body


def _headers(ctx: RequestContext) -> dict[str, str]:
    route = ctx.decision.route if ctx.decision else "deny"
    if ctx.denial is not None:
        route = "deny"
    h = {HDR_DECISION: ctx.request_id, HDR_ROUTE: route, HDR_TIMING: ctx.timing_header()}
    if ctx.decision is not None:  # the policy's stable reason codes, never content
        h[HDR_REASONS] = ",".join(r.code for r in ctx.decision.reasons)
    if ctx.backend is not None and ctx.denial is None:
        h[HDR_MODEL] = ctx.backend.served_model(ctx.model_requested)
    return h


def make_handler(endpoint: str):  # type: ignore[no-untyped-def]
    async def handler(request: web.Request) -> web.StreamResponse:
        state: AppState = request.app[STATE]
        tenant, principal = authenticate(state, request)
        body = await read_body(request)
        ctx = RequestContext(request_id=uuid.uuid4().hex, endpoint=endpoint, body=body,
                             tenant=tenant, principal=principal,
                             purpose=request_purpose(request.headers))
        request_id.set(ctx.request_id)
        try:
            await pipeline.run(state.stages, ctx)
        except ProxyError as e:
            if not ctx.audited:
                await state.record_failure(ctx, e)
            REQUESTS.labels(endpoint, "deny", e.code.value).inc()
            log.info("request refused", extra={"code": e.code.value, "tenant": tenant.id})
            return e.response(headers=_headers(ctx))
        return await forward(state, request, ctx)

    return handler


async def forward(state: AppState, request: web.Request, ctx: RequestContext) -> web.StreamResponse:
    backend = ctx.backend
    assert backend is not None and ctx.decision is not None
    route = ctx.decision.route
    t0 = time.perf_counter()
    try:
        up = await backend.call(ctx.endpoint, ctx.body)
    except BackendUnavailable as e:
        code = (ErrorCode.local_backend_unavailable if backend.placement == "local"
                else ErrorCode.external_backend_unavailable)
        err = ProxyError(code, f"the {backend.placement} model is unavailable")
        log.warning("backend unavailable", extra={"backend": backend.name, "error": str(e)})
        state.record_outcome(ctx, err.status, t0)
        REQUESTS.labels(ctx.endpoint, route, code.value).inc()
        return err.response(headers=_headers(ctx))
    restorer = Restorer(ctx.vault) if ctx.vault else None
    headers = _headers(ctx)
    if up.chunks is not None:
        return await _stream(state, request, ctx, up, restorer, headers, t0)
    body = up.body or {}
    if up.status >= 400:
        if not isinstance(body.get("error"), dict):
            body = error_body("the upstream provider returned an error", "server_error",
                              ErrorCode.upstream_error.value)
        state.record_outcome(ctx, up.status, t0)
        REQUESTS.labels(ctx.endpoint, route, ErrorCode.upstream_error.value).inc()
        return web.json_response(body, status=up.status, headers=headers)
    if restorer is not None and ctx.endpoint != EMBEDDINGS:
        body = restore_body(body, restorer)
    if "model" in body:
        body["model"] = backend.served_model(ctx.model_requested)
    state.record_outcome(ctx, up.status, t0)
    REQUESTS.labels(ctx.endpoint, route, "ok").inc()
    REQUEST_SECONDS.labels(route).observe(time.perf_counter() - ctx.started)
    return web.json_response(body, status=up.status, headers=headers,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def _stream(
    state: AppState,
    request: web.Request,
    ctx: RequestContext,
    up: UpstreamResponse,
    restorer: Restorer | None,
    headers: dict[str, str],
    t0: float,
) -> web.StreamResponse:
    assert up.chunks is not None and ctx.backend is not None and ctx.decision is not None
    route = ctx.decision.route
    served = ctx.backend.served_model(ctx.model_requested)
    resp = web.StreamResponse(status=200, headers={
        **headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await resp.prepare(request)
    cr = ChunkRestorer(restorer) if restorer else None
    status, code = 200, "ok"
    answered = False  # some content has been sent
    try:
        # One write per batch the backend hands over (what arrived together), except that the
        # first chunk with content goes out the moment it is restored, before the rest of its
        # batch is even looked at.
        async for batch in up.chunks:
            out: list[bytes] = []
            for chunk in batch:
                if cr is not None:
                    chunk = cr.process(chunk)
                if "model" in chunk:
                    chunk["model"] = served
                out.append(_event(chunk))
                if not answered and _has_content(chunk):
                    answered = True
                    await resp.write(b"".join(out))
                    out = []
            if out:
                await resp.write(b"".join(out))
        if cr is not None:
            last = cr.tail()
            if last is not None:
                await resp.write(_event(last))
        await resp.write(b"data: [DONE]\n\n")
    except BackendUnavailable:
        status, code = 502, ErrorCode.upstream_error.value
        err = error_body("the model stream broke off", "server_error", code)
        try:
            await resp.write(_event(err))
        except ConnectionResetError:
            pass
    except (ConnectionResetError, asyncio.CancelledError):
        status, code = 499, "client_closed"
        raise
    finally:
        if up.aclose is not None:
            await up.aclose()
        aclose = getattr(up.chunks, "aclose", None)
        if aclose is not None:
            await aclose()
        state.record_outcome(ctx, status, t0)
        REQUESTS.labels(ctx.endpoint, route, code).inc()
        REQUEST_SECONDS.labels(route).observe(time.perf_counter() - ctx.started)
        if cr is not None:
            STREAM_HELD_CHARS.observe(restorer.max_hold if restorer else 0)
    await resp.write_eof()
    return resp


def _has_content(chunk: dict[str, Any]) -> bool:
    """Whether a chunk carries text, tool-call arguments or a refusal for the client to show."""
    for choice in chunk.get("choices") or []:
        if choice.get("text"):
            return True
        delta = choice.get("delta") or {}
        if delta.get("content") or delta.get("refusal") or delta.get("tool_calls"):
            return True
    return False


def _event(obj: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(obj, ensure_ascii=False).encode() + b"\n\n"


async def models(request: web.Request) -> web.Response:
    state: AppState = request.app[STATE]
    tenant, _ = authenticate(state, request)
    names: list[tuple[str, str]] = []
    if state.backends.local is not None:
        names.append((state.settings.local.model_name, "privacy-proxy-local"))
    if state.backends.external is not None:
        names += [(m, state.settings.external.name) for m in state.settings.external.models]
    if tenant.allowed_models is not None:
        names = [(n, o) for n, o in names if n in tenant.allowed_models]
    created = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    return web.json_response({"object": "list", "data": [
        {"id": n, "object": "model", "created": created, "owned_by": o} for n, o in names]})


def routes() -> list[web.RouteDef]:
    return [
        web.post("/v1/chat/completions", make_handler(CHAT)),
        web.post("/v1/completions", make_handler(COMPLETIONS)),
        web.post("/v1/embeddings", make_handler(EMBEDDINGS)),
        web.get("/v1/models", models),
    ]

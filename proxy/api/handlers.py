"""The HTTP side: a request becomes a request context (tenant, body, endpoint), the pipeline runs
it, and its reply goes back as JSON or as an event stream with the proxy's headers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from proxy.api.body import read_json_sized
from proxy.api.endpoint import Endpoint
from proxy.api.endpoints import ENDPOINTS
from proxy.config import TenantConfig
from proxy.context import Reply, RequestContext
from proxy.decide.request import request_purpose
from proxy.errors import ErrorCode, ProxyError
from proxy.logs import request_id
from proxy.state import STATE, AppState

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


async def read_body(request: web.Request, limit: int) -> tuple[dict[str, Any], int]:
    """The request's body, checked to be an OpenAI request, and its decoded size."""
    body, size = await read_json_sized(request, limit)
    if not isinstance(body, dict):
        raise ProxyError(ErrorCode.invalid_request, "the body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ProxyError(ErrorCode.invalid_request, "'model' is required", param="model")
    if "stream" in body and not isinstance(body["stream"], bool | None):
        raise ProxyError(ErrorCode.invalid_request, "'stream' must be a boolean", param="stream")
    return body, size


def headers(ctx: RequestContext) -> dict[str, str]:
    """The decision id and stage timings; the route (and model) once the decision is recorded."""
    h = {HDR_DECISION: ctx.request_id, HDR_TIMING: ctx.timing_header()}
    if ctx.audited and ctx.decision is not None:
        h[HDR_ROUTE] = "deny" if ctx.denial is not None else ctx.decision.route
        # The policy's stable reason codes, never content.
        h[HDR_REASONS] = ",".join(r.code for r in ctx.decision.reasons)
        if ctx.backend is not None and ctx.denial is None:
            h[HDR_MODEL] = ctx.backend.served_model(ctx.model_requested)
    return h


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


async def send(request: web.Request, ctx: RequestContext, reply: Reply) -> web.StreamResponse:
    hdrs = headers(ctx)
    if reply.stream is None:
        await reply.close()
        return web.json_response(reply.body, status=reply.status, headers=hdrs, dumps=_dumps)
    resp = web.StreamResponse(status=reply.status, headers={
        **hdrs, "Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    try:
        await resp.prepare(request)
        async for data in reply.stream:
            await resp.write(data)
        await resp.write_eof()
    except ConnectionResetError:
        pass  # the client went away: closing the reply records that
    finally:
        await reply.close()
    return resp


def endpoint_handler(api: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        state = request.app[STATE]
        assert state.pipeline is not None, "the app has not started"
        tenant, principal = authenticate(state, request)
        body, size = await read_body(request, state.settings.server.max_body_bytes)
        ctx = RequestContext(request_id=uuid.uuid4().hex, api=api, body=body, tenant=tenant,
                             principal=principal, purpose=request_purpose(request.headers),
                             body_bytes=size)
        request_id.set(ctx.request_id)
        reply = await state.pipeline.run(ctx)
        return await send(request, ctx, reply)

    return handler


async def models(request: web.Request) -> web.Response:
    state = request.app[STATE]
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


def refusal_handler(reason: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Answers a path the proxy does not serve, and says why (after checking the key)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        authenticate(request.app[STATE], request)
        raise ProxyError(ErrorCode.unsupported_input, reason)

    return handler


def routes() -> list[web.RouteDef]:
    return [*(web.post(api.path, endpoint_handler(api)) for api in ENDPOINTS),
            *(web.route("*", path, refusal_handler(reason)) for api in ENDPOINTS
              for path, reason in api.unserved.items()),
            web.get("/v1/models", models)]

"""Middlewares: every error as an OpenAI-shaped body, and an admin key for every /admin/ path."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from proxy.errors import ErrorCode, ProxyError, error_body
from proxy.state import STATE

log = logging.getLogger("privacy_proxy.app")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_HTTP_CODES = {404: ErrorCode.not_found, 405: ErrorCode.method_not_allowed,
               413: ErrorCode.payload_too_large, 415: ErrorCode.unsupported_content_encoding}


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ProxyError as e:
        return e.response()
    except web.HTTPException as e:
        if e.status < 400:
            raise
        code = _HTTP_CODES.get(e.status, ErrorCode.invalid_request)
        return web.json_response(error_body(e.reason, "invalid_request_error", code.value),
                                 status=e.status)
    except asyncio.CancelledError:
        raise
    except ConnectionResetError:
        log.info("client disconnected", extra={"path": request.path})
        return web.Response(status=499, reason="Client Closed Request")
    except Exception as e:
        log.error("unhandled error", extra={"error": type(e).__name__})
        return ProxyError(ErrorCode.internal_error, "internal error").response()


@web.middleware
async def admin_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/admin/"):
        state = request.app[STATE]
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not state.is_admin(key.strip()):
            raise ProxyError(ErrorCode.invalid_api_key, "an admin API key is required")
    return await handler(request)

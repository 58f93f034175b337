"""create_app(settings): routes, middlewares, and startup/cleanup of the shared components."""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from proxy import pipeline
from proxy.api import handlers
from proxy.api.handlers import STATE
from proxy.audit.types import AuditLog
from proxy.config import Settings, TenantConfig, hash_key
from proxy.context import RequestContext
from proxy.decide.types import PolicyEngine
from proxy.detect.types import Detector
from proxy.errors import ErrorCode, ProxyError, error_body
from proxy.keys import load_or_create_secret
from proxy.route.base import Backend
from proxy.route.http import HttpBackend

log = logging.getLogger("privacy_proxy.app")


class AppState:
    """The components shared by every request of one serving process, created once at startup."""

    def __init__(
        self,
        settings: Settings,
        detector: Detector,
        engine: PolicyEngine,
        audit_log: AuditLog,
        backends: pipeline.Backends,
    ) -> None:
        self.settings = settings
        self.detector = detector
        self.engine = engine
        self.audit_log = audit_log
        self.backends = backends
        self.stages: list[pipeline.Stage] = []
        self._tenants = {h: t for t in settings.tenants for h in t.api_key_sha256}
        self._admin = set(settings.admin.api_key_sha256)
        self._tasks: set[asyncio.Task[Any]] = set()

    def tenant_for_key(self, key: str) -> tuple[TenantConfig, str] | None:
        digest = hash_key(key)
        tenant = self._tenants.get(digest)
        return None if tenant is None else (tenant, f"key:{digest[:16]}")

    def is_admin(self, key: str) -> bool:
        digest = hash_key(key)
        return any(hmac.compare_digest(digest, h) for h in self._admin)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def record_failure(self, ctx: RequestContext, err: ProxyError) -> None:
        """Best effort: a request that failed before its decision was recorded."""
        audit = next((s for s in self.stages if isinstance(s, pipeline.Audit)), None)
        if audit is None or err.code is ErrorCode.audit_unavailable:
            return
        rec = audit.record(ctx, "error")
        rec["route"] = "deny"
        rec["reasons"] = rec["reasons"] + [{"code": err.code.value, "text": err.message}]
        try:
            await asyncio.shield(self.audit_log.append(rec))
        except Exception as e:
            log.error("audit of a failed request failed", extra={"error": type(e).__name__})

    def record_outcome(self, ctx: RequestContext, status: int, t0: float) -> None:
        rec = {
            "kind": "outcome",
            "decision_id": ctx.request_id,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "tenant": ctx.tenant.id,
            "status": status,
            "latency_ms": {"backend": round((time.perf_counter() - t0) * 1000, 3),
                           "total": round((time.perf_counter() - ctx.started) * 1000, 3)},
        }

        async def append() -> None:
            try:
                await self.audit_log.append(rec)
            except Exception as e:
                log.error("audit of an outcome failed", extra={"error": type(e).__name__})

        self._spawn(append())

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ProxyError as e:
        return e.response()
    except web.HTTPException as e:
        if e.status < 400:
            raise
        code = {404: ErrorCode.not_found, 405: ErrorCode.method_not_allowed,
                413: ErrorCode.payload_too_large}.get(e.status, ErrorCode.invalid_request)
        return web.json_response(error_body(e.reason, "invalid_request_error", code.value),
                                 status=e.status)
    except asyncio.CancelledError:
        raise
    except Exception as e:
        log.error("unhandled error", extra={"error": type(e).__name__})
        return ProxyError(ErrorCode.internal_error, "internal error").response()


@web.middleware
async def admin_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    if request.path.startswith("/admin/"):
        state: AppState = request.app[STATE]
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not state.is_admin(key.strip()):
            raise ProxyError(ErrorCode.invalid_api_key, "an admin API key is required")
    return await handler(request)


def build_backends(settings: Settings) -> pipeline.Backends:
    local: Backend | None = None
    if settings.local.kind == "llama_cpp":
        from proxy.route.llama import LlamaCppBackend

        local = LlamaCppBackend(settings.local)
    elif settings.local.kind == "openai_compatible":
        assert settings.local.base_url
        key = settings.local.api_key.get_secret_value() if settings.local.api_key else None
        local = HttpBackend(name="openai_compatible", placement="local",
                            base_url=settings.local.base_url, api_key=key,
                            region=settings.local.region, timeout_s=settings.local.timeout_s,
                            model=settings.local.model_name, ca_file=settings.local.ca_file)
    external: Backend | None = None
    if settings.external.enabled:
        assert settings.external.api_key is not None
        external = HttpBackend(name=settings.external.name, placement="external",
                               base_url=settings.external.base_url,
                               api_key=settings.external.api_key.get_secret_value(),
                               region=_provider_region(settings),
                               timeout_s=settings.external.timeout_s,
                               ca_file=settings.external.ca_file)
    return pipeline.Backends(local=local, external=external)


def _provider_region(settings: Settings) -> str:
    import json

    data = settings.policy.path / "data.json"
    try:
        providers = json.loads(data.read_text()).get("providers", {})
        return str(providers.get(settings.external.name, {}).get("region", "unknown"))
    except (OSError, ValueError, AttributeError):
        return "unknown"


def create_app(
    settings: Settings,
    *,
    detector: Detector | None = None,
    engine: PolicyEngine | None = None,
    audit_log: AuditLog | None = None,
    backends: pipeline.Backends | None = None,
) -> web.Application:
    """Build the application. Components may be injected (tests); by default they come from
    ``settings``. Nothing starts until the app's startup runs."""
    from proxy.audit import open_audit_log
    from proxy.decide import build_engine
    from proxy.detect import build_detector

    state = AppState(
        settings,
        detector or build_detector(settings),
        engine or build_engine(settings),
        audit_log or open_audit_log(settings),
        backends or build_backends(settings),
    )
    app = web.Application(middlewares=[errors_middleware, admin_middleware],
                          client_max_size=settings.server.max_body_bytes)
    app[STATE] = state
    app.router.add_routes(handlers.routes())
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    _admin_routes(app, state)
    app.cleanup_ctx.append(_lifecycle)
    return app


def _admin_routes(app: web.Application, state: AppState) -> None:
    from proxy.audit.admin import admin_routes as audit_routes
    from proxy.detect.admin import admin_routes as detect_routes

    app.router.add_routes(audit_routes(state.audit_log, state.settings))
    app.router.add_routes(detect_routes(state.detector, state.audit_log, state.settings))


async def _lifecycle(app: web.Application):  # type: ignore[no-untyped-def]
    state = app[STATE]
    s = state.settings
    s.server.data_dir.mkdir(parents=True, exist_ok=True)
    key = (s.pseudonym.key.get_secret_value().encode() if s.pseudonym.key
           else load_or_create_secret(s.server.data_dir / "pseudonym.key"))
    started: list[Any] = []
    try:
        # The audit log starts last: its heartbeat runs on the loop, which model loading stalls.
        backends = [b for b in (state.backends.local, state.backends.external) if b is not None]
        for comp in (state.engine, state.detector, *backends, state.audit_log):
            # Closed on the way out even when its start is cut short (a SIGTERM while the
            # detection workers load): close() undoes whatever part of start() ran.
            started.append(comp)
            await comp.start()
        state.stages = pipeline.default_stages(s, state.detector, state.engine,
                                               state.audit_log, state.backends, key)
        if state.backends.external is None:
            log.warning("no external provider key configured: every request is served by the "
                        "local model (set OPENAI_API_KEY or external.api_key to enable the "
                        "external route)")
        log.info("privacy-proxy ready", extra={
            "local": state.backends.local.name if state.backends.local else None,
            "external": state.backends.external.name if state.backends.external else None,
            "policy_engine": s.policy.engine, "audit_store": s.audit.store})
        yield
    finally:
        await state.drain()
        for comp in reversed(started):
            try:
                await comp.close()
            except Exception as e:
                log.error("error while closing", extra={"error": type(e).__name__})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    checks: dict[str, bool] = {}
    for name, comp in (("detector", state.detector), ("policy", state.engine),
                       ("audit", state.audit_log)):
        try:
            checks[name] = bool(await comp.ready())
        except Exception:
            checks[name] = False
    if state.backends.local is not None:
        try:
            ok = bool(await state.backends.local.ready())
        except Exception:
            ok = False
        checks["local_model"] = ok
    ok = all(checks.values())
    return web.json_response({"status": "ready" if ok else "not ready", "checks": checks},
                             status=200 if ok else 503)

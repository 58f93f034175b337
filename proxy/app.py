"""create_app(settings): routes, middlewares, and startup/cleanup of the shared components."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Protocol

from aiohttp import web

from proxy.api import handlers, health
from proxy.api.middleware import admin_middleware, errors_middleware
from proxy.audit.types import AuditLog
from proxy.config import Settings
from proxy.decide.types import PolicyEngine
from proxy.detect.types import Detector
from proxy.keys import load_or_create_secret
from proxy.pipeline import Components, default_pipeline
from proxy.route.backends import Backends, build_backends
from proxy.state import STATE, AppState

log = logging.getLogger("privacy_proxy.app")


class _Component(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...


def create_app(
    settings: Settings,
    *,
    detector: Detector | None = None,
    engine: PolicyEngine | None = None,
    audit_log: AuditLog | None = None,
    backends: Backends | None = None,
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
    # Bodies are decoded by proxy.api.body, which answers an unsupported encoding with an
    # OpenAI-shaped 415 rather than aiohttp's plain-text 400.
    app = web.Application(middlewares=[errors_middleware, admin_middleware],
                          client_max_size=settings.server.max_body_bytes,
                          handler_args={"auto_decompress": False})
    app[STATE] = state
    app.router.add_routes(handlers.routes())
    app.router.add_get("/healthz", health.healthz)
    app.router.add_get("/readyz", health.readyz)
    _admin_routes(app, state)
    app.cleanup_ctx.append(_lifecycle)
    return app


def _admin_routes(app: web.Application, state: AppState) -> None:
    from proxy.audit.admin import admin_routes as audit_routes
    from proxy.detect.admin import admin_routes as detect_routes

    app.router.add_routes(audit_routes(state.audit_log, state.settings))
    app.router.add_routes(detect_routes(state.detector, state.audit_log, state.settings))


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    state = app[STATE]
    s = state.settings
    s.server.data_dir.mkdir(parents=True, exist_ok=True)
    key = (s.pseudonym.key.get_secret_value().encode() if s.pseudonym.key
           else load_or_create_secret(s.server.data_dir / "pseudonym.key"))
    started: list[_Component] = []
    try:
        # The audit log starts last: its heartbeat runs on the loop, which model loading stalls.
        comps: list[_Component] = [state.engine, state.detector, *state.backends.all(),
                                   state.audit_log]
        for comp in comps:
            # Closed on the way out even when its start is cut short (a SIGTERM while the
            # detection workers load): close() undoes whatever part of start() ran.
            started.append(comp)
            await comp.start()
        state.pipeline = default_pipeline(Components(
            s, state.detector, state.engine, state.audit_log, state.backends, key))
        listeners = getattr(state.engine, "reload_listeners", None)
        if listeners is not None:  # policy reloads, failed ones first of all, are audited
            listeners.append(state.record_policy_reload)
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
        if state.pipeline is not None:
            await state.pipeline.drain()
        await state.drain()
        for comp in reversed(started):
            try:
                await comp.close()
            except Exception as e:
                log.error("error while closing", extra={"error": type(e).__name__})

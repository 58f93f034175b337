"""AppState: the components every request of one serving process shares, created once at startup
(``proxy.app``) and read by the HTTP handlers (``proxy.api``) through ``STATE``."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from aiohttp import web

from proxy.audit.records import policy_reload_record
from proxy.audit.types import AuditLog
from proxy.config import Settings, TenantConfig, hash_key
from proxy.decide.types import PolicyEngine
from proxy.detect.types import Detector
from proxy.pipeline import Pipeline
from proxy.route.backends import Backends

log = logging.getLogger("privacy_proxy.state")


class AppState:
    def __init__(
        self,
        settings: Settings,
        detector: Detector,
        engine: PolicyEngine,
        audit_log: AuditLog,
        backends: Backends,
    ) -> None:
        self.settings = settings
        self.detector = detector
        self.engine = engine
        self.audit_log = audit_log
        self.backends = backends
        self.pipeline: Pipeline | None = None  # built at startup, with the pseudonym key
        self._tenants = {h: t for t in settings.tenants for h in t.api_key_sha256}
        self._admin = set(settings.admin.api_key_sha256)
        self._tasks: set[asyncio.Task[None]] = set()

    def tenant_for_key(self, key: str) -> tuple[TenantConfig, str] | None:
        """The tenant of a proxy API key, and the principal the audit log names (a key prefix)."""
        digest = hash_key(key)
        tenant = self._tenants.get(digest)
        return None if tenant is None else (tenant, f"key:{digest[:16]}")

    def is_admin(self, key: str) -> bool:
        digest = hash_key(key)
        return any(hmac.compare_digest(digest, h) for h in self._admin)


    def record_policy_reload(self, event: dict[str, Any]) -> None:
        """Audit a policy reload (the engine calls this from its decision path, so the append
        runs in a task kept until it ends; ``drain`` waits for them at shutdown)."""
        rec = policy_reload_record(event)

        async def append() -> None:
            try:
                await self.audit_log.append(rec)
            except Exception as e:
                log.error("audit of a policy reload failed", extra={"error": type(e).__name__})

        task = asyncio.create_task(append())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


STATE: web.AppKey[AppState] = web.AppKey("state", AppState)

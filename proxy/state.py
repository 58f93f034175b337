"""AppState: the components every request of one serving process shares, created once at startup
(``proxy.app``) and read by the HTTP handlers (``proxy.api``) through ``STATE``."""

from __future__ import annotations

import hmac

from aiohttp import web

from proxy.audit.types import AuditLog
from proxy.config import Settings, TenantConfig, hash_key
from proxy.decide.types import PolicyEngine
from proxy.detect.types import Detector
from proxy.pipeline import Pipeline
from proxy.route.backends import Backends


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

    def tenant_for_key(self, key: str) -> tuple[TenantConfig, str] | None:
        """The tenant of a proxy API key, and the principal the audit log names (a key prefix)."""
        digest = hash_key(key)
        tenant = self._tenants.get(digest)
        return None if tenant is None else (tenant, f"key:{digest[:16]}")

    def is_admin(self, key: str) -> bool:
        digest = hash_key(key)
        return any(hmac.compare_digest(digest, h) for h in self._admin)


STATE: web.AppKey[AppState] = web.AppKey("state", AppState)

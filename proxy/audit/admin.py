"""Admin endpoints for compliance exports (the app's middleware authenticates every /admin/ path)."""

from __future__ import annotations

from aiohttp import web

from proxy.audit.types import AuditLog
from proxy.config import Settings


def admin_routes(audit_log: AuditLog, settings: Settings) -> list[web.RouteDef]:
    """Routes under ``/admin/v1/audit/``."""
    return []

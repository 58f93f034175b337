"""Admin API for per-tenant detection corrections (the app's middleware authenticates /admin/).

- ``GET /admin/v1/tenants/{tenant}/corrections``: ``{"tenant", "config", "runtime", "effective",
  "revision"}``, each of the three a ``{"allow", "deny_terms", "deny_patterns"}`` object.
- ``PUT /admin/v1/tenants/{tenant}/corrections`` with ``{"allow": [...], "deny_terms": [...],
  "deny_patterns": [...]}`` (missing keys: empty) replaces the tenant's runtime corrections; the
  config file's stay. Every serving process picks the change up from ``data_dir``; the detector's
  revision changes, so cached results are not reused. Each change is appended to the audit log as
  ``kind: admin.corrections`` with counts and keyed digests of the terms, never the terms.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from proxy.audit.types import AuditError, AuditLog
from proxy.config import Settings
from proxy.detect.corrections import Corrections
from proxy.detect.types import Detector
from proxy.errors import ErrorCode, ProxyError

FIELDS = ("allow", "deny_terms", "deny_patterns")


def _parse(body: Any) -> Corrections:
    if not isinstance(body, dict):
        raise ProxyError(ErrorCode.invalid_request, "the body must be a JSON object")
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise ProxyError(
            ErrorCode.invalid_request, f"unknown field(s): {', '.join(unknown)}", param=unknown[0]
        )
    lists: dict[str, tuple[str, ...]] = {}
    for f in FIELDS:
        v = body.get(f, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise ProxyError(ErrorCode.invalid_request, f"{f} must be a list of strings", param=f)
        lists[f] = tuple(dict.fromkeys(x.strip() for x in v))
    return Corrections(lists["allow"], lists["deny_terms"], lists["deny_patterns"])


def admin_routes(detector: Detector, audit_log: AuditLog, settings: Settings) -> list[web.RouteDef]:
    """GET and PUT of ``/admin/v1/tenants/{tenant}/corrections`` for a ``PresidioDetector``."""
    store = getattr(detector, "store", None)
    if store is None:
        return []
    tenant_ids = {t.id for t in settings.tenants}

    def tenant_of(req: web.Request) -> str:
        tid = req.match_info["tenant"]
        if tid not in tenant_ids:
            raise ProxyError(ErrorCode.not_found, "unknown tenant", param="tenant")
        return tid

    def view(tid: str) -> dict[str, Any]:
        return {
            "tenant": tid,
            "config": store.config.get(tid, Corrections()).as_dict(),
            "runtime": store.runtime(tid).as_dict(),
            "effective": store.effective_by_id(tid).as_dict(),
            "revision": detector.revision,
        }

    async def get(req: web.Request) -> web.Response:
        return web.json_response(view(tenant_of(req)))

    async def put(req: web.Request) -> web.Response:
        tid = tenant_of(req)
        try:
            body = await req.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProxyError(ErrorCode.invalid_request, "the body must be JSON") from None
        new = _parse(body)
        before = detector.revision
        loop = asyncio.get_running_loop()
        try:
            old = await loop.run_in_executor(None, store.put, tid, new)  # flock, fsync
        except ValueError as e:
            raise ProxyError(ErrorCode.invalid_request, str(e)) from None
        record = {
            "kind": "admin.corrections",
            "tenant": tid,
            "revision_before": before,
            "revision_after": detector.revision,
            "counts": {f: len(getattr(new, f)) for f in FIELDS},
            "added": {f: len(set(getattr(new, f)) - set(getattr(old, f))) for f in FIELDS},
            "removed": {f: len(set(getattr(old, f)) - set(getattr(new, f))) for f in FIELDS},
            "value_digests": sorted({audit_log.digest(v) for f in FIELDS for v in getattr(new, f)}),
        }
        try:
            await audit_log.append(record)
        except AuditError as e:
            await loop.run_in_executor(None, store.put, tid, old)  # not recorded: not applied
            raise ProxyError(
                ErrorCode.audit_unavailable, "the change could not be recorded and was not applied"
            ) from e
        return web.json_response(view(tid))

    path = "/admin/v1/tenants/{tenant}/corrections"
    return [web.get(path, get), web.put(path, put)]

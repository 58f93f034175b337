"""Admin endpoints for compliance teams (the app's middleware authenticates every /admin/ path).

- ``GET  /admin/v1/audit/export?format=jsonl|csv&tenant=&since=&until=``  streamed records
- ``GET  /admin/v1/audit/report?tenant=&format=html|csv&since=&until=``   Art. 30 report
- ``POST /admin/v1/audit/subject`` ``{"email": [...], "phone": [...], "value": [...],
  "region": "GB"}``  subject export with inclusion proofs (recorded as ``admin.subject_export``)
- ``GET  /admin/v1/audit/verify``  the verify report as JSON (200 when ok, 409 when not)
- ``POST /admin/v1/audit/prune``  prune per tenant retention (recorded as ``admin.prune``)
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from proxy.api.body import read_json
from proxy.audit.cli import prune_specs
from proxy.audit.export import (
    art30_report,
    iter_records,
    subject_bundle,
    subject_digests,
    tenant_of,
)
from proxy.audit.log import MerkleAuditLog
from proxy.audit.records import parse_time, rfc3339
from proxy.audit.types import AuditError, AuditLog
from proxy.audit.verify import verify_store
from proxy.config import Settings
from proxy.errors import ErrorCode, ProxyError


def _time(req: web.Request, name: str) -> str | None:
    v = req.query.get(name)
    if not v:
        return None
    try:
        return rfc3339(parse_time(v if "T" in v else v + "T00:00:00Z"))
    except ValueError:
        raise ProxyError(
            ErrorCode.invalid_request, f"{name} must be an RFC 3339 time", param=name
        ) from None


def _list(body: dict[str, Any], key: str) -> list[str]:
    v = body.get(key, [])
    v = [v] if isinstance(v, str) else v
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise ProxyError(
            ErrorCode.invalid_request, f"{key} must be a string or list of strings", param=key
        )
    return v


def admin_routes(audit_log: AuditLog, settings: Settings) -> list[web.RouteDef]:
    """Routes under ``/admin/v1/audit/``; none for a log that is not ``open_audit_log``'s
    (a test double), since exports read the store directly."""
    if not isinstance(audit_log, MerkleAuditLog):
        return []
    log = audit_log
    cfg = settings.audit

    def unavailable(e: AuditError) -> ProxyError:
        return ProxyError(ErrorCode.audit_unavailable, f"audit store unavailable: {e}")

    async def export(req: web.Request) -> web.StreamResponse:
        fmt = req.query.get("format", "jsonl")
        if fmt not in ("jsonl", "csv"):
            raise ProxyError(
                ErrorCode.invalid_request, "format must be jsonl or csv", param="format"
            )
        since, until, tenant = _time(req, "since"), _time(req, "until"), req.query.get("tenant")
        resp = web.StreamResponse(
            headers={
                "Content-Type": "application/x-ndjson" if fmt == "jsonl" else "text/csv",
                "Content-Disposition": f'attachment; filename="audit.{fmt}"',
            }
        )
        try:
            async with log.store.reader() as reader:
                await resp.prepare(req)
                async for line in iter_records(
                    reader, fmt, tenant=tenant, since=since, until=until
                ):
                    await resp.write(line.encode())
        except AuditError as e:
            if not resp.prepared:
                raise unavailable(e) from None
            raise
        await resp.write_eof()
        return resp

    async def report(req: web.Request) -> web.Response:
        tenant = req.query.get("tenant")
        fmt = req.query.get("format", "html")
        if not tenant or fmt not in ("html", "csv"):
            raise ProxyError(
                ErrorCode.invalid_request, "tenant and format=html|csv are needed", param="tenant"
            )
        try:
            async with log.store.reader() as reader:
                rep = await art30_report(
                    reader,
                    tenant_of(settings, tenant),
                    since=_time(req, "since"),
                    until=_time(req, "until"),
                )
        except AuditError as e:
            raise unavailable(e) from None
        if fmt == "html":
            return web.Response(text=rep.html(), content_type="text/html")
        return web.Response(text=rep.csv(), content_type="text/csv")

    async def subject(req: web.Request) -> web.Response:
        body = await read_json(req, settings.server.max_body_bytes)
        if not isinstance(body, dict):
            raise ProxyError(ErrorCode.invalid_request, "body must be a JSON object")
        emails, phones, values = _list(body, "email"), _list(body, "phone"), _list(body, "value")
        if not (emails or phones or values):
            raise ProxyError(ErrorCode.invalid_request, "give email, phone or value")
        region = body.get("region") if isinstance(body.get("region"), str) else None
        digests = subject_digests(
            log.digest, emails=emails, phones=phones, values=values, region=region
        )
        try:
            await log.append({"kind": "admin.subject_export", "value_digests": digests})
            await log.checkpoint("export")
            keys = log.store.sequencer.keyring.public_keys()
            async with log.store.reader() as reader:
                bundle = await subject_bundle(reader, digests, keys, cfg.origin)
        except AuditError as e:
            raise unavailable(e) from None
        return web.json_response(bundle)

    async def verify(req: web.Request) -> web.Response:
        try:
            keys = log.store.sequencer.keyring.public_keys()
            async with log.store.reader() as reader:
                rep = await verify_store(
                    reader,
                    keys,
                    origin=cfg.origin,
                    interval_s=cfg.checkpoint_interval_s,
                    now=log.clock(),
                )
        except AuditError as e:
            raise unavailable(e) from None
        return web.json_response(rep.as_json(), status=200 if rep.ok else 409)

    async def prune(req: web.Request) -> web.Response:
        try:
            indexes = await log.prune(prune_specs(settings, log.clock()))
        except AuditError as e:
            raise unavailable(e) from None
        return web.json_response({"prune_records": indexes})

    return [
        web.get("/admin/v1/audit/export", export),
        web.get("/admin/v1/audit/report", report),
        web.post("/admin/v1/audit/subject", subject),
        web.get("/admin/v1/audit/verify", verify),
        web.post("/admin/v1/audit/prune", prune),
    ]

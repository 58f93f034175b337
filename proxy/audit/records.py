"""Record format: what a leaf holds, its canonical bytes (RFC 8785), value digests, flat CSV rows.

A leaf is ``{"index": i, "logged_at": t, "record": {...}}`` in RFC 8785 canonical JSON. The log
adds ``index`` (binding the record to its position, so a moved record is named as reordered) and
``logged_at`` (the sequencer's clock, used for retention and exports). The log stores what it is
given: it never sees a raw value because the request path passes only ``digest(value)`` results in
``value_digests``; ``validate`` rejects a record whose ``value_digests`` are not digests, whose
``entities`` are not type counts, or that holds an e-mail address anywhere, so a value put there by
mistake fails the request instead of being written.

The request path's records have one builder each, used by the pipeline and by tests alike:
``request_record`` (the decision, committed before anything is forwarded), ``outcome_record`` (how
the answer ended, committed before the client sees that end) and ``failure_record`` (a request that
failed before its decision was recorded).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rfc8785

from proxy.audit.types import AuditError
from proxy.decide.facts import backend_region
from proxy.detect.types import SPECIAL_CATEGORIES
from proxy.keys import load_or_create_secret

if TYPE_CHECKING:
    from proxy.context import RequestContext
    from proxy.errors import ProxyError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ENTITY = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[^\s@<>()\[\],;:\"'.]{2,}")
_PHONE = re.compile(r"^\+?[\d\s().\-/]{6,}$")

# Columns of the flat (CSV) form, in order; fields of a record not listed go to ``extra``.
CSV_FIELDS = [
    "index",
    "logged_at",
    "leaf_hash",
    "kind",
    "decision_id",
    "time",
    "tenant",
    "principal",
    "endpoint",
    "model_requested",
    "model_served",
    "route",
    "transform",
    "entities",
    "art9",
    "policy_revision",
    "reasons",
    "backend",
    "backend_region",
    "transfer_mechanism",
    "status",
    "latency_ms",
    "value_digests",
    "detector_revision",
    "extra",
]
_LEAF_FIELDS = {"index", "logged_at", "leaf_hash", "extra"}


def rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def canonical(obj: Any) -> bytes:
    try:
        return rfc8785.dumps(obj)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as e:
        raise AuditError(f"record is not canonical JSON: {type(e).__name__}") from None


@dataclass(frozen=True)
class Entry:
    """A record and its RFC 8785 bytes, canonicalised once, when it is appended."""

    record: dict[str, Any]
    data: bytes


def entry(record: dict[str, Any]) -> Entry:
    return Entry(record, canonical(record))


def validate(record: Any) -> Entry:
    """Check a record's shape. Raises AuditError naming the field, never a value."""
    if not isinstance(record, dict) or not isinstance(record.get("kind"), str):
        raise AuditError("audit record must be a mapping with a string 'kind'")
    digests = record.get("value_digests", [])
    if not isinstance(digests, list) or not all(
        isinstance(d, str) and _HEX64.match(d) for d in digests
    ):
        raise AuditError("audit record field 'value_digests' must hold only hex digests")
    entities = record.get("entities", {})
    if not isinstance(entities, dict) or not all(
        isinstance(k, str) and _ENTITY.match(k) and isinstance(v, int) and not isinstance(v, bool)
        for k, v in entities.items()
    ):
        raise AuditError("audit record field 'entities' must map entity types to counts")
    for key, value in record.items():
        if _holds_email(value):
            raise AuditError(f"audit record field {key!r} looks like it holds an e-mail address")
    return entry(dict(record))


def _holds_email(v: Any) -> bool:
    """A last safety net: an e-mail address anywhere in a record's strings."""
    if isinstance(v, str):
        return "@" in v and _EMAIL.search(v) is not None
    if isinstance(v, dict):
        return any(_holds_email(x) for x in v.values())
    if isinstance(v, list):
        return any(_holds_email(x) for x in v)
    return False


def leaf_object(index: int, logged_at: str, record: dict[str, Any]) -> dict[str, Any]:
    return {"index": index, "logged_at": logged_at, "record": record}


def leaf_bytes(index: int, logged_at: str, record_data: bytes) -> bytes:
    """``canonical(leaf_object(...))`` from the record's canonical bytes (RFC 8785 orders the keys
    index < logged_at < record, and a member's canonical form does not depend on its parent)."""
    return b"".join(
        (
            b'{"index":',
            canonical(index),
            b',"logged_at":',
            canonical(logged_at),
            b',"record":',
            record_data,
            b"}",
        )
    )


def normalize_value(value: str) -> str:
    """What is digested: NFKC, trimmed, case-folded; phone-like values reduced to '+' and digits."""
    v = unicodedata.normalize("NFKC", value).strip().casefold()
    if _PHONE.match(v) and sum(c.isdigit() for c in v) >= 6:
        v = ("+" if v.startswith("+") else "") + "".join(c for c in v if c.isdigit())
    return v


class Digester:
    """Keyed HMAC-SHA256 of detected values, so a subject can be found without storing values."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise AuditError("audit HMAC key must be at least 16 bytes")
        self._key = key

    def __call__(self, value: str) -> str:
        return hmac.new(self._key, normalize_value(value).encode(), hashlib.sha256).hexdigest()

    @classmethod
    def from_settings(cls, configured: str | None, data_dir: Path) -> Digester:
        if configured:
            return cls(configured.encode())
        return cls(load_or_create_secret(data_dir / "audit_hmac.key"))


def _cell(v: Any) -> str:
    if isinstance(v, str) and v:
        try:
            json.loads(v)
        except ValueError:
            return v
        return json.dumps(v, ensure_ascii=False)
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _uncell(s: str) -> Any:
    try:
        return json.loads(s)
    except ValueError:
        return s


def to_row(leaf: dict[str, Any], leaf_hash_hex: str) -> dict[str, str]:
    """Flat CSV row of a leaf. Strings stay plain, anything else is JSON; empty means absent."""
    rec = leaf["record"]
    row = {f: "" for f in CSV_FIELDS}
    row["index"] = str(leaf["index"])
    row["logged_at"] = leaf["logged_at"]
    row["leaf_hash"] = leaf_hash_hex
    extra = {k: v for k, v in rec.items() if k not in CSV_FIELDS or k in _LEAF_FIELDS}
    for k, v in rec.items():
        if k not in extra:
            row[k] = _cell(v)
    if extra:
        row["extra"] = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
    return row


def from_row(row: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Inverse of ``to_row``: the leaf object and its leaf hash."""
    rec: dict[str, Any] = {}
    for k in CSV_FIELDS:
        if k not in _LEAF_FIELDS and row.get(k, "") != "":
            rec[k] = _uncell(row[k])
    if row.get("extra"):
        rec.update(json.loads(row["extra"]))
    return leaf_object(int(row["index"]), row["logged_at"], rec), row["leaf_hash"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def request_record(
    ctx: RequestContext, status: str, digest: Callable[[str], str]
) -> dict[str, Any]:
    """The decision on one request (``status``: forwarded, denied, error). ``digest`` is the audit
    log's keyed HMAC: detected values appear as their digests only."""
    d = ctx.decision
    backend = ctx.backend if ctx.denial is None else None
    digests: set[str] = set()
    if ctx.extracted is not None:
        # TextField.text keeps the original text; the transform wrote the request body only.
        for spans, text in zip(ctx.spans, ctx.extracted.texts(), strict=False):
            for s in spans:
                digests.add(digest(text[s.start:s.end]))
    transfer = None
    if backend is not None and backend.placement == "external" and d is not None:
        transfer = d.extra.get("transfer_mechanism")
    return {
        "kind": "request",
        "decision_id": ctx.request_id,
        "time": _now(),
        "tenant": ctx.tenant.id,
        "principal": ctx.principal,
        "endpoint": ctx.endpoint,
        "purpose": ctx.purpose or ctx.tenant.purpose,
        "model_requested": ctx.model_requested,
        "model_served": backend.served_model(ctx.model_requested) if backend else None,
        "route": d.route if d else "deny",
        "transform": d.transform if d else "none",
        "entities": ctx.entity_counts(),
        "art9": any(s.entity_type in SPECIAL_CATEGORIES for sp in ctx.spans for s in sp),
        "policy_revision": d.revision if d else "",
        "reasons": [{"code": r.code, "text": r.text} for r in (d.reasons if d else ())],
        "backend": backend.name if backend else None,
        "backend_region": backend_region(d, backend),
        "transfer_mechanism": transfer,
        "status": status,
        "latency_ms": {k: round(v, 3) for k, v in ctx.timings_ms.items()},
        "value_digests": sorted(digests),
    }


def failure_record(
    ctx: RequestContext, err: ProxyError, digest: Callable[[str], str]
) -> dict[str, Any]:
    """A request that failed before its decision was recorded: refused, with the error's code."""
    rec = request_record(ctx, "error", digest)
    rec["route"] = "deny"
    rec["reasons"] = rec["reasons"] + [{"code": err.code.value, "text": err.message}]
    return rec


def outcome_record(ctx: RequestContext, status: int) -> dict[str, Any]:
    """How a forwarded request ended: the HTTP status the client got (499: it went away), the
    time from the backend call and in all."""
    now = time.perf_counter()
    since_route = ctx.routed_at if ctx.routed_at is not None else ctx.started
    return {
        "kind": "outcome",
        "decision_id": ctx.request_id,
        "time": _now(),
        "tenant": ctx.tenant.id,
        "status": status,
        "latency_ms": {"backend": round((now - since_route) * 1000, 3),
                       "total": round((now - ctx.started) * 1000, 3)},
    }


def policy_reload_record(event: dict[str, Any]) -> dict[str, Any]:
    """A policy reload (``kind: policy.reload``): loaded, or failed with the last good revision
    kept deciding (the engine's event: outcome, revision, error code and message, no content)."""
    return {**event, "time": _now()}

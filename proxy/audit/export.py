"""Exports for compliance teams: records (JSONL, CSV), the GDPR Art. 30 records-of-processing
report (self-contained HTML with inline SVG charts, and CSV), and subject exports with inclusion
proofs.

A JSONL line is the leaf object plus its ``leaf_hash``: re-canonicalising the line without
``leaf_hash`` and hashing it gives the hash back, so an export can be checked against the log.
CSV holds the same data flat (``records.to_row``) and reads back to the same leaves.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jinja2
import phonenumbers

from proxy.audit.merkle import Tree
from proxy.audit.records import CSV_FIELDS, canonical, to_row
from proxy.audit.signing import PublicKey, check_signature
from proxy.audit.store import Reader
from proxy.audit.types import AuditError
from proxy.config import Settings, TenantConfig

SUBJECT_FORMAT = "privacy-proxy-subject-export/1"


async def iter_records(
    reader: Reader, fmt: str, *, tenant: str | None, since: str | None, until: str | None
) -> AsyncIterator[str]:
    """Export lines (``jsonl`` or ``csv``, header first), pruned records left out."""
    if fmt not in ("jsonl", "csv"):
        raise ValueError("format must be jsonl or csv")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, CSV_FIELDS, lineterminator="\n")
    if fmt == "csv":
        writer.writeheader()
        yield _take(buf)
    async for row in reader.leaves(tenant=tenant, since=since, until=until, with_pruned=False):
        assert row.data is not None
        leaf = json.loads(row.data)
        if fmt == "jsonl":
            yield canonical({**leaf, "leaf_hash": row.leaf_hash.hex()}).decode() + "\n"
        else:
            writer.writerow(to_row(leaf, row.leaf_hash.hex()))
            yield _take(buf)


def _take(buf: io.StringIO) -> str:
    s = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return s


@dataclass
class Art30:
    """Records of processing for one tenant over a period (GDPR Art. 30(1))."""

    tenant: str
    purpose: str
    region: str
    retention_days: int | None
    since: str | None
    until: str | None
    requests: int = 0
    with_personal_data: int = 0
    art9: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    recipients: Counter[tuple[str, str]] = field(default_factory=Counter)
    transfers: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    transforms: Counter[str] = field(default_factory=Counter)
    daily: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, rec: dict[str, Any], logged_at: str) -> None:
        self.requests += 1
        entities = rec.get("entities") or {}
        if entities:
            self.with_personal_data += 1
        if rec.get("art9"):
            self.art9 += 1
        self.categories.update({k: int(v) for k, v in entities.items()})
        route = str(rec.get("route") or "unknown")
        self.routes[route] += 1
        self.transforms[str(rec.get("transform") or "none")] += 1
        if rec.get("backend"):
            self.recipients[(str(rec["backend"]), str(rec.get("backend_region") or "?"))] += 1
        if route == "external":
            self.transfers[str(rec.get("transfer_mechanism") or "none")] += 1
        self.daily[logged_at[:10]][route] += 1

    def csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["tenant", "section", "item", "detail", "count"])
        t = self.tenant
        w.writerow([t, "purpose", self.purpose, "", ""])
        w.writerow([t, "data_subject_region", self.region, "", ""])
        w.writerow([t, "retention_days", self.retention_days or "", "", ""])
        w.writerow([t, "period", self.since or "", self.until or "", ""])
        w.writerow([t, "requests", "total", "", self.requests])
        w.writerow([t, "requests", "with_personal_data", "", self.with_personal_data])
        w.writerow([t, "requests", "art9_special_category", "", self.art9])
        for k, v in sorted(self.categories.items()):
            w.writerow([t, "category", k, "", v])
        for (name, country), v in sorted(self.recipients.items()):
            w.writerow([t, "recipient", name, country, v])
        for k, v in sorted(self.transfers.items()):
            w.writerow([t, "transfer_mechanism", k, "", v])
        for k, v in sorted(self.routes.items()):
            w.writerow([t, "route", k, "", v])
        for k, v in sorted(self.transforms.items()):
            w.writerow([t, "transform", k, "", v])
        for day in sorted(self.daily):
            for route, v in sorted(self.daily[day].items()):
                w.writerow([t, "daily", day, route, v])
        return buf.getvalue()

    def buckets(self) -> dict[str, Counter[str]]:
        """Daily counts, or weekly (ISO) beyond 62 days, or monthly beyond two years."""
        kind = _bucket_kind(self.daily)
        out: dict[str, Counter[str]] = defaultdict(Counter)
        for day, counts in self.daily.items():
            d = date.fromisoformat(day)
            if kind == "week":
                y, w, _ = d.isocalendar()
                key = f"{y}-W{w:02d}"
            else:
                key = day[:7] if kind == "month" else day
            out[key].update(counts)
        return out

    def html(self) -> str:
        env = jinja2.Environment(
            loader=jinja2.PackageLoader("proxy.audit", "templates"), autoescape=True
        )
        buckets = self.buckets()
        keys = sorted(buckets)
        route_names = sorted({r for c in buckets.values() for r in c})
        return env.get_template("art30.html.j2").render(
            r=self,
            period=_BUCKET_NAMES[_bucket_kind(self.daily)],
            daily_svg=stacked_bars(
                keys, [(rn, [buckets[k][rn] for k in keys]) for rn in route_names]
            ),
            categories_svg=hbars(self.categories.most_common(), "#3b6ea5"),
            recipients_svg=hbars(
                [(f"{n} ({c})", v) for (n, c), v in self.recipients.most_common()], "#c0504d"
            ),
        )


_BUCKET_NAMES = {"day": "per day", "week": "per week", "month": "per month"}


def _bucket_kind(daily: dict[str, Any]) -> str:
    if not daily:
        return "day"
    span = (date.fromisoformat(max(daily)) - date.fromisoformat(min(daily))).days
    return "day" if span <= 62 else "week" if span <= 730 else "month"


_PALETTE = ["#3b6ea5", "#c0504d", "#9bbb59", "#8064a2", "#f79646", "#4bacc6"]


def hbars(items: list[tuple[str, int]], color: str) -> str:
    """A horizontal bar chart as inline SVG."""
    if not items:
        return '<p class="empty">none in this period</p>'
    top = max(v for _, v in items) or 1
    row, label_w, bar_w = 26, 220, 420
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 60}"'
        f' height="{row * len(items) + 10}" role="img">'
    ]
    for i, (name, v) in enumerate(items):
        y, w = 5 + i * row, max(1, round(bar_w * v / top))
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{html.escape(name)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w}" height="{row - 8}"'
            f' fill="{color}"><title>{html.escape(name)}: {v}</title></rect>'
            f'<text x="{label_w + w + 6}" y="{y + 16}">{v}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bars(labels: list[str], series: list[tuple[str, list[int]]]) -> str:
    """Vertical stacked bars (one per label) as inline SVG, with a legend."""
    if not labels:
        return '<p class="empty">none in this period</p>'
    totals = [sum(s[1][i] for s in series) for i in range(len(labels))]
    top = max(totals) or 1
    h, bw, gap, left = 200, max(8, min(40, 640 // len(labels))), 4, 40
    width = left + len(labels) * (bw + gap) + 160
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}"'
        f' height="{h + 60}" role="img">',
        f'<line x1="{left}" y1="{h + 10}" x2="{width - 150}" y2="{h + 10}" stroke="#888"/>',
        f'<text x="{left - 6}" y="20" text-anchor="end">{top}</text>',
    ]
    for i, label in enumerate(labels):
        x, y = left + i * (bw + gap), h + 10
        for k, (name, values) in enumerate(series):
            bh = round(h * values[i] / top)
            if bh:
                y -= bh
                parts.append(
                    f'<rect class="bar" x="{x}" y="{y}" width="{bw}" height="{bh}"'
                    f' fill="{_PALETTE[k % len(_PALETTE)]}"><title>{html.escape(label)} '
                    f"{html.escape(name)}: {values[i]}</title></rect>"
                )
        if len(labels) <= 16 or i % (len(labels) // 8 + 1) == 0:
            short = label[5:] if len(label) == 10 else label
            parts.append(f'<text x="{x}" y="{h + 28}" font-size="10">{html.escape(short)}</text>')
    for k, (name, _) in enumerate(series):
        lx, ly = width - 140, 20 + k * 20
        parts.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12"'
            f' fill="{_PALETTE[k % len(_PALETTE)]}"/>'
            f'<text x="{lx + 18}" y="{ly}">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


async def art30_report(
    reader: Reader, tenant: TenantConfig | str, *, since: str | None, until: str | None
) -> Art30:
    if isinstance(tenant, TenantConfig):
        rep = Art30(tenant.id, tenant.purpose, tenant.region, tenant.retention_days, since, until)
    else:
        rep = Art30(tenant, "(tenant not configured)", "?", None, since, until)
    async for row in reader.leaves(tenant=rep.tenant, since=since, until=until, with_pruned=False):
        assert row.data is not None
        if row.kind == "request":
            rep.add(json.loads(row.data)["record"], row.logged_at)
    return rep


def tenant_of(settings: Settings, tenant: str) -> TenantConfig | str:
    return next((t for t in settings.tenants if t.id == tenant), tenant)


def subject_digests(
    digest: Callable[[str], str],
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    values: Sequence[str] = (),
    region: str | None = None,
) -> list[str]:
    """Digests to look a subject up by: phones also in E.164 and national form."""
    forms = list(emails) + list(values)
    for p in phones:
        forms.append(p)
        try:
            num = phonenumbers.parse(p, region)
        except phonenumbers.NumberParseException:
            continue
        for f in (
            phonenumbers.PhoneNumberFormat.E164,
            phonenumbers.PhoneNumberFormat.NATIONAL,
            phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        ):
            forms.append(phonenumbers.format_number(num, f))
    return sorted({digest(v) for v in forms})


async def subject_bundle(
    reader: Reader, digests: list[str], keys: list[PublicKey], origin: str
) -> dict[str, Any]:
    """The subject's records, each with an inclusion proof against the latest signed checkpoint
    that covers them. Records newer than that checkpoint are counted in ``not_yet_checkpointed``
    (force a checkpoint first to include them)."""
    indexes = await reader.find(digests)
    cps = []
    for row in await reader.checkpoints():
        status, cp = check_signature(keys, row.body, row.signature)
        if status == "ok" and cp is not None and cp.get("origin") == origin:
            cps.append((row, cp))
    if not cps:
        raise AuditError("the log has no valid signed checkpoint")
    row, cp = max(cps, key=lambda c: (int(c[1]["size"]), c[0].id))
    size = int(cp["size"])
    hashes = await reader.leaf_hashes()
    if len(hashes) < size:
        raise AuditError("the log is shorter than its checkpoint; run audit verify")
    tree = Tree(hashes[:size])
    if tree.root().hex() != cp["root"]:
        raise AuditError("the log does not match its checkpoint; run audit verify")
    records = []
    for leaf_row in await reader.get([i for i in indexes if i < size]):
        if leaf_row.data is None:
            continue
        records.append(
            {
                "leaf": json.loads(leaf_row.data),
                "leaf_hash": leaf_row.leaf_hash.hex(),
                "proof": [h.hex() for h in tree.inclusion_proof(leaf_row.idx, size)],
            }
        )
    return {
        "format": SUBJECT_FORMAT,
        "origin": origin,
        "digests": digests,
        "checkpoint": {"body": row.body.decode(), "signature": row.signature.hex()},
        "keys": [k.as_json() for k in keys if k.key_id == cp["key_id"]],
        "records": records,
        "not_yet_checkpointed": sum(1 for i in indexes if i >= size),
    }

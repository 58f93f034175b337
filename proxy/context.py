"""RequestContext: everything one request carries through the pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from proxy.api.extract import Extracted
from proxy.config import TenantConfig
from proxy.decide.types import Decision
from proxy.detect.types import Span
from proxy.errors import ProxyError
from proxy.route.base import Backend
from proxy.transform.vault import Vault


@dataclass
class RequestContext:
    request_id: str
    endpoint: str
    body: dict[str, Any]
    tenant: TenantConfig
    principal: str
    purpose: str | None = None  # named by the request (x-privacy-proxy-purpose), normalised
    started: float = field(default_factory=time.perf_counter)
    extracted: Extracted | None = None
    spans: list[list[Span]] = field(default_factory=list)
    decision: Decision | None = None
    denial: ProxyError | None = None
    vault: Vault | None = None
    backend: Backend | None = None
    value_digests: list[str] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    audited: bool = False

    @property
    def model_requested(self) -> str:
        return str(self.body.get("model") or "")

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    def entity_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for spans in self.spans:
            for s in spans:
                counts[s.entity_type] = counts.get(s.entity_type, 0) + 1
        return dict(sorted(counts.items()))

    def timing_header(self) -> str:
        return ";".join(f"{k}={v:.2f}" for k, v in self.timings_ms.items())

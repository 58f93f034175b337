"""RequestContext: everything one request carries through the pipeline, and what it gives back."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from proxy.api.endpoint import Endpoint
from proxy.api.extract import Extracted
from proxy.config import TenantConfig
from proxy.decide.types import Decision
from proxy.detect.types import Span
from proxy.errors import ProxyError
from proxy.route.base import Backend, UpstreamResponse
from proxy.transform.vault import Vault


@dataclass
class Answer:
    """The backend's answer once restored: a JSON body, or a stream of event batches (events that
    arrived together, sent together). ``code`` labels the outcome in metrics."""

    status: int
    body: dict[str, Any] | None = None
    events: AsyncIterator[list[dict[str, Any]]] | None = None
    code: str = "ok"


async def _nothing() -> None:
    return None


@dataclass
class Reply:
    """What the client gets: a JSON body, or a stream of bytes to write one item at a time.
    ``close`` is awaited once the reply was sent, or abandoned by a client that went away."""

    status: int
    body: dict[str, Any] | None = None
    stream: AsyncIterator[bytes] | None = None
    close: Callable[[], Awaitable[None]] = _nothing


@dataclass
class RequestContext:
    request_id: str
    api: Endpoint
    body: dict[str, Any]
    tenant: TenantConfig
    principal: str
    purpose: str | None = None  # named by the request (x-privacy-proxy-purpose), normalised
    body_bytes: int = 0  # the decoded body's size (a large one is parsed and walked off the loop)
    started: float = field(default_factory=time.perf_counter)
    extracted: Extracted | None = None
    spans: list[list[Span]] = field(default_factory=list)
    decision: Decision | None = None
    denial: ProxyError | None = None
    vault: Vault | None = None
    backend: Backend | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    audited: bool = False  # the decision is in the audit log
    routed_at: float | None = None  # when the backend was called
    upstream: UpstreamResponse | None = None
    answer: Answer | None = None
    reply: Reply | None = None

    @property
    def endpoint(self) -> str:
        """OpenAI's name of the endpoint (``chat.completions``), as records and metrics say it."""
        return self.api.name

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

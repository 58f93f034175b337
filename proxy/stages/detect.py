"""Detect: personal data in every extracted text (``proxy.detect``), within a time limit."""

from __future__ import annotations

import asyncio
import logging

from proxy.context import RequestContext
from proxy.detect.types import Detector
from proxy.errors import ErrorCode, ProxyError
from proxy.metrics import ENTITIES

log = logging.getLogger("privacy_proxy.pipeline")


class Detect:
    name = "detect"

    def __init__(self, detector: Detector, timeout_s: float) -> None:
        self.detector = detector
        self.timeout_s = timeout_s

    async def __call__(self, ctx: RequestContext) -> None:
        assert ctx.extracted is not None
        texts = ctx.extracted.texts()
        # A value's key path inside structured JSON is context for its detection (None: free text).
        keys: list[str | None] = [f.key for f in ctx.extracted.fields]
        try:
            spans = await asyncio.wait_for(self.detector.detect(texts, ctx.tenant, keys=keys),
                                           self.timeout_s)
        except Exception as e:
            log.error("detection failed", extra={"error": type(e).__name__})
            raise ProxyError(ErrorCode.detection_failed,
                             "personal-data detection failed; the request was not forwarded") from e
        if len(spans) != len(texts):
            raise ProxyError(ErrorCode.detection_failed,
                             "personal-data detection failed; the request was not forwarded")
        ctx.spans = spans
        for f, found in zip(ctx.extracted.fields, spans, strict=True):
            for s in found:
                ENTITIES.labels(s.entity_type, f.where).inc()

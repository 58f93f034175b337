"""Detect: personal data in every extracted text (``proxy.detect``), within a time limit and
within size limits checked first (``detection.max_text_chars``, ``max_request_chars``,
``max_request_texts``): a request larger than detection is meant to take is refused as the
client's mistake, before any work, so it cannot hold the detection workers of everyone else."""

from __future__ import annotations

import asyncio
import logging

from proxy.api.fields import TextField
from proxy.config import DetectionConfig
from proxy.context import RequestContext
from proxy.detect.types import Detector
from proxy.errors import ErrorCode, ProxyError
from proxy.metrics import ENTITIES

log = logging.getLogger("privacy_proxy.pipeline")


class Detect:
    name = "detect"

    def __init__(
        self, detector: Detector, timeout_s: float, limits: DetectionConfig | None = None
    ) -> None:
        self.detector = detector
        self.timeout_s = timeout_s
        self.limits = limits

    async def __call__(self, ctx: RequestContext) -> None:
        assert ctx.extracted is not None
        if self.limits is not None:
            check_size(ctx.extracted.fields, self.limits)
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


def check_size(fields: list[TextField], limits: DetectionConfig) -> None:
    """Refuse a request whose texts exceed the limits: a text too long is 400 naming its field
    (as OpenAI words it), too much text or too many texts altogether is 413."""
    if len(fields) > limits.max_request_texts:
        raise ProxyError(
            ErrorCode.payload_too_large,
            f"the request holds {len(fields)} texts to inspect; at most "
            f"{limits.max_request_texts} are accepted in one request",
        )
    total = 0
    for f in fields:
        n = len(f.text)
        if n > limits.max_text_chars:
            # Where the text stands, as the API names it; within an unknown field, only its
            # class (the field's own name is the client's content).
            where = f"'{f.param}'" if f.param else f"text in the request ({f.where})"
            raise ProxyError(
                ErrorCode.string_above_max_length,
                f"Invalid {where}: string too long. Expected a string with maximum length "
                f"{limits.max_text_chars}, but got a string with length {n} instead.",
                param=f.param,
            )
        total += n
    if total > limits.max_request_chars:
        raise ProxyError(
            ErrorCode.payload_too_large,
            f"the request holds {total} characters of text to inspect; at most "
            f"{limits.max_request_chars} are accepted in one request",
        )

"""Prometheus metrics. Labels are closed sets (routes, stages, error codes, entity types): never
request content. With several serving processes, PROMETHEUS_MULTIPROC_DIR is set before import."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "privacy_proxy_requests_total",
    "Requests handled, by endpoint, route and outcome code.",
    ["endpoint", "route", "code"],
)
ENTITIES = Counter(
    "privacy_proxy_entities_detected_total",
    "Personal-data values detected, by entity type and field kind.",
    ["entity_type", "where"],
)
STAGE_SECONDS = Histogram(
    "privacy_proxy_stage_seconds",
    "Time spent in each pipeline stage.",
    ["stage"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
REQUEST_SECONDS = Histogram(
    "privacy_proxy_request_seconds",
    "Whole request time (to the last byte), by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
DETECTION_WORKER_EXITS = Counter(
    "privacy_proxy_detection_worker_exits_total",
    "Detection worker processes gone, by reason: replaced (detection.recycle_after) or died.",
    ["reason"],
)
STREAM_HELD_CHARS = Histogram(
    "privacy_proxy_stream_holdback_chars",
    "Characters held back at once by the streaming restorer.",
    buckets=(0, 1, 4, 8, 16, 32, 64),
)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

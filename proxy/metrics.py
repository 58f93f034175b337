"""Prometheus metrics, served on a listener of their own (``metrics.port``), never on the client
port. Labels are closed sets (routes, stages, error codes, entity types): never request content.
With several serving processes, PROMETHEUS_MULTIPROC_DIR is set before import, every process
listens on the metrics port (SO_REUSEPORT) and each scrape answers the sum over all of them."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
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
    "Detection worker processes gone, by reason: replaced (detection.recycle_after), died, or "
    "killed (a job still running past every deadline); a dead or killed one is replaced.",
    ["reason"],
)
STREAM_HELD_CHARS = Histogram(
    "privacy_proxy_stream_holdback_chars",
    "Characters held back at once by the streaming restorer.",
    buckets=(0, 1, 4, 8, 16, 32, 64),
)

TLS_CERT_NOT_AFTER = Gauge(
    "privacy_proxy_tls_certificate_not_after_seconds",
    "Expiry (Unix time) of the certificate the client listener serves; the earliest over the "
    "serving processes.",
    multiprocess_mode="livemin",
)
TLS_RELOADS = Counter(
    "privacy_proxy_tls_reloads_total",
    "Changed certificate files seen by the client listener: loaded, or refused (the previous "
    "certificate is still served).",
    ["result"],
)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


async def _metrics(_request: web.Request) -> web.Response:
    body, ctype = render()
    return web.Response(body=body, headers={"Content-Type": ctype})


def metrics_app() -> web.Application:
    """The metrics listener's application: ``GET /metrics`` and nothing else."""
    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    return app


def metrics_listener(
    host: str, port: int, *, reuse_port: bool = False
) -> Callable[[Any], AsyncIterator[None]]:
    """An aiohttp cleanup context serving ``metrics_app()`` on ``host:port`` for as long as the
    client application runs (put first, it is up during start-up and the final drain too)."""

    async def listener(_app: Any) -> AsyncIterator[None]:
        runner = web.AppRunner(metrics_app(), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port, reuse_port=reuse_port).start()
            yield
        finally:
            await runner.cleanup()

    return listener

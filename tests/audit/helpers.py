"""Helpers shared by the audit tests: settings in a temp dir, a controllable clock, a sample log
whose records come from the proxy's own record builder."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from proxy.api.chat import CHAT_COMPLETIONS
from proxy.audit import open_audit_log, records
from proxy.audit.log import MerkleAuditLog
from proxy.config import Settings, TenantConfig, load_settings
from proxy.context import RequestContext
from proxy.decide.types import Decision, Reason
from proxy.detect.types import Span
from proxy.route.http import HttpBackend
from tests.serving import PG_DSN

T0 = 1_780_000_000.0  # 2026-05-28, a fixed start for logs built on a fake clock


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def make_settings(
    tmp: Path, store: str = "sqlite", schema: str | None = None, **audit: Any
) -> Settings:
    a: dict[str, Any] = {
        "store": store,
        "checkpoint_every": 10,
        "checkpoint_interval_s": 60,
        "hmac_key": "k" * 32,
        **audit,
    }
    if store == "postgres":
        a.update(postgres_dsn=PG_DSN, postgres_schema=schema)
    return load_settings(
        None,
        server={"data_dir": str(tmp)},
        audit=a,
        tenants=[
            {"id": "acme", "purpose": "customer support", "retention_days": 30},
            {"id": "beta", "purpose": "marketing copy", "retention_days": 365},
        ],
    )


_EXTERNAL = HttpBackend(name="openai", placement="external", base_url="https://api.openai.com/v1",
                        api_key=None, region="US", timeout_s=1)
_LOCAL = HttpBackend(name="openai_compatible", placement="local", base_url="http://127.0.0.1:9/v1",
                     api_key=None, region="EU", timeout_s=1, model="smollm2-135m-instruct")


def request_context(
    i: int, tenant: str, values: Sequence[str] = (), decision_id: str | None = None
) -> RequestContext:
    """Request ``i`` as the pipeline holds it when its audit stage runs: one user message that
    holds ``values`` (e-mail addresses, detected as such), decided external (pseudonymized when
    it holds any) unless ``i`` is a multiple of three, then local."""
    external = i % 3 != 0
    text = "Please write to " + " and ".join(values) if values else f"Question number {i}."
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    ctx = RequestContext(request_id=decision_id or f"d-{i:05d}", api=CHAT_COMPLETIONS, body=body,
                         tenant=TenantConfig(id=tenant), principal="key:" + "ab" * 8)
    ctx.extracted = CHAT_COMPLETIONS.extract(body)
    ctx.spans = [[Span(text.index(v), text.index(v) + len(v), "EMAIL_ADDRESS", 1.0)
                  for v in values]]
    reason = (Reason("pii_pseudonymized", "personal data pseudonymized") if values
              else Reason("no_personal_data", "no personal data found"))
    ctx.decision = Decision("external" if external else "local",
                            "pseudonymize" if values and external else "none",
                            ("EMAIL_ADDRESS",) if values else (), (reason,), revision="rev-1",
                            extra={"transfer_mechanism": "SCC"} if external else {})
    ctx.backend = _EXTERNAL if external else _LOCAL
    ctx.timings_ms = {"extract": 0.05, "detect": 1.5, "decide": 0.2, "transform": 0.1}
    return ctx


def request_record(
    log: MerkleAuditLog, i: int, tenant: str, values: Sequence[str] = ()
) -> dict[str, Any]:
    """The request record the proxy writes for ``request_context(i, tenant, values)``."""
    return records.request_record(request_context(i, tenant, values), "forwarded", log.digest)


async def build_log(settings: Settings, clock: Clock) -> MerkleAuditLog:
    """45 records over two tenants in 15 s steps, then 10 idle heartbeats 50 s apart."""
    log = open_audit_log(settings, clock=clock)
    await log.start()
    for b in range(9):
        clock.t += 15
        await asyncio.gather(
            *[
                log.append(
                    request_record(
                        log,
                        b * 5 + j,
                        "acme" if (b * 5 + j) % 2 else "beta",
                        ["alice@example.com"] if b * 5 + j in (3, 17, 31) else [],
                    )
                )
                for j in range(5)
            ]
        )
    for _ in range(10):
        clock.t += 50
        await log.checkpoint("interval")
    return log


def config_file(s: Settings, tmp: Path) -> Path:
    """The settings as a YAML file, for subprocesses."""
    cfg = tmp / "config.yaml"
    cfg.write_text(
        yaml.safe_dump(
            {
                "server": {"data_dir": str(s.server.data_dir)},
                "audit": {
                    "hmac_key": s.audit.hmac_key.get_secret_value() if s.audit.hmac_key else None,
                    "checkpoint_every": s.audit.checkpoint_every,
                    "checkpoint_interval_s": s.audit.checkpoint_interval_s,
                    "store": s.audit.store,
                    "postgres_schema": s.audit.postgres_schema,
                    "postgres_dsn": (
                        s.audit.postgres_dsn.get_secret_value() if s.audit.postgres_dsn else None
                    ),
                },
                "tenants": [t.model_dump(mode="json") for t in s.tenants],
            }
        )
    )
    return cfg

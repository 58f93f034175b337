"""Helpers shared by the audit tests: settings in a temp dir, a controllable clock, a sample log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from proxy.audit import open_audit_log
from proxy.audit.log import MerkleAuditLog
from proxy.config import Settings, load_settings
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


def request_record(log: MerkleAuditLog, i: int, tenant: str, values: list[str] = ()) -> dict:
    return {
        "kind": "request",
        "decision_id": f"d-{i:05d}",
        "time": "2026-05-28T00:00:00Z",
        "tenant": tenant,
        "principal": "p-" + "ab" * 8,
        "endpoint": "chat.completions",
        "model_requested": "gpt-4o",
        "model_served": "gpt-4o" if i % 3 else "smollm2-135m-instruct",
        "route": "external" if i % 3 else "local",
        "transform": "pseudonymize" if values else "none",
        "entities": {"EMAIL_ADDRESS": len(values)} if values else {},
        "art9": i % 7 == 0,
        "policy_revision": "rev-1",
        "reasons": [{"code": "pii_pseudonymized", "text": "personal data pseudonymized"}],
        "backend": "openai" if i % 3 else "local",
        "backend_region": "US" if i % 3 else "EU",
        "transfer_mechanism": "SCC" if i % 3 else "none",
        "status": "forwarded",
        "latency_ms": {"detect": 1.5, "decide": 0.2, "transform": 0.1},
        "value_digests": [log.digest(v) for v in values],
        "detector_revision": "det-1",
    }


async def build_log(settings: Settings, clock: Clock) -> MerkleAuditLog:
    """45 records over two tenants in 15 s steps, then 10 idle heartbeats 50 s apart."""
    log = open_audit_log(settings, clock=clock)
    await log.start()
    for b in range(9):
        clock.t += 15
        await log.append_many(
            [
                request_record(
                    log,
                    b * 5 + j,
                    "acme" if (b * 5 + j) % 2 else "beta",
                    ["alice@example.com"] if b * 5 + j in (3, 17, 31) else [],
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

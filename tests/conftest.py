"""Shared fixtures: a running proxy (real detector, real Rego engine, real SQLite audit log, real
local model where asked) in front of a recording fake OpenAI provider.

``make_proxy(**options)`` is an async context manager giving a ``ProxyUnderTest``; the session's
detector is shared between proxies (loading spaCy is the slow part) unless a test passes its own.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from proxy.config import Settings, hash_key, load_settings
from tests.fakes.fake_openai import FakeOpenAI, RunningFake
from tests.serving import PG_DSN, serve_app

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"

TENANT_KEYS = {
    "acme": "sk-test-acme",
    "strict-co": "sk-test-strict",
    "closed-co": "sk-test-closed",
    "us-co": "sk-test-us",
}
ADMIN_KEY = "sk-test-admin"


def default_tenants() -> list[dict[str, Any]]:
    return [
        {"id": "acme", "api_key_sha256": [hash_key(TENANT_KEYS["acme"])], "region": "EU",
         "allow_external": True, "purpose": "customer-support"},
        {"id": "strict-co", "api_key_sha256": [hash_key(TENANT_KEYS["strict-co"])],
         "region": "EU", "allow_external": True, "strict": True},
        {"id": "closed-co", "api_key_sha256": [hash_key(TENANT_KEYS["closed-co"])],
         "region": "EU", "allow_external": False},
        {"id": "us-co", "api_key_sha256": [hash_key(TENANT_KEYS["us-co"])], "region": "US",
         "allow_external": True, "allowed_models": ["gpt-4o-mini", "smollm2-135m-instruct"]},
    ]


class Shared:
    """Wraps a session-wide component so one proxy's shutdown does not close it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


@dataclass
class ProxyUnderTest:
    base_url: str
    fake: FakeOpenAI
    settings: Settings
    app: web.Application
    keys: dict[str, str] = field(default_factory=lambda: dict(TENANT_KEYS))
    clients: list[Any] = field(default_factory=list)  # closed when the proxy stops

    @property
    def state(self) -> Any:
        from proxy.state import STATE

        return self.app[STATE]

    def client(self, tenant: str = "acme", **kw: Any) -> Any:
        """An official OpenAI client for ``tenant``, closed when the proxy stops: an unclosed
        one is closed by the garbage collector, which first closes its idle sockets and then,
        from a task, aborts their transports; the loop then stops watching whatever socket
        reuses the descriptor (a server's, say), and that server hangs."""
        import openai

        client = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.keys[tenant],
                                    max_retries=0, **kw)
        self.clients.append(client)
        return client

    async def close_clients(self) -> None:
        for client in self.clients:
            await client.close()

    @property
    def origin(self) -> str:
        return self.base_url.removesuffix("/v1")


def make_settings(tmp: Path, *, external_url: str | None, local: str,
                  upstream: dict[str, Any] | None = None, **overrides: Any) -> Settings:
    """``upstream``: more settings of the external provider (its time limits, say)."""
    data: dict[str, Any] = {
        "server": {"port": 0, "workers": 1, "data_dir": str(tmp / "data")},
        "tenants": default_tenants(),
        "detection": {"workers": 0},
        "admin": {"api_key_sha256": [hash_key(ADMIN_KEY)]},
        "audit": {"checkpoint_interval_s": 3600},
    }
    if external_url:
        data["external"] = {"base_url": external_url, "api_key": "sk-fake-provider",
                            **(upstream or {})}
    else:
        data["external"] = {"api_key": None}
    if local == "llama":
        data["local"] = {"kind": "llama_cpp", "model_path": str(MODEL), "n_ctx": 2048}
    elif local == "none":
        data["local"] = {"kind": "none"}
    else:  # an address nothing listens on: the local backend is down
        data["local"] = {"kind": "openai_compatible", "base_url": local}
    for section, values in overrides.items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    return load_settings(None, **data)


@pytest.fixture(scope="session")
async def shared_detector(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    from proxy.detect import build_detector

    tmp = tmp_path_factory.mktemp("detector")
    settings = make_settings(tmp, external_url=None, local="none")
    detector = build_detector(settings)
    await detector.start()
    yield detector
    await detector.close()


@pytest.fixture
def make_proxy(tmp_path: Path, shared_detector: Any):  # type: ignore[no-untyped-def]
    @contextlib.asynccontextmanager
    async def factory(
        *,
        local: str = "llama",
        external: bool = True,
        fake: FakeOpenAI | None = None,
        detector: Any = None,
        engine: Any = None,
        audit_log: Any = None,
        backends: Any = None,
        upstream: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> AsyncIterator[ProxyUnderTest]:
        from proxy.app import create_app

        async with contextlib.AsyncExitStack() as stack:
            running = RunningFake(fake)
            provider = await stack.enter_async_context(running)
            settings = make_settings(tmp_path, external_url=running.base_url if external else None,
                                     local=local, upstream=upstream, **overrides)
            app = create_app(settings, detector=detector or Shared(shared_detector),
                             engine=engine, audit_log=audit_log, backends=backends)
            runner, port = await serve_app(app)
            stack.push_async_callback(runner.cleanup)
            proxy = ProxyUnderTest(f"http://127.0.0.1:{port}/v1", provider, settings, app)
            stack.push_async_callback(proxy.close_clients)  # before the server stops
            yield proxy

    return factory


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    """A throwaway PostgreSQL schema (database ``test`` on 127.0.0.1), dropped afterwards."""
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield schema
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL.is_file():
        pytest.fail(f"the local model is missing: {MODEL} (run `make model`)")
    return MODEL


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

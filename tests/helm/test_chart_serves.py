"""The chart's configuration is the one the proxy really accepts and serves with.

The chart is rendered as an operator would (the provider's URL, OPA's port and the audit schema are
plain values). Then everything the kubelet would give the proxy container is laid out in a
temporary directory: config.yaml from the rendered ConfigMap, the policies from the rendered policy
ConfigMap rebuilt through the volume's items, the Secret-backed environment variables, and the
signing key ring copied by the rendered init container's own script. The proxy starts from that
with its strict loader, the real detector, PostgreSQL and the real pipeline. Only what cannot run
here is replaced:

- the OPA sidecar, by the OPA-Data-API test server, loading the OPA container's /policies mount at
  the address in its rendered args;
- the model Service, by a fake OpenAI-compatible server, with the Service's DNS name mapped to it;
- the external provider, by another recording fake.

Then one chat request is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg
import openai
import pytest
import yaml
from aiohttp import web

from proxy.audit.signing import KeyRing
from proxy.config import hash_key, load_settings
from tests.fakes.fake_opa import FakeOPA
from tests.fakes.fake_openai import FakeOpenAI, RunningFake
from tests.helm.conftest import (
    container,
    fake_secrets,
    materialize_mounts,
    materialize_proxy_pod,
    render_objects,
)
from tests.serving import PG_DSN, free_port, serve_app

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]

TENANT_KEY = "sk-helm-acme-" + uuid.uuid4().hex
EMAIL = "jane.doe@example.com"
MODEL_SERVICE = "http://pp-privacy-proxy-model:8080"


async def test_rendered_chart_configuration_serves_a_chat_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pg_schema: str
) -> None:
    from proxy.app import create_app

    opa_port = free_port()
    async with contextlib.AsyncExitStack() as stack:
        model_server, provider = RunningFake(FakeOpenAI()), RunningFake(FakeOpenAI())
        model_fake = await stack.enter_async_context(model_server)
        provider_fake = await stack.enter_async_context(provider)
        objs = render_objects(
            {
                "externalProvider": {"baseUrl": provider.base_url},
                "opa": {"port": opa_port},
                "config": {"audit": {"postgresSchema": pg_schema}},
            }
        )

        # The proxy container, as the kubelet would start it.
        tenants = [
            {
                "id": "acme",
                "api_key_sha256": [hash_key(TENANT_KEY)],
                "region": "EU",
                "allow_external": True,
            }
        ]
        secrets = fake_secrets(tenants)
        secrets["pp-privacy-proxy-secrets"]["postgres-dsn"] = PG_DSN
        config_path, env = materialize_proxy_pod(objs, tmp_path / "proxy", secrets)
        config = yaml.safe_load(config_path.read_text())
        # Cluster DNS: the model Service's name resolves to the fake model server.
        assert config["local"]["base_url"] == f"{MODEL_SERVICE}/v1"
        config["local"]["base_url"] = model_server.base_url
        config_path.write_text(yaml.safe_dump(config))

        # The signing key ring: the operator's Secret, copied by the rendered init container.
        secret_dir = tmp_path / "secret-signing-keys"
        KeyRing(secret_dir).ensure()
        spec, _ = container(objs, "proxy")
        init = next(c for c in spec["initContainers"] if c["name"] == "install-signing-keys")
        init_env = {e["name"]: e["value"] for e in init["env"]}
        run = await asyncio.to_thread(
            subprocess.run,
            init["command"] + init["args"],
            env={
                "PATH": os.environ["PATH"],
                "SRC": str(secret_dir),
                "DST": str(tmp_path / "proxy" / init_env["DST"].lstrip("/")),
            },
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert run.returncode == 0, run.stderr

        # The OPA sidecar: the test server, on the address and with the files of the rendered one.
        opa_mounts = materialize_mounts(objs, "opa", tmp_path / "opa")
        _, opa = container(objs, "opa")
        host, port = (
            next(a for a in opa["args"] if a.startswith("--addr=")).split("=")[1].split(":")
        )
        opa_fake = await stack.enter_async_context(
            fake_opa_at(opa_mounts["/policies"], host, int(port))
        )

        for key in [k for k in os.environ if k.startswith("PRIVACY_PROXY_")] + ["OPENAI_API_KEY"]:
            monkeypatch.delenv(key, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        settings = load_settings(config_path)
        assert settings.policy.engine == "opa" and settings.audit.store == "postgres"

        app = create_app(settings)
        runner, port = await serve_app(app)
        stack.push_async_callback(runner.cleanup)
        origin = f"http://127.0.0.1:{port}"

        async with aiohttp.ClientSession() as http, http.get(f"{origin}/readyz") as ready:
            assert ready.status == 200, await ready.text()

        async with openai.AsyncOpenAI(
            base_url=f"{origin}/v1", api_key=TENANT_KEY, max_retries=0
        ) as client:
            answer = await client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[
                    {"role": "user", "content": f"Please write to {EMAIL} about the invoice."}
                ],
            )
        assert EMAIL in (answer.choices[0].message.content or "")
        assert len(provider_fake.requests) + len(model_fake.requests) == 1
        assert EMAIL not in provider_fake.all_text()
        assert config["policy"]["opa"]["decision_path"] in opa_fake.queries

        conn = await asyncpg.connect(PG_DSN)
        try:
            count = await conn.fetchval(
                f'SELECT count(*) FROM "{pg_schema}".leaves WHERE tenant = $1', "acme"
            )
        finally:
            await conn.close()
        assert count >= 1


@contextlib.asynccontextmanager
async def fake_opa_at(policies: Path, host: str, port: int) -> AsyncIterator[FakeOPA]:
    """The OPA-Data-API test server, listening where the rendered sidecar would."""
    fake = FakeOPA(policies)
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield fake
    finally:
        await runner.cleanup()

"""TLS on both hops, with certificates made here: the client listener serves HTTPS to the official
openai client and serves a rotated certificate after a reload (a broken pair is refused and the
last good one kept); the proxy verifies a self-hosted model server's certificate against
``local.ca_file`` and sends it ``local.api_key``. Metrics are not on the client port."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
from aiohttp import web
from pydantic import SecretStr

from proxy.config import ConfigError, TLSConfig, load_settings
from proxy.metrics import TLS_RELOADS, metrics_app
from proxy.tls import ServerTLS, TLSError, check
from tests.certs import CA, make_ca, served_serial, write_atomically
from tests.conftest import TENANT_KEYS, Shared, make_settings
from tests.fakes.fake_openai import FakeOpenAI, RunningFake
from tests.serving import serve_app

pytestmark = pytest.mark.timeout(120)
EMAIL = "jane.doe@example.com"


@pytest.fixture
def ca(tmp_path: Path) -> CA:
    return make_ca(tmp_path / "ca.crt")


@pytest.fixture
def pair(tmp_path: Path, ca: CA) -> TLSConfig:
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    ca.issue(cert, key)
    return TLSConfig(cert_file=cert, key_file=key, reload_interval_s=0.05)


@pytest.mark.parametrize("tls, ok", [
    ({}, True),
    ({"cert_file": "tls.crt", "key_file": "tls.key"}, True),
    ({"cert_file": "tls.crt"}, False),
    ({"key_file": "tls.key"}, False),
])
def test_tls_settings_name_both_files_or_neither(tmp_path: Path, tls: dict[str, str],
                                                 ok: bool) -> None:
    import yaml

    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"server": {"tls": tls}}))
    if not ok:
        with pytest.raises(ConfigError, match="server.tls needs both cert_file and key_file"):
            load_settings(tmp_path / "c.yaml")
        return
    s = load_settings(tmp_path / "c.yaml")
    assert s.server.tls.enabled == bool(tls)
    if tls:  # relative to the file, like every path
        assert s.server.tls.cert_file == tmp_path / "tls.crt"


def test_metrics_port_must_not_be_the_client_port() -> None:
    with pytest.raises(ConfigError, match="metrics.port must differ from server.port"):
        load_settings(None, server={"port": 9000}, metrics={"port": 9000})
    assert load_settings(None, server={"port": 9000}, metrics={"enabled": False, "port": 9000})


def test_a_pair_that_does_not_load_is_refused_at_start(tmp_path: Path, ca: CA,
                                                       pair: TLSConfig) -> None:
    assert pair.cert_file and pair.key_file
    other = tmp_path / "other.key"
    ca.issue(tmp_path / "other.crt", other)
    for cfg in (TLSConfig(cert_file=pair.cert_file, key_file=other),
                TLSConfig(cert_file=pair.cert_file, key_file=tmp_path / "missing.key")):
        with pytest.raises(TLSError) as e:
            check(cfg)
        assert str(cfg.key_file) in str(e.value)
        assert "PRIVATE KEY" not in str(e.value)  # names the files, never their content


async def _serve_proxy(settings: Any, shared_detector: Any,
                       tls: ServerTLS) -> tuple[web.AppRunner, int]:
    """The real proxy app behind the client listener's TLS, as ``serve`` runs it."""
    from proxy.app import create_app

    app = create_app(settings, detector=Shared(shared_detector))
    app.cleanup_ctx.append(tls.cleanup_ctx)
    return await serve_app(app, ssl_context=tls.context)


async def _until_served(port: int, ca: CA, serial: int) -> None:
    for _ in range(200):
        if await served_serial("127.0.0.1", port, ca) == serial:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the watcher did not load the renewed certificate")


async def test_https_with_the_openai_client_and_a_rotated_certificate(
    tmp_path: Path, shared_detector: Any, ca: CA, pair: TLSConfig
) -> None:
    assert pair.cert_file and pair.key_file
    tls = ServerTLS(pair)
    running = RunningFake()
    async with running as fake:
        settings = make_settings(tmp_path, external_url=running.base_url, local="none")
        runner, port = await _serve_proxy(settings, shared_detector, tls)
        http = openai.DefaultAsyncHttpxClient(verify=ca.client_context())
        try:
            async with openai.AsyncOpenAI(base_url=f"https://127.0.0.1:{port}/v1",
                                          api_key=TENANT_KEYS["acme"], max_retries=0,
                                          http_client=http) as client:
                out = await client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": f"Mail {EMAIL}"}])
                assert out.choices[0].message.content == f"ECHO: Mail {EMAIL}"
                assert EMAIL not in fake.all_text()

                # Rotation as a Secret update does it: new files in place of the old ones.
                first = await served_serial("127.0.0.1", port, ca)
                rotated = ca.issue(pair.cert_file, pair.key_file)
                assert tls.reload() is True
                assert await served_serial("127.0.0.1", port, ca) == rotated.serial_number != first
                assert tls.reload() is False  # unchanged files: nothing to do
                out = await client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "Hello again"}])
                assert out.choices[0].message.content == "ECHO: Hello again"

                # A broken pair (the key of another certificate) is refused as a whole, and
                # the last good certificate is still served.
                refused = TLS_RELOADS.labels(result="refused")
                before = refused._value.get()
                good_key = pair.key_file.read_bytes()
                ca.issue(tmp_path / "x.crt", tmp_path / "x.key")
                write_atomically(pair.key_file, (tmp_path / "x.key").read_bytes())
                assert tls.reload() is False
                assert refused._value.get() == before + 1
                assert await served_serial("127.0.0.1", port, ca) == rotated.serial_number
                write_atomically(pair.key_file, good_key)  # whole again: what is served
                assert tls.reload() is False

                # The watcher picks a renewal up by itself.
                renewed = ca.issue(pair.cert_file, pair.key_file)
                await _until_served(port, ca, renewed.serial_number)
                out = await client.chat.completions.create(
                    model="gpt-4o", messages=[{"role": "user", "content": "Third"}])
                assert out.choices[0].message.content == "ECHO: Third"
        finally:
            await runner.cleanup()


async def test_metrics_are_not_served_on_the_client_port(make_proxy: Any) -> None:
    async with make_proxy(local="none") as p, aiohttp.ClientSession() as s:
        async with s.get(f"{p.origin}/metrics") as r:
            assert r.status == 404
        runner, port = await serve_app(metrics_app())
        try:
            async with s.get(f"http://127.0.0.1:{port}/metrics") as r:
                assert r.status == 200
                assert "privacy_proxy_requests_total" in await r.text()
        finally:
            await runner.cleanup()


@pytest.mark.parametrize("trust", [True, False])
async def test_the_model_server_is_verified_and_sent_its_key(
    shared_detector: Any, tmp_path: Path, ca: CA, trust: bool
) -> None:
    """A request that must stay local reaches an HTTPS model server whose certificate the proxy
    verifies with local.ca_file, with local.api_key as bearer key. Without the CA the proxy does
    not trust the server: the request fails closed and nothing goes anywhere."""
    ca.issue(tmp_path / "model.crt", tmp_path / "model.key", cn="model")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tmp_path / "model.crt", tmp_path / "model.key")
    from proxy.app import create_app

    model = FakeOpenAI()
    model_runner, model_port = await serve_app(model.app(), ssl_context=server_ctx)
    running = RunningFake()
    try:
        async with running as provider:
            settings = make_settings(tmp_path, external_url=running.base_url,
                                     local=f"https://127.0.0.1:{model_port}/v1")
            settings.local.api_key = SecretStr("sk-model-server")
            settings.local.ca_file = ca.path if trust else None
            app = create_app(settings, detector=Shared(shared_detector))
            runner, port = await serve_app(app)
            try:
                async with openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1",
                                              api_key=TENANT_KEYS["strict-co"],
                                              max_retries=0) as client:
                    ask = client.chat.completions.create(
                        model="gpt-4o", messages=[{"role": "user", "content": f"Mail {EMAIL}"}])
                    if trust:
                        out = await ask
                        assert out.choices[0].message.content == f"ECHO: Mail {EMAIL}"
                        auth = model.requests[-1].headers["Authorization"]
                        assert auth == "Bearer sk-model-server"
                    else:
                        with pytest.raises(openai.APIStatusError) as e:
                            await ask
                        assert e.value.status_code == 503
                        assert model.requests == []
                assert provider.requests == []  # never the external provider
            finally:
                await runner.cleanup()
    finally:
        await model_runner.cleanup()

"""`privacy-proxy serve` as users run it: a config file, several worker processes on one port."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import openai
import pytest
import yaml

from proxy.config import hash_key
from tests.fakes.fake_openai import RunningFake
from tests.serving import free_port, wait_ready

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]


async def test_serve_with_two_workers_answers_and_stops_cleanly(tmp_path):
    running = RunningFake()
    async with running as fake:
        port = free_port()
        cfg = {
            "server": {"port": port, "workers": 2, "data_dir": str(tmp_path / "data")},
            "tenants": [{"id": "acme", "api_key_sha256": [hash_key("sk-proc")]}],
            "detection": {"workers": 1},
            "local": {"kind": "none"},
        }
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
        env = {**os.environ, "PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-from-env",
               "PRIVACY_PROXY_EXTERNAL__BASE_URL": running.base_url}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "proxy", "serve", "--config", str(tmp_path / "config.yaml"),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        try:
            await wait_ready(port, proc)
            client = openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1",
                                        api_key="sk-proc", max_retries=0)
            outs = await asyncio.gather(*[
                client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": f"Write to jane{i}@example.com"}])
                for i in range(20)])
            assert all(o.choices[0].message.content.startswith("ECHO: Write to jane")
                       for o in outs)
            assert len(fake.requests) == 20
            assert fake.requests[0].headers["Authorization"] == "Bearer sk-from-env"
            assert "@example.com" not in fake.all_text()
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert b"jane" not in err  # logs never hold raw values
        assert (tmp_path / "data" / "audit.sqlite3").exists()


async def test_bad_config_refuses_to_start_with_a_clear_message(tmp_path):
    (tmp_path / "bad.yaml").write_text("server:\n  prot: 8080\ntenants: []\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(tmp_path / "bad.yaml"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode != 0
    assert b"server.prot" in err and b"Extra inputs are not permitted" in err

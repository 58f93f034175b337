"""`privacy-proxy serve` as users run it: a config file, several worker processes on one port."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
import yaml

from proxy.config import hash_key
from tests.certs import make_ca, served_serial
from tests.fakes.fake_openai import RunningFake
from tests.serving import free_port, wait_ready

pytestmark = pytest.mark.timeout(240)
ROOT = Path(__file__).resolve().parents[2]


async def test_serve_with_two_workers_answers_and_stops_cleanly(tmp_path):
    running = RunningFake()
    async with running as fake:
        port = free_port()
        proc, stderr, reader = await _serve(tmp_path, port, {
            "PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-from-env",
            "PRIVACY_PROXY_EXTERNAL__BASE_URL": running.base_url})
        try:
            await wait_ready(port, proc, output=stderr)
            async with openai.AsyncOpenAI(base_url=f"http://127.0.0.1:{port}/v1",
                                          api_key="sk-proc", max_retries=0) as client:
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
            try:
                # Every process it started (serving workers, their detection workers) is gone
                # once stderr closes.
                await asyncio.wait_for(asyncio.gather(proc.wait(), reader), 90)
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
                raise AssertionError(
                    "serve did not stop within 90 s of SIGTERM: " + stderr.decode()[-3000:]
                ) from None
        err = bytes(stderr)
        assert proc.returncode == 0, err.decode()[-2000:]
        assert b"jane" not in err  # logs never hold raw values
        assert (tmp_path / "data" / "audit.sqlite3").exists()


async def _serve(
    tmp_path: Path, port: int, env: dict[str, str], **sections: dict[str, Any]
) -> tuple[asyncio.subprocess.Process, bytearray, asyncio.Task[None]]:
    """``privacy-proxy serve`` with two workers in a session of its own; its stderr is read as it
    comes (so a full pipe never stalls the server) into the returned buffer by the returned task.
    ``sections`` are merged into the config's sections."""
    cfg: dict[str, Any] = {
        "server": {"port": port, "workers": 2, "data_dir": str(tmp_path / "data")},
        "tenants": [{"id": "acme", "api_key_sha256": [hash_key("sk-proc")]}],
        "detection": {"workers": 1},
        "local": {"kind": "none"},
        "metrics": {"port": free_port()},
    }
    for name, values in sections.items():
        cfg[name] = {**cfg.get(name, {}), **values}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(cfg))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(tmp_path / "config.yaml"),
        cwd=ROOT, env={**os.environ, **env}, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, start_new_session=True)
    stderr = bytearray()
    return proc, stderr, asyncio.create_task(_drain(proc, stderr))


async def _drain(proc: asyncio.subprocess.Process, into: bytearray) -> None:
    assert proc.stderr is not None
    while chunk := await proc.stderr.read(65536):
        into += chunk


async def test_bad_config_refuses_to_start_with_a_clear_message(tmp_path):
    (tmp_path / "bad.yaml").write_text("server:\n  prot: 8080\ntenants: []\n")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "proxy", "serve", "--config", str(tmp_path / "bad.yaml"),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode != 0
    assert b"server.prot" in err and b"Extra inputs are not permitted" in err


def _group(pgid: int) -> dict[int, str]:
    """Live processes of a process group: pid -> command line."""
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:  # zombies hold nothing
                out[int(d.name)] = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return out


async def test_sigterm_while_detection_workers_load_leaves_no_process_behind(tmp_path):
    """A stop during start-up (a rollout cancelled early) must not orphan detection workers: they
    would hold the log pipe and their memory for good."""
    proc, stderr, reader = await _serve(tmp_path, free_port(), {})
    try:
        for _ in range(1800):  # until a detection worker process exists (90 s at most)
            if any("multiprocessing" in cmd for cmd in _group(proc.pid).values()):
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("no detection worker started: " + stderr.decode()[-2000:])
        proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(asyncio.gather(proc.wait(), reader), 90)
        except TimeoutError:
            raise AssertionError(
                f"left behind: {_group(proc.pid)}; log: {stderr.decode()[-2000:]}"
            ) from None
        assert proc.returncode == 0, stderr.decode()[-2000:]
        assert _group(proc.pid) == {}
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


async def test_https_with_two_workers_metrics_port_and_a_certificate_rotated_by_sighup(tmp_path):
    """The client port serves HTTPS to the official client from both workers; /metrics is only on
    the metrics port, where every scrape answers for both workers (multiprocess collector); a
    renewed certificate is served by every worker after SIGHUP (no restart)."""
    ca = make_ca(tmp_path / "ca.crt")
    cert, key = tmp_path / "tls.crt", tmp_path / "tls.key"
    first = ca.issue(cert, key)
    running = RunningFake()
    async with running as fake:
        port, metrics_port = free_port(), free_port()
        proc, stderr, reader = await _serve(
            tmp_path, port,
            {"PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-from-env",
             "PRIVACY_PROXY_EXTERNAL__BASE_URL": running.base_url},
            server={"tls": {"cert_file": str(cert), "key_file": str(key),
                            "reload_interval_s": 3600}},
            metrics={"port": metrics_port})
        try:
            await _wait_both_ready(port, ca, proc, stderr)
            http = openai.DefaultAsyncHttpxClient(verify=ca.client_context())
            async with openai.AsyncOpenAI(base_url=f"https://127.0.0.1:{port}/v1",
                                          api_key="sk-proc", max_retries=0,
                                          http_client=http) as client:
                outs = await asyncio.gather(*[
                    client.chat.completions.create(
                        model="gpt-4o",
                        messages=[{"role": "user", "content": f"Write to jane{i}@example.com"}])
                    for i in range(20)])
            assert all(o.choices[0].message.content.startswith("ECHO: Write to jane")
                       for o in outs)
            assert "@example.com" not in fake.all_text()

            async with aiohttp.ClientSession() as s:
                async with s.get(f"https://127.0.0.1:{port}/metrics",
                                 ssl=ca.client_context()) as r:
                    assert r.status == 404
                totals = []
                for _ in range(8):  # new connections, so both workers answer scrapes
                    async with s.get(f"http://127.0.0.1:{metrics_port}/metrics",
                                     headers={"Connection": "close"}) as r:
                        totals.append(_sum(await r.text(), "privacy_proxy_requests_total"))
            assert totals == [20.0] * 8, totals
            writers = {p.name.rsplit("_", 1)[-1]
                       for p in (tmp_path / "data" / "prometheus").glob("counter_*.db")}
            assert len(writers) >= 2, "both workers served requests, so the sum is a real one"

            renewed = ca.issue(cert, key)
            proc.send_signal(signal.SIGHUP)
            seen: list[int] = []
            for _ in range(400):  # until 10 new connections in a row get the renewed one
                seen.append(await served_serial("127.0.0.1", port, ca))
                if seen[-10:] == [renewed.serial_number] * 10:
                    break
                await asyncio.sleep(0.05)
            else:
                raise AssertionError(f"renewed certificate not served by every worker: {seen}")
            assert first.serial_number in seen or seen[0] == renewed.serial_number
            assert proc.returncode is None, "SIGHUP must not stop the server"
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.gather(proc.wait(), reader), 90)
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
                raise AssertionError("serve did not stop: " + stderr.decode()[-3000:]) from None
        assert proc.returncode == 0, stderr.decode()[-2000:]


async def _wait_both_ready(port: int, ca: Any, proc: asyncio.subprocess.Process,
                           stderr: bytearray) -> None:
    """Both workers have started their components (each logs it) and /readyz answers over
    HTTPS."""
    async with aiohttp.ClientSession() as s:
        for _ in range(600):
            if proc.returncode is not None:
                raise AssertionError(f"serve exited: {stderr.decode()[-3000:]}")
            if stderr.count(b"privacy-proxy ready") >= 2:
                try:
                    async with s.get(f"https://127.0.0.1:{port}/readyz",
                                     ssl=ca.client_context()) as r:
                        if r.status == 200:
                            await asyncio.sleep(0.5)  # the last worker's socket is bound
                            return
                except aiohttp.ClientError:
                    pass
            await asyncio.sleep(0.3)
    raise AssertionError("serve did not become ready: " + stderr.decode()[-3000:])


def _sum(text: str, name: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{"))

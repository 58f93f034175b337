"""`privacy-proxy serve` as users run it: a config file, several worker processes on one port."""

from __future__ import annotations

import asyncio
import contextlib
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
    tmp_path: Path, port: int, env: dict[str, str]
) -> tuple[asyncio.subprocess.Process, bytearray, asyncio.Task[None]]:
    """``privacy-proxy serve`` with two workers in a session of its own; its stderr is read as it
    comes (so a full pipe never stalls the server) into the returned buffer by the returned task."""
    cfg = {
        "server": {"port": port, "workers": 2, "data_dir": str(tmp_path / "data")},
        "tenants": [{"id": "acme", "api_key_sha256": [hash_key("sk-proc")]}],
        "detection": {"workers": 1},
        "local": {"kind": "none"},
    }
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

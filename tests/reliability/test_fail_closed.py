"""The fail-closed matrix through the whole proxy: each dependency broken in each way it can
break (detection down or stuck, the policy down, slow or answering garbage, the audit store locked
or refusing writes, the local model down, the provider failing, hanging or sending a bad stream, a
client leaving mid-stream). Every row checks what the client gets (an OpenAI-shaped error with its
code, or the stream's error event), that nothing reached a provider when the request could not be
decided and recorded, what the audit log says, and that the proxy serves again once the
dependency is back.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from proxy.decide.types import PolicyError
from tests.fakes.fake_detector import FakeBrokenDetector, FakeSlowDetector
from tests.fakes.fake_engine import FakeBrokenEngine
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA
from tests.fakes.fake_openai import FakeOpenAI
from tests.reliability.helpers import CLEAN, assert_openai_error, call, outcome, records
from tests.serving import free_port

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
EMAIL = "jane.doe@example.com"
PERSONAL = [{"role": "user", "content": f"Write to {EMAIL} about the invoice."}]


def _body(stream: bool, messages: list[dict[str, Any]] = PERSONAL) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": messages, "stream": stream}


def _refused_unseen(p: Any, answer: Any, status: int, code: str) -> None:
    """Refused with ``code`` before anything was forwarded; no value in the error."""
    err = assert_openai_error(answer, status, code)
    assert EMAIL not in err["message"]
    assert p.fake.requests == []


def _failure_record(p: Any, answer: Any) -> dict[str, Any]:
    [rec] = [r for r in records(p, "request") if r["decision_id"] == answer.decision]
    assert rec["route"] == "deny"
    return rec


@pytest.mark.parametrize("stream", [False, True])
async def test_detection_down(make_proxy: Any, stream: bool) -> None:
    async with make_proxy(local="none", detector=FakeBrokenDetector()) as p:
        answer = await call(p, _body(stream))
        _refused_unseen(p, answer, 503, "detection_failed")
        assert "x-privacy-proxy-route" not in answer.headers
        rec = _failure_record(p, answer)
        assert {"code": "detection_failed"}.items() <= rec["reasons"][-1].items()


async def test_detection_stuck_times_out(make_proxy: Any) -> None:
    async with make_proxy(local="none", detector=FakeSlowDetector(30),
                          detection={"timeout_s": 0.3}) as p:
        answer = await call(p, _body(False))
        _refused_unseen(p, answer, 503, "detection_failed")
        _failure_record(p, answer)


@pytest.mark.parametrize("exc", [PolicyError("POLICY_UNAVAILABLE", "down"), RuntimeError("x")])
async def test_policy_engine_down(make_proxy: Any, exc: Exception) -> None:
    async with make_proxy(local="none", engine=FakeBrokenEngine(exc)) as p:
        answer = await call(p, _body(False))
        _refused_unseen(p, answer, 503, "policy_unavailable")


@pytest.mark.parametrize("mode", ["down", "slow", "garbage", "malformed", "error", "undefined"])
async def test_policy_server_down_slow_or_answering_garbage(make_proxy: Any, mode: str) -> None:
    fake_opa = FakeOPA(ROOT / "policies", mode=mode, delay_s=5.0)
    async with RunningFakeOPA(fake_opa) as opa:
        policy = {"engine": "opa", "opa": {"url": opa.url, "timeout_s": 0.3}}
        async with make_proxy(local="none", policy=policy) as p:
            answer = await call(p, _body(False))
            _refused_unseen(p, answer, 503, "policy_unavailable")
            rec = [r for r in records(p, "request") if r["decision_id"] == answer.decision][0]
            assert rec["route"] == "deny" and rec["status"] == "denied"
            fake_opa.mode = "ok"  # back: served again, nothing cached from the failure
            again = await call(p, _body(False))
            assert again.status == 200 and EMAIL not in p.fake.all_text()


def _lock(path: Path) -> sqlite3.Connection:
    """Another writer holding the SQLite file's write lock."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _refuse_writes(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON leaves "
                 "BEGIN SELECT RAISE(FAIL, 'read-only'); END")
    return conn


@pytest.mark.parametrize("how", ["locked", "unwritable"])
async def test_audit_store_locked_or_unwritable(
    make_proxy: Any, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    monkeypatch.setattr("proxy.audit.sqlite._BUSY_S", 0.3)  # a writer waits this long for a lock
    async with make_proxy(local="none") as p:
        path = p.settings.audit_sqlite_path
        assert (await call(p, _body(False))).status == 200
        sent = len(p.fake.requests)
        conn = _lock(path) if how == "locked" else _refuse_writes(path)
        try:
            for stream in (False, True):
                answer = await call(p, _body(stream))
                err = assert_openai_error(answer, 503, "audit_unavailable")
                assert EMAIL not in err["message"] and "x-privacy-proxy-route" not in answer.headers
            assert len(p.fake.requests) == sent, "nothing is forwarded unrecorded"
        finally:
            if how == "locked":
                conn.execute("ROLLBACK")
            else:
                conn.execute("DROP TRIGGER refuse")
            conn.close()
        for _ in range(50):  # the log recovers once the store does
            answer = await call(p, _body(False))
            if answer.status == 200:
                break
            await asyncio.sleep(0.1)
        assert answer.status == 200 and len(p.fake.requests) == sent + 1


async def test_local_model_down_never_falls_back_outward(make_proxy: Any) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    async with make_proxy(local=dead) as p:
        answer = await call(p, _body(False), tenant="strict-co")  # must stay local
        _refused_unseen(p, answer, 503, "local_backend_unavailable")
        assert answer.headers["x-privacy-proxy-route"] == "local"
        assert (await outcome(p, answer.decision))["status"] == 503


@pytest.mark.parametrize("stream", [False, True])
async def test_provider_500_is_passed_on_and_recorded(make_proxy: Any, stream: bool) -> None:
    async with make_proxy(local="none", fake=FakeOpenAI(fail_status=500)) as p:
        answer = await call(p, _body(stream))
        assert_openai_error(answer, 500)
        assert (await outcome(p, answer.decision))["status"] == 500
        assert EMAIL not in p.fake.all_text()  # what did reach it was pseudonymized


@pytest.mark.parametrize("stream", [False, True])
async def test_provider_unreachable(make_proxy: Any, stream: bool) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    async with make_proxy(local="none", upstream={"base_url": dead}) as p:
        answer = await call(p, _body(stream))
        assert_openai_error(answer, 502, "external_backend_unavailable")
        assert (await outcome(p, answer.decision))["status"] == 502


async def test_provider_hangs_then_stalls(make_proxy: Any) -> None:
    hold, gate = asyncio.Event(), asyncio.Event()
    fake = FakeOpenAI(hold=hold, gate=gate)
    async with make_proxy(local="none", fake=fake,
                          upstream={"first_byte_timeout_s": 0.3, "idle_timeout_s": 0.3}) as p:
        try:
            silent = await call(p, _body(False, CLEAN))
            hold.set()
            stalled = await call(p, _body(True, CLEAN))
        finally:
            hold.set()
            gate.set()
        assert_openai_error(silent, 502, "external_backend_unavailable")
        assert json.loads(stalled.events()[-1])["error"]["code"] == "upstream_error"
        for answer in (silent, stalled):
            assert (await outcome(p, answer.decision))["status"] == 502


async def test_provider_sends_a_bad_stream(make_proxy: Any) -> None:
    async with make_proxy(local="none", fake=FakeOpenAI(stream_fault="bad_json")) as p:
        answer = await call(p, _body(True))
        events = answer.events()
        assert "[DONE]" not in events
        assert json.loads(events[-1])["error"]["code"] == "upstream_error"
        assert (await outcome(p, answer.decision))["status"] == 502


async def test_client_leaves_mid_stream(make_proxy: Any) -> None:
    gate = asyncio.Event()
    async with make_proxy(local="none", fake=FakeOpenAI(gate=gate)) as p:
        async with aiohttp.ClientSession() as s:
            r = await s.post(f"{p.base_url}/chat/completions", json=_body(True, CLEAN),
                             headers={"Authorization": f"Bearer {p.keys['acme']}"})
            assert r.status == 200
            await r.content.readuntil(b'"EC')  # the first content chunk arrived
            decision = r.headers["x-privacy-proxy-decision-id"]
            r.close()  # gone with the answer half sent
        gate.set()
        assert (await outcome(p, decision))["status"] == 499
        assert (await call(p, _body(False, CLEAN))).status == 200

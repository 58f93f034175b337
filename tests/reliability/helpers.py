"""What the reliability tests share: a raw HTTP call to a running proxy (to see the bytes and the
framing as a client's socket does), the events of an SSE body, and a request's audit records."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import aiohttp

CLEAN = [{"role": "user", "content": "Summarize the release notes in one line."}]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    @property
    def decision(self) -> str:
        return self.headers["x-privacy-proxy-decision-id"]

    def events(self) -> list[str]:
        """The ``data`` payloads of an SSE body, in order."""
        out = []
        for block in self.raw.decode().replace("\r\n", "\n").split("\n\n"):
            data = [ln[5:].lstrip() for ln in block.split("\n") if ln.startswith("data:")]
            if data:
                out.append("\n".join(data))
        return out


async def call(
    p: Any,
    body: dict[str, Any] | bytes,
    *,
    tenant: str = "acme",
    path: str = "/chat/completions",
    headers: dict[str, str] | None = None,
    timeout_s: float = 60,
) -> Answer:
    """POST ``body`` (JSON, or bytes as they are) and read the whole answer; a broken chunked
    framing raises here (aiohttp's ClientPayloadError), as in any client."""
    hdrs = {"Authorization": f"Bearer {p.keys[tenant]}", **(headers or {})}
    kw: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
    if isinstance(body, bytes):
        hdrs.setdefault("Content-Type", "application/json")
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        async with s.post(f"{p.base_url}{path}", headers=hdrs, **kw) as r:
            return Answer(r.status, dict(r.headers), await r.read())


def assert_openai_error(answer: Answer, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is an OpenAI-shaped error with ``status`` (and ``code``)."""
    assert answer.status == status, (answer.status, answer.raw[:300])
    assert answer.headers.get("Content-Type", "").startswith("application/json")
    err = answer.json["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["message"]
    if code is not None:
        assert err["code"] == code, err
    return err


def records(p: Any, kind: str | None = None) -> list[dict[str, Any]]:
    conn = sqlite3.connect(p.settings.audit_sqlite_path)
    try:
        rows = conn.execute("SELECT data FROM leaves WHERE data IS NOT NULL ORDER BY idx")
        out = [json.loads(r[0])["record"] for r in rows.fetchall()]
    finally:
        conn.close()
    return [r for r in out if kind is None or r["kind"] == kind]


async def outcome(p: Any, decision: str) -> dict[str, Any]:
    """The outcome record of one request (written when the request ends; waited for)."""
    for _ in range(200):
        found = [r for r in records(p, "outcome") if r["decision_id"] == decision]
        if found:
            assert len(found) == 1, found
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no outcome record for {decision}")

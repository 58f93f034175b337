"""``/readyz`` means "can serve": the detector, the policy and a writable audit store. The local
model is reported, but a local model that is down leaves the proxy ready (the requests that must
stay local fail closed, one by one)."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiohttp
import openai
import pytest

from tests.serving import free_port

pytestmark = pytest.mark.timeout(120)


async def readyz(p: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s, s.get(f"{p.origin}/readyz") as r:
        return r.status, await r.json()


def refuse_inserts(path: Any, table: str) -> None:
    """Readable but not writable: a trigger refuses every new row (as a full disk, a store
    turned read-only or a broken migration would, while every SELECT still answers)."""
    conn = sqlite3.connect(path)
    conn.execute(
        f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table}"
        " BEGIN SELECT RAISE(ABORT, 'read-only'); END"
    )
    conn.commit()
    conn.close()


@pytest.mark.parametrize("table", ["leaves", "digests", "checkpoints"])
async def test_an_audit_store_that_cannot_write_is_not_ready(make_proxy: Any, table: str) -> None:
    async with make_proxy(local="none") as p:
        status, body = await readyz(p)
        assert status == 200 and body["checks"]["audit"] is True
        refuse_inserts(p.settings.audit_sqlite_path, table)
        status, body = await readyz(p)
        assert status == 503, body
        assert body["status"] == "not ready" and body["checks"]["audit"] is False
        assert body["checks"]["policy"] is True and body["checks"]["detector"] is True


async def test_an_audit_store_that_writes_again_is_ready_again(make_proxy: Any) -> None:
    async with make_proxy(local="none") as p:
        refuse_inserts(p.settings.audit_sqlite_path, "leaves")
        assert (await readyz(p))[0] == 503
        conn = sqlite3.connect(p.settings.audit_sqlite_path)
        conn.execute("DROP TRIGGER refuse_leaves")
        conn.commit()
        conn.close()
        status, body = await readyz(p)
        assert status == 200, body


async def test_a_local_model_that_is_down_is_reported_but_leaves_the_proxy_ready(
    make_proxy: Any,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    async with make_proxy(local=dead) as p:
        status, body = await readyz(p)
        assert status == 200, body
        assert body["status"] == "ready"
        assert body["checks"] == {
            "detector": True, "policy": True, "audit": True, "local_model": False}
        assert body["policy"]["loaded"] is True and body["policy"]["reload_error"] is None
        # External traffic is served; what must stay local fails closed, request by request.
        out = await p.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Explain bloom filters."}])
        assert out.choices[0].message.content == "ECHO: Explain bloom filters."
        with pytest.raises(openai.APIStatusError) as e:
            await p.client("strict-co").chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Mail jane@example.com"}])
        assert e.value.status_code == 503
        assert e.value.body["code"] == "local_backend_unavailable"  # type: ignore[index]

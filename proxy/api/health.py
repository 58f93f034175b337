"""``/healthz`` (the process answers) and ``/readyz`` (it can serve); ``/metrics`` has a listener
of its own (``proxy.metrics``).

Ready means every request could be served or refused as it should: the detector is loaded, the
policy is loaded, the audit store accepts writes. The local model is reported too, but one that is
down does not make the proxy unready: the requests that must stay local fail closed one by one
(503 ``local_backend_unavailable``) while everything else is served.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from proxy.state import STATE

REQUIRED = ("detector", "policy", "audit")


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _ready(comp: Any) -> bool:
    try:
        return bool(await comp.ready())
    except Exception:
        return False


async def readyz(request: web.Request) -> web.Response:
    state = request.app[STATE]
    checks = {"detector": await _ready(state.detector), "policy": await _ready(state.engine),
              "audit": await _ready(state.audit_log)}
    if state.backends.local is not None:
        checks["local_model"] = await _ready(state.backends.local)
    ok = all(checks[name] for name in REQUIRED)
    body: dict[str, Any] = {"status": "ready" if ok else "not ready", "checks": checks}
    status = getattr(state.engine, "status", None)
    if status is not None:  # the policy revision deciding, and a failed reload if it persists
        body["policy"] = status()
    return web.json_response(body, status=200 if ok else 503)

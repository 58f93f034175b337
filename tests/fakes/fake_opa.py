"""A fake OPA server (the OPA binary cannot run here): the Data API evaluated by regopy.

``POST /v1/data/{path}`` with ``{"input": ...}`` answers ``{"result": ...}`` (or ``{}`` when the
document is undefined), ``GET /health`` answers 200 once the policy is loaded, like ``opa run -s``.
Like OPA, it compiles the policy once per queried path and evaluates the plan per request.

``mode`` switches failures on, per request: ``ok``; ``down`` (the connection is dropped without an
answer); ``slow`` (answers after ``delay_s``); ``undefined`` (``{}``, as OPA says for an undefined
document); ``garbage`` (a non-JSON body); ``malformed`` (``{"result": {"route": "maybe"}}``);
``error`` (HTTP 500, OPA's error shape); ``loading`` (health 500 and undefined, as before the
policy is loaded).

Run standalone: ``python -m tests.fakes.fake_opa --port 8181 --policies policies``.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from regopy import Bundle, Input, Interpreter

from proxy.decide.embedded import new_interpreter
from proxy.decide.sources import PolicySources, load_sources

MODES = ("ok", "down", "slow", "undefined", "garbage", "malformed", "error", "loading")


@dataclass
class FakeOPA:
    policies: Path
    mode: str = "ok"
    delay_s: float = 2.0
    queries: list[str] = field(default_factory=list)
    _sources: PolicySources | None = None
    _plans: dict[str, Bundle] = field(default_factory=dict)
    _rego: Interpreter = field(default_factory=Interpreter)

    def app(self) -> web.Application:
        self._sources = load_sources(self.policies)
        app = web.Application()
        app.router.add_post("/v1/data/{path:.+}", self.data)
        app.router.add_get("/health", self.health)
        return app

    async def health(self, request: web.Request) -> web.Response:
        if self.mode in ("loading", "down"):
            return web.json_response({"error": "not ready"}, status=500)
        return web.json_response({})

    async def data(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"].strip("/")
        self.queries.append(path)
        if self.mode == "down":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        if self.mode == "slow":
            await asyncio.sleep(self.delay_s)
        if self.mode == "garbage":
            return web.Response(text="<html>502 Bad Gateway</html>{", content_type="text/html")
        if self.mode == "malformed":
            return web.json_response({"result": {"route": "maybe"}})
        if self.mode == "error":
            return web.json_response(
                {"code": "internal_error", "message": "eval_conflict_error"}, status=500
            )
        if self.mode in ("undefined", "loading"):
            return web.json_response({})
        body = await request.json()
        found, value = self.evaluate(path, body.get("input"))
        return web.json_response({"result": value} if found else {})

    def evaluate(self, path: str, input_doc: Any) -> tuple[bool, Any]:
        assert self._sources is not None
        if path not in self._plans:
            query = "data." + ".".join(path.split("/"))
            self._plans[path] = new_interpreter(self._sources).build(query)
        self._rego.set_input(Input(input_doc if input_doc is not None else {}))
        output = self._rego.query_bundle(self._plans[path])
        if not output.results:
            raise web.HTTPInternalServerError(text=str(output)[:200])
        expressions = output.results[0].expressions
        return (True, expressions[0]) if expressions else (False, None)


class RunningFakeOPA:
    """Runs a FakeOPA on 127.0.0.1 in the current event loop."""

    def __init__(self, fake: FakeOPA) -> None:
        self.fake = fake
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> RunningFakeOPA:
        # In-flight "slow" answers are cut short at shutdown.
        from tests.serving import serve_app

        self._runner, self.port = await serve_app(self.fake.app(), shutdown_timeout=0.1)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8181)
    parser.add_argument("--policies", type=Path, default=Path("policies"))
    parser.add_argument("--mode", choices=MODES, default="ok")
    args = parser.parse_args()
    fake = FakeOPA(args.policies, mode=args.mode)
    web.run_app(fake.app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()

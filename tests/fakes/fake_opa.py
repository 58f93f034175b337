"""A fake OPA server (the OPA binary cannot run here): OPA's own Go engine behind the Data API.

The evaluator is OPA's (``v1/rego`` through opa-golib-python-bindings); what is faked is the
server around it and its file loader. ``opa_load`` reproduces what ``opa run [--ignore=P] PATH...``
loads, following OPA's loader (``v1/loader``: ``all``/``allRec`` with the ``--ignore`` filter
``GlobExcludeName(pattern, 1)``), because the bindings do not expose the loader itself:

- each path is walked with ``os.Stat``, which follows symbolic links, so a linked directory is
  walked like a real one (a Kubernetes ConfigMap volume's ``..data`` and ``..<timestamp>``);
- a file or directory whose base name matches an ``--ignore`` pattern (Go's ``filepath.Match``)
  is skipped at depth 1 and below (never the path given itself);
- ``*.rego`` files are modules named by their path; ``*.json`` and ``*.yaml``/``*.yml`` files are
  data, merged at the path of the directories below the given path (a conflict is an error);
  other files are skipped below the given path, and ``*.tar.gz`` bundles are not supported here;
- then every module is compiled together: a second copy of a module is a compile error
  (``multiple default rules``), and OPA stops before it serves (``OpaStartupError`` here).

With ``authorization=True`` (``--authorization=basic``) every request is first checked against
``data.system.authz.allow`` with OPA's input (``method``, ``path`` segments, ``params``,
``headers``, the JSON ``body``, ``identity``) and answered 401 unless it is true.

``POST /v1/data/{path}`` with ``{"input": ...}`` answers ``{"result": ...}`` (or ``{}`` when the
document is undefined); ``GET /health`` answers 200 once the policy is loaded, like ``opa run -s``.
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
import json
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from aiohttp import web
from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

MODES = ("ok", "down", "slow", "undefined", "garbage", "malformed", "error", "loading")


class OpaStartupError(Exception):
    """What makes ``opa run`` exit before serving: a file it cannot load, a policy that does not
    compile."""


def go_glob(pattern: str) -> re.Pattern[str]:
    """Go's ``filepath.Match`` pattern as a regular expression (``*``, ``?``, ``[...]``/``[^...]``,
    ``\\`` escapes; no separator is ever matched)."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            if body.startswith("^"):
                body = "^" + body[1:].replace("\\", "\\\\")
            else:
                body = body.replace("\\", "\\\\")
            out.append(f"[{body}]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def opa_load(paths: Sequence[Path], ignore: Sequence[str] = ()) -> tuple[dict[str, str], Any]:
    """(modules by name, data document) as ``opa run --ignore=... PATH...`` loads them."""
    filters = [go_glob(p) for p in ignore]
    modules: dict[str, str] = {}
    data: dict[str, Any] = {}
    for root in paths:
        _load(Path(root), 0, [], filters, modules, data)
    return modules, data


def _load(
    path: Path,
    depth: int,
    prefix: list[str],
    filters: list[re.Pattern[str]],
    modules: dict[str, str],
    data: dict[str, Any],
) -> None:
    try:
        st = os.stat(path)  # os.Stat: follows links
    except OSError as e:
        raise OpaStartupError(f"{path}: {e.strerror}") from e
    if depth >= 1 and any(f.match(path.name) for f in filters):
        return
    if not stat.S_ISDIR(st.st_mode):
        _load_file(path, depth, prefix, modules, data)
        return
    if depth > 0:
        prefix = [*prefix, path.name]
    for name in sorted(os.listdir(path)):  # os.ReadDir sorts by name
        _load(path / name, depth + 1, prefix, filters, modules, data)


def _load_file(
    path: Path, depth: int, prefix: list[str], modules: dict[str, str], data: dict[str, Any]
) -> None:
    name = path.name
    raw = path.read_bytes()
    if name.endswith(".tar.gz"):
        raise OpaStartupError(f"{path}: bundles are not supported by the fake OPA")
    if name.endswith(".rego"):
        modules[str(path).strip("/")] = raw.decode()
        return
    if name.endswith(".json"):
        doc = json.loads(raw)
    elif name.endswith((".yaml", ".yml")):
        doc = yaml.safe_load(raw)
    elif depth > 0:
        return  # unrecognised files below the given path are skipped
    else:
        raise OpaStartupError(f"{path}: not a .rego, .json or .yaml file")
    for part in reversed(prefix):
        doc = {part: doc}
    if not isinstance(doc, dict):
        raise OpaStartupError(f"{path}: data at the root must be an object")
    _merge(data, doc, path)


def _merge(into: dict[str, Any], doc: dict[str, Any], path: Path) -> None:
    for key, value in doc.items():
        if key not in into:
            into[key] = value
        elif isinstance(into[key], dict) and isinstance(value, dict):
            _merge(into[key], value, path)
        else:
            raise OpaStartupError(f"{path}: merge error at {key!r}")


@dataclass
class FakeOPA:
    policies: Path | Sequence[Path]
    mode: str = "ok"
    delay_s: float = 2.0
    ignore: Sequence[str] = ()
    authorization: bool = False
    queries: list[str] = field(default_factory=list)
    _engine: OpaEngine | None = None

    @classmethod
    def from_args(cls, args: Sequence[str], mounts: dict[str, Path], **kw: Any) -> FakeOPA:
        """The server ``opa`` would run with ``args`` (``run --server ... PATH...``), its paths
        mapped to local directories by ``mounts`` (mount path -> directory)."""
        assert args[0] == "run", args
        flags = [a for a in args[1:] if a.startswith("-")]
        paths = [mounts[a] for a in args[1:] if not a.startswith("-")]
        ignore = [f.split("=", 1)[1] for f in flags if f.startswith("--ignore=")]
        authorization = "--authorization=basic" in flags
        return cls(paths, ignore=ignore, authorization=authorization, **kw)

    def load(self) -> None:
        """Load and compile the files, or raise OpaStartupError as ``opa run`` would exit."""
        paths = [self.policies] if isinstance(self.policies, Path) else list(self.policies)
        modules, data = opa_load(paths, self.ignore)
        engine = OpaEngine()
        try:
            engine.add_data(data)
            for name, text in modules.items():
                engine.add_policy(name, text)
            engine.eval_query("x = data")  # compiles every module
        except OpaError as e:
            engine.close()
            raise OpaStartupError(f"error: initialization error: {e.message}") from e
        self._engine = engine

    def app(self) -> web.Application:
        self.load()
        app = web.Application(middlewares=[self._authorize] if self.authorization else [])
        app.router.add_post("/v1/data/{path:.+}", self.data)
        app.router.add_get("/v1/data/{path:.*}", self.data)
        app.router.add_get("/health", self.health)
        app.on_cleanup.append(self._close)
        return app

    async def _close(self, app: web.Application) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = None

    @web.middleware
    async def _authorize(self, request: web.Request, handler: Any) -> web.StreamResponse:
        assert self._engine is not None
        auth_input: dict[str, Any] = {
            "path": [unquote(p) for p in request.path[1:].split("/")],
            "method": request.method.upper(),
            "params": {k: request.query.getall(k) for k in request.query},
            "headers": {k: request.headers.getall(k) for k in request.headers},
        }
        if request.body_exists and request.content_type == "application/json":
            auth_input["body"] = await request.json()
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            auth_input["identity"] = token
        try:
            allowed = self._engine.eval_document("system.authz.allow", auth_input)
        except OpaUndefinedError:
            return web.json_response(
                {"code": "internal_error", "message": "authorization policy missing or undefined"},
                status=500,
            )
        if allowed is not True:
            return web.json_response(
                {"code": "unauthorized", "message": "request rejected by administrative policy"},
                status=401,
            )
        return await handler(request)

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
        body = await request.json() if request.method == "POST" and request.body_exists else {}
        found, value = self.evaluate(path, body.get("input"))
        return web.json_response({"result": value} if found else {})

    def evaluate(self, path: str, input_doc: Any) -> tuple[bool, Any]:
        """(defined, value) of ``data.<path>`` for ``input_doc``, from OPA's Go engine."""
        assert self._engine is not None
        try:
            return True, self._engine.eval_document(".".join(path.split("/")), input_doc)
        except OpaUndefinedError:
            return False, None
        except OpaError as e:
            raise web.HTTPInternalServerError(
                text=json.dumps({"code": "internal_error", "message": e.message[:200]}),
                content_type="application/json",
            ) from e


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
    parser.add_argument("--policies", type=Path, nargs="+", default=[Path("policies")])
    parser.add_argument("--ignore", action="append", default=[])
    parser.add_argument("--mode", choices=MODES, default="ok")
    args = parser.parse_args()
    fake = FakeOPA(args.policies, mode=args.mode, ignore=args.ignore)
    web.run_app(fake.app(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()

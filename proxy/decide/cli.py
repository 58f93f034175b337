"""``privacy-proxy policy eval | test``: explain one decision, run the policy's Rego tests."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from proxy.config import Settings, TenantConfig
from proxy.decide.testing import ENGINES
from proxy.decide.types import Decision, PolicyError
from proxy.detect.types import Detector

ENDPOINT_BY_FIELD = (
    ("messages", "chat.completions"),
    ("prompt", "completions"),
    ("input", "embeddings"),
)
# Fields only a Responses API request has: a body with ``input`` and one of them is one.
RESPONSES_FIELDS = ("instructions", "tools", "text", "max_output_tokens", "reasoning", "store",
                    "previous_response_id", "conversation", "truncation")


def register(subparsers: Any) -> None:
    """Add ``policy eval`` and ``policy test`` to the ``privacy-proxy`` command line."""
    policy = subparsers.add_parser("policy", help="evaluate or test the Rego policy")
    sub = policy.add_subparsers(dest="policy_command", required=True)

    ev = sub.add_parser("eval", help="detect and decide for a sample OpenAI request body")
    ev.add_argument("--input", required=True, type=Path, help="request body (JSON file)")
    ev.add_argument("--config", help="YAML configuration file (default: embedded defaults)")
    ev.add_argument("--tenant", help="tenant id from the configuration (default: the first)")
    ev.add_argument(
        "--endpoint",
        choices=[*(e for _, e in ENDPOINT_BY_FIELD), "responses"],
        help="default: guessed from the body (messages, prompt, or input: responses when the "
        "body has a field only the Responses API has, or input items, else embeddings)",
    )
    ev.add_argument(
        "--purpose", help="the purpose the request names (its x-privacy-proxy-purpose header)"
    )
    ev.add_argument("--json", action="store_true", help="print the decision as JSON")
    ev.set_defaults(func=_eval)

    te = sub.add_parser(
        "test", help="run every *_test.rego of the policy directory on each Rego engine"
    )
    te.add_argument("--config", help="YAML configuration file (default: embedded defaults)")
    te.add_argument("--policies", type=Path, help="policy directory (default: policy.path)")
    te.add_argument(
        "--engine",
        action="append",
        choices=ENGINES,
        help="run on this engine only (repeatable; default: every engine)",
    )
    te.set_defaults(func=_test)


def _settings(args: argparse.Namespace) -> Settings:
    from proxy.config import settings_from

    return settings_from(args)


def _tenant(settings: Settings, wanted: str | None) -> TenantConfig:
    if wanted is not None:
        for t in settings.tenants:
            if t.id == wanted:
                return t
        sys.exit(f"no tenant {wanted!r} in the configuration")
    return settings.tenants[0] if settings.tenants else TenantConfig(id="default")


def _endpoint(body: dict[str, Any], wanted: str | None) -> str:
    if wanted:
        return wanted
    if "input" in body and (any(k in body for k in RESPONSES_FIELDS) or any(
            isinstance(i, dict) for i in body["input"] if isinstance(body["input"], list))):
        return "responses"
    for key, endpoint in ENDPOINT_BY_FIELD:
        if key in body:
            return endpoint
    sys.exit("cannot tell the endpoint: the body has no messages, prompt or input")


async def evaluate(
    settings: Settings,
    body: dict[str, Any],
    tenant: TenantConfig,
    endpoint: str,
    *,
    purpose: str | None = None,
    detector: Detector | None = None,
) -> tuple[dict[str, Any], Decision]:
    """Run the proxy's own extract and detect stages and its decision path on one request body.

    Returns the policy input and the decision, after the invariants, exactly as the proxy would
    decide (``detector``: a started one to reuse; by default one is built for this call).
    """
    from proxy.api.endpoints import endpoint_named
    from proxy.context import RequestContext
    from proxy.decide import build_engine
    from proxy.decide.request import PURPOSE_HEADER, decide, policy_input, request_purpose
    from proxy.detect import build_detector
    from proxy.route.backends import build_backends
    from proxy.stages.detect import Detect
    from proxy.stages.extract import Extract

    ctx = RequestContext(
        request_id="policy-eval",
        api=endpoint_named(endpoint),
        body=body,
        tenant=tenant,
        principal="cli",
        purpose=request_purpose({PURPOSE_HEADER: purpose} if purpose is not None else {}),
    )
    await Extract()(ctx)
    if detector is None:
        settings.detection.workers = 0  # one request: no worker pool
        own = build_detector(settings)
        await own.start()
        try:
            await Detect(own, settings.detection.timeout_s)(ctx)
        finally:
            await own.close()
    else:
        await Detect(detector, settings.detection.timeout_s)(ctx)
    backends = build_backends(settings)  # configured, not started: only their facts are read
    engine = build_engine(settings)
    await engine.start()
    try:
        doc = policy_input(ctx, settings, backends)
        await decide(ctx, engine, backends, settings)
    finally:
        await engine.close()
    assert ctx.decision is not None
    return doc, ctx.decision


def _eval(args: argparse.Namespace) -> int:
    from proxy.errors import ProxyError

    settings = _settings(args)
    try:
        body = json.loads(args.input.read_text())
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"cannot read {args.input}: {e}")
    if not isinstance(body, dict):
        sys.exit(f"{args.input} must hold a JSON object (an OpenAI request body)")
    tenant = _tenant(settings, args.tenant)
    endpoint = _endpoint(body, args.endpoint)
    try:
        doc, d = asyncio.run(evaluate(settings, body, tenant, endpoint, purpose=args.purpose))
    except PolicyError as e:
        print(f"policy error ({e.code}): {e}; the proxy denies such a request", file=sys.stderr)
        return 2
    except ProxyError as e:
        print(f"invalid request ({e.code.value}): {e.message}", file=sys.stderr)
        return 2
    if args.json:
        out = {
            "input": doc,
            "decision": {
                "route": d.route,
                "transform": d.transform,
                "entities": list(d.entities),
                "reasons": [{"code": r.code, "text": r.text} for r in d.reasons],
                "revision": d.revision,
                "engine": d.engine,
                **d.extra,
            },
        }
        print(json.dumps(out, indent=2))
        return 0
    found = doc["detection"]["entities"]
    print(
        f"tenant     {tenant.id} (region {tenant.region}, allow_external "
        f"{str(tenant.allow_external).lower()}, strict {str(tenant.strict).lower()})"
    )
    print(
        f"request    {endpoint}, model {doc['request']['model'] or '-'}, "
        f"purpose {doc['request']['purpose']}"
    )
    print(
        "detected   "
        + (", ".join(f"{k} x{v['count']}" for k, v in sorted(found.items())) or "no personal data")
    )
    print(f"route      {d.route}")
    print(f"transform  {d.transform}" + (f" ({', '.join(d.entities)})" if d.entities else ""))
    print("reasons")
    for r in d.reasons:
        print(f"  {r.code}: {r.text}")
    if d.extra.get("provider_regions"):
        print(f"provider   {settings.external.name} in {', '.join(d.extra['provider_regions'])}")
    print(f"policy     revision {d.revision}, {d.engine} engine")
    return 0


def _test(args: argparse.Namespace) -> int:
    from proxy.decide.testing import run_tests

    path = args.policies or _settings(args).policy.path
    engines = tuple(dict.fromkeys(args.engine or ENGINES))
    try:
        results = run_tests(path, engines)
    except PolicyError as e:
        print(f"policy error ({e.code}): {e}", file=sys.stderr)
        return 2
    for r in results:
        line = f"{r.outcome:5}  {r.engine:6}  {r.file}  {r.name}"
        print(line + (f"  ({r.error})" if r.error else ""))
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed}/{len(results)} passed on {', '.join(engines)}")
    return 1 if failed or not results else 0

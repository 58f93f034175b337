"""Chat completions and the Responses API behave alike: one table of situations, each run on both
endpoints through the official openai client, the real detector, the real Rego policy, the real
SQLite audit log, the real local SmolLM2 model and the recording fake provider. Restore, audit,
policy and failing closed must not depend on the endpoint."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest

from proxy.decide.types import PolicyError
from tests.api import values
from tests.e2e.clients import APIS, records
from tests.fakes.fake_detector import FakeBrokenDetector
from tests.fakes.fake_engine import FakeBrokenEngine
from tests.fakes.fake_openai import FakeOpenAI
from tests.serving import free_port

pytestmark = pytest.mark.timeout(300)
HEALTH = "My colleague {name} was diagnosed with diabetes last year; how can I support her?"


def person(seed: str) -> tuple[str, str, str, str]:
    """A generated name, e-mail address and phone number, and a prompt holding the last two
    (found by pattern and checksum, so every one of them must be protected)."""
    rng = random.Random(seed)
    name, email, phone = values.name(rng), values.email(rng), values.phone(rng)
    return name, email, phone, f"Please write to {email} or call {phone} about the invoice."


async def refused(call: Awaitable[Any]) -> openai.APIStatusError:
    with pytest.raises(openai.APIStatusError) as e:
        await call
    return e.value


def assert_nothing_left(p: Any) -> None:
    assert p.fake.requests == [], "a request reached the external provider"


def assert_clean_error(err: openai.APIStatusError, status: int, code: str, *secrets: str) -> None:
    assert err.status_code == status
    body = err.body if isinstance(err.body, dict) else {}
    assert body.get("code") == code, body
    for s in secrets:
        assert s not in err.message


async def _detector_down(p: Any, api: Any, prompt: str, *values_: str) -> None:
    err = await refused(api.create(p.client(), prompt))
    assert_clean_error(err, 503, "detection_failed", *values_)
    assert_nothing_left(p)
    [failure] = records(p.settings.audit_sqlite_path, "request")
    assert failure["endpoint"] == api.name and failure["status"] == "error"
    assert failure["reasons"][-1]["code"] == "detection_failed"


async def _policy_down(p: Any, api: Any, prompt: str, *values_: str) -> None:
    err = await refused(api.create(p.client(), prompt))
    assert_clean_error(err, 503, "policy_unavailable", *values_)
    assert_nothing_left(p)


async def _policy_denies(p: Any, api: Any, prompt: str, *values_: str) -> None:
    # us-co may use gpt-4o-mini and the local model only: the policy refuses gpt-4o.
    err = await refused(api.create(p.client("us-co"), prompt, model="gpt-4o"))
    assert_clean_error(err, 403, "model_not_allowed", *values_)
    assert_nothing_left(p)
    [request] = records(p.settings.audit_sqlite_path, "request")
    assert request["endpoint"] == api.name and request["route"] == "deny"


async def _audit_store_down(p: Any, api: Any, prompt: str, *values_: str) -> None:
    conn = sqlite3.connect(p.settings.audit_sqlite_path)
    conn.execute("ALTER TABLE leaves RENAME TO leaves_unwritable")
    conn.commit()
    conn.close()
    err = await refused(api.create(p.client(), prompt))
    assert_clean_error(err, 503, "audit_unavailable", *values_)
    assert_nothing_left(p)


async def _local_model_down(p: Any, api: Any, prompt: str, *values_: str) -> None:
    err = await refused(api.create(p.client("strict-co"), prompt))
    assert_clean_error(err, 503, "local_backend_unavailable", *values_)
    assert_nothing_left(p)


async def _strict_tenant_stays_local(p: Any, api: Any, prompt: str, *values_: str) -> None:
    raw = await api.create(p.client("strict-co"), prompt, max_tokens=12)
    out = raw.parse()
    assert raw.headers["x-privacy-proxy-route"] == "local"
    assert api.served(out) == "smollm2-135m-instruct" and api.text(out)
    assert await api.stream(p.client("strict-co"), prompt, max_tokens=12)
    assert_nothing_left(p)


async def _special_category_stays_local(p: Any, api: Any, prompt: str, *values_: str) -> None:
    raw = await api.create(p.client(), HEALTH.format(name=p.name), max_tokens=8)
    assert raw.headers["x-privacy-proxy-route"] == "local"
    assert_nothing_left(p)


async def _uninspectable_refused(p: Any, api: Any, prompt: str, *values_: str) -> None:
    err = await refused(api.uninspectable(p.client(), prompt))
    assert_clean_error(err, 400, "unsupported_input", *values_)
    assert isinstance(err.body, dict) and err.body.get("param") == api.refused_param
    assert_nothing_left(p)


async def _restored_whole(p: Any, api: Any, prompt: str, *values_: str) -> None:
    out = (await api.create(p.client(), prompt)).parse()
    assert api.text(out) == "ECHO: " + prompt
    sent = p.fake.all_text()
    assert p.fake.requests and all(v not in sent for v in values_)


async def _restored_streamed(p: Any, api: Any, prompt: str, *values_: str) -> None:
    assert await api.stream(p.client(), prompt) == "ECHO: " + prompt
    sent = p.fake.all_text()
    assert p.fake.requests and all(v not in sent for v in values_)


async def _outcome_recorded(p: Any, api: Any, prompt: str, *values_: str) -> None:
    path = p.settings.audit_sqlite_path
    seen: list[list[int]] = []

    async def at_the_end() -> None:  # the client has the end of the answer: already recorded
        seen.append([r["status"] for r in records(path, "outcome")])

    await api.create(p.client(), prompt)
    await api.stream(p.client(), prompt, on_end=at_the_end)
    assert seen == [[200, 200]]
    requests = records(path, "request")
    assert [r["endpoint"] for r in requests] == [api.name, api.name]
    assert [r["route"] for r in requests] == ["external", "external"]
    assert all(v not in str(records(path)) for v in values_)


Case = Callable[..., Awaitable[None]]
DEAD = "dead"  # the local model: an address nothing listens on
CASES: dict[str, tuple[Case, dict[str, Any]]] = {
    "detector_down": (_detector_down, {"local": "none", "detector": FakeBrokenDetector()}),
    "policy_down": (_policy_down, {"local": "none", "engine": FakeBrokenEngine(
        PolicyError("POLICY_TIMEOUT", "timeout"))}),
    "policy_denies": (_policy_denies, {"local": "none"}),
    "audit_store_down": (_audit_store_down, {"local": "none"}),
    "local_model_down": (_local_model_down, {"local": DEAD}),
    "strict_tenant_stays_local": (_strict_tenant_stays_local, {}),
    "special_category_stays_local": (_special_category_stays_local, {}),
    "uninspectable_refused": (_uninspectable_refused, {"local": "none"}),
    "restored_whole": (_restored_whole, {"local": "none"}),
    "restored_streamed": (_restored_streamed, {"local": "none", "fake": 1}),
    "outcome_recorded": (_outcome_recorded, {"local": "none"}),
}


@pytest.mark.parametrize("api", APIS, ids=[a.name for a in APIS])
@pytest.mark.parametrize("case", sorted(CASES))
async def test_both_endpoints_behave_alike(make_proxy: Any, case: str, api: Any) -> None:
    run, options = CASES[case]
    options = dict(options)
    if options.get("local") == DEAD:
        options["local"] = f"http://127.0.0.1:{free_port()}/v1"
    if "fake" in options:  # placeholders cut into one-character deltas
        options["fake"] = FakeOpenAI(chunk_size=options["fake"])
    seed = f"{case}/{api.name}/{random.random()}"
    name, email, phone, prompt = person(seed)
    async with make_proxy(**options) as p:
        p.name = name
        try:
            await run(p, api, prompt, email, phone)
        except AssertionError as e:
            raise AssertionError(f"{case} on {api.name} (seed {seed!r}): {e}") from e

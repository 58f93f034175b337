"""The OPA engine against the fake OPA Data API server, and parity with the embedded engine."""

from __future__ import annotations

import itertools
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from proxy.config import ROOT, ConfigError, load_settings
from proxy.decide import build_engine
from proxy.decide.opa import OpaEngine
from proxy.decide.opa_go import OpaGoEngine
from proxy.decide.regopy_engine import RegopyEngine
from proxy.decide.types import PolicyError
from tests.decide.conftest import make_input, policy_config
from tests.fakes.fake_opa import FakeOPA, RunningFakeOPA

POLICIES = ROOT / "policies"


@pytest.fixture
async def opa() -> AsyncIterator[RunningFakeOPA]:
    async with RunningFakeOPA(FakeOPA(POLICIES, delay_s=2.0)) as running:
        yield running


async def _engine(url: str, path: Path = POLICIES, timeout_s: float = 5.0, **kw: Any) -> OpaEngine:
    opa = {"url": url, "timeout_s": timeout_s}
    engine = OpaEngine(policy_config(path, engine="opa", opa=opa, **kw))
    await engine.start()
    return engine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_build_engine_opa_decides_through_the_data_api(opa: RunningFakeOPA) -> None:
    settings = load_settings(policy={"engine": "opa", "opa": {"url": opa.url}})
    engine = build_engine(settings)
    assert isinstance(engine, OpaEngine)
    await engine.start()
    try:
        d = await engine.decide(make_input(entities=["HEALTH_DATA"]))
        assert (d.route, [r.code for r in d.reasons], d.engine) == (
            "local",
            ["special_category"],
            "opa",
        )
        assert opa.fake.queries == ["privacy/decision/result"]
        assert d.revision == engine.revision != ""
    finally:
        await engine.close()


@pytest.mark.parametrize(
    ("mode", "code"),
    [
        ("down", "policy_unreachable"),
        ("slow", "policy_timeout"),
        ("undefined", "policy_undefined"),
        ("garbage", "policy_malformed"),
        ("malformed", "policy_malformed"),
        ("error", "policy_error"),
        ("loading", "policy_undefined"),
    ],
)
async def test_failures_raise_policy_error(opa: RunningFakeOPA, mode: str, code: str) -> None:
    engine = await _engine(opa.url, timeout_s=0.5)  # the fake's "slow" takes 2 s
    try:
        opa.fake.mode = mode
        with pytest.raises(PolicyError) as e:
            await engine.decide(make_input(entities=["PERSON"]))
        assert e.value.code == code
        assert not await engine.ready()
        opa.fake.mode = "ok"
        assert (await engine.decide(make_input(entities=["PERSON"]))).route == "external"
        assert await engine.ready()
    finally:
        await engine.close()


async def test_nothing_listening_is_unreachable_and_not_ready() -> None:
    engine = await _engine(f"http://127.0.0.1:{_free_port()}")
    try:
        with pytest.raises(PolicyError) as e:
            await engine.decide(make_input())
        assert e.value.code == "policy_unreachable"
        assert not await engine.ready()
    finally:
        await engine.close()


async def test_failures_are_not_cached(opa: RunningFakeOPA) -> None:
    engine = await _engine(opa.url)
    try:
        opa.fake.mode = "undefined"
        with pytest.raises(PolicyError):
            await engine.decide(make_input())
        opa.fake.mode = "ok"
        first = await engine.decide(make_input())
        assert await engine.decide(make_input()) is first
        assert len(opa.fake.queries) == 2
    finally:
        await engine.close()


async def test_without_local_policy_files_revision_is_unknown_and_nothing_cached(
    opa: RunningFakeOPA, tmp_path: Path
) -> None:
    engine = await _engine(opa.url, tmp_path / "absent")
    try:
        assert engine.revision == "unknown"
        await engine.decide(make_input())
        await engine.decide(make_input())
        assert len(opa.fake.queries) == 2
    finally:
        await engine.close()


@pytest.mark.parametrize("url", ["opa:8181", "ftp://opa", "http://", "http://opa/v1/data"])
def test_bad_url_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="policy.opa.url"):
        load_settings(policy={"engine": "opa", "opa": {"url": url}})


# Parity: the same table of inputs through both engines gives the same decisions.

TENANTS = [
    {},
    {"region": "US"},
    {"strict": True},
    {"allow_external": False},
    {"allowed_models": ["gpt-4o-mini"]},
    {"id": "example-research", "purpose": "research", "purposes": ["research"]},
    {"id": "example-research", "purpose": "marketing", "purposes": ["marketing"]},
    {"region": "eu-west-1"},
    {"personal_data_local": True},
    {"id": "example-clinic"},
]
ENTITIES = [
    [],
    ["PERSON"],
    ["EMAIL_ADDRESS", "PHONE_NUMBER"],
    ["PERSON", "HEALTH_DATA"],
    ["CRIMINAL_OFFENCE"],
]
PROVIDERS = ["openai", "deepseek", "mistral", "unlisted"]
PARITY = [
    make_input(
        tenant=t,
        entities=e,
        provider=p,
        local=local,
        external=ext,
        request={"endpoint": endpoint, "purpose": t.get("purpose", "general")},
    )
    for (t, e, p, (local, ext), endpoint) in itertools.product(
        TENANTS,
        ENTITIES,
        PROVIDERS,
        [(True, True), (False, True), (True, False)],
        ["chat.completions", "embeddings"],
    )
    if endpoint == "chat.completions" or (local and ext and p == "openai")
] + [
    make_input(request={"endpoint": "images"}),
    make_input(tenant={"strict": "yes"}),
    {"tenant": {"id": "acme"}},
    {**make_input(), "detection": ["PERSON"]},
    {},
]


@pytest.mark.parametrize("embedded_cls", [OpaGoEngine, RegopyEngine], ids=["opa-go", "regopy"])
async def test_engines_agree_on_every_input(opa: RunningFakeOPA, embedded_cls: type) -> None:
    embedded = embedded_cls(policy_config(POLICIES, cache_size=0))
    await embedded.start()
    remote = await _engine(opa.url, cache_size=0)
    try:
        routes = set()
        for doc in PARITY:
            a, b = await embedded.decide(doc), await remote.decide(doc)
            assert (a.route, a.transform, a.entities, a.reasons, a.extra) == (
                b.route,
                b.transform,
                b.entities,
                b.reasons,
                b.extra,
            ), doc
            routes.add((a.route, a.transform))
        assert routes == {
            ("external", "none"),
            ("external", "pseudonymize"),
            ("external", "redact"),
            ("local", "none"),
            ("deny", "none"),
        }
        assert embedded.revision == remote.revision
    finally:
        await remote.close()

"""The embedded engines (OPA's Go engine and regopy): decisions, strict parsing, reload without
restart (keeping the last good policy), the decision cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from proxy.config import TenantConfig, load_settings
from proxy.decide import build_engine, build_input
from proxy.decide.engine import BaseEngine
from proxy.decide.opa_go import OpaGoEngine
from proxy.decide.parse import parse_decision
from proxy.decide.regopy_engine import RegopyEngine
from proxy.decide.sources import load_sources
from proxy.decide.types import PolicyError
from proxy.detect.types import Span
from tests.decide.conftest import make_input, policy_config

ENGINES = [OpaGoEngine, RegopyEngine]


@pytest.fixture(params=ENGINES, ids=[e.name for e in ENGINES])
def engine_cls(request: pytest.FixtureRequest) -> type[BaseEngine]:
    return request.param


GOOD = {
    "route": "external",
    "transform": "pseudonymize",
    "entities": ["PERSON"],
    "reasons": [{"code": "personal_data_pseudonymized", "text": "Placeholders only."}],
}


def _with(**changes: Any) -> dict[str, Any]:
    d = {**GOOD, **changes}
    return {k: v for k, v in d.items() if v is not ...}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "external",
        _with(route=...),
        _with(transform=...),
        _with(entities=...),
        _with(reasons=...),
        _with(route="cloud"),
        _with(route=None),
        _with(route=["external"]),
        _with(transform="encrypt"),
        _with(transform=True),
        _with(entities="PERSON"),
        _with(entities=[1]),
        _with(entities=[""]),
        _with(entities=[]),
        _with(reasons=[]),
        _with(reasons="because"),
        _with(reasons=["because"]),
        _with(reasons=[{"code": "ok"}]),
        _with(reasons=[{"code": "Not A Code", "text": "x"}]),
        _with(reasons=[{"code": "ok", "text": ""}]),
        _with(reasons=[{"code": "ok", "text": 3}]),
        _with(reasons=[{"code": "ok", "text": "x", "extra": 1}]),
    ],
)
def test_parse_rejects_malformed(raw: Any) -> None:
    with pytest.raises(PolicyError) as e:
        parse_decision(raw, revision="r", engine="t")
    assert e.value.code == "policy_malformed"


def test_parse_accepts_and_keeps_extra_keys() -> None:
    d = parse_decision({**GOOD, "ttl": 5}, revision="r1", engine="t")
    assert (d.route, d.transform, d.entities) == ("external", "pseudonymize", ("PERSON",))
    assert d.reasons[0].code == "personal_data_pseudonymized"
    assert (d.revision, d.engine, d.extra) == ("r1", "t", {"ttl": 5})


def test_build_input_summarizes_spans_without_values() -> None:
    tenant = TenantConfig(
        id="acme", region="de", allowed_models=["gpt-4o"], purpose="Support", purposes=None
    )
    spans = [
        [Span(0, 4, "PERSON", 0.85)],
        [],
        [Span(0, 3, "HEALTH_DATA", 0.7), Span(5, 8, "PERSON", 0.9)],
    ]
    doc = build_input(
        tenant=tenant,
        endpoint="embeddings",
        model="text-embedding-3-small",
        stream=False,
        spans=spans,
        local={"available": False, "model": "m", "region": "EU"},
        external={"available": True, "provider": "openai", "model": "text-embedding-3-small"},
        purpose="Research  Projects",
    )
    assert doc["tenant"] == {
        "id": "acme",
        "region": "DE",
        "allow_external": True,
        "strict": False,
        "personal_data_local": False,
        "allowed_models": ["gpt-4o"],
        "purpose": "support",
        "purposes": ["support"],
    }
    assert doc["request"] == {
        "endpoint": "embeddings",
        "model": "text-embedding-3-small",
        "stream": False,
        "purpose": "research projects",
    }
    assert doc["detection"] == {
        "entities": {
            "PERSON": {"count": 2, "max_score": 0.9},
            "HEALTH_DATA": {"count": 1, "max_score": 0.7},
        },
        "has_personal_data": True,
        "special_categories": ["HEALTH_DATA"],
    }
    assert doc["destinations"]["local"]["available"] is False


@pytest.mark.parametrize(("embedded", "cls"), [(None, OpaGoEngine), ("regopy", RegopyEngine)])
async def test_build_engine_embedded_decides(
    policy_dir: Path, embedded: str | None, cls: type[BaseEngine]
) -> None:
    policy: dict[str, Any] = {"path": str(policy_dir)}
    if embedded:
        policy["embedded"] = embedded
    engine = build_engine(load_settings(policy=policy))
    assert type(engine) is cls  # OPA's Go engine unless told otherwise
    await engine.start()
    assert await engine.ready()
    d = await engine.decide(make_input(entities=["PERSON", "EMAIL_ADDRESS"]))
    assert (d.route, d.transform, d.entities) == (
        "external",
        "pseudonymize",
        ("EMAIL_ADDRESS", "PERSON"),
    )
    assert [r.code for r in d.reasons] == ["personal_data_pseudonymized", "transfer_scc"]
    assert d.engine == cls.name and d.revision == engine.revision and len(d.revision) == 16
    assert d.extra == {"transfer_mechanism": "scc", "provider_regions": ["US"]}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    st = path.stat()  # make the change visible even within one mtime tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


async def test_changed_policy_file_changes_decisions_without_restart(
    policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    engine = engine_cls(policy_config(policy_dir))
    await engine.start()
    doc = make_input(entities=["PERSON"])
    before = await engine.decide(doc)
    assert before.route == "external"
    rev = engine.revision
    _edit(
        policy_dir / "privacy" / "decision.rego",
        'keep_local contains "tenant_personal_data_local" if {\n\tpersonal\n'
        "\ttenant_personal_data_local\n}",
        'keep_local contains "tenant_personal_data_local" if personal',
    )
    after = await engine.decide(doc)
    assert (after.route, [r.code for r in after.reasons]) == (
        "local",
        ["tenant_personal_data_local"],
    )
    assert engine.revision != rev and after.revision == engine.revision


async def test_changed_data_changes_revision_and_decisions(
    policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    engine = engine_cls(policy_config(policy_dir))
    await engine.start()
    doc = make_input(entities=["PERSON"], provider="deepseek")
    assert (await engine.decide(doc)).route == "local"
    rev = engine.revision
    _edit(
        policy_dir / "data.json",
        '"regions": ["CN"], "transfer_mechanism": "none"',
        '"regions": ["CN"], "transfer_mechanism": "scc"',
    )
    d = await engine.decide(doc)
    assert (d.route, engine.revision != rev) == ("external", True)


async def test_configmap_volume_layout_loads_and_reloads(
    tmp_path: Path, policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    """kubelet's layout: keys are links into ``..data``, which is swapped atomically on update."""
    mount = tmp_path / "mount"
    mount.mkdir()
    first = mount / "..2026_01_01"
    shutil.copytree(policy_dir, first)
    (mount / "..data").symlink_to(first.name)
    (mount / "data.json").symlink_to("..data/data.json")
    (mount / "privacy").symlink_to("..data/privacy")
    engine = engine_cls(policy_config(mount))
    await engine.start()
    doc = make_input(entities=["PERSON"])
    assert (await engine.decide(doc)).route == "external"
    rev = engine.revision
    second = mount / "..2026_01_02"
    shutil.copytree(first, second)
    _edit(second / "data.json", '"strict": false', '"strict": true')
    (mount / "..data_tmp").symlink_to(second.name)
    os.replace(mount / "..data_tmp", mount / "..data")
    shutil.rmtree(first)
    assert (await engine.decide(doc)).route == "local"
    assert engine.revision != rev


def test_revision_ignores_trailing_newlines_and_tests(policy_dir: Path) -> None:
    rev = load_sources(policy_dir).revision
    rego = policy_dir / "privacy" / "decision.rego"
    rego.write_text(rego.read_text().rstrip("\n"))  # as Helm's |- leaves it
    (policy_dir / "privacy" / "decision_test.rego").write_text("package privacy.decision_test\n")
    assert load_sources(policy_dir).revision == rev
    rego.write_text(rego.read_text() + "\n# a comment\n")
    assert load_sources(policy_dir).revision != rev


async def test_reload_waits_for_interval(policy_dir: Path, engine_cls: type[BaseEngine]) -> None:
    engine = engine_cls(policy_config(policy_dir, reload_interval_s=3600))
    await engine.start()
    rev = engine.revision
    _edit(policy_dir / "data.json", '"strict": false', '"strict": true')
    await engine.decide(make_input())
    assert engine.revision == rev
    engine.refresh(force=True)
    assert engine.revision != rev


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("privacy/decision.rego", "valid_input if {", "valid_input if {{"),  # syntax error
        (
            "privacy/decision.rego",
            "default result := {",
            "default result := 1\ndefault result := {",
        ),
        ("data.json", '"privacy": {', '"privacy": {{'),  # not JSON
    ],
    ids=["syntax", "compile", "data"],
)
async def test_broken_edit_keeps_the_last_good_policy_until_fixed(
    policy_dir: Path, engine_cls: type[BaseEngine], file: str, old: str, new: str
) -> None:
    """A policy edit that does not load keeps the last good compiled revision deciding, and says
    so (status, gauge, a policy.reload event); fixing it loads the fix."""
    engine = engine_cls(policy_config(policy_dir))
    events: list[dict[str, Any]] = []
    engine.reload_listeners.append(events.append)
    await engine.start()
    good_revision = engine.revision
    path = policy_dir / file
    good = path.read_text()
    _edit(path, old, new)
    d = await engine.decide(make_input(entities=["PERSON"]))
    assert (d.route, d.revision) == ("external", good_revision)  # the last good policy decides
    assert await engine.ready()
    status = engine.status()
    assert status["loaded"] and status["revision"] == good_revision
    assert status["reload_error"]["code"] == "policy_invalid"
    assert REGISTRY.get_sample_value("privacy_proxy_policy_reload_failed") == 1
    assert [(e["kind"], e["outcome"], e["error"], e["policy_revision"]) for e in events] == [
        ("policy.reload", "failed", "policy_invalid", good_revision)
    ]
    path.write_text(good.replace("# ", "#  ", 1) if file.endswith(".rego") else good + " ")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000))
    d = await engine.decide(make_input(entities=["PERSON"]))
    assert d.revision == engine.revision != good_revision
    assert engine.status()["reload_error"] is None
    assert REGISTRY.get_sample_value("privacy_proxy_policy_reload_failed") == 0
    assert [e["outcome"] for e in events] == ["failed", "ok"]


async def test_start_refuses_a_broken_or_missing_policy(
    tmp_path: Path, policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    with pytest.raises(PolicyError) as e:
        await engine_cls(policy_config(tmp_path / "nowhere")).start()
    assert e.value.code == "policy_missing"
    (policy_dir / "data.json").write_text("{not json")
    with pytest.raises(PolicyError) as e:
        await engine_cls(policy_config(policy_dir)).start()
    assert e.value.code == "policy_invalid"


@pytest.mark.parametrize(
    ("rego", "code"),
    [
        (
            'result := {"route": "cloud", "transform": "none", "entities": [], '
            '"reasons": [{"code": "x", "text": "y"}]}',
            "policy_malformed",
        ),
        ('result := {"route": "local"}', "policy_malformed"),
        (
            'result := {"route": "local", "transform": "none", "entities": [], "reasons": []}',
            "policy_malformed",
        ),
        ("result := input.nothing", "policy_undefined"),
        ("result := 1 if true\nresult := 2 if true", "policy_eval_error"),
    ],
)
async def test_bad_decisions_raise(
    tmp_path: Path, rego: str, code: str, engine_cls: type[BaseEngine]
) -> None:
    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "decision.rego").write_text(f"package privacy.decision\n\n{rego}\n")
    engine = engine_cls(policy_config(tmp_path))
    await engine.start()
    with pytest.raises(PolicyError) as e:
        await engine.decide(make_input())
    assert e.value.code == code


async def test_odd_strings_in_the_input_fail_closed(
    tmp_path: Path, engine_cls: type[BaseEngine]
) -> None:
    """A value regopy's upper() mangles (a backslash) makes it answer something that is not JSON;
    OPA answers it back. Either way the proxy gets a PolicyError, never a stray exception."""
    (tmp_path / "privacy").mkdir()
    (tmp_path / "privacy" / "decision.rego").write_text(
        "package privacy.decision\n\nresult := upper(input.tenant.id)\n"
    )
    engine = engine_cls(policy_config(tmp_path))
    await engine.start()
    with pytest.raises(PolicyError) as e:
        await engine.decide(make_input(tenant={"id": "\\B"}))
    assert e.value.code in ("policy_eval_error", "policy_malformed")


async def test_cache_reuses_decisions_per_entity_set_and_forgets_on_new_revision(
    policy_dir: Path,
    engine_cls: type[BaseEngine],
) -> None:
    engine = engine_cls(policy_config(policy_dir, cache_size=2))
    await engine.start()
    a = make_input(entities=["PERSON"])
    first = await engine.decide(a)
    a["detection"]["entities"]["PERSON"] = {"count": 7, "max_score": 0.51}
    assert await engine.decide(a) is first  # counts and scores are not part of the key
    assert engine.cache.hits == 1
    other_model = make_input(entities=["PERSON"], request={"model": "gpt-4o-mini"})
    assert await engine.decide(other_model) is not first
    strict = make_input(entities=["PERSON"], tenant={"strict": True})
    assert (await engine.decide(strict)).route == "local"
    assert len(engine.cache) == 2  # bounded: the first entry was evicted
    assert await engine.decide(make_input(entities=["PERSON"])) is not first
    _edit(policy_dir / "data.json", '"strict": false', '"strict": true')
    d = await engine.decide(make_input(entities=["PERSON"]))
    assert d.route == "local" and d.revision == engine.revision
    assert len(engine.cache) == 1


async def test_malformed_input_is_denied_not_cached(
    policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    engine = engine_cls(policy_config(policy_dir))
    await engine.start()
    for doc in ({}, {**make_input(), "detection": ["PERSON"]}, {**make_input(), "tenant": None}):
        d = await engine.decide(doc)
        assert (d.route, [r.code for r in d.reasons]) == ("deny", ["input_invalid"])
    assert len(engine.cache) == 1  # only the last: its detection is well-formed


async def test_unencodable_input_is_a_policy_error(
    policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    engine = engine_cls(policy_config(policy_dir))
    await engine.start()
    with pytest.raises(PolicyError) as e:
        await engine.decide(make_input(request={"model": "gpt\ud800"}))
    assert e.value.code == "policy_input_invalid"


async def test_decisions_and_loads_are_counted(
    policy_dir: Path, engine_cls: type[BaseEngine]
) -> None:
    def count(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    name = engine_cls.name
    before = {
        o: count("privacy_proxy_policy_decisions_total", engine=name, outcome=o)
        for o in ("cache", "evaluated", "policy_invalid")
    }
    loads = count("privacy_proxy_policy_loads_total", outcome="policy_invalid")
    engine = engine_cls(policy_config(policy_dir))
    await engine.start()
    await engine.decide(make_input())
    await engine.decide(make_input())
    _edit(policy_dir / "privacy" / "decision.rego", "valid_input if {", "valid_input if {{")
    await engine.decide(make_input())  # the last good policy, from the cache
    after = {
        o: count("privacy_proxy_policy_decisions_total", engine=name, outcome=o) for o in before
    }
    assert {o: after[o] - before[o] for o in before} == {
        "cache": 2,
        "evaluated": 1,
        "policy_invalid": 0,
    }
    assert count("privacy_proxy_policy_loads_total", outcome="policy_invalid") == loads + 1


async def test_cache_off(policy_dir: Path, engine_cls: type[BaseEngine]) -> None:
    engine = engine_cls(policy_config(policy_dir, cache_size=0))
    await engine.start()
    doc = make_input(entities=["PERSON"])
    assert await engine.decide(doc) is not await engine.decide(doc)
    assert len(engine.cache) == 0

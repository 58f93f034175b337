"""The OPA sidecar as a cluster runs it: the chart's rendered arguments, its ConfigMap volumes laid
out by the kubelet (``..data`` link, timestamped directory, links to it), loaded the way ``opa run``
loads files (tests/fakes/fake_opa.py: OPA's loader reproduced, OPA's Go engine compiling), and the
chart's own API authorization policy (files/opa-authz.rego)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from opa_bindings import OpaEngine

from proxy.config import OpaConfig, PolicyConfig
from proxy.decide.opa import PROBE_INPUT
from proxy.decide.opa import OpaEngine as OpaClientEngine
from proxy.decide.parse import parse_decision
from tests.decide.conftest import make_input
from tests.decide.kubelet import configmap_payload, write
from tests.fakes.fake_opa import FakeOPA, OpaStartupError, RunningFakeOPA, opa_load
from tests.helm.conftest import CHART_DIR, by_kind, container, one, rendered


def kubelet_mounts(objs: list[dict[str, Any]], root: Path) -> dict[str, Path]:
    """The OPA container's ConfigMap volumes, each written by the kubelet's AtomicWriter."""
    spec, opa = container(objs, "opa")
    configmaps = {o["metadata"]["name"]: o["data"] for o in by_kind(objs, "ConfigMap")}
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {}
    for m in opa["volumeMounts"]:
        cm = volumes[m["name"]]["configMap"]
        target = root / m["name"]
        write(target, configmap_payload(configmaps[cm["name"]], cm.get("items")))
        mounts[m["mountPath"]] = target
    return mounts


def opa_args() -> list[str]:
    return list(container(rendered("default"), "opa")[1]["args"])


def test_kubelet_volume_has_the_links_opa_walks(tmp_path: Path) -> None:
    mounts = kubelet_mounts(rendered("default"), tmp_path)
    policies = mounts["/policies"]
    names = sorted(p.name for p in policies.iterdir())
    assert names[0] == "..2" + names[0][3:] and names[0].startswith("..20")  # ..<UTC timestamp>
    assert names[1:] == ["..data", "data.json", "privacy"]
    assert (policies / "..data").readlink() == Path(names[0])
    assert (policies / "privacy").readlink() == Path("..data/privacy")
    assert (policies / "privacy" / "decision.rego").is_file()


def test_chart_args_load_every_policy_once(tmp_path: Path) -> None:
    mounts = kubelet_mounts(rendered("default"), tmp_path)
    fake = FakeOPA.from_args(opa_args(), mounts)
    fake.load()  # opa run would exit here on a compile error
    found, value = fake.evaluate("privacy/decision/result", PROBE_INPUT)
    assert found
    assert parse_decision(value, revision="", engine="opa").route in {"local", "deny"}
    modules, data = opa_load([mounts["/policies"], mounts["/opa-system"]], fake.ignore)
    assert sorted(Path(m).name for m in modules) == ["authz.rego", "decision.rego", "transfer.rego"]
    assert set(data) == {"privacy"}


def test_without_ignoring_dot_entries_opa_never_becomes_ready(tmp_path: Path) -> None:
    """What the chart's arguments did before: OPA's loader follows ..data and ..<timestamp> too,
    loads every module three times and stops on the duplicate default rule."""
    mounts = kubelet_mounts(rendered("default"), tmp_path)
    args = [a for a in opa_args() if not a.startswith("--ignore=")]
    with pytest.raises(OpaStartupError, match="multiple default rules"):
        FakeOPA.from_args(args, mounts).load()


def test_a_configmap_update_loads_too(tmp_path: Path) -> None:
    """The kubelet's update: a new timestamped directory, ..data swapped, the old one removed."""
    objs = rendered("default")
    mounts = kubelet_mounts(objs, tmp_path)
    cm = one(objs, "ConfigMap", "pp-privacy-proxy-policies")
    spec, _ = container(objs, "opa")
    items = next(v for v in spec["volumes"] if v["name"] == "policies")["configMap"]["items"]
    data = dict(cm["data"])
    data["data.json"] = data["data.json"].replace('"strict": false', '"strict": true')
    write(mounts["/policies"], configmap_payload(data, items))
    assert len([p for p in mounts["/policies"].iterdir() if p.name.startswith("..20")]) == 1
    fake = FakeOPA.from_args(opa_args(), mounts)
    fake.load()
    _, value = fake.evaluate("privacy/decision/result", make_input())
    assert [r["code"] for r in value["reasons"]] == ["tenant_strict"]


async def test_proxy_client_through_the_chart_authorization(tmp_path: Path) -> None:
    """The sidecar with the chart's arguments (authorization on): the proxy's OPA client gets its
    decisions and health, and nobody can replace the policy through the API."""
    mounts = kubelet_mounts(rendered("default"), tmp_path)
    fake = FakeOPA.from_args(opa_args(), mounts)
    assert fake.authorization
    async with RunningFakeOPA(fake) as running:
        engine = OpaClientEngine(
            PolicyConfig(path=mounts["/policies"], engine="opa", opa=OpaConfig(url=running.url))
        )
        await engine.start()
        try:
            assert await engine.ready()
            d = await engine.decide(make_input(entities=["PERSON"]))
            assert (d.route, d.extra.get("provider_regions")) == ("external", ["US"]), d
        finally:
            await engine.close()
        async with aiohttp.ClientSession() as http:
            for method, path in [("PUT", "/v1/policies/x"), ("DELETE", "/v1/data/privacy")]:
                async with http.request(method, running.url + path, json={}) as resp:
                    assert resp.status == 401
                    assert (await resp.json())["code"] == "unauthorized"


AUTHZ = [
    ("POST", "/v1/data/privacy/decision/result", True),
    ("GET", "/v1/data/privacy/decision/result", True),
    ("GET", "/health", True),
    ("GET", "/v1/policies", True),
    ("PUT", "/v1/policies/privacy", False),
    ("DELETE", "/v1/policies/privacy", False),
    ("PUT", "/v1/data/privacy", False),
    ("PATCH", "/v1/data", False),
    ("DELETE", "/v1/data/privacy", False),
    ("POST", "/v1/compile", False),
    ("POST", "/v1/query", False),
    ("GET", "/v1/config", False),
    ("POST", "/", False),
]


@pytest.mark.parametrize(("method", "path", "allowed"), AUTHZ)
def test_opa_authz_policy(method: str, path: str, allowed: bool) -> None:
    """files/opa-authz.rego on OPA's Go engine, with the input OPA's basic authorizer builds."""
    engine = OpaEngine()
    engine.add_policy("authz.rego", (CHART_DIR / "files" / "opa-authz.rego").read_text())
    request = {
        "method": method,
        "path": path[1:].split("/"),
        "params": {},
        "headers": {"Content-Type": ["application/json"]},
    }
    assert engine.eval_document("system.authz.allow", request) is allowed


def test_decision_path_of_the_chart_is_what_the_proxy_asks(tmp_path: Path) -> None:
    objs = rendered("default")
    cfg = yaml.safe_load(one(objs, "ConfigMap", "pp-privacy-proxy-config")["data"]["config.yaml"])
    fake = FakeOPA.from_args(opa_args(), kubelet_mounts(objs, tmp_path))
    fake.load()
    found, _ = fake.evaluate(cfg["policy"]["opa"]["decision_path"], PROBE_INPUT)
    assert found

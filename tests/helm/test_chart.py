"""The chart loads, lints clean and renders for every scenario; every manifest validates against the
Kubernetes schemas; values.yaml documents every key and values.schema.json rejects unknown ones."""

from __future__ import annotations

import copy
import json
import os
import re
import tarfile
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import regopy
import yaml

from proxy.config import TenantConfig, hash_key, load_settings
from proxy.decide.opa import PROBE_INPUT
from proxy.decide.parse import parse_decision
from tests.helm.conftest import (
    CHART_DIR,
    MINIMAL,
    ROOT,
    SCENARIOS,
    by_kind,
    container,
    fake_secrets,
    load_chart,
    materialize_mounts,
    materialize_proxy_pod,
    one,
    render_objects,
    rendered,
)

KUBE_VERSION = "1.30.0"  # the oldest minor the chart is tested against; Chart.yaml asks >=1.27
CRD_KINDS = {"ServiceMonitor"}  # not in the Kubernetes schemas; checked by hand below


def test_chart_metadata_and_lint_clean() -> None:
    chart = load_chart()
    assert chart.name == "privacy-proxy"
    assert chart.schema is not None
    for values in SCENARIOS.values():
        report = helm.lint(CHART_DIR, values, strict=True, kube_version=f"v{KUBE_VERSION}")
        assert report["errors"] == []
        assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_scenario_renders_the_expected_objects(scenario: str) -> None:
    objs = rendered(scenario)
    kinds = {o["kind"] for o in objs}
    assert {"ConfigMap", "Deployment", "Service", "NetworkPolicy", "Pod"} <= kinds
    values = SCENARIOS[scenario]
    model_enabled = values.get("model", {}).get("enabled", True)
    assert len(by_kind(objs, "Deployment")) == (2 if model_enabled else 1)
    autoscaling = values.get("proxy", {}).get("autoscaling", {}).get("enabled", True)
    assert len(by_kind(objs, "HorizontalPodAutoscaler")) == (1 if autoscaling else 0)
    assert len(by_kind(objs, "PodDisruptionBudget")) == 1


def test_every_manifest_validates_against_kubernetes_schemas(scenario: str) -> None:
    for obj in rendered(scenario):
        manifest = {k: v for k, v in obj.items() if k != "_template"}
        if not manifest["metadata"]["annotations"]:
            del manifest["metadata"]["annotations"]
        if manifest["kind"] in CRD_KINDS:
            assert manifest["apiVersion"] == "monitoring.coreos.com/v1"
            assert set(manifest["spec"]) == {"selector", "namespaceSelector", "endpoints"}
            continue
        kubernetes_validate.validate(manifest, KUBE_VERSION, strict=True)


def test_a_broken_manifest_fails_validation() -> None:
    """The validator in use really rejects a wrong object (guards the test above)."""
    dep = copy.deepcopy(one(rendered("default"), "Deployment", "pp-privacy-proxy"))
    del dep["_template"]
    dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limts"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, KUBE_VERSION, strict=True)


@pytest.mark.parametrize(
    "values, where",
    [
        ({"proxy": {"replicaCont": 3}}, "replicaCont"),
        ({"modle": {"enabled": False}}, "modle"),
        ({"secrets": {"keys": {"postgresDSN": "dsn"}}}, "postgresDSN"),
        ({"model": {"gguf": {"sha": "00"}}}, "sha"),
        ({"networkPolicy": {"postgres": [{"ipblock": {"cidr": "10.0.0.1/32"}}]}}, "ipblock"),
        ({"config": {"inlineTenants": [{"id": "a", "api_key": "sk-live"}]}}, "api_key"),
        ({"model": {"engine": "ollama"}}, "engine"),
        ({"model": {"gguf": {"sha256": "not-hex"}}}, "sha256"),
        (
            {"proxy": {"extraEnv": [{"name": "PRIVACY_PROXY_EXTERNAL__API_KEY", "value": "x"}]}},
            "name",
        ),
    ],
)
def test_schema_rejects_misspelled_and_invalid_values(values: dict[str, Any], where: str) -> None:
    chart = load_chart()
    with pytest.raises(helm.HelmValuesError, match=where):
        chart.validate_schema(values)
    with pytest.raises(helm.HelmValuesError):
        chart.render(values, name="pp", namespace="privacy")


def _check_closed(schema: dict[str, Any], defs: dict[str, Any], value: Any, path: str) -> list[str]:
    """Walk values.yaml and the schema together: every object is closed and every key is typed."""
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    problems = []
    if schema.get("type") == "object" and "properties" in schema:
        if schema.get("additionalProperties") is not False:
            problems.append(f"{path or '(top)'} accepts unknown keys")
        if isinstance(value, dict):
            for key, sub in value.items():
                if key not in schema["properties"]:
                    problems.append(f"{path}.{key} has no schema")
                else:
                    problems += _check_closed(schema["properties"][key], defs, sub, f"{path}.{key}")
    elif isinstance(value, dict) and value:
        # A free-form map (labels, selectors, quantities): its values must still be typed.
        assert isinstance(schema.get("additionalProperties"), dict), path
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value or []):
            problems += _check_closed(schema["items"], defs, item, f"{path}[{i}]")
    return problems


def test_schema_closes_every_object_and_covers_every_value() -> None:
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    for name, d in schema["$defs"].items():
        if d.get("type") == "object" and "properties" in d:
            assert d["additionalProperties"] is False, name
    for name, values in SCENARIOS.items():
        merged = load_chart().merge_values(values)
        assert _check_closed(schema, schema["$defs"], merged, "") == [], name


def test_values_yaml_has_a_comment_on_every_key() -> None:
    lines = (CHART_DIR / "values.yaml").read_text().splitlines()
    undocumented = []
    parents: list[tuple[int, bool]] = []  # (indent, is a free-form map or example data)
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z0-9_.\-/]+):", line)
        if not m or line.lstrip().startswith(("#", "-")):
            continue
        indent = len(m.group(1))
        parents = [p for p in parents if p[0] < indent]
        inside_data = any(p[1] for p in parents)
        prev = lines[i - 1].strip() if i else ""
        documented = prev.startswith("#")
        if not inside_data and not documented:
            undocumented.append(f"{i + 1}: {line.strip()}")
        # Children of a documented leaf-valued mapping (resources, selectors, ...) are data.
        parents.append((indent, documented and prev.startswith("# --")))
    assert undocumented == []


def test_inline_tenant_schema_matches_the_proxys_tenant_model() -> None:
    schema = json.loads((CHART_DIR / "values.schema.json").read_text())
    tenant = schema["$defs"]["tenant"]
    assert set(tenant["properties"]) == set(TenantConfig.model_fields)
    corrections = tenant["properties"]["corrections"]["properties"]
    assert set(corrections) == set(TenantConfig.model_fields["corrections"].annotation.model_fields)


def _policy_files() -> dict[str, str]:
    base = ROOT / "policies"
    return {
        str(p.relative_to(base)): p.read_text()
        for p in sorted(base.rglob("*"))
        if p.is_file() and p.suffix in {".rego", ".json"} and not p.name.endswith("_test.rego")
    }


def test_chart_policies_are_the_repository_policies() -> None:
    link = CHART_DIR / "policies"
    assert link.is_symlink() and link.resolve() == (ROOT / "policies").resolve()
    names = [f["name"] for f in load_chart().files]
    assert not any(n.endswith("_test.rego") for n in names), "*_test.rego must stay out"
    chart_files = {
        n.removeprefix("policies/")
        for n in names
        if n.startswith("policies/") and n.endswith((".rego", ".json"))
    }
    assert chart_files == set(_policy_files())
    assert any(name.endswith(".rego") for name in chart_files)


def test_policy_configmap_and_volume_rebuild_the_policies_tree() -> None:
    objs = rendered("default")
    cm = one(objs, "ConfigMap", "pp-privacy-proxy-policies")
    dep = one(objs, "Deployment", "pp-privacy-proxy")
    volume = next(v for v in dep["spec"]["template"]["spec"]["volumes"] if v["name"] == "policies")
    tree = {item["path"]: cm["data"][item["key"]] for item in volume["configMap"]["items"]}
    files = _policy_files()
    assert set(tree) == set(files)
    for path, text in files.items():
        assert tree[path].rstrip("\n") == text.rstrip("\n"), path
    if "data.json" in tree:
        assert json.loads(tree["data.json"]) == json.loads(files["data.json"])


def test_pods_roll_when_policies_change(tmp_path: Path) -> None:
    """The pod template carries a checksum of the policy ConfigMap, so an upgrade with new policies
    restarts OPA with them."""
    objs = rendered("default")
    ann = one(objs, "Deployment", "pp-privacy-proxy")["spec"]["template"]["metadata"]["annotations"]
    cm = one(objs, "ConfigMap", "pp-privacy-proxy-policies")
    assert re.fullmatch(r"[0-9a-f]{64}", ann["checksum/policies"])
    assert cm["data"], "the policy ConfigMap is empty"


def test_opa_system_authz_allows_decisions_and_forbids_policy_writes() -> None:
    rego = (CHART_DIR / "files" / "opa-authz.rego").read_text()

    def allowed(method: str, path: list[str]) -> bool:
        interp = regopy.Interpreter()
        interp.add_module("authz", rego)
        interp.set_input({"method": method, "path": path})
        out = json.loads(str(interp.query("x := data.system.authz.allow")))
        return out["bindings"]["x"] is True

    assert allowed("POST", ["v1", "data", "privacy", "decision", "result"])
    assert allowed("GET", ["health"])
    assert allowed("GET", ["v1", "policies"])
    assert not allowed("PUT", ["v1", "policies", "privacy"])
    assert not allowed("DELETE", ["v1", "policies", "privacy"])
    assert not allowed("PUT", ["v1", "data", "privacy"])
    assert not allowed("PATCH", ["v1", "data"])
    assert not allowed("POST", ["v1", "compile"])


def test_other_release_names_and_overrides_render() -> None:
    objs = render_objects({"fullnameOverride": "gateway"}, name="privacy-proxy")
    names = {o["metadata"]["name"] for o in by_kind(objs, "Deployment")}
    assert names == {"gateway", "gateway-model"}
    cfg = yaml.safe_load(one(objs, "ConfigMap", "gateway-config")["data"]["config.yaml"])
    assert cfg["local"]["base_url"] == "http://gateway-model:8080/v1"


def test_rendered_config_is_accepted_by_the_proxy(
    scenario: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config.yaml from the ConfigMap plus the Secret-backed variables validate with the proxy's own
    loader (extra keys forbidden), and carry the cluster wiring."""
    tenants = [{"id": "acme", "api_key_sha256": [hash_key("sk-helm-tenant")], "region": "EU"}]
    objs = rendered(scenario)
    config_path, env = materialize_proxy_pod(objs, tmp_path, fake_secrets(tenants))
    for key in [k for k in os.environ if k.startswith("PRIVACY_PROXY_")] + ["OPENAI_API_KEY"]:
        monkeypatch.delenv(key, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    settings = load_settings(config_path)
    assert settings.policy.engine == "opa"
    assert settings.policy.opa.url == "http://127.0.0.1:8181"
    assert settings.audit.store == "postgres"
    assert settings.audit.postgres_dsn is not None
    assert settings.local.kind == "openai_compatible"
    assert settings.server.host == "0.0.0.0"
    assert str(settings.policy.path).startswith(str(tmp_path))
    assert (settings.policy.path / "privacy").is_dir() or any(settings.policy.path.glob("*.rego"))
    inline = SCENARIOS[scenario].get("config", {}).get("inlineTenants")
    assert [t.id for t in settings.tenants] == [t["id"] for t in (inline or tenants)]
    assert settings.external.enabled == SCENARIOS[scenario].get("externalProvider", {}).get(
        "enabled", True
    )


def test_packaged_chart_carries_the_policies_and_renders_the_same(tmp_path: Path) -> None:
    """`helm package` follows the policies/ link: the archive operators install from holds the
    policy files (without *_test.rego) and renders exactly what the source directory renders."""
    archive = Path(helm.package(CHART_DIR, destination=tmp_path))
    with tarfile.open(archive) as tar:
        names = {n.removeprefix("privacy-proxy/") for n in tar.getnames()}
    assert {f"policies/{name}" for name in _policy_files()} <= names
    assert not any(n.endswith("_test.rego") for n in names)
    packaged = helm.Chart.load_archive(archive.read_bytes())
    assert packaged.render(MINIMAL, name="pp", namespace="privacy") == load_chart().render(
        MINIMAL, name="pp", namespace="privacy"
    )


def test_notes_warn_when_postgres_or_provider_egress_is_missing() -> None:
    notes = load_chart().render(MINIMAL, name="pp", namespace="privacy")[
        "privacy-proxy/templates/NOTES.txt"
    ]
    assert "networkPolicy.postgres is empty" in notes
    assert "externalProvider.egressCidrs is empty" in notes
    assert "pp-privacy-proxy-secrets" in notes and "pp-privacy-proxy-signing-keys" in notes
    done = load_chart().render(SCENARIOS["locked-down"], name="pp", namespace="privacy")
    assert "WARNING" not in done["privacy-proxy/templates/NOTES.txt"]


def _regopy_for_dir(policy_dir: Path) -> regopy.Interpreter:
    """Load a directory the way `opa run DIR` does: every .rego, each data.json at its path."""
    interp = regopy.Interpreter()
    for f in sorted(policy_dir.rglob("*")):
        rel = f.relative_to(policy_dir)
        if f.suffix == ".rego":
            interp.add_module(str(rel), f.read_text())
        elif f.name == "data.json":
            doc: Any = json.loads(f.read_text())
            for part in reversed(rel.parent.parts):
                doc = {part: doc}
            interp.add_data(doc)
    return interp


def test_decision_path_resolves_in_the_files_opa_is_given(tmp_path: Path) -> None:
    """The OPA sidecar's /policies mount, rebuilt from the rendered ConfigMap, answers the decision
    path the proxy is configured with, and the answer passes the proxy's strict parser."""
    objs = rendered("default")
    mounts = materialize_mounts(objs, "opa", tmp_path)
    _, opa = container(objs, "opa")
    assert [a for a in opa["args"] if not a.startswith("-")][1:] == ["/policies", "/opa-system"]
    cfg = yaml.safe_load(one(objs, "ConfigMap", "pp-privacy-proxy-config")["data"]["config.yaml"])
    interp = _regopy_for_dir(mounts["/policies"])
    interp.set_input(PROBE_INPUT)
    rule = "data." + cfg["policy"]["opa"]["decision_path"].strip("/").replace("/", ".")
    out = json.loads(str(interp.query(f"x := {rule}")))
    decision = parse_decision(out["bindings"]["x"], revision="", engine="opa")
    assert decision.route in {"local", "deny"}  # the probe tenant is strict and may not go out

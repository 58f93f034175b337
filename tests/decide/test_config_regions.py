"""Regions and purposes in the configuration: ISO 3166-1 codes (or EU / EEA) in any letter case,
cloud names only through regions.aliases, a clear error for anything else."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.config import ConfigError, TenantConfig, load_settings, region_code


def tenants(*regions: str) -> list[dict[str, Any]]:
    return [{"id": f"t{i}", "region": r} for i, r in enumerate(regions)]


def test_codes_in_any_case_are_normalised() -> None:
    s = load_settings(tenants=tenants("de", "Eu", " eea ", "gb", "US"), local={"region": "ch"})
    assert [t.region for t in s.tenants] == ["DE", "EU", "EEA", "GB", "US"]
    assert s.local.region == "CH"


def test_cloud_region_names_only_through_aliases() -> None:
    s = load_settings(
        tenants=tenants("eu-west-1", "WestEurope"),
        regions={"aliases": {"EU-West-1": "ie", "westeurope": "NL", "eu-central-1": "de"}},
        local={"region": "eu-central-1"},
    )
    assert [t.region for t in s.tenants] == ["IE", "NL"]
    assert s.local.region == "DE"
    with pytest.raises(ConfigError, match=r"tenants\.0\.region: 'eu-west-1' is not an ISO 3166-1"):
        load_settings(tenants=tenants("eu-west-1"))


@pytest.mark.parametrize(
    ("where", "value", "hint"),
    [
        ("tenants.0.region", "UK", "the ISO code is GB"),
        ("tenants.0.region", "EL", "the ISO code is GR"),
        ("tenants.0.region", "Europe", "regions.aliases"),
        ("tenants.0.region", "", "ISO 3166-1"),
        ("tenants.0.region", "DEU", "ISO 3166-1"),
        ("local.region", "mars", "ISO 3166-1"),
    ],
)
def test_anything_else_is_a_clear_error(where: str, value: str, hint: str) -> None:
    kw: dict[str, Any] = (
        {"local": {"region": value}} if where == "local.region" else {"tenants": tenants(value)}
    )
    with pytest.raises(ConfigError) as e:
        load_settings(**kw)
    assert f"{where}: {value!r}" in str(e.value) and hint in str(e.value)


def test_alias_targets_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"regions\.aliases\.eu-west-1: 'Ireland'"):
        load_settings(regions={"aliases": {"eu-west-1": "Ireland"}})


def test_region_code() -> None:
    assert [region_code(v) for v in ("fr", " EU", "xx", None, 3)] == ["FR", "EU", None, None, None]


def test_purposes() -> None:
    t = TenantConfig(id="a", purpose="Customer  Support", purposes=["Billing", "support"])
    assert t.allowed_purposes() == ["billing", "support"]
    assert TenantConfig(id="a", purpose="Research").allowed_purposes() == ["research"]
    for bad in ("mail jane@example.com", "", "-x", "x" * 101):
        with pytest.raises(ValueError, match="a purpose is"):
            TenantConfig(id="a", purposes=[bad])

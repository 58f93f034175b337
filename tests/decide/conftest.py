"""Policy-test helpers: a valid input document and engines over a private copy of policies/."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest

from proxy.config import ROOT, OpaConfig, PolicyConfig

BASE_INPUT: dict[str, Any] = {
    "tenant": {
        "id": "acme",
        "region": "EU",
        "allow_external": True,
        "strict": False,
        "personal_data_local": False,
        "allowed_models": None,
        "purpose": "general",
        "purposes": ["general"],
    },
    "request": {
        "endpoint": "chat.completions",
        "model": "gpt-4o",
        "stream": False,
        "purpose": "general",
    },
    "detection": {"entities": {}, "has_personal_data": False, "special_categories": []},
    "destinations": {
        "local": {"available": True, "model": "smollm2-135m-instruct", "region": "EU"},
        "external": {"available": True, "provider": "openai", "model": "gpt-4o"},
    },
}


def make_input(
    *,
    entities: list[str] = (),  # type: ignore[assignment]
    tenant: dict[str, Any] | None = None,
    request: dict[str, Any] | None = None,
    local: bool = True,
    external: bool = True,
    provider: str = "openai",
) -> dict[str, Any]:
    doc = copy.deepcopy(BASE_INPUT)
    doc["tenant"].update(tenant or {})
    doc["request"].update(request or {})
    doc["detection"]["entities"] = {t: {"count": 1, "max_score": 0.9} for t in entities}
    doc["detection"]["has_personal_data"] = bool(entities)
    doc["destinations"]["local"]["available"] = local
    doc["destinations"]["external"].update(available=external, provider=provider)
    return doc


def policy_config(path: Path, **kw: Any) -> PolicyConfig:
    kw.setdefault("reload_interval_s", 0)
    return PolicyConfig(path=path, opa=OpaConfig(**kw.pop("opa", {})), **kw)


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A private copy of policies/ that a test may edit."""
    dst = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", dst)
    return dst

"""The invariants hold whatever the policy says: a deliberately wrong policy for each of them,
evaluated by the real engine, through the whole proxy and through ``policy eval``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from proxy.config import TenantConfig
from proxy.decide.cli import evaluate
from proxy.decide.invariants import violation
from proxy.decide.types import Decision, Reason
from tests.conftest import Shared
from tests.decide.test_rules_e2e import CRIMINAL, EMAIL, HEALTH, proxy, send

MAIL = f"Please forward the invoice to {EMAIL} today."
CLEAN = "What is the boiling point of water at sea level?"


def wrong_policy(tmp_path: Path, route: str, transform: str, entities: list[str]) -> Path:
    """A policy that answers the same decision for every request."""
    root = tmp_path / "wrong-policy"
    (root / "privacy").mkdir(parents=True)
    decision = {
        "route": route,
        "transform": transform,
        "entities": entities,
        "reasons": [{"code": "wrong_policy", "text": "A policy written wrongly."}],
    }
    (root / "privacy" / "decision.rego").write_text(
        f"package privacy.decision\n\nresult := {json.dumps(decision)}\n"
    )
    return root


CASES = [
    # (id, tenant, text, wrong decision, invariant broken)
    ("entities-miss-an-email", "acme", MAIL, ("external", "pseudonymize", ["PERSON"]),
     "invariant_raw_external"),
    ("untransformed", "acme", MAIL, ("external", "none", []), "invariant_raw_external"),
    ("art9-out", "acme", HEALTH,
     ("external", "pseudonymize", ["EMAIL_ADDRESS", "HEALTH_DATA", "PERSON"]),
     "invariant_art9_external"),
    ("art10-out", "acme", CRIMINAL,
     ("external", "redact", ["CRIMINAL_OFFENCE", "EMAIL_ADDRESS", "PERSON"]),
     "invariant_art10_external"),
    ("strict-out", "strict-co", CLEAN, ("external", "none", []), "invariant_strict_external"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tenant", "text", "wrong", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_a_wrong_policy_cannot_send_data_out(
    make_proxy: Any,
    shared_detector: Any,
    tmp_path: Path,
    tenant: str,
    text: str,
    wrong: tuple[str, str, list[str]],
    code: str,
) -> None:
    policies = wrong_policy(tmp_path, *wrong)
    detector = Shared(shared_detector)
    async with proxy(make_proxy, detector=detector, policy={"path": str(policies)}) as p:
        seen = await send(p, tenant, text)
        tenant_cfg = next(t for t in p.settings.tenants if t.id == tenant)
        body = {"messages": [{"role": "user", "content": text}], "model": "gpt-4o"}
        _, cli = await evaluate(
            p.settings, body, tenant_cfg, "chat.completions", detector=p.state.detector
        )
    assert (seen.status, seen.route) == (403, "deny")
    assert seen.error is not None and seen.error["code"] == "policy_denied"
    assert code in seen.error["message"] and EMAIL not in json.dumps(seen.error)
    assert seen.external_requests == seen.local_requests == 0
    assert seen.reasons == ["wrong_policy", code]
    assert (seen.audit["route"], seen.audit["backend"]) == ("deny", None)
    assert (cli.route, [r.code for r in cli.reasons]) == ("deny", ["wrong_policy", code])


async def test_a_complete_transformation_is_let_through(make_proxy: Any, tmp_path: Path) -> None:
    """The control: the same kind of policy, naming every detected type, is obeyed."""
    policies = wrong_policy(tmp_path, "external", "pseudonymize", ["EMAIL_ADDRESS", "PERSON"])
    async with proxy(make_proxy, policy={"path": str(policies)}) as p:
        seen = await send(p, "acme", MAIL)
    assert (seen.status, seen.route, seen.reasons) == (200, "external", ["wrong_policy"])
    assert EMAIL not in seen.external and EMAIL in seen.answer


ACME = TenantConfig(id="acme")
STRICT = TenantConfig(id="s", strict=True)


def _d(route: str, transform: str = "none", entities: tuple[str, ...] = ()) -> Decision:
    return Decision(route, transform, entities, (Reason("x", "y"),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("decision", "detected", "tenant", "local", "external", "code"),
    [
        (_d("external", "pseudonymize", ("PERSON",)), {"PERSON"}, ACME, True, True, None),
        (_d("external", "redact", ("A", "B", "C")), {"A", "B"}, ACME, True, True, None),
        (_d("external"), set(), ACME, True, True, None),
        (_d("external", "pseudonymize", ("PERSON",)), {"PERSON", "EMAIL_ADDRESS"}, ACME, True,
         True, "invariant_raw_external"),
        (_d("external"), {"PHONE_NUMBER"}, ACME, True, True, "invariant_raw_external"),
        (_d("external", "pseudonymize", ("SEXUAL_ORIENTATION",)), {"SEXUAL_ORIENTATION"}, ACME,
         True, True, "invariant_art9_external"),
        (_d("external", "redact", ("CRIMINAL_OFFENCE",)), {"CRIMINAL_OFFENCE"}, ACME, True, True,
         "invariant_art10_external"),
        (_d("external"), set(), STRICT, True, True, "invariant_strict_external"),
        (_d("external"), set(), ACME, True, False, "no_external_provider"),
        (_d("local"), {"HEALTH_DATA"}, STRICT, True, True, None),
        (_d("local"), set(), ACME, False, True, "no_local_backend"),
        (_d("deny"), {"HEALTH_DATA"}, STRICT, False, False, None),
    ],
)  # fmt: skip
def test_violation_table(
    decision: Decision,
    detected: set[str],
    tenant: TenantConfig,
    local: bool,
    external: bool,
    code: str | None,
) -> None:
    found = violation(
        decision,
        detected=detected,
        tenant=tenant,
        local_available=local,
        external_available=external,
    )
    assert (found.code if found else None) == code

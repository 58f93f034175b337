"""Invariants the proxy holds whatever a (mis)written policy decides."""

from __future__ import annotations

import openai
import pytest

from proxy.decide.types import Decision, Reason
from tests.fakes.fake_engine import FakeFixedEngine

EMAIL = "jane.doe@example.com"
HEALTH = "My colleague Jane Doe was diagnosed with diabetes last year; how can I support her?"


@pytest.mark.parametrize("decision,content,code", [
    (Decision("external", "none", (), (Reason("oops", "allow all"),)), f"Mail {EMAIL}",
     "invariant_raw_external"),
    (Decision("external", "pseudonymize", ("HEALTH_DATA", "PERSON"), (Reason("oops", "x"),)),
     HEALTH, "invariant_art9_external"),
])
async def test_a_wrong_policy_cannot_send_personal_data_out(make_proxy, decision, content, code):
    async with make_proxy(local="none", engine=FakeFixedEngine(decision)) as p:
        resp = None
        with pytest.raises(openai.PermissionDeniedError) as e:
            resp = await p.client().chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": content}])
        assert resp is None and p.fake.requests == []
        assert code in e.value.message
        assert EMAIL not in e.value.message and "diabetes" not in e.value.message


async def test_without_personal_data_the_policy_decides(make_proxy):
    ok = Decision("external", "none", (), (Reason("no_personal_data", "clean"),))
    async with make_proxy(local="none", engine=FakeFixedEngine(ok)) as p:
        out = await p.client().chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "Explain bloom filters."}])
        assert out.choices[0].message.content == "ECHO: Explain bloom filters."

"""Placeholders at a tenant's volume: distinct values keep distinct placeholders across requests
(a vault lives for one request, so only the tail's length keeps two people apart)."""

from __future__ import annotations

import random

from proxy.transform.vault import PLACEHOLDER_RE, TAIL_LEN, Vault

KEY = bytes(random.Random(12).getrandbits(8) for _ in range(32))


def test_distinct_values_get_distinct_placeholders_at_volume():
    # 200,000 e-mail addresses of one tenant, each in a request of its own: with the former
    # 24-bit tails about 1,200 pairs would share a placeholder.
    rng = random.Random(1)
    values = {f"{rng.getrandbits(40):x}.{i}@example.org" for i in range(200_000)}
    seen: dict[str, str] = {}
    for value in values:
        ph = Vault(KEY, "acme").placeholder("EMAIL_ADDRESS", value)
        assert seen.setdefault(ph, value) == value, "two values share a placeholder"
    assert len(seen) == len(values)


def test_a_value_keeps_its_placeholder_across_requests_and_tenants_do_not_share():
    a = Vault(KEY, "acme").placeholder("PERSON", "Jane Doe")
    assert Vault(KEY, "acme").placeholder("PERSON", "Jane Doe") == a
    assert Vault(KEY, "other").placeholder("PERSON", "Jane Doe") != a
    assert Vault(KEY, "acme").placeholder("PHONE_NUMBER", "Jane Doe") != a


def test_placeholders_have_the_documented_shape():
    ph = Vault(KEY, "acme").placeholder("EMAIL_ADDRESS", "a@b.eu")
    assert PLACEHOLDER_RE.fullmatch(ph)
    assert len(ph) == len("<EMAIL_ADDRESS_>") + TAIL_LEN

"""Prompts without personal data pass untouched: versions, ISBNs, hashes, places, topics."""

from __future__ import annotations

from typing import Any

import pytest

from tests.detect.conftest import found

CLEAN = [
    "Upgrade numpy from 1.26.4 to 2.1.0 and pin scipy==1.14.1.",
    "The book has ISBN 978-0-13-468599-1 and costs 39.99 EUR.",
    "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "Order #A-2024-000123 was shipped on 2024-05-03 via DHL.",
    "Jordan and Egypt signed the agreement in May.",
    "The Catholic Church's history in Europe spans two millennia.",
    "What are the symptoms of diabetes?",
    "Explain the history of trade unions in France.",
    "Our Q3 revenue grew 12% to 4.5 million; see ticket JIRA-4711.",
    "Set the timeout to 30000 ms and retry 3 times with commit 3f9a2c1.",
    "Paris is the capital of France; Berlin is the capital of Germany.",
    "Le comité se réunit en mai à Lyon pour voter le budget.",
    "Plan a trip from Santa Maria Novella station to Pisa airport.",
    "Erkläre mir die Relativitätstheorie von Albert Einstein in einfachen Worten.",
    "Explain the Victoria Station redevelopment plan.",
    "List the differences between Spring Boot 3 and Quarkus.",
    'Convert this JSON to YAML: {"service": "api", "replicas": 3}',
    "Der Server in Frankfurt läuft mit Python 3.11 und Redis 7.2.",
    "My button is disabled after the upgrade, and my code has a race condition.",
]


@pytest.mark.parametrize("text", CLEAN)
async def test_clean_prompts_untouched(detector: Any, text: str) -> None:
    assert await found(detector, text) == set()

"""Detection fixtures: the session's in-process detector (en + fr NER, no worker pool)."""

from __future__ import annotations

from typing import Any

import pytest

from proxy.config import TenantConfig
from proxy.detect.types import Span

TENANT = TenantConfig(id="detect-tests")


@pytest.fixture(scope="session")
def detector(shared_detector: Any) -> Any:
    return shared_detector


async def found(detector: Any, text: str, tenant: TenantConfig = TENANT) -> set[tuple[str, str]]:
    """``{(entity_type, value)}`` detected in ``text``."""
    [spans] = await detector.detect([text], tenant)
    return {(s.entity_type, text[s.start : s.end]) for s in spans}


def replaced(text: str, spans: list[Span]) -> str:
    """``text`` with each span replaced by ``<TYPE>``, as the pseudonymizer does."""
    out, last = [], 0
    for s in spans:
        out += [text[last : s.start], f"<{s.entity_type}>"]
        last = s.end
    return "".join(out + [text[last:]])

"""The detection contract shared by the pipeline, the policy input and the audit records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from proxy.config import TenantConfig

# GDPR Art. 9 special categories, as entity types of their own so policy can keep them local.
SPECIAL_CATEGORIES: frozenset[str] = frozenset(
    {
        "HEALTH_DATA",
        "RELIGIOUS_BELIEF",
        "SEXUAL_ORIENTATION",
        "ETHNIC_ORIGIN",
        "POLITICAL_OPINION",
        "TRADE_UNION_MEMBERSHIP",
        "GENETIC_DATA",
        "BIOMETRIC_DATA",
    }
)
# GDPR Art. 10: personal data relating to criminal convictions and offences (and related security
# measures); like Art. 9 data, it never leaves for an external provider.
CRIMINAL_DATA: frozenset[str] = frozenset({"CRIMINAL_OFFENCE"})
NEVER_EXTERNAL: frozenset[str] = SPECIAL_CATEGORIES | CRIMINAL_DATA


# Every entity type the detector emits (policy input, metric labels, audit counts).
ENTITY_TYPES: frozenset[str] = NEVER_EXTERNAL | frozenset(
    {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "STREET_ADDRESS",
        "DATE_OF_BIRTH",
        "PASSPORT",
        "IBAN_CODE",
        "CREDIT_CARD",
        "CRYPTO",
        "IP_ADDRESS",
        "PROFILE_URL",
        "DE_TAX_ID",
        "FR_NIR",
        "ES_DNI",
        "ES_NIE",
        "IT_FISCAL_CODE",
        "NL_BSN",
        "PL_PESEL",
        "UK_NINO",
        "UK_NHS",
        "EU_VAT",
        "NATIONAL_ID",
        "US_SSN",
        "US_ITIN",
        "US_DRIVER_LICENSE",
        "LOCATION",
        "CUSTOM_TERM",
    }
)


@dataclass(frozen=True, slots=True)
class Span:
    """One detected personal-data value: ``text[start:end]`` of the ORIGINAL text.

    Spans of one text never overlap; the detector resolves overlaps before returning.
    """

    start: int
    end: int
    entity_type: str
    score: float


class Detector(Protocol):
    """Finds personal data in a batch of texts.

    ``detect`` analyzes every text of one request in one call and returns, for each text in order,
    its non-overlapping spans sorted by ``start``. It raises on any failure: the pipeline fails the
    request closed. Implementations keep the event loop free (the work runs in worker processes).
    """

    @property
    def revision(self) -> str:
        """Digest of everything that changes results (recognizers, models, corrections)."""
        ...

    async def start(self) -> None: ...

    async def detect(
        self, texts: list[str], tenant: TenantConfig, keys: list[str | None] | None = None
    ) -> list[list[Span]]:
        """Spans of each text; ``keys[i]`` is the key path of ``texts[i]`` inside a structured
        value (``contact.phone``, list indices dropped) and weighs as context, ``None`` (or no
        ``keys``) for free text."""
        ...

    async def ready(self) -> bool: ...

    async def close(self) -> None: ...


class DetectionError(Exception):
    """Detection could not complete; the request fails closed. The message holds no text content."""

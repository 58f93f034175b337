"""detect stage: Presidio + spaCy + our recognizers, in worker processes.

``build_detector(settings)`` returns a ``Detector`` (see ``proxy.detect.types``); call ``start()``
once at startup. ``proxy.detect.admin.admin_routes`` serves the per-tenant corrections API.

Layout: ``detector`` (async front: pool, cache, revision), ``worker`` and ``engine`` (Presidio
inside a worker), ``nlp`` (spaCy NER on the sentences that may hold a name), ``normalize``
(evasions undone, offsets kept), ``recognizers`` (checksummed identifiers, phones, dates of
birth), ``names``, ``address``, ``special`` (GDPR Art. 9), ``corrections`` and ``store``
(per-tenant allow and deny lists), ``admin``. ``ENTITY_TYPES`` lists what can be emitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proxy.detect.types import ENTITY_TYPES, SPECIAL_CATEGORIES, DetectionError, Detector, Span

if TYPE_CHECKING:
    from proxy.config import Settings

__all__ = [
    "ENTITY_TYPES",
    "SPECIAL_CATEGORIES",
    "DetectionError",
    "Detector",
    "Span",
    "build_detector",
]


def build_detector(settings: Settings) -> Detector:
    """The configured detector; nothing is loaded until ``await detector.start()``."""
    from proxy.detect.detector import PresidioDetector

    return PresidioDetector(settings)

"""detect stage: Presidio + spaCy + our recognizers, in worker processes.

``build_detector(settings)`` returns a ``Detector`` (see ``proxy.detect.types``); call ``start()``
once at startup. ``proxy.detect.admin.admin_routes`` serves the per-tenant corrections API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from proxy.detect.types import SPECIAL_CATEGORIES, DetectionError, Detector, Span

if TYPE_CHECKING:
    from proxy.config import Settings

__all__ = ["SPECIAL_CATEGORIES", "DetectionError", "Detector", "Span", "build_detector"]


def build_detector(settings: Settings) -> Detector:
    """The configured detector; nothing is loaded until ``await detector.start()``."""
    from proxy.detect.detector import PresidioDetector

    return PresidioDetector(settings)

"""detect stage: Presidio + spaCy + our recognizers, in worker processes.

``build_detector(settings)`` returns a ``Detector`` (see ``proxy.detect.types``); call ``start()``
once at startup. ``proxy.detect.admin.admin_routes`` serves the per-tenant corrections API.

Layout, by responsibility:

- the front: ``detector`` (cache lookups, revision, lifecycle), ``request`` (what one request's
  texts say together: name coreference, special categories), ``cache``, ``revision``,
  ``scheduler`` (thread or worker pool, batching), ``pool`` and ``worker`` (the processes);
- the analysis inside a worker: ``engine`` (Presidio's analyzer over our registry), ``language``,
  ``normalize`` (evasions undone, offsets kept), ``nlp`` (spaCy NER on the windows that may hold a
  name), ``entities`` (which NER entities are a person or a place), ``keys`` (the key path of a
  structured value as context), ``filters`` (look-alikes dropped, overlaps merged);
- ``recognizers/``: one module per family (identifiers, phones, dates, names, addresses,
  locations) and the one list that registers them; ``special`` (GDPR Art. 9);
- per-tenant corrections: ``corrections``, ``store``, ``admin``.

``ENTITY_TYPES`` lists what can be emitted.
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
